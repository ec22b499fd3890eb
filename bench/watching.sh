#!/usr/bin/env bash
# What watching many jobs costs the platform: status and listing calls per second while thousands of jobs wait, the
# delay from a job ending to its harvest starting, and the calls of 1, 2 and 3 instances sharing one PostgreSQL
# ledger. Every API call of the simulator waits BENCH_LATENCY ms, as a distant platform's would. Writes
# bench/WATCHING.md.
#   bench/watching.sh           10,000 Archetype AI jobs at the shipped settings, then the rest (about 30 minutes)
#   bench/watching.sh --smoke   tiny sizes and short waits, results in target/bench/WATCHING.md (the suite runs this)
# Needs Java 17, Maven, python3, curl and a PostgreSQL server package (Debian: apt-get install postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ "${1:-}" == "--smoke" ]]; then
  : "${BENCH_WATCHED:=60}" "${BENCH_ENDING:=5}" "${BENCH_POLL:=500}" "${BENCH_MAX_CHECK:=4000}" "${BENCH_MEASURE:=6}"
  : "${BENCH_SCALED_WATCHED:=40}" "${BENCH_SCALED_POLL:=200}" "${BENCH_SCALED_MAX_CHECK:=1200}"
  : "${BENCH_INSTANCE_JOBS:=30}" "${BENCH_LATENCY:=20}" "${BENCH_SIDE_BY_SIDE:=10}" "${BENCH_SLOW_BYTES:=8000000}"
  : "${BENCH_SLOW_RATE:=2000000}"
  RESULTS=$ROOT/target/bench/WATCHING.md
else
  RESULTS=${BENCH_RESULTS:-$ROOT/bench/WATCHING.md}
fi
LATENCY=${BENCH_LATENCY:-100}
# Archetype AI lists its jobs with their states: watched at the shipped settings.
WATCHED=${BENCH_WATCHED:-10000}
ENDING=${BENCH_ENDING:-100}
POLL=${BENCH_POLL:-30000}
MAX_CHECK=${BENCH_MAX_CHECK:-600000}
MEASURE=${BENCH_MEASURE:-300}
# TensorPool has no job list with states: each job is asked on its own, backing off. Its steady state is reached only
# after the longest interval, so it runs on a scaled clock: the same ratio of jobs to maxCheckInterval.
SCALED_WATCHED=${BENCH_SCALED_WATCHED:-1000}
SCALED_POLL=${BENCH_SCALED_POLL:-3000}
SCALED_MAX_CHECK=${BENCH_SCALED_MAX_CHECK:-60000}
INSTANCE_JOBS=${BENCH_INSTANCE_JOBS:-300}
SIDE_BY_SIDE=${BENCH_SIDE_BY_SIDE:-50}
SLOW_BYTES=${BENCH_SLOW_BYTES:-200000000}
SLOW_RATE=${BENCH_SLOW_RATE:-4000000}

WORK=$ROOT/target/bench/watching
rm -rf "$WORK"
mkdir -p "$WORK"
[[ -f $ROOT/daemon/target/job-harvester.jar ]] || mvn -B -q package -DskipTests
# A copy: a build during the half hour this runs must not swap the jar under the running daemons.
JAR=$WORK/job-harvester.jar
cp "$ROOT/daemon/target/job-harvester.jar" "$JAR"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
with_postgres

simulator() {  # name platform count [more options]: a simulator with a crowd of waiting jobs; sets API, KEY, CONTROL
  local log=$WORK/$1-simulator.log
  java -Xmx1g -jar "$JAR" simulator --watch "$3" --watch-platform "$2" --api-latency "$LATENCY" "${@:4}" > "$log" 2>&1 &
  PIDS+=($!)
  SIM_PID=$!
  wait_for_line "$log" "Stop with Ctrl-C"
  local api_var=TENSORPOOL_API_URL key_var=TENSORPOOL_KEY
  [[ $2 == archetype ]] && api_var=ARCHETYPE_API_URL key_var=ATAI_API_KEY
  API=$(sed -n "s/^  export $api_var=//p" "$log")
  KEY=$(sed -n "s/^  export $key_var=//p" "$log")
  CONTROL=${API%/*}/_watch
}

daemon() {  # name platform instance poll maxCheck [ledger-db]: starts a daemon told the crowd through its inbox
  local dir=$WORK/$1/instance-$3 upper=${2^^}
  mkdir -p "$dir/inbox"
  { printf '%s' "${EXTRA_JOBS:-}"; seq -f "watch-%05g" 1 "$WATCH_COUNT"; } > "$dir/inbox/.jobs"
  mv "$dir/inbox/.jobs" "$dir/inbox/jobs"
  local ledger=()
  [[ -n ${6:-} ]] && ledger=(HARVESTER_LEDGER_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/$6?user=postgres"
    HARVESTER_INSTANCE_NAME="instance-$3" HARVESTER_LEASE_TIME=10000)
  local key_var=TENSORPOOL_KEY
  [[ $2 == archetype ]] && key_var=ATAI_API_KEY
  env "${upper}_API_URL=$API" "$key_var=$KEY" "${upper}_INBOX=$dir/inbox" HARVESTER_ALLOWED_HOSTS=127.0.0.1 \
    HARVESTER_ALLOW_HTTP=true HARVESTER_OUTPUT_DIR="$WORK/$1/out" HARVESTER_DATA_DIR="$dir/data" \
    HARVESTER_POLL_DELAY="$4" HARVESTER_MAX_CHECK_INTERVAL="$5" HARVESTER_MANAGEMENT_PORT=0 "${ledger[@]}" \
    java -Xmx256m -jar "$JAR" run > "$dir/daemon.log" 2>&1 &
  PIDS+=($!)
  DAEMON_PIDS+=($!)
  wait_for_line "$dir/daemon.log" "started in"
}

stats() { curl -s "$CONTROL/stats"; }

stop_all() {
  for pid in "${DAEMON_PIDS[@]}" "$SIM_PID"; do kill "$pid" 2>/dev/null || true; done
  wait "${DAEMON_PIDS[@]}" "$SIM_PID" 2>/dev/null || true
  DAEMON_PIDS=()
}

# One platform's crowd watched by one daemon: let it settle (every job asked or listed, backoff at its longest), count
# the calls, then end some jobs and time their harvests.
watch_run() {  # name platform count poll maxCheck settle-seconds measure-seconds
  WATCH_COUNT=$3
  DAEMON_PIDS=()
  simulator "$1" "$2" "$3"
  daemon "$1" "$2" 1 "$4" "$5"
  echo "  $1: $3 waiting jobs; settling ${6}s, then counting ${7}s"
  sleep "$6"
  curl -s -X POST "$CONTROL/reset" > /dev/null
  sleep "$7"
  stats > "$WORK/$1-steady.json"
  curl -s -X POST "$CONTROL/end?count=$ENDING" > /dev/null
  for i in $(seq 1 "$ENDING"); do
    until [[ -f $WORK/$1/out/$2/watch-$(printf %05d "$i")/_manifest.json ]]; do sleep 0.1; done
  done
  stats > "$WORK/$1-ended.json"
  stop_all
}

# A listing settles after its first two polls; a crowd asked one by one after two longest intervals.
watch_run archetype archetype "$WATCHED" "$POLL" "$MAX_CHECK" $(( POLL * 3 / 1000 )) "$MEASURE"
watch_run tensorpool tensorpool "$SCALED_WATCHED" "$SCALED_POLL" "$SCALED_MAX_CHECK" \
  $(( (SCALED_MAX_CHECK * 2 + SCALED_POLL * 2) / 1000 )) $(( SCALED_MAX_CHECK * 3 / 1000 ))

# One large slow file and 50 small jobs ending together: the small jobs' manifests do not wait for the large one.
WATCH_COUNT=$SIDE_BY_SIDE
DAEMON_PIDS=()
simulator side tensorpool "$SIDE_BY_SIDE" --bench 1 --small-files 1 --large-bytes 1 --listing-small 1 \
  --listing-large 1 --capped-bytes "$SLOW_BYTES" --capped-rate "$SLOW_RATE"
EXTRA_JOBS=$'bench-capped-1\n' daemon side tensorpool 1 1000 "$SCALED_MAX_CHECK"
until grep -q "bench-capped-1 ended 'completed'" "$WORK/side/instance-1/daemon.log"; do sleep 0.1; done
began=$(date +%s%N)
curl -s -X POST "$CONTROL/end?count=$SIDE_BY_SIDE" > /dev/null
for i in $(seq 1 "$SIDE_BY_SIDE"); do
  await_file "$WORK/side/out/tensorpool/watch-$(printf %05d "$i")/_manifest.json"
done
small_done=$(date +%s%N)
large_pending=$([[ -f $WORK/side/out/tensorpool/bench-capped-1/_manifest.json ]] && echo no || echo yes)
await_file "$WORK/side/out/tensorpool/bench-capped-1/_manifest.json"
large_done=$(date +%s%N)
printf '{"small": %s, "large": %s, "largePendingWhenSmallDone": "%s"}\n' \
  "$(( (small_done - began) / 1000000 ))" "$(( (large_done - began) / 1000000 ))" "$large_pending" > "$WORK/side.json"
echo "  side by side: $SIDE_BY_SIDE small jobs in $(( (small_done - began) / 1000000 )) ms, the large one in $(( (large_done - began) / 1000000 )) ms"
stop_all
EXTRA_JOBS=

# The same crowd watched by 1, 2 and 3 instances sharing one ledger: the calls the platform sees per job.
for n in 1 2 3; do
  WATCH_COUNT=$INSTANCE_JOBS
  DAEMON_PIDS=()
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "CREATE DATABASE watch_$n" > /dev/null
  simulator "instances-$n" tensorpool "$INSTANCE_JOBS"
  for i in $(seq 1 "$n"); do daemon "instances-$n" tensorpool "$i" "$SCALED_POLL" "$SCALED_MAX_CHECK" "watch_$n"; done
  echo "  $n instance(s): $INSTANCE_JOBS waiting TensorPool jobs"
  sleep $(( (SCALED_MAX_CHECK * 2 + SCALED_POLL * 2) / 1000 ))
  curl -s -X POST "$CONTROL/reset" > /dev/null
  sleep $(( SCALED_MAX_CHECK * 2 / 1000 ))
  stats > "$WORK/instances-$n.json"
  stop_all
done

python3 "$ROOT/bench/watching_report.py" "$WORK" "$RESULTS" "$LATENCY" "$WATCHED" "$POLL" "$MAX_CHECK" \
  "$SCALED_WATCHED" "$SCALED_POLL" "$SCALED_MAX_CHECK" "$INSTANCE_JOBS" "$ENDING" "$SIDE_BY_SIDE" "$SLOW_BYTES" \
  "$SLOW_RATE"
echo "bench: results in $RESULTS"
