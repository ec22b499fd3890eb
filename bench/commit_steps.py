#!/usr/bin/env python3
"""What it costs the kernel to make each file visible only once it is whole, against creating it under its final name
as curl does: 16 threads write many small files into one folder, each way in turn, and each run's wall-clock time and
CPU seconds (user, system) are printed. No way syncs anything: only the folder's work differs.

    commit_steps.py SCRATCH [FILES [BYTES [ROUNDS]]]     (defaults: 20000 files of 65536 bytes, 3 rounds)

The ways:
  direct   each file created under its final name, visible while half-written (curl's way)
  rename   created under a temp name beside its final one, then renamed over it by 4 other threads (the harvester's)
  inline   the same, renamed by the thread that wrote it (the harvester with fsync off)
  apart    created in a temp folder inside the folder, then renamed across
  tmpfile  created without a name (O_TMPFILE), then named by linkat (AT_EMPTY_PATH: run as root)

At most 512 files at a time wait to be made visible, as in the daemon. Each run writes into a folder of its own under
SCRATCH, after `sync` and (as root) with the page cache dropped; nothing is deleted until every run is over, since ext4
without a journal passes over recently freed inodes for a minute or more when it allocates new ones, which would bill
one way for the one before it.
"""
import ctypes
import os
import queue
import resource
import shutil
import subprocess
import sys
import threading
import time

WRITERS, COMMITTERS = 16, 4
# Files written and not yet visible, at most: the daemon's bound (32 a lane, 16 lanes).
UNCOMMITTED = 512
AT_FDCWD, AT_EMPTY_PATH = -100, 0x1000
WAYS = ("direct", "rename", "inline", "apart", "tmpfile")
if os.geteuid() != 0:
    print("commit_steps: tmpfile left out (linkat with AT_EMPTY_PATH needs root)", file=sys.stderr)
    WAYS = WAYS[:-1]

scratch = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
size = int(sys.argv[3]) if len(sys.argv) > 3 else 65536
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
data = os.urandom(size)
libc = ctypes.CDLL(None, use_errno=True)


def run(way, folder, shown=True):
    temps = os.path.join(folder, ".partial")
    os.makedirs(temps)
    named = queue.Queue(UNCOMMITTED)
    # A thread that fails goes on draining, so that no writer waits for ever on a full queue; the run then fails.
    failures = []

    def write(first):
        try:
            write_share(first)
        except OSError as e:
            failures.append(e)

    def write_share(first):
        for i in range(first, files, WRITERS):
            name = "f%07d" % i
            final = os.path.join(folder, name)
            if way == "tmpfile":
                fd = os.open(folder, os.O_WRONLY | os.O_TMPFILE, 0o644)
                os.write(fd, data)
                named.put((fd, final))
                continue
            temp = final if way == "direct" else os.path.join(temps if way == "apart" else folder, ".tmp-" + name)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, data)
            os.close(fd)
            if way == "inline":
                os.rename(temp, final)
            elif way != "direct":
                named.put((temp, final))

    def commit():
        for temp, final in iter(named.get, None):
            try:
                if way == "tmpfile":
                    linked = libc.linkat(temp, b"", AT_FDCWD, os.fsencode(final), AT_EMPTY_PATH)
                    os.close(temp)
                    if linked != 0:
                        raise OSError(ctypes.get_errno(), "linkat to " + final)
                else:
                    os.rename(temp, final)
            except OSError as e:
                failures.append(e)

    began, before = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    writers = [threading.Thread(target=write, args=(k,)) for k in range(WRITERS)]
    committers = [threading.Thread(target=commit) for _ in range(COMMITTERS)]
    for thread in writers + committers:
        thread.start()
    for thread in writers:
        thread.join()
    for _ in committers:
        named.put(None)
    for thread in committers:
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    if failures:
        sys.exit(f"commit_steps: {way}: {len(failures)} files failed, the first: {failures[0]}")
    visible = sum(1 for entry in os.scandir(folder) if not entry.name.startswith("."))
    assert visible == files, f"{way}: {visible} files visible, not {files}"
    if shown:
        print(f"{way:8} {time.monotonic() - began:6.2f} s  user {after.ru_utime - before.ru_utime:5.2f} s"
              f"  system {after.ru_stime - before.ru_stime:5.2f} s", flush=True)


try:
    # The first run of a process took up to twice as long whichever way it was: one is run first and not shown.
    run("direct", os.path.join(scratch, "warm-up"), shown=False)
    for round_ in range(rounds):
        for way in WAYS:
            subprocess.run(["sync"], check=True)
            if os.access("/proc/sys/vm/drop_caches", os.W_OK):
                with open("/proc/sys/vm/drop_caches", "w") as caches:
                    caches.write("3")
            run(way, os.path.join(scratch, f"{way}-{round_}"))
finally:
    shutil.rmtree(os.path.join(scratch, "warm-up"), ignore_errors=True)
    for way in WAYS:
        for round_ in range(rounds):
            shutil.rmtree(os.path.join(scratch, f"{way}-{round_}"), ignore_errors=True)
