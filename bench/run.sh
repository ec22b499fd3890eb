#!/usr/bin/env bash
# Times job-harvester against curl, rclone, aria2c and OpenSSH's sftp on the same files, behind a TensorPool job
# listing, in one run, in alternation; writes medians, peak RSS, CPU time and ratios to bench/RESULTS.md.
#   bench/run.sh            the source is nginx (C, sendfile) serving stored files and a static copy of the job API:
#                           a server that is not ours and costs little CPU; 3 repetitions (about 35 minutes on 2 cores)
#   BENCH_SOURCE=simulator bench/run.sh
#                           the source is the project's simulator, files generated as served (bench/SIMULATOR.md;
#                           5 repetitions, with the capped-rate file and the paged listings it alone serves)
#   bench/run.sh --smoke    tiny sizes, one repetition, results in target/bench/ (the test suite runs this)
#   BENCH_WORKLOADS="small large durability" BENCH_RESULTS=/tmp/durability.md bench/run.sh
#                           a part only: here the cost of fsync (daemons with HARVESTER_FSYNC=false beside the others)
# The harvester runs through its launcher (daemon/target/job-harvester: the shipped JVM settings and class-data
# archive) unless a row says otherwise. Sizes and repetitions can be changed with BENCH_* variables (see below). Run
# from anywhere, as root for the SFTP workload (it starts an sshd); needs a Java 17 JDK (its jstat and keytool too),
# Maven, curl, rclone, aria2c, nginx, OpenSSH, GNU time, openssl and python3 (Debian: apt-get install curl rclone
# aria2 nginx-light openssh-server time openssl python3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=0
[[ "${1:-}" == "--smoke" ]] && SMOKE=1
SOURCE=${BENCH_SOURCE:-nginx}
[[ $SOURCE == nginx || $SOURCE == simulator ]] || { echo "bench: BENCH_SOURCE is nginx or simulator" >&2; exit 2; }
RESULTS_NAME=RESULTS.md
[[ $SOURCE == simulator ]] && RESULTS_NAME=SIMULATOR.md
if (( SMOKE )); then
  : "${BENCH_REPS:=1}" "${BENCH_WARMUPS:=1}" "${BENCH_SMALL_FILES:=200}" "${BENCH_LARGE_BYTES:=8388608}"
  : "${BENCH_CAPPED_BYTES:=8388608}" "${BENCH_CAPPED_RATE:=8388608}" "${BENCH_LISTING_SMALL:=100}"
  : "${BENCH_LISTING_LARGE:=1000}" "${BENCH_S3_FILES:=50}" "${BENCH_S3_LARGE_BYTES:=8388608}"
  : "${BENCH_SFTP_BYTES:=8000000}"
  RESULTS=$ROOT/target/bench/$RESULTS_NAME
else
  RESULTS=${BENCH_RESULTS:-$ROOT/bench/$RESULTS_NAME}
fi
if [[ $SOURCE == nginx ]]; then
  # Five: a tool's time moves by 10-40% from one repetition to the next on shared machines, and the S3 runs had one
  # slow repetition in five (either tool, its servers spending 1.5-2 times their usual CPU): a median of three moves.
  REPS=${BENCH_REPS:-5}
  SMALL_FILES=${BENCH_SMALL_FILES:-10000}
  DEFAULT_WORKLOADS="small large s3 s3large s3tls sftp start durability"
else
  REPS=${BENCH_REPS:-5}
  SMALL_FILES=${BENCH_SMALL_FILES:-20000}
  DEFAULT_WORKLOADS="small large capped s3 listing durability"
fi
# nginx only: the S3 workloads' own sizes, the SFTP file and the delay each way of the far SFTP link.
S3_FILES=${BENCH_S3_FILES:-2000}
S3_LARGE_BYTES=${BENCH_S3_LARGE_BYTES:-536870912}
SFTP_BYTES=${BENCH_SFTP_BYTES:-200000000}
SFTP_DELAY_MS=${BENCH_SFTP_DELAY_MS:-25}
SMALL_BYTES=${BENCH_SMALL_BYTES:-65536}
LARGE_BYTES=${BENCH_LARGE_BYTES:-2147483648}
CAPPED_BYTES=${BENCH_CAPPED_BYTES:-200000000}
CAPPED_RATE=${BENCH_CAPPED_RATE:-20000000}
LISTING_SMALL=${BENCH_LISTING_SMALL:-1000}
LISTING_LARGE=${BENCH_LISTING_LARGE:-100000}
PARALLEL=16
WORKLOADS=" ${BENCH_WORKLOADS:-$DEFAULT_WORKLOADS} "
runs() { [[ $WORKLOADS == *" $1 "* ]]; }

for tool in curl rclone aria2c python3 /usr/bin/time nginx sftp jstat; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench: $tool is missing; on Debian: apt-get install curl rclone aria2 nginx-light openssh-server time python3" \
      "(jstat comes with the JDK: openjdk-17-jdk-headless)" >&2
    exit 2
  fi
done

WORK=$ROOT/target/bench/work
rm -rf "$WORK"
mkdir -p "$WORK"
JAR=$ROOT/daemon/target/job-harvester.jar
LAUNCHER=$ROOT/daemon/target/job-harvester
# The test servers (s3proxy) run from the component's test classes.
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
TEST_CP=$(test_classpath "$WORK")

# Free page reporting: a virtual machine's balloon hands freed memory back to its host, and whoever writes through the
# page cache next pays to get it back, here up to 1 s of kernel time per GiB (curl's 2 GiB download took 3.1-4.5 s with
# it on, 2.3-2.9 s with it off), more the sooner it runs after a cache drop: a cost of the tool's place in the turn, not
# of the tool. Run as root on a kernel that takes it, the run sets the smallest block reported above the largest the
# kernel has (one past the orders /proc/buddyinfo lists), which stops it, and puts it back at exit; the results page
# says whether it was off.
REPORTING_ORDER=/sys/module/page_reporting/parameters/page_reporting_order
REPORTING_ORDER_BEFORE= PAGE_REPORTING=on
if [[ -w $REPORTING_ORDER ]]; then
  REPORTING_ORDER_BEFORE=$(cat "$REPORTING_ORDER")
  above_largest=$(awk 'NR == 1 { print NF - 4 }' /proc/buddyinfo)
  if echo "$above_largest" 2>/dev/null > "$REPORTING_ORDER" && [[ $(cat "$REPORTING_ORDER") == "$above_largest" ]]; then
    PAGE_REPORTING=off
  fi
fi

PIDS=()
# A stopped daemon (pause_daemons) would hold its SIGTERM until continued, and the wait with it.
cleanup() {
  for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ $PAGE_REPORTING == off ]] && echo "$REPORTING_ORDER_BEFORE" > "$REPORTING_ORDER"
  return 0
}
trap cleanup EXIT

# --- the source, with every job in 4*REPS copies, a fresh one per run, and more to warm the daemons up -------------
WARMUPS=${BENCH_WARMUPS:-30}
COPIES=$((4 * REPS + WARMUPS))
if [[ $SOURCE == simulator ]]; then
  java -Xmx4g -jar "$JAR" simulator --bench "$COPIES" --small-files "$SMALL_FILES" --small-file-bytes "$SMALL_BYTES" \
    --large-bytes "$LARGE_BYTES" --capped-bytes "$CAPPED_BYTES" --capped-rate "$CAPPED_RATE" \
    --listing-small "$LISTING_SMALL" --listing-large "$LISTING_LARGE" > "$WORK/simulator.log" 2>&1 &
  PIDS+=($!)
  SERVER_PIDS=($!)
  wait_for_line "$WORK/simulator.log" "Stop with Ctrl-C"
  eval "$(grep '^  export ' "$WORK/simulator.log" | sed 's/^  //')"
  unset TENSORPOOL_JOB_IDS  # the demo jobs the simulator also serves are not part of the benchmark
  STORAGE=$(sed -n 's/^Storage: //p' "$WORK/simulator.log" | sed 's:/$::')
  S3_KIND=small
else
  NGINX_PORT=$(free_port)
  python3 "$ROOT/bench/static_source.py" "$WORK/www" "$NGINX_PORT" "$COPIES" "$SMALL_FILES" "$SMALL_BYTES" \
    "$LARGE_BYTES" "$S3_FILES" "$S3_LARGE_BYTES" "$SFTP_BYTES"
  nginx -c "$WORK/www/nginx.conf" > "$WORK/nginx.log" 2>&1 &
  PIDS+=($!)
  SERVER_PIDS=($!)
  TENSORPOOL_API_URL=http://127.0.0.1:$NGINX_PORT TENSORPOOL_KEY=static-source-key
  ARCHETYPE_API_URL=http://127.0.0.1:$NGINX_PORT/no-archetype-here ATAI_API_KEY=static-source-key
  STORAGE=http://127.0.0.1:$NGINX_PORT/storage
  until curl -sf -o /dev/null "$TENSORPOOL_API_URL/job/info/bench-small-1"; do sleep 0.05; done
  S3_KIND=s3
fi
export WORK JAR LAUNCHER PARALLEL TENSORPOOL_API_URL TENSORPOOL_KEY ARCHETYPE_API_URL ATAI_API_KEY

# --- s3proxy, a real S3-compatible server --------------------------------------------------------------------------
# For s3tls it also serves https, with a certificate made here that rclone and the harvester's JVM are told to trust.
mkdir -p "$WORK/s3"
TLS_STORE=() TLS_PASSWORD=bench-only-store
if runs s3tls; then
  rm -rf "$WORK/tls" && mkdir -p "$WORK/tls"
  keytool -genkeypair -alias s3proxy -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext SAN=ip:127.0.0.1 \
    -validity 7 -keystore "$WORK/tls/server.p12" -storepass "$TLS_PASSWORD" 2> /dev/null
  keytool -exportcert -rfc -alias s3proxy -keystore "$WORK/tls/server.p12" -storepass "$TLS_PASSWORD" \
    > "$WORK/tls/s3proxy.pem"
  keytool -importcert -noprompt -alias s3proxy -file "$WORK/tls/s3proxy.pem" -keystore "$WORK/tls/trust.p12" \
    -storepass "$TLS_PASSWORD" 2> /dev/null
  TLS_STORE=("$WORK/tls/server.p12" "$TLS_PASSWORD")
fi
java -cp "$TEST_CP" dev.jobharvester.sink.S3Server "$WORK/s3" "${TLS_STORE[@]}" > "$WORK/s3proxy.log" 2>&1 &
PIDS+=($!)
SERVER_PIDS+=($!)
wait_for_line "$WORK/s3proxy.log" "^endpoint="
S3_URL=$(sed -n 's/^endpoint=//p' "$WORK/s3proxy.log")
S3_TLS_URL=$(sed -n 's/^secure-endpoint=//p' "$WORK/s3proxy.log")
S3_ACCESS=harvester-access S3_SECRET=harvester-secret-3f9c1d7a2b

harvester_env() {  # out-dir data-dir: the environment every harvester run shares
  echo TENSORPOOL_API_URL="$TENSORPOOL_API_URL" TENSORPOOL_KEY="$TENSORPOOL_KEY" ARCHETYPE_API_URL="$ARCHETYPE_API_URL" \
    ATAI_API_KEY="$ATAI_API_KEY" HARVESTER_ALLOWED_HOSTS=127.0.0.1 HARVESTER_ALLOW_HTTP=true \
    HARVESTER_OUTPUT_DIR="$1" HARVESTER_DATA_DIR="$2" HARVESTER_POLL_DELAY=100 HARVESTER_MANAGEMENT_PORT=0 \
    HARVESTER_CONCURRENT_DOWNLOADS=$PARALLEL HARVESTER_LOG_LEVEL=WARN
}

# Every timed run starts from the same page cache: what the run before left dirty is written back, and (as root) the
# cache is dropped, since reclaiming a full one costs whoever writes next several seconds per GiB. Every tool's own
# program files are read back in, as they stay cached for a tool in regular use: the binaries of curl, rclone, aria2c
# and sftp with their libraries; the JDK (its settings too), the harvester's launcher with the commands it runs, its jar
# and its class-data archive. The source stands for a store on another machine, whose disk is not ours: the workload's
# stored files are read back in too, or nginx (one worker, blocking reads) would wait on this disk behind the very
# writes being timed, and durable runs would measure that. All of it outside the timed part.
program_files() {
  local program java_home
  # sh to uname: the launcher's shell and the commands it runs before java.
  for program in curl rclone aria2c sftp java sh cat dirname readlink stat uname; do
    program=$(readlink -f "$(command -v "$program")")
    echo "$program"
    { ldd "$program" 2>/dev/null || true; } | awk '$3 ~ /^\// { print $3 }'  # a static binary has no libraries
  done
  java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  # Its settings and trust store too, which Debian links in from /etc.
  find -L "$java_home/lib" "$java_home/conf" -type f
  echo "$LAUNCHER"
  echo "$JAR"
  ls "${LAUNCHER}.jsa" 2>/dev/null || true
}
program_files | sort -u > "$WORK/programs.txt"
settle() {  # workload
  sync
  if [[ -w /proc/sys/vm/drop_caches ]]; then
    echo 3 > /proc/sys/vm/drop_caches
    xargs -d '\n' cat < "$WORK/programs.txt" > /dev/null
    [[ $SOURCE == nginx ]] && find "$(stored_files "$1")" -type f -exec cat {} + > /dev/null
  fi
  return 0
}

stored_files() {  # workload: the source's files it fetches, a file or a folder
  case $1 in
    large) echo "$WORK/www/files/large.bin" ;;
    s3large | s3tls) echo "$WORK/www/files/s3-large.bin" ;;
    sftp-*) echo "$WORK/www/files/sftp.bin" ;;
    *) echo "$WORK/www/files/small" ;;
  esac
}

# What a run leaves of many files is put aside, not deleted, until the next repetition: ext4 without a journal (this
# machine's disk) passes over every inode freed in the last 60 s (300 s while its inode-table block is dirty) when it
# allocates one (perf: recently_deleted; RECENTCY_MIN in the kernel's fs/ext4/ialloc.c), so deleting 10,000 files
# just before a run cost that run about a second of kernel time (the warm daemon: 4.4 s instead of 3.5 s), and
# whichever tool came first in the turn paid it. Each repetition starts by deleting what the last one (or the warm-up
# jobs) left, writing the freed inodes back, then waiting out that window, outside any timed run. Every
# timed run's output goes, the daemons' and the S3 objects too: kept, the simulator's five repetitions filled the
# 19 GB these machines have free (the large daemon then waited on a full disk until the bench's timeout).
TRASH=$WORK/trash
retire() {  # folder: moved aside, in one rename
  [[ -e $1 ]] || return 0
  mkdir -p "$TRASH"
  mv "$1" "$(mktemp -d "$TRASH/XXXXXX")/"
}
delete_retired() {
  rm -rf "$TRASH"
  (( SMOKE )) || { sync; sleep 65; }
}

# --- one timed run: "workload<TAB>tool<TAB>seconds<TAB>peak RSS KiB<TAB>CPU s<TAB>servers' CPU s" into results.tsv
measure() {  # workload tool command...
  local workload=$1 tool=$2
  shift 2
  if [[ $workload == small ]]; then retire "$WORK/out"; else rm -rf "$WORK/out"; fi
  mkdir -p "$WORK/out"
  settle "$workload"
  pause_daemons
  local servers_before servers
  servers_before=$(servers_ticks)
  if ! /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" timeout "${BENCH_TIMEOUT:-1800}" "$@" > "$WORK/run.log" 2>&1
  then
    echo "bench: $tool on $workload failed:" >&2; tail -20 "$WORK/run.log" >&2; exit 1
  fi
  servers=$(seconds_of_ticks $(( $(servers_ticks) - servers_before )))
  resume_daemons
  read -r seconds rss user system < <(tail -1 "$WORK/time.txt")
  record "$workload" "$tool" "$seconds" "$rss" "$(python3 -c "print(round($user + $system, 2))")" "$servers"
}

record() {  # workload tool seconds rss-KiB cpu-seconds servers-cpu-seconds
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$WORK/results.tsv"
  echo "  $1  $2  ${3}s  $(($4 / 1024)) MiB  ${5}s CPU  (servers ${6}s CPU)"
}

# The servers every tool draws on, on the same cores: the source (nginx's processes, or the simulator) and s3proxy.
servers_ticks() {  # user and system time the servers' processes have spent so far, in clock ticks
  local pid total=0
  for pid in "${SERVER_PIDS[@]}" $(for server in "${SERVER_PIDS[@]}"; do pgrep -P "$server"; done); do
    total=$(( total + $(cpu_ticks "$pid") ))
  done
  echo "$total"
}

seconds_of_ticks() {  # clock-ticks
  python3 -c "print(round($1 / $(getconf CLK_TCK), 2))"
}

check_count() {  # dir expected-file-count
  local n
  n=$(find "$1" -type f ! -name '.*' ! -name '_manifest.json' | wc -l)
  [[ $n -eq $2 ]] || { echo "bench: $1 holds $n files, not $2" >&2; exit 1; }
}

# The job's presigned URLs, as a script would take them from the listing: "url<TAB>path" lines.
presigned() {  # job
  curl -sf -H "Authorization: Bearer $TENSORPOOL_KEY" "$TENSORPOOL_API_URL/job/pull/$1" | python3 -c '
import json, sys
for path, url in json.load(sys.stdin)["download_map"].items():
    print(url + "\t" + path)'
}

curl_many() {  # url-list dest: 16 curl processes, each reusing its connection for its share of the files
  local list=$1 dest=$2
  rm -f "$WORK"/curl-part-*
  awk -F'\t' -v dest="$dest" -v n=$PARALLEL -v dir="$WORK" \
    '{ f = dir "/curl-part-" (NR % n); print "url = \"" $1 "\"\noutput = \"" dest "/" $2 "\"" >> f }' "$list"
  ls "$WORK"/curl-part-* | xargs -P $PARALLEL -n 1 curl -sf --create-dirs -K
}

aria_many() {  # url-list dest
  awk -F'\t' '{ print $1 "\n  out=" $2 }' "$1" > "$WORK/aria.txt"
  aria2c -q -j $PARALLEL -x 1 --allow-overwrite=true --auto-file-renaming=false -d "$2" -i "$WORK/aria.txt"
}

harvest_once() {  # route job [JVM options instead of the launcher's]: the harvester from JVM start to exit
  local route=$1 job=$2
  shift 2
  env $(harvester_env "$WORK/out/harvester" "$WORK/out/data") ${1:+JAVA_OPTS="$*"} "$LAUNCHER" harvest \
    --route "$route" --jobs "$job"
}
# rclone with "dest:" the S3 store. This machine sets AWS_CA_BUNDLE, which rclone cannot use with a plain-http endpoint.
rclone_s3() {  # rclone's arguments: to s3proxy over http, or over https with RCLONE_S3_URL set
  env -u AWS_CA_BUNDLE RCLONE_CONFIG_DEST_TYPE=s3 RCLONE_CONFIG_DEST_PROVIDER=Other \
    RCLONE_CONFIG_DEST_ENDPOINT="${RCLONE_S3_URL:-$S3_URL}" \
    RCLONE_CONFIG_DEST_ACCESS_KEY_ID="$S3_ACCESS" RCLONE_CONFIG_DEST_SECRET_ACCESS_KEY="$S3_SECRET" rclone "$@"
}
# GNU time runs programs, not shell functions: these run through bash -c.
export -f harvester_env harvest_once curl_many aria_many rclone_s3
export S3_URL S3_TLS_URL S3_ACCESS S3_SECRET

# The running daemons: started once; each job is dropped into a daemon's inbox and timed from the drop to its
# manifest in the sink. One delivers to disk over one connection per file, with the launcher's JVM settings; one the
# same with its heap at 64 MiB (the 2 GiB file only); one to disk in 4 segments per large file (the capped file only);
# one into s3proxy through the S3 pipeline, one the same over https; two onto an OpenSSH server, one near (loopback),
# one far (the delay proxy).
# Each polls its inbox every 100 ms, about 1.4% of a core when idle: eight of them took a tenth of a core from whatever
# was timed (a one-shot harvest by hand: 6.0-6.9 s with them stopped, 6.9-7.1 s running). So every timed run stops
# (SIGSTOP) the daemons it does not time, and continues them after.
DAEMONS=()
pause_daemons() {  # [pid of the daemon being timed]
  local daemon
  for daemon in "${DAEMONS[@]}"; do [[ $daemon == "${1:-}" ]] || kill -STOP "$daemon"; done
}
resume_daemons() {
  local daemon
  for daemon in "${DAEMONS[@]}"; do kill -CONT "$daemon"; done
}
start_daemon() {  # name JVM-options (empty: the launcher's) environment...: sets DAEMON_PID
  local name=$1 options=$2
  shift 2
  mkdir -p "$WORK/inbox-$name"
  env $(harvester_env "$WORK/steady-$name/out" "$WORK/steady-$name/data") TENSORPOOL_INBOX="$WORK/inbox-$name" \
    HARVESTER_LOG_LEVEL=INFO ${options:+JAVA_OPTS="$options"} "$@" "$LAUNCHER" run > "$WORK/daemon-$name.log" 2>&1 &
  DAEMON_PID=$!
  PIDS+=($DAEMON_PID)
  DAEMONS+=($DAEMON_PID)
  wait_for_line "$WORK/daemon-$name.log" "started in"
}
HEAP64="-Xmx64m -XX:+UseSerialGC"
S3_DAEMON_ENV=(TENSORPOOL_TO_S3_ENABLED=true TENSORPOOL_TO_DIRECTORY_ENABLED=false S3_BUCKET=job-outputs
  S3_PREFIX=harvester-steady/ S3_OVERRIDE_ENDPOINT=true S3_ENDPOINT="$S3_URL" S3_PATH_STYLE=true
  AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET)
start_daemon disk "" HARVESTER_SEGMENTS=1
DAEMON_DISK=$DAEMON_PID
if runs large; then
  start_daemon large "$HEAP64" HARVESTER_SEGMENTS=1
  DAEMON_LARGE=$DAEMON_PID
fi
if runs capped; then
  start_daemon segments "$HEAP64" HARVESTER_SEGMENTS=4
  DAEMON_SEGMENTS=$DAEMON_PID
fi
if runs s3 || runs s3large; then
  start_daemon s3 "" "${S3_DAEMON_ENV[@]}"
  DAEMON_S3=$DAEMON_PID
fi
# The JVM's own trust store setting, as for any store behind a private certificate authority.
if runs s3tls; then
  start_daemon s3tls "" "${S3_DAEMON_ENV[@]}" S3_ENDPOINT="$S3_TLS_URL" S3_PREFIX=harvester-tls/ \
    JAVA_TOOL_OPTIONS="-Djavax.net.ssl.trustStore=$WORK/tls/trust.p12 -Djavax.net.ssl.trustStorePassword=$TLS_PASSWORD"
  DAEMON_S3TLS=$DAEMON_PID
fi
# The cost of durability: the same daemons as disk and large, with every fsync off.
if runs durability; then
  start_daemon scratch "" HARVESTER_SEGMENTS=1 HARVESTER_FSYNC=false
  DAEMON_SCRATCH=$DAEMON_PID
  if runs large; then
    start_daemon scratch-large "$HEAP64" HARVESTER_SEGMENTS=1 HARVESTER_FSYNC=false
    DAEMON_SCRATCH_LARGE=$DAEMON_PID
  fi
fi
# OpenSSH's sshd (as a test of the suite runs it), straight and behind a proxy that delays every byte SFTP_DELAY_MS
# each way; the harvester's daemons upload to it and OpenSSH's own sftp puts the same file.
if runs sftp; then
  java -cp "$TEST_CP" dev.jobharvester.sink.OpenSshServer "$WORK/sshd" > "$WORK/sshd.log" 2>&1 &
  PIDS+=($!)
  wait_for_line "$WORK/sshd.log" "^known_hosts="
  SSH_PORT=$(sed -n 's/^port=//p' "$WORK/sshd.log")
  SSH_ROOT=$(sed -n 's/^root=//p' "$WORK/sshd.log")
  SSH_KEY=$(sed -n 's/^key=//p' "$WORK/sshd.log")
  python3 "$ROOT/bench/delay_proxy.py" "$SSH_PORT" "$SFTP_DELAY_MS" > "$WORK/delay-proxy.log" 2>&1 &
  PIDS+=($!)
  wait_for_line "$WORK/delay-proxy.log" "^port="
  FAR_PORT=$(sed -n 's/^port=//p' "$WORK/delay-proxy.log")
  sed -n 's/^known_hosts=//p' "$WORK/sshd.log" | xargs cat > "$WORK/known_hosts"
  sed "s/:$SSH_PORT /:$FAR_PORT /" "$WORK/known_hosts" >> "$WORK/known_hosts"
  for side in near far; do
    port=$SSH_PORT
    [[ $side == far ]] && port=$FAR_PORT
    start_daemon "sftp-$side" "" TENSORPOOL_TO_SFTP_ENABLED=true TENSORPOOL_TO_DIRECTORY_ENABLED=false \
      SFTP_HOST=127.0.0.1 SFTP_PORT="$port" SFTP_USERNAME=root SFTP_PRIVATE_KEY_FILE="$SSH_KEY" \
      SFTP_KNOWN_HOSTS_FILE="$WORK/known_hosts" SFTP_DIRECTORY="$side"
    printf -v "DAEMON_SFTP_${side^^}" %s "$DAEMON_PID"
    echo "put $WORK/www/files/sftp.bin $side-sftp.bin" > "$WORK/sftp-put-$side.txt"
  done
fi
SCRATCH=
runs durability && SCRATCH=scratch

job_on_disk() {  # daemon job: the folder the daemon delivers the job into
  echo "$WORK/steady-$1/out/tensorpool/$2"
}
manifest_on_disk() {  # daemon job
  echo "$(job_on_disk "$1" "$2")/_manifest.json"
}
S3_OBJECTS=$WORK/s3/job-outputs  # the bucket, as s3proxy keeps it: a folder
job_in_s3() {  # job [prefix]: the folder of the job's objects
  echo "$S3_OBJECTS/${2:-harvester-steady}/tensorpool/$1"
}
manifest_in_s3() {  # job [prefix]
  echo "$(job_in_s3 "$@")/_manifest.json"
}
manifest_on_sftp() {  # side job
  echo "$SSH_ROOT/$1/tensorpool/$2/_manifest.json"
}

drop_job() {  # daemon-name job: hands the job to the daemon's inbox, whole, by a rename
  echo "$2" > "$WORK/inbox-$1/.$2" && mv "$WORK/inbox-$1/.$2" "$WORK/inbox-$1/$2"
}

# With "then-sync", a second row adds the time `sync` then takes to put on the disk what the daemon left in memory.
steady() {  # workload tool job daemon-name manifest pid [then-sync]: appends the daemon's time for the job, and its peak RSS so far
  local workload=$1 tool=$2 job=$3 name=$4 manifest=$5 pid=$6 then_sync=${7:-}
  local began ended synced ticks_before ticks_after servers_before
  settle "$workload"
  pause_daemons "$pid"
  ticks_before=$(cpu_ticks "$pid")
  servers_before=$(servers_ticks)
  began=$(date +%s%N)
  drop_job "$name" "$job"
  await_file "$manifest"
  ended=$(date +%s%N)
  ticks_after=$(cpu_ticks "$pid")
  local rss cpu servers
  servers=$(seconds_of_ticks $(( $(servers_ticks) - servers_before )))
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  cpu=$(seconds_of_ticks $(( ticks_after - ticks_before )))
  record "$workload" "$tool" "$(python3 -c "print(round(($ended - $began) / 1e9, 2))")" "$rss" "$cpu" "$servers"
  if [[ -n $then_sync ]]; then
    sync
    synced=$(date +%s%N)
    record "$workload" "$tool, then sync" "$(python3 -c "print(round(($synced - $began) / 1e9, 2))")" "$rss" "$cpu" \
      "$servers"
  fi
  resume_daemons
}

cpu_ticks() {  # pid: user and system time the process has spent so far, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

echo "bench: $REPS repetitions; work in $WORK"
# A daemon runs for months: the running-daemon figures are taken warm, after jobs of the same kind. Warm means compiled,
# which takes a number of objects, not of jobs: the S3 daemon still spent 30% of its CPU in the JIT compilers during its
# sixth job of 2,000 objects, and after fifteen needed half the CPU per object. So each of these daemons gets warm-up
# jobs until one costs its compilers (jstat's compile time) under 5% of the daemon's CPU, or WARMUPS have run. Warm on
# the mix it serves: the S3 daemon, warmed on small objects alone, recompiled ~160 methods (2-3 s of JIT) in the first
# small job after its first 512 MiB object and took twice the CPU; so each of its warm-up rounds has one of each.
# A warm-up job is timed by no one: what it delivered goes once its manifest is in (s3proxy keeps its objects as files
# under $WORK/s3, 512 MiB for a large one, up to WARMUPS rounds if left there).
await_and_clear() {  # manifest
  await_file "$1"
  rm -rf "$(dirname "$1")"
}
compile_seconds() {  # pid: time the JIT has spent compiling so far, in seconds
  jstat -compiler "$1" | awk 'NR == 2 { print $4 }'
}
warmup_job() {  # daemon-name copy
  case $1 in
    s3) echo "bench-$S3_KIND-$2" ;;
    s3tls) echo "bench-s3large-$2" ;;
    large | scratch-large) echo "bench-large-$2" ;;
    *) echo "bench-small-$2" ;;
  esac
}
declare -A WARMING=() WARMED compiled_before ticks_before
# The disk daemon is warmed only for the workloads that time it: warming it beside the S3 daemon only slows that one's.
{ runs small || runs capped; } && WARMING[disk]=$DAEMON_DISK
runs durability && WARMING[scratch]=$DAEMON_SCRATCH
[[ -n ${DAEMON_S3:-} ]] && WARMING[s3]=$DAEMON_S3
[[ -n ${DAEMON_S3TLS:-} ]] && WARMING[s3tls]=$DAEMON_S3TLS
# The large-file daemons too: after one job, the first timed one still spent 0.2-0.4 s of its 2.5 s compiling.
[[ -n ${DAEMON_LARGE:-} ]] && WARMING[large]=$DAEMON_LARGE
[[ -n ${DAEMON_SCRATCH_LARGE:-} ]] && WARMING[scratch-large]=$DAEMON_SCRATCH_LARGE
for ((warmup = 4 * REPS + 1; warmup <= COPIES && ${#WARMING[@]} > 0; warmup++)); do
  for name in "${!WARMING[@]}"; do
    compiled_before[$name]=$(compile_seconds "${WARMING[$name]}")
    ticks_before[$name]=$(cpu_ticks "${WARMING[$name]}")
    drop_job "$name" "$(warmup_job "$name" "$warmup")"
  done
  for name in "${!WARMING[@]}"; do
    pid=${WARMING[$name]}
    job=$(warmup_job "$name" "$warmup")
    if [[ $name == s3 ]]; then
      await_and_clear "$(manifest_in_s3 "$job")"
      if runs s3large; then
        drop_job s3 "bench-s3large-$warmup"
        await_and_clear "$(manifest_in_s3 "bench-s3large-$warmup")"
      fi
    elif [[ $name == s3tls ]]; then
      await_and_clear "$(manifest_in_s3 "$job" harvester-tls)"
    else
      await_and_clear "$(manifest_on_disk "$name" "$job")"
    fi
    WARMED[$name]=$((warmup - 4 * REPS))
    if python3 -c "import sys; sys.exit(($(compile_seconds "$pid") - ${compiled_before[$name]}) * $(getconf CLK_TCK) \
        >= 0.05 * ($(cpu_ticks "$pid") - ${ticks_before[$name]}))"; then
      unset "WARMING[$name]"
    else
      WARMED[$name]="${WARMED[$name]}, still compiling"
    fi
  done
done
WARMED_AFTER=
for name in "${!WARMED[@]}"; do
  WARMED_AFTER+="${WARMED_AFTER:+; }$name: ${WARMED[$name]}"
done
if runs sftp; then
  for side in near far; do
    drop_job "sftp-$side" "bench-sftp-$COPIES"
    await_and_clear "$(manifest_on_sftp "$side" "bench-sftp-$COPIES")"
  done
fi
# The share of the cores' time the host took for other guests (steal, from /proc/stat), per repetition: on a shared
# machine it moves every tool's time, and says how firm a repetition's ratios are.
cpu_times() {  # all ticks, stolen ticks
  awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9 }' /proc/stat
}
STOLEN_BY_REP=
for rep in $(seq 1 "$REPS"); do
  once=$rep
  delete_retired
  read -r rep_ticks rep_stolen < <(cpu_times)
  daemon_job=$((REPS + rep))
  scratch_job=$((3 * REPS + rep))
  echo "repetition $rep"

  # Many small files to disk. The order of the tools, the running daemon among them, turns with each repetition.
  if runs small; then
  presigned "bench-small-$once" > "$WORK/small.txt"
  # With the durability workload, curl followed by `sync`: the same bytes on the disk by independent tools.
  small_runs=(curl aria2c rclone harvester daemon $SCRATCH ${SCRATCH:+curlsync})
  for ((i = 0; i < ${#small_runs[@]}; i++)); do
    tool=${small_runs[$(( (i + rep) % ${#small_runs[@]} ))]}
    case $tool in
      curl) measure small curl bash -c 'curl_many "$@"' _ "$WORK/small.txt" "$WORK/out/curl" ;;
      curlsync) measure small "curl, then sync" bash -c 'curl_many "$@" && sync' _ "$WORK/small.txt" "$WORK/out/curl" ;;
      aria2c) measure small aria2c bash -c 'aria_many "$@"' _ "$WORK/small.txt" "$WORK/out/aria" ;;
      rclone) measure small rclone rclone copy :http: "$WORK/out/rclone" --http-url "$STORAGE/tensorpool/bench-small-$once/" \
                --http-no-head --transfers $PARALLEL --checkers $PARALLEL ;;
      harvester) measure small "harvester (one-shot, JVM start included)" bash -c 'harvest_once "$@"' _ \
                   tensorpool-to-directory "bench-small-$once"
                 check_count "$WORK/out/harvester/tensorpool/bench-small-$once" "$SMALL_FILES" ;;
      daemon) steady small "harvester (running daemon)" "bench-small-$daemon_job" disk \
                "$(manifest_on_disk disk "bench-small-$daemon_job")" "$DAEMON_DISK"
              check_count "$(job_on_disk disk "bench-small-$daemon_job")" "$SMALL_FILES"
              retire "$(job_on_disk disk "bench-small-$daemon_job")" ;;
      scratch) steady small "harvester (running daemon, fsync off)" "bench-small-$scratch_job" scratch \
                 "$(manifest_on_disk scratch "bench-small-$scratch_job")" "$DAEMON_SCRATCH" then-sync
               check_count "$(job_on_disk scratch "bench-small-$scratch_job")" "$SMALL_FILES"
               retire "$(job_on_disk scratch "bench-small-$scratch_job")" ;;
    esac
  done
  fi

  # One large file to disk, heap capped at 64 MiB for the harvester.
  if runs large; then
  presigned "bench-large-$once" > "$WORK/large.txt"
  large_url=$(cut -f1 "$WORK/large.txt")
  # With the durability workload, the disk itself: dd writing as many bytes through the page cache and syncing them once;
  # and a durable copy by standard tools as the harvester makes it, download and disk at once, around the page cache.
  # Against nginx also the two bounds of a durable, verified copy, each alone: dd writing as many bytes around the page
  # cache as the harvester does, and openssl hashing the stored file (SHA-256, from the page cache).
  bounds=()
  [[ -n $SCRATCH && $SOURCE == nginx ]] && bounds=(dddirect sha)
  large_runs=(curl harvester daemon $SCRATCH ${SCRATCH:+dd} ${SCRATCH:+curlsync} ${SCRATCH:+curldd} "${bounds[@]}")
  for ((i = 0; i < ${#large_runs[@]}; i++)); do
    case ${large_runs[$(( (i + rep) % ${#large_runs[@]} ))]} in
      curl) measure large curl curl -sf -o "$WORK/out/large.bin" "$large_url" ;;
      curlsync) measure large "curl, then sync" bash -c 'curl -sf -o "$1" "$2" && sync' _ "$WORK/out/large.bin" "$large_url" ;;
      curldd) measure large "curl into dd (O_DIRECT, fsync)" bash -c 'set -o pipefail; curl -sf "$2" |
                dd of="$1" bs=1M iflag=fullblock oflag=direct conv=fsync status=none' _ "$WORK/out/large.bin" "$large_url" ;;
      harvester) measure large "harvester (one-shot)" bash -c 'harvest_once "$@"' _ tensorpool-to-directory \
                   "bench-large-$once" ;;
      daemon) steady large "harvester (running daemon)" "bench-large-$daemon_job" large \
                "$(manifest_on_disk large "bench-large-$daemon_job")" "$DAEMON_LARGE"
              rm -rf "$(job_on_disk large "bench-large-$daemon_job")" ;;
      dd) measure large "dd to disk (fdatasync)" dd if=/dev/zero of="$WORK/out/dd.bin" bs=1M \
            count=$((LARGE_BYTES / 1048576)) conv=fdatasync ;;
      dddirect) measure large "dd around the page cache (O_DIRECT, fsync)" dd if=/dev/zero of="$WORK/out/dd.bin" \
                  bs=1M count=$((LARGE_BYTES / 1048576)) oflag=direct conv=fsync ;;
      sha) measure large "openssl sha256 (hashing alone)" openssl sha256 "$(stored_files large)" ;;
      scratch) steady large "harvester (running daemon, fsync off)" "bench-large-$scratch_job" scratch-large \
                 "$(manifest_on_disk scratch-large "bench-large-$scratch_job")" "$DAEMON_SCRATCH_LARGE" then-sync
               rm -rf "$(job_on_disk scratch-large "bench-large-$scratch_job")" ;;
    esac
  done
  fi

  # A file whose storage caps each connection: one connection, four, and aria2c with four.
  if runs capped; then
  presigned "bench-capped-$once" > "$WORK/capped.txt"
  capped_url=$(cut -f1 "$WORK/capped.txt")
  measure capped "curl (1 connection)" curl -sf -o "$WORK/out/capped.bin" "$capped_url"
  measure capped "aria2c -x4" aria2c -q -x 4 -s 4 -k 1M --allow-overwrite=true -d "$WORK/out" -o capped.bin "$capped_url"
  measure capped "harvester (one-shot, 1 connection)" env HARVESTER_SEGMENTS=1 bash -c 'harvest_once "$@"' _ \
    tensorpool-to-directory "bench-capped-$once"
  measure capped "harvester (one-shot, 4 segments)" env HARVESTER_SEGMENTS=4 bash -c 'harvest_once "$@"' _ \
    tensorpool-to-directory "bench-capped-$daemon_job"
  steady capped "harvester (running daemon, 1 connection)" "bench-capped-$daemon_job" disk \
    "$(manifest_on_disk disk "bench-capped-$daemon_job")" "$DAEMON_DISK"
  steady capped "harvester (running daemon, 4 segments)" "bench-capped-$daemon_job" segments \
    "$(manifest_on_disk segments "bench-capped-$daemon_job")" "$DAEMON_SEGMENTS"
  rm -rf "$(job_on_disk disk "bench-capped-$daemon_job")" "$(job_on_disk segments "bench-capped-$daemon_job")"
  fi

  # The small files into s3proxy: rclone from the same storage, the harvester through its S3 pipeline.
  if runs s3; then
  s3_job=bench-$S3_KIND-$((2 * REPS + rep))
  s3_runs=(rclone harvester daemon)
  for ((i = 0; i < ${#s3_runs[@]}; i++)); do
    case ${s3_runs[$(( (i + rep) % ${#s3_runs[@]} ))]} in
      rclone) measure s3 rclone bash -c 'rclone_s3 "$@"' _ copy :http: "dest:job-outputs/rclone-$rep" \
                --http-url "$STORAGE/tensorpool/bench-$S3_KIND-$once/" --http-no-head --transfers $PARALLEL \
                --checkers $PARALLEL ;;
      harvester) measure s3 "harvester (one-shot, JVM start included)" env "${S3_DAEMON_ENV[@]}" \
                   S3_PREFIX="harvester-$rep/" bash -c 'harvest_once "$@"' _ tensorpool-to-s3 "bench-$S3_KIND-$daemon_job" ;;
      daemon) steady s3 "harvester (running daemon)" "$s3_job" s3 "$(manifest_in_s3 "$s3_job")" "$DAEMON_S3" ;;
    esac
  done
  for delivered in "$S3_OBJECTS/rclone-$rep" "$S3_OBJECTS/harvester-$rep" "$(job_in_s3 "$s3_job")"; do
    retire "$delivered"
  done
  fi

  # One large object into s3proxy, over http and over https (s3tls), as S3 and most stores are reached: over plain
  # http the AWS SDK signs every 128 KiB chunk of the body (a second SHA-256 of every byte), which it cannot be told
  # not to do; over https it does not. rclone copyurl from its presigned URL, the S3 daemons from the listing.
  if runs s3large || runs s3tls; then
  s3large_url=$(presigned "bench-s3large-$once" | cut -f1)
  s3large_job=bench-s3large-$((REPS + rep))
  for workload in s3large s3tls; do
    runs "$workload" || continue
    if [[ $workload == s3tls ]]; then
      daemon=s3tls prefix=harvester-tls endpoint=$S3_TLS_URL pid=$DAEMON_S3TLS
      trust=(--ca-cert "$WORK/tls/s3proxy.pem")
    else
      daemon=s3 prefix=harvester-steady endpoint= pid=$DAEMON_S3 trust=()
    fi
    for ((i = 0; i < 2; i++)); do
      case $(( (i + rep) % 2 )) in
        0) measure "$workload" "rclone copyurl" env RCLONE_S3_URL="$endpoint" bash -c 'rclone_s3 "$@"' _ "${trust[@]}" \
             copyurl "$s3large_url" "dest:job-outputs/rclone-$workload-$rep/large.bin" ;;
        1) steady "$workload" "harvester (running daemon)" "$s3large_job" "$daemon" \
             "$(manifest_in_s3 "$s3large_job" "$prefix")" "$pid" ;;
      esac
    done
    rm -rf "$S3_OBJECTS/rclone-$workload-$rep" "$(job_in_s3 "$s3large_job" "$prefix")"
  done
  fi

  # One file onto OpenSSH's sshd, near and far: sftp puts it from the disk, the daemons fetch it from nginx and upload.
  if runs sftp; then
  for side in near far; do
    port=$SSH_PORT
    [[ $side == far ]] && port=$FAR_PORT
    sftp_runs=(sftp daemon)
    for ((i = 0; i < 2; i++)); do
      case ${sftp_runs[$(( (i + rep) % 2 ))]} in
        sftp) measure "sftp-$side" "sftp (OpenSSH)" sftp -q -b "$WORK/sftp-put-$side.txt" -P "$port" -i "$SSH_KEY" \
                -o UserKnownHostsFile="$WORK/known_hosts" root@127.0.0.1 ;;
        daemon) pid_var=DAEMON_SFTP_${side^^}
                steady "sftp-$side" "harvester (running daemon)" "bench-sftp-$daemon_job" "sftp-$side" \
                  "$(manifest_on_sftp "$side" "bench-sftp-$daemon_job")" "${!pid_var}" ;;
      esac
    done
  done
  fi

  # A one-shot harvest of one small file: the launcher's start, one job, exit.
  if runs start; then
  measure start "harvester (one-shot, launcher)" bash -c 'harvest_once "$@"' _ tensorpool-to-directory "bench-one-$once"
  measure start "harvester (one-shot, java -jar)" env JAVA_OPTS= bash -c \
    'env $(harvester_env "$WORK/out/harvester" "$WORK/out/data") java -jar "$JAR" harvest --route "$1" --jobs "$2"' _ \
    tensorpool-to-directory "bench-one-$daemon_job"
  fi
  read -r ticks stolen < <(cpu_times)
  STOLEN_BY_REP+="${STOLEN_BY_REP:+, }$(( 100 * (stolen - rep_stolen) / (ticks - rep_ticks + 1) ))%"
done

# Listing cost: the same pipeline on a job of LISTING_SMALL and one of LISTING_LARGE outputs, in pages of 100, with the
# launcher's shipped JVM settings (README's "Bounded memory": 100,000 outputs within their 128 MiB heap).
for count in "$LISTING_SMALL" "$LISTING_LARGE"; do
  runs listing || break
  measure "listing" "harvester, $count outputs" bash -c 'harvest_once "$@"' _ archetype-to-directory \
    "bench-listing-$count"
done

S3_WARM_MIX=
[[ -n ${WARMED[s3]:-} ]] && runs s3large && S3_WARM_MIX=yes
export SOURCE REPS WARMUPS WARMED_AFTER S3_WARM_MIX STOLEN_BY_REP PAGE_REPORTING SMALL_FILES SMALL_BYTES LARGE_BYTES \
  CAPPED_BYTES CAPPED_RATE LISTING_SMALL LISTING_LARGE S3_FILES S3_LARGE_BYTES SFTP_BYTES SFTP_DELAY_MS
python3 "$ROOT/bench/report.py" "$WORK/results.tsv" "$RESULTS"
echo "bench: results in $RESULTS"
