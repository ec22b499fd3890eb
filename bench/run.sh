#!/usr/bin/env bash
# Times job-harvester against curl, rclone and aria2c on the same generated files, served by the simulator behind a
# real job listing, in one run, in alternation; writes medians, peak RSS, CPU time and ratios to bench/RESULTS.md.
#   bench/run.sh            the full sizes, 5 repetitions (about 35 minutes on 2 cores)
#   bench/run.sh --smoke    tiny sizes, one repetition, results in target/bench/RESULTS.md (the test suite runs this)
#   BENCH_WORKLOADS="small large durability" BENCH_RESULTS=bench/DURABILITY.md bench/run.sh
#                           the cost of fsync: the same daemons with HARVESTER_FSYNC=false beside them
# Sizes and repetitions can be changed with BENCH_* variables (see below). Run from anywhere; needs Java 17, Maven,
# curl, rclone, aria2c, GNU time and python3 (Debian: apt-get install curl rclone aria2 time python3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=0
[[ "${1:-}" == "--smoke" ]] && SMOKE=1
if (( SMOKE )); then
  : "${BENCH_REPS:=1}" "${BENCH_WARMUPS:=1}" "${BENCH_SMALL_FILES:=200}" "${BENCH_LARGE_BYTES:=8388608}"
  : "${BENCH_CAPPED_BYTES:=8388608}" "${BENCH_CAPPED_RATE:=8388608}" "${BENCH_LISTING_SMALL:=100}"
  : "${BENCH_LISTING_LARGE:=1000}"
  RESULTS=$ROOT/target/bench/RESULTS.md
else
  RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
fi
REPS=${BENCH_REPS:-5}
SMALL_FILES=${BENCH_SMALL_FILES:-20000}
SMALL_BYTES=${BENCH_SMALL_BYTES:-65536}
LARGE_BYTES=${BENCH_LARGE_BYTES:-2147483648}
CAPPED_BYTES=${BENCH_CAPPED_BYTES:-200000000}
CAPPED_RATE=${BENCH_CAPPED_RATE:-20000000}
LISTING_SMALL=${BENCH_LISTING_SMALL:-1000}
LISTING_LARGE=${BENCH_LISTING_LARGE:-100000}
PARALLEL=16
WORKLOADS=" ${BENCH_WORKLOADS:-small large capped s3 listing durability} "
runs() { [[ $WORKLOADS == *" $1 "* ]]; }

for tool in curl rclone aria2c python3 /usr/bin/time; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench: $tool is missing; on Debian: apt-get install curl rclone aria2 time python3" >&2
    exit 2
  fi
done

WORK=$ROOT/target/bench/work
rm -rf "$WORK"
mkdir -p "$WORK"
JAR=$ROOT/daemon/target/job-harvester.jar
# The test servers (s3proxy) run from the component's test classes.
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
TEST_CP=$(test_classpath "$WORK")

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

await_file() {  # path: waits for it, at most BENCH_TIMEOUT seconds
  local deadline=$(( $(date +%s) + ${BENCH_TIMEOUT:-1800} ))
  until [[ -f $1 ]]; do
    (( $(date +%s) < deadline )) || { echo "bench: $1 did not appear; see $WORK/daemon*.log" >&2; exit 1; }
    sleep 0.02
  done
}


# --- the simulator, with every job in 4*REPS copies, a fresh one per run, and more to warm the daemons up ----------
WARMUPS=${BENCH_WARMUPS:-5}
COPIES=$((4 * REPS + WARMUPS))
java -Xmx4g -jar "$JAR" simulator --bench "$COPIES" --small-files "$SMALL_FILES" --small-file-bytes "$SMALL_BYTES" \
  --large-bytes "$LARGE_BYTES" --capped-bytes "$CAPPED_BYTES" --capped-rate "$CAPPED_RATE" \
  --listing-small "$LISTING_SMALL" --listing-large "$LISTING_LARGE" > "$WORK/simulator.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/simulator.log" "Stop with Ctrl-C"
eval "$(grep '^  export ' "$WORK/simulator.log" | sed 's/^  //')"
unset TENSORPOOL_JOB_IDS  # the demo jobs the simulator also serves are not part of the benchmark
STORAGE=$(sed -n 's/^Storage: //p' "$WORK/simulator.log" | sed 's:/$::')
export WORK JAR PARALLEL TENSORPOOL_API_URL TENSORPOOL_KEY ARCHETYPE_API_URL ATAI_API_KEY

# --- s3proxy, a real S3-compatible server --------------------------------------------------------------------------
mkdir -p "$WORK/s3"
java -cp "$TEST_CP" dev.jobharvester.sink.S3Server "$WORK/s3" > "$WORK/s3proxy.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/s3proxy.log" "^endpoint="
S3_URL=$(sed -n 's/^endpoint=//p' "$WORK/s3proxy.log")
S3_ACCESS=harvester-access S3_SECRET=harvester-secret-3f9c1d7a2b

harvester_env() {  # out-dir data-dir: the environment every harvester run shares
  echo TENSORPOOL_API_URL="$TENSORPOOL_API_URL" TENSORPOOL_KEY="$TENSORPOOL_KEY" ARCHETYPE_API_URL="$ARCHETYPE_API_URL" \
    ATAI_API_KEY="$ATAI_API_KEY" HARVESTER_ALLOWED_HOSTS=127.0.0.1 HARVESTER_ALLOW_HTTP=true \
    HARVESTER_OUTPUT_DIR="$1" HARVESTER_DATA_DIR="$2" HARVESTER_POLL_DELAY=100 HARVESTER_MANAGEMENT_PORT=0 \
    HARVESTER_CONCURRENT_DOWNLOADS=$PARALLEL HARVESTER_LOG_LEVEL=WARN
}

# Every timed run starts from the same page cache: what the run before left dirty is written back, and (as root) the
# cache is dropped, since reclaiming a full one costs whoever writes next several seconds per GiB. The harvester's jar
# is read back in, as curl's few pages are after their first run. All of it outside the timed part.
settle() {
  sync
  if [[ -w /proc/sys/vm/drop_caches ]]; then
    echo 3 > /proc/sys/vm/drop_caches
    cat "$JAR" > /dev/null
  fi
}

# --- one timed run: appends "workload<TAB>tool<TAB>seconds<TAB>peak RSS KiB<TAB>CPU seconds" to results.tsv ----------
measure() {  # workload tool command...
  local workload=$1 tool=$2
  shift 2
  rm -rf "$WORK/out"
  mkdir -p "$WORK/out"
  settle
  if ! /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" timeout "${BENCH_TIMEOUT:-1800}" "$@" > "$WORK/run.log" 2>&1
  then
    echo "bench: $tool on $workload failed:" >&2; tail -20 "$WORK/run.log" >&2; exit 1
  fi
  read -r seconds rss user system < <(tail -1 "$WORK/time.txt")
  record "$workload" "$tool" "$seconds" "$rss" "$(python3 -c "print(round($user + $system, 2))")"
}

record() {  # workload tool seconds rss-KiB cpu-seconds
  printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$WORK/results.tsv"
  echo "  $1  $2  ${3}s  $(($4 / 1024)) MiB  ${5}s CPU"
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

harvest_once() {  # route job [jvm options...]: the harvester from JVM start to exit
  local route=$1 job=$2
  shift 2
  env $(harvester_env "$WORK/out/harvester" "$WORK/out/data") java "$@" -jar "$JAR" harvest --route "$route" --jobs "$job"
}
# GNU time runs programs, not shell functions: these run through bash -c.
export -f harvester_env harvest_once curl_many aria_many

# The running daemons: started once; each job is dropped into a daemon's inbox and timed from the drop to its
# manifest in the sink. One delivers to disk over one connection per file, one the same with its heap at 64 MiB (the
# 2 GiB file only), one to disk in 4 segments per large file (the capped file only), one into s3proxy through the S3
# pipeline.
start_daemon() {  # name heap environment...: sets DAEMON_PID
  local name=$1 heap=$2
  shift 2
  mkdir -p "$WORK/inbox-$name"
  env $(harvester_env "$WORK/steady-$name/out" "$WORK/steady-$name/data") TENSORPOOL_INBOX="$WORK/inbox-$name" \
    HARVESTER_LOG_LEVEL=INFO "$@" java "-Xmx$heap" -jar "$JAR" run > "$WORK/daemon-$name.log" 2>&1 &
  DAEMON_PID=$!
  PIDS+=($DAEMON_PID)
  wait_for_line "$WORK/daemon-$name.log" "started in"
}
start_daemon disk 256m HARVESTER_SEGMENTS=1
DAEMON_DISK=$DAEMON_PID
start_daemon large 64m HARVESTER_SEGMENTS=1
DAEMON_LARGE=$DAEMON_PID
start_daemon segments 64m HARVESTER_SEGMENTS=4
DAEMON_SEGMENTS=$DAEMON_PID
start_daemon s3 256m TENSORPOOL_TO_S3_ENABLED=true TENSORPOOL_TO_DIRECTORY_ENABLED=false S3_BUCKET=job-outputs \
  S3_PREFIX=harvester-steady/ S3_OVERRIDE_ENDPOINT=true S3_ENDPOINT="$S3_URL" S3_PATH_STYLE=true \
  AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET
DAEMON_S3=$DAEMON_PID
# The cost of durability: the same daemons as disk and large, with every fsync off.
if runs durability; then
  start_daemon scratch 256m HARVESTER_SEGMENTS=1 HARVESTER_FSYNC=false
  DAEMON_SCRATCH=$DAEMON_PID
  start_daemon scratch-large 64m HARVESTER_SEGMENTS=1 HARVESTER_FSYNC=false
  DAEMON_SCRATCH_LARGE=$DAEMON_PID
fi
SCRATCH=
runs durability && SCRATCH=scratch

manifest_on_disk() {  # daemon job
  echo "$WORK/steady-$1/out/tensorpool/$2/_manifest.json"
}
manifest_in_s3() {  # job
  echo "$WORK/s3/job-outputs/harvester-steady/tensorpool/$1/_manifest.json"
}

drop_job() {  # daemon-name job: hands the job to the daemon's inbox, whole, by a rename
  echo "$2" > "$WORK/inbox-$1/.$2" && mv "$WORK/inbox-$1/.$2" "$WORK/inbox-$1/$2"
}

# With "then-sync", a second row adds the time `sync` then takes to put on the disk what the daemon left in memory.
steady() {  # workload tool job daemon-name manifest pid [then-sync]: appends the daemon's time for the job, and its peak RSS so far
  local workload=$1 tool=$2 job=$3 name=$4 manifest=$5 pid=$6 then_sync=${7:-}
  local began ended synced ticks_before ticks_after
  settle
  ticks_before=$(cpu_ticks "$pid")
  began=$(date +%s%N)
  drop_job "$name" "$job"
  await_file "$manifest"
  ended=$(date +%s%N)
  ticks_after=$(cpu_ticks "$pid")
  local rss cpu
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  cpu=$(python3 -c "print(round(($ticks_after - $ticks_before) / $(getconf CLK_TCK), 2))")
  record "$workload" "$tool" "$(python3 -c "print(round(($ended - $began) / 1e9, 2))")" "$rss" "$cpu"
  if [[ -n $then_sync ]]; then
    sync
    synced=$(date +%s%N)
    record "$workload" "$tool, then sync" "$(python3 -c "print(round(($synced - $began) / 1e9, 2))")" "$rss" "$cpu"
  fi
}

cpu_ticks() {  # pid: user and system time the process has spent so far, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

echo "bench: $REPS repetitions; work in $WORK"
# A daemon runs for months: the running-daemon figures are taken warm, after jobs of the same kind.
# Warm means compiled: after three warm-ups, a daemon's CPU for its next jobs of 20,000 files was 13.5, 11.6, 9.8, 8.7
# and 9.5 s, still falling through the seventh.
for ((warmup = 4 * REPS + 1; warmup <= COPIES; warmup++)); do
  for name in disk s3 $SCRATCH; do
    drop_job "$name" "bench-small-$warmup"
  done
  await_file "$(manifest_on_disk disk "bench-small-$warmup")"
  await_file "$(manifest_in_s3 "bench-small-$warmup")"
  rm -rf "$WORK/steady-disk/out/tensorpool/bench-small-$warmup"
  if runs durability; then
    await_file "$(manifest_on_disk scratch "bench-small-$warmup")"
    rm -rf "$WORK/steady-scratch/out/tensorpool/bench-small-$warmup"
  fi
done
warm_large() {  # daemon-name job
  drop_job "$1" "$2"
  await_file "$(manifest_on_disk "$1" "$2")"
  rm -rf "$WORK/steady-$1/out/tensorpool/$2"
}
if runs large; then
  warm_large large "bench-large-$COPIES"
  # Large copies 2*REPS+1 on are used by no timed run (the s3 workload takes small ones only).
  runs durability && warm_large scratch-large "bench-large-$((2 * REPS + 1))"
fi
for rep in $(seq 1 "$REPS"); do
  once=$rep
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
              check_count "$WORK/steady-disk/out/tensorpool/bench-small-$daemon_job" "$SMALL_FILES" ;;
      scratch) steady small "harvester (running daemon, fsync off)" "bench-small-$scratch_job" scratch \
                 "$(manifest_on_disk scratch "bench-small-$scratch_job")" "$DAEMON_SCRATCH" then-sync
               check_count "$WORK/steady-scratch/out/tensorpool/bench-small-$scratch_job" "$SMALL_FILES" ;;
    esac
  done
  fi

  # One large file to disk, heap capped at 64 MiB for the harvester.
  if runs large; then
  presigned "bench-large-$once" > "$WORK/large.txt"
  large_url=$(cut -f1 "$WORK/large.txt")
  # With the durability workload, the disk itself: dd writing as many bytes and syncing them, the floor of any durable copy.
  large_runs=(curl harvester daemon $SCRATCH ${SCRATCH:+dd})
  for ((i = 0; i < ${#large_runs[@]}; i++)); do
    case ${large_runs[$(( (i + rep) % ${#large_runs[@]} ))]} in
      curl) measure large curl curl -sf -o "$WORK/out/large.bin" "$large_url" ;;
      harvester) measure large "harvester (one-shot, -Xmx64m)" bash -c 'harvest_once "$@"' _ tensorpool-to-directory \
                   "bench-large-$once" -Xmx64m ;;
      daemon) steady large "harvester (running daemon)" "bench-large-$daemon_job" large \
                "$(manifest_on_disk large "bench-large-$daemon_job")" "$DAEMON_LARGE"
              rm -rf "$WORK/steady-large/out/tensorpool/bench-large-$daemon_job" ;;
      dd) measure large "dd to disk (fdatasync)" dd if=/dev/zero of="$WORK/out/dd.bin" bs=1M \
            count=$((LARGE_BYTES / 1048576)) conv=fdatasync ;;
      scratch) steady large "harvester (running daemon, fsync off)" "bench-large-$scratch_job" scratch-large \
                 "$(manifest_on_disk scratch-large "bench-large-$scratch_job")" "$DAEMON_SCRATCH_LARGE" then-sync
               rm -rf "$WORK/steady-scratch-large/out/tensorpool/bench-large-$scratch_job" ;;
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
  fi

  # The small files into s3proxy: rclone from the same storage, the harvester through its S3 pipeline.
  if runs s3; then
  s3_job=bench-small-$((2 * REPS + rep))
  s3_runs=(rclone harvester daemon)
  for ((i = 0; i < ${#s3_runs[@]}; i++)); do
    case ${s3_runs[$(( (i + rep) % ${#s3_runs[@]} ))]} in
      # This machine sets AWS_CA_BUNDLE, which rclone cannot use with a plain-http endpoint.
      rclone) measure s3 rclone env -u AWS_CA_BUNDLE RCLONE_CONFIG_DEST_TYPE=s3 RCLONE_CONFIG_DEST_PROVIDER=Other \
                RCLONE_CONFIG_DEST_ENDPOINT="$S3_URL" RCLONE_CONFIG_DEST_ACCESS_KEY_ID=$S3_ACCESS \
                RCLONE_CONFIG_DEST_SECRET_ACCESS_KEY=$S3_SECRET \
                rclone copy :http: "dest:job-outputs/rclone-$rep" --http-url "$STORAGE/tensorpool/bench-small-$once/" \
                --http-no-head --transfers $PARALLEL --checkers $PARALLEL ;;
      harvester) measure s3 "harvester (one-shot, JVM start included)" env TENSORPOOL_TO_S3_ENABLED=true \
                   TENSORPOOL_TO_DIRECTORY_ENABLED=false S3_BUCKET=job-outputs S3_PREFIX="harvester-$rep/" \
                   S3_OVERRIDE_ENDPOINT=true S3_ENDPOINT="$S3_URL" S3_PATH_STYLE=true \
                   AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET \
                   bash -c 'harvest_once "$@"' _ tensorpool-to-s3 "bench-small-$daemon_job" ;;
      daemon) steady s3 "harvester (running daemon)" "$s3_job" s3 "$(manifest_in_s3 "$s3_job")" "$DAEMON_S3" ;;
    esac
  done
  fi
done

# Listing cost: the same pipeline on a job of LISTING_SMALL and one of LISTING_LARGE outputs, in pages of 100.
for count in "$LISTING_SMALL" "$LISTING_LARGE"; do
  runs listing || break
  measure "listing" "harvester, $count outputs" bash -c 'harvest_once "$@"' _ archetype-to-directory \
    "bench-listing-$count" -Xmx128m
done

python3 "$ROOT/bench/report.py" "$WORK/results.tsv" "$RESULTS" "$REPS" "$SMALL_FILES" "$SMALL_BYTES" "$LARGE_BYTES" \
  "$CAPPED_BYTES" "$CAPPED_RATE" "$LISTING_SMALL" "$LISTING_LARGE" "$WARMUPS"
echo "bench: results in $RESULTS"
