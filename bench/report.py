"""Turns bench/run.sh's timings into its results page: medians, peak RSS, CPU per GiB and per 1,000 objects, ratios,
each goal met or not, and the goals' ratios repetition by repetition. The run's sizes come in BENCH-style variables
from run.sh's environment; the source (nginx or simulator) chooses the goals."""
import csv
import datetime
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

tsv, out = sys.argv[1:3]
env = os.environ
source, reps, warmups, warmed = env["SOURCE"], int(env["REPS"]), env["WARMUPS"], env.get("WARMED_AFTER", "")
stolen = env.get("STOLEN_BY_REP", "")
small_files, small_bytes, large_bytes = int(env["SMALL_FILES"]), int(env["SMALL_BYTES"]), int(env["LARGE_BYTES"])
capped_bytes, capped_rate = int(env["CAPPED_BYTES"]), int(env["CAPPED_RATE"])
listing_small, listing_large = env["LISTING_SMALL"], env["LISTING_LARGE"]
s3_files, s3_large_bytes = int(env["S3_FILES"]), int(env["S3_LARGE_BYTES"])
sftp_bytes, sftp_delay = int(env["SFTP_BYTES"]), int(env["SFTP_DELAY_MS"])
if source == "simulator":
    s3_files = small_files

runs = defaultdict(list)
for workload, tool, seconds, rss, cpu_seconds, servers_cpu in csv.reader(open(tsv), delimiter="\t"):
    runs[(workload, tool)].append((float(seconds), int(rss), float(cpu_seconds), float(servers_cpu)))


def median(workload, tool):
    """(seconds, peak RSS KiB, CPU seconds, the servers' CPU seconds), each the median of its runs."""
    values = runs.get((workload, tool))
    if not values:
        return None, None, None, None
    return tuple(statistics.median(v[i] for v in values) for i in range(4))


def version(command):
    try:
        text = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (text.stdout + text.stderr).strip().splitlines()[0]
    except Exception:  # a missing tool is reported as such
        return "not found"


def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def mib(kib):
    return f"{kib / 1024:.0f} MiB" if kib is not None else ""


def size(n):
    n = int(n)
    for unit in ["B", "KiB", "MiB", "GiB"]:
        if n < 1024 or unit == "GiB":
            return f"{n:g} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


# What each workload moves: (bytes, objects), for CPU per GiB and per 1,000 objects.
moved = {
    "small": (small_files * small_bytes, small_files),
    "large": (large_bytes, 1),
    "capped": (capped_bytes, 1),
    "s3": (s3_files * small_bytes, s3_files),
    "s3large": (s3_large_bytes, 1),
    "s3tls": (s3_large_bytes, 1),
    "sftp-near": (sftp_bytes, 1),
    "sftp-far": (sftp_bytes, 1),
}
labels = {
    "small": f"{small_files:,} files of {size(small_bytes)} to disk",
    "large": f"one file of {size(large_bytes)} to disk",
    "capped": f"one file of {size(capped_bytes)}, {size(capped_rate)}/s per connection",
    "s3": f"{s3_files:,} files of {size(small_bytes)} into s3proxy",
    "s3large": f"one object of {size(s3_large_bytes)} into s3proxy",
    "s3tls": f"one object of {size(s3_large_bytes)} into s3proxy over https",
    "sftp-near": f"one file of {sftp_bytes / 1e6:g} MB onto OpenSSH, loopback",
    "sftp-far": f"one file of {sftp_bytes / 1e6:g} MB onto OpenSSH, {2 * sftp_delay} ms round trip",
    "start": f"one file of {size(small_bytes)}, one-shot from JVM start",
    "listing": "Archetype job, outputs listed in pages of 100",
}
served_by = ("nginx 1.22 (C, sendfile, one worker) serving stored files and a static copy of TensorPool's job API"
             if source == "nginx" else "the project's simulator, generating files as they are served")
lines = [
    "# Benchmark results" + (" against the simulator" if source == "simulator" else ""),
    "",
    f"Measured by `{'BENCH_SOURCE=simulator ' if source == 'simulator' else ''}bench/run.sh` on"
    f" {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores"
    f" ({cpu()}), {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, {platform.platform()}.",
    f"{version(['java', '-version'])}; {version(['curl', '--version'])}; {version(['rclone', 'version'])};"
    f" {version(['aria2c', '--version'])}; {version(['ssh', '-V'])}.",
    "",
    f"Medians of {reps} runs per tool, the tools in turn within each run. The source is {served_by}: presigned URLs"
    " from the job's listing for curl, aria2c and the harvester; the same files through a folder listing for rclone's"
    " http backend. Peak RSS is the largest process of a run (GNU time); for a running daemon, its VmHWM so far. CPU is"
    " the user and system time of the tool's processes during the run (for a running daemon, from /proc); the servers'"
    " is that of the source and s3proxy (not OpenSSH's), which run on the same cores and serve every tool: what a"
    " tool's requests cost them, and what they take from it when they share two cores. 16 transfers side by side for"
    " every tool. Every timed run"
    " starts after `sync` and, run as root, with the page cache dropped, every tool's program files read back in"
    " (binaries and libraries; the JDK with its settings, the launcher with the commands it runs, the jar and its"
    " class-data archive), as for a tool in regular use"
    + (" and the workload's stored files read back in (nginx stands for a store on another machine, whose reads do not"
       " wait behind our writes)" if source == "nginx" else "")
    + ". The harvester runs through its launcher"
    " (shipped JVM settings, class-data archive) unless a row says otherwise. The running daemons are timed warm: each"
    " daemon of small files, the large file or S3 after as many jobs of its kind as it took until one cost its JIT"
    " compilers (jstat) under 5% of"
    f" its CPU, at most {warmups} ({warmed or 'none run'})"
    + ("; the S3 daemon's rounds are one job of small objects and one large object each, the mix it serves"
       if env.get("S3_WARM_MIX") else "")
    + ("; the S3 daemon over https (s3tls) on large objects alone" if "s3tls" in warmed else "")
    + "; the SFTP daemons after one job of theirs."
    + (f" The host took {stolen} of the cores' time for other work (steal, repetition by repetition): every tool's"
       " time moves with it." if stolen else "")
    + (" Free page reporting (the virtual machine's balloon handing freed memory back to its host, which whoever writes"
       " through the page cache next pays to get back) was off for the run." if env.get("PAGE_REPORTING") == "off"
       else " Free page reporting, where the kernel has it, was left as it was (the run turns it off only as root):"
       " a tool writing through the page cache may pay to get memory back from the host, more the sooner it runs after"
       " a cache drop."),
    "",
    "| workload | tool | time (median) | peak RSS | CPU | servers' CPU | CPU per GiB | CPU per 1,000 objects"
    " | harvester ÷ tool |",
    "|---|---|---|---|---|---|---|---|---|",
]


def row(workload, tool, reference=None, label=None):
    seconds, rss, cpu_seconds, servers_cpu = median(workload, tool)
    if seconds is None:
        return
    ratio = ""
    if reference is not None and seconds > 0 and reference[0] is not None:
        ratio = f"{reference[0] / seconds:.2f}"
    per_gib = per_thousand = ""
    if workload in moved:
        nbytes, objects = moved[workload]
        per_gib = f"{cpu_seconds / (nbytes / 2**30):.2f} s"
        per_thousand = f"{cpu_seconds / (objects / 1000):.2f} s" if objects >= 1000 else ""
    lines.append(f"| {label or labels[workload]} | {tool} | {seconds:.2f} s | {mib(rss)} | {cpu_seconds:.2f} s |"
                 f" {servers_cpu:.2f} s | {per_gib} | {per_thousand} | {ratio} |")


DAEMON = "harvester (running daemon)"
ONE_SHOT = "harvester (one-shot, JVM start included)"
for tool in ["curl", "curl, then sync", "aria2c", "rclone", ONE_SHOT, DAEMON, "harvester (running daemon, fsync off)",
             "harvester (running daemon, fsync off), then sync"]:
    row("small", tool, median("small", DAEMON) if not tool.startswith("harvester") else None)
for tool in ["curl", "curl, then sync", "harvester (one-shot)", DAEMON, "harvester (running daemon, fsync off)",
             "harvester (running daemon, fsync off), then sync", "dd to disk (fdatasync)",
             "curl into dd (O_DIRECT, fsync)", "dd around the page cache (O_DIRECT, fsync)",
             "openssl sha256 (hashing alone)"]:
    row("large", tool, median("large", DAEMON) if not tool.startswith("harvester") else None)
for tool in ["rclone", ONE_SHOT, DAEMON]:
    row("s3", tool, median("s3", DAEMON) if tool == "rclone" else None)
for workload in ["s3large", "s3tls"]:
    for tool in ["rclone copyurl", DAEMON]:
        row(workload, tool, median(workload, DAEMON) if tool == "rclone copyurl" else None)
for side in ["sftp-near", "sftp-far"]:
    for tool in ["sftp (OpenSSH)", DAEMON]:
        row(side, tool, median(side, DAEMON) if tool == "sftp (OpenSSH)" else None)
for tool in ["harvester (one-shot, launcher)", "harvester (one-shot, java -jar)"]:
    row("start", tool)
segmented = median("capped", "harvester (running daemon, 4 segments)")
for tool in ["curl (1 connection)", "aria2c -x4", "harvester (one-shot, 1 connection)", "harvester (one-shot, 4 segments)",
             "harvester (running daemon, 1 connection)", "harvester (running daemon, 4 segments)"]:
    row("capped", tool, segmented if not tool.startswith("harvester") else None)
for count in [listing_small, listing_large]:
    row("listing", f"harvester, {count} outputs")

goals, firmness, floors = [], [], []


def goal(text, value, met):
    verdict = "" if text.startswith("(not a goal)") else "yes" if met else "**no**"
    goals.append(f"| {text} | {value} | {verdict} |")


def compare(text, workload, tool, peer_workload, peer, limit, throughput=False):
    """A goal on the harvester's time against a peer's (or its throughput as a share of the peer's), with the ratio
    of each repetition for how firm it is."""
    mine, theirs = median(workload, tool)[0], median(peer_workload, peer)[0]
    if not mine or not theirs:
        return
    pairs = list(zip(runs[(workload, tool)], runs[(peer_workload, peer)]))
    if throughput:
        goal(text, f"{theirs / mine:.0%} ({mine:.2f} s vs {theirs:.2f} s)", theirs / mine >= limit)
        per_rep = [f"{b[0] / a[0]:.0%}" for a, b in pairs]
        allowed = [b[0] / limit for _, b in pairs]
    else:
        goal(text, f"{mine / theirs:.2f}× ({mine:.2f} s vs {theirs:.2f} s)", mine <= limit * theirs)
        per_rep = [f"{a[0] / b[0]:.2f}×" for a, b in pairs]
        allowed = [limit * b[0] for _, b in pairs]
    firmness.append(f"| {text} | {', '.join(per_rep)} |")
    if not text.startswith("(not a goal)"):
        cores_floor(text, [a for a, _ in pairs], allowed)


def cores_floor(text, harvester_runs, allowed):
    """The least time each of the harvester's runs could have taken at the CPU it and the servers spent, spread over
    every core without a gap, against the time the goal allowed that run."""
    floor = [(cpu_seconds + servers_cpu) / os.cpu_count() for _, _, cpu_seconds, servers_cpu in harvester_runs]
    busy = [least / run[0] for least, run in zip(floor, harvester_runs)]
    within = sum(least <= limit for least, limit in zip(floor, allowed))
    floors.append(f"| {text} | {statistics.median(allowed):.2f} s | {statistics.median(floor):.2f} s"
                  f" | {statistics.median(busy):.0%} | {within} of {len(floor)} |")


if source == "nginx":
    title = "## Goals (issue 19, against nginx; durability: issue 14)"
    compare(f"{labels['large']}: warm daemon (-Xmx64m, SHA-256 on) ≥ 95% of curl's throughput", "large", DAEMON,
            "large", "curl", 0.95, throughput=True)
    compare(f"{labels['small']}, durability on: ≤ 0.8× rclone's time", "small", DAEMON, "small", "rclone", 0.8)
    compare("one-shot harvest of the small files within 1.5× of the warm daemon", "small", ONE_SHOT, "small", DAEMON,
            1.5)
    start = median("start", "harvester (one-shot, launcher)")[0]
    if start:
        goal("a one-file `harvest` (launcher) under 1.5 s", f"{start:.2f} s", start < 1.5)
        firmness.append(f"| a one-file `harvest` under 1.5 s | "
                        f"{', '.join(f'{r[0]:.2f} s' for r in runs[('start', 'harvester (one-shot, launcher)')])} |")
    compare(f"{labels['s3']}: ≤ 1.0× rclone's time", "s3", DAEMON, "s3", "rclone", 1.0)
    for workload in ["s3large", "s3tls"]:
        compare(f"{labels[workload]}: ≤ 0.9× `rclone copyurl`'s time", workload, DAEMON, workload, "rclone copyurl",
                0.9)
    compare(f"(not a goal) {labels['large']}: the same, fsync off", "large", "harvester (running daemon, fsync off)",
            "large", "curl", 0.95, throughput=True)
    compare(f"(not a goal) {labels['large']}: warm daemon against `curl`, then `sync` (both durable)", "large", DAEMON,
            "large", "curl, then sync", 1.0, throughput=True)
    compare(f"(not a goal) {labels['large']}: warm daemon against `curl` into `dd` (O_DIRECT, fsync; both durable)",
            "large", DAEMON, "large", "curl into dd (O_DIRECT, fsync)", 1.0, throughput=True)
    # A durable, verified copy can go no faster than the slower of its two parts done alone.
    compare(f"(not a goal) {labels['large']}: warm daemon against its durable write alone (dd around the page cache)",
            "large", DAEMON, "large", "dd around the page cache (O_DIRECT, fsync)", 1.0, throughput=True)
    compare(f"(not a goal) {labels['large']}: warm daemon against its hashing alone (`openssl sha256`)", "large", DAEMON,
            "large", "openssl sha256 (hashing alone)", 1.0, throughput=True)
    compare(f"(not a goal) {labels['large']}: curl against a durable write alone (dd around the page cache)", "large",
            "curl", "large", "dd around the page cache (O_DIRECT, fsync)", 1.0, throughput=True)
    rss = median("small", DAEMON)[1]
    if rss:
        # A tenth of a MiB: a whole one would print a peak of 159.9 MiB, under the goal, as 160.
        goal("peak RSS of the daemon on the small files, shipped defaults, under 160 MiB", f"{rss / 1024:.1f} MiB",
             rss < 160 * 1024)
    compare(f"{labels['sftp-far']}: ≤ 1.3× OpenSSH sftp's time", "sftp-far", DAEMON, "sftp-far", "sftp (OpenSSH)",
            1.3)
else:
    title = "## Goals (issues 7 and 14)"
    compare("small files: running harvester ≤ rclone", "small", DAEMON, "small", "rclone", 1.0)
    compare("small files: running harvester within 1.5× curl", "small", DAEMON, "small", "curl", 1.5)
    compare("2 GiB: running harvester (-Xmx64m) ≥ 90% of curl's throughput", "large", DAEMON, "large", "curl", 0.9,
            throughput=True)
    rss_small = median("listing", f"harvester, {listing_small} outputs")[1]
    rss_large = median("listing", f"harvester, {listing_large} outputs")[1]
    if rss_small and rss_large:
        goal(f"{int(listing_large):,} outputs: peak RSS within 1.5× of {int(listing_small):,}",
             f"{rss_large / rss_small:.2f}×", rss_large <= 1.5 * rss_small)
    compare("S3: running harvester at least as fast as rclone copy", "s3", DAEMON, "s3", "rclone", 1.0)
    one = median("capped", "harvester (running daemon, 1 connection)")
    if segmented[0] and one[0]:
        goal("capped file: running harvester, 4 segments ≥ 3× faster than 1 connection",
             f"{one[0] / segmented[0]:.2f}×", one[0] >= 3 * segmented[0])
    compare("capped file: running harvester, 4 segments within 1.2× of aria2c -x4", "capped",
            "harvester (running daemon, 4 segments)", "capped", "aria2c -x4", 1.2)
for workload, limit, label in [("small", 1.15, f"{small_files:,} small files"),
                               ("large", 1.05, f"one file of {size(large_bytes)}")]:
    compare(f"durability (issue 14): {label}, fsync on within {limit:.2f}× of fsync off (running daemons)", workload,
            DAEMON, workload, "harvester (running daemon, fsync off)", limit)
    durable, flushed = median(workload, DAEMON), median(workload, "harvester (running daemon, fsync off), then sync")
    if durable[0] and flushed[0]:
        goals.append(f"| (not a goal) {label}: fsync on against fsync off followed by `sync`, the same bytes on the"
                     f" disk | {durable[0]:.2f} s vs {flushed[0]:.2f} s ({durable[0] / flushed[0]:.2f}×) | |")

lines += ["", title, "", "| goal | measured (medians) | met |", "|---|---|---|"] + goals
lines += ["", "## How firm: each goal's ratio in each repetition", "", "| goal | repetitions 1, 2, … |", "|---|---|"]
lines += firmness
lines += ["", "## What the cores allowed", "",
          f"The CPU the harvester and the servers spent during one of the harvester's runs, spread over the"
          f" {os.cpu_count()} cores without a gap, is the least time that run could have taken at that CPU. Where it"
          " lies above the time a goal allowed, the goal needs the work to cost less CPU; where it lies below, the"
          " cores stood idle part of the time, and less waiting would do. (The host's steal is not counted: it takes"
          " the cores' time too.)", "",
          "| goal | time the goal allowed (median) | CPU spent ÷ cores (median) | cores busy (median)"
          " | repetitions whose CPU fitted in the time allowed |", "|---|---|---|---|---|"]
lines += floors
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
