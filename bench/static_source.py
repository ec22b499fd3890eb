#!/usr/bin/env python3
"""The benchmark's source when it is not our own simulator: stored files and a static copy of TensorPool's API, for
nginx to serve (sendfile, C) from one folder.

    static_source.py ROOT PORT COPIES SMALL_FILES SMALL_BYTES LARGE_BYTES S3_FILES S3_LARGE_BYTES SFTP_BYTES

Writes under ROOT:
  files/small/f-000001.bin ...   SMALL_FILES random files of SMALL_BYTES (the S3 jobs take the first S3_FILES)
  files/large.bin, files/s3-large.bin, files/sftp.bin   random, the last two the first bytes of large.bin's
  job/info/JOB, job/pull/JOB      TensorPool's answers for jobs bench-{small,large,s3,s3large,sftp,one}-1..COPIES
  storage/tensorpool/JOB/         each job's files as links, listed by nginx for rclone's http backend
  nginx.conf
The presigned URLs carry a signature-like query, which nginx ignores, as a store's URL would look to the client.
"""
import json
import os
import sys

root, port, copies, small_files, small_bytes, large_bytes, s3_files, s3_large_bytes, sftp_bytes = sys.argv[1:]
port, copies, small_files, small_bytes = int(port), int(copies), int(small_files), int(small_bytes)
large_bytes, s3_files, s3_large_bytes, sftp_bytes = int(large_bytes), int(s3_files), int(s3_large_bytes), int(sftp_bytes)
base = f"http://127.0.0.1:{port}"


def fill(path, size, read):
    """A file of size bytes, taken a MiB at a time from read(n)."""
    with open(path, "wb") as out:
        left = size
        while left:
            block = read(min(left, 1 << 20))
            out.write(block)
            left -= len(block)


def random_file(path, size):
    fill(path, size, os.urandom)


def prefix_file(path, source, size):
    with open(source, "rb") as src:
        fill(path, size, src.read)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(text)


files = os.path.join(root, "files")
os.makedirs(os.path.join(files, "small"), exist_ok=True)
small = [f"f-{i:06d}.bin" for i in range(1, small_files + 1)]
for name in small:
    random_file(os.path.join(files, "small", name), small_bytes)
random_file(os.path.join(files, "large.bin"), large_bytes)
prefix_file(os.path.join(files, "s3-large.bin"), os.path.join(files, "large.bin"), s3_large_bytes)
prefix_file(os.path.join(files, "sftp.bin"), os.path.join(files, "large.bin"), sftp_bytes)

kinds = {  # job kind: [(path in the job, stored file under files/)]
    "small": [(name, f"small/{name}") for name in small],
    "s3": [(name, f"small/{name}") for name in small[:s3_files]],
    "large": [("large.bin", "large.bin")],
    "s3large": [("large.bin", "s3-large.bin")],
    "sftp": [("sftp.bin", "sftp.bin")],
    "one": [(small[0], f"small/{small[0]}")],
}
info = json.dumps({"message": "Job completed", "job_info": {"status": "completed", "exit_code": 0}})
for kind, entries in kinds.items():
    for copy in range(1, copies + 1):
        job = f"bench-{kind}-{copy}"
        write(os.path.join(root, "job", "info", job), info)
        urls = {path: f"{base}/files/{stored}?X-Amz-Expires=86400&X-Amz-Signature={copy:064x}" for path, stored in entries}
        write(os.path.join(root, "job", "pull", job), json.dumps({"message": f"Pulled {len(urls)} files",
                                                                   "download_map": urls}))
        listed = os.path.join(root, "storage", "tensorpool", job)
        os.makedirs(listed, exist_ok=True)
        for path, stored in entries:
            os.symlink(os.path.join(files, stored), os.path.join(listed, path))

write(os.path.join(root, "nginx.conf"), f"""
daemon off;
user root;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location /files/ {{ default_type application/octet-stream; }}
        location /storage/ {{ autoindex on; default_type application/octet-stream; }}
        location /job/ {{ default_type application/json; }}
    }}
}}
""")
