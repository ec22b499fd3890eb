#!/usr/bin/env bash
# Harvest throughput of 1, 2 and 3 daemons sharing one PostgreSQL ledger, against storage that caps what each
# connection carries (as many clouds' object stores do per request). Writes bench/INSTANCES.md.
#   bench/instances.sh           12 jobs of one 20 MB file each, 5 MB/s per connection
#   bench/instances.sh --smoke   tiny sizes, results in target/bench/INSTANCES.md (the test suite runs this)
# Needs Java 17, Maven, python3 and a PostgreSQL server package (Debian: apt-get install postgresql); the script starts
# a throwaway server of its own through .ci/postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ "${1:-}" == "--smoke" ]]; then
  : "${BENCH_JOBS:=3}" "${BENCH_BYTES:=500000}" "${BENCH_RATE:=1000000}"
  RESULTS=$ROOT/target/bench/INSTANCES.md
else
  RESULTS=$ROOT/bench/INSTANCES.md
fi
JOBS=${BENCH_JOBS:-12}
BYTES=${BENCH_BYTES:-20000000}
RATE=${BENCH_RATE:-5000000}
MAX=${BENCH_INSTANCES:-3}

WORK=$ROOT/target/bench/instances
rm -rf "$WORK"
mkdir -p "$WORK"
JAR=$ROOT/daemon/target/job-harvester.jar
[[ -f $JAR ]] || mvn -B -q package -DskipTests

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
with_postgres
psql_q() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -At "$@"; }

# Every job in MAX copies' worth: each run harvests fresh ones.
java -Xmx1g -jar "$JAR" simulator --bench $((JOBS * MAX)) --small-files 1 --large-bytes 1 --capped-bytes "$BYTES" \
  --capped-rate "$RATE" --listing-small 1 --listing-large 1 > "$WORK/simulator.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/simulator.log" "Stop with Ctrl-C"
API=$(sed -n 's/^  export TENSORPOOL_API_URL=//p' "$WORK/simulator.log")
KEY=$(sed -n 's/^  export TENSORPOOL_KEY=//p' "$WORK/simulator.log")

echo "instances	seconds	jobs per instance" > "$WORK/results.tsv"
for n in $(seq 1 "$MAX"); do
  run=$WORK/run-$n
  psql_q -c "CREATE DATABASE bench_$n" >/dev/null
  daemons=()
  for i in $(seq 1 "$n"); do
    mkdir -p "$run/inbox-$i"
    env TENSORPOOL_API_URL="$API" TENSORPOOL_KEY="$KEY" HARVESTER_ALLOWED_HOSTS=127.0.0.1 HARVESTER_ALLOW_HTTP=true \
      HARVESTER_OUTPUT_DIR="$run/out" HARVESTER_DATA_DIR="$run/data-$i" HARVESTER_POLL_DELAY=100 \
      HARVESTER_MANAGEMENT_PORT=0 HARVESTER_LOG_LEVEL=INFO TENSORPOOL_INBOX="$run/inbox-$i" \
      HARVESTER_LEDGER_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/bench_$n?user=postgres" \
      HARVESTER_INSTANCE_NAME="instance-$i" java -Xmx256m -jar "$JAR" run > "$run/daemon-$i.log" 2>&1 &
    daemons+=($!)
    PIDS+=($!)
  done
  for i in $(seq 1 "$n"); do wait_for_line "$run/daemon-$i.log" "started in"; done
  first=$(( (n - 1) * JOBS + 1 ))
  seq -f "bench-capped-%g" "$first" $((first + JOBS - 1)) > "$run/jobs.txt"
  began=$(date +%s%N)
  for i in $(seq 1 "$n"); do cp "$run/jobs.txt" "$run/inbox-$i/.jobs" && mv "$run/inbox-$i/.jobs" "$run/inbox-$i/jobs"; done
  while read -r job; do
    await_file "$run/out/tensorpool/$job/_manifest.json"
  done < "$run/jobs.txt"
  ended=$(date +%s%N)
  shares=$(psql_q -d "bench_$n" -c "SELECT owner || ': ' || count(*) FROM harvest_jobs GROUP BY owner ORDER BY owner" \
    | paste -sd ',' | sed 's/,/, /g')
  seconds=$(python3 -c "print(round(($ended - $began) / 1e9, 2))")
  printf '%s\t%s\t%s\n' "$n" "$seconds" "$shares" >> "$WORK/results.tsv"
  echo "  $n instance(s): ${seconds}s  ($shares)"
  for pid in "${daemons[@]}"; do kill "$pid"; done
  wait "${daemons[@]}" 2>/dev/null || true
done

python3 - "$WORK/results.tsv" "$RESULTS" "$JOBS" "$BYTES" "$RATE" <<'EOF'
import datetime, os, platform, sys
tsv, out, jobs, size, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = [line.rstrip("\n").split("\t") for line in open(tsv)][1:]
base = float(rows[0][1])
lines = ["# Several instances sharing one PostgreSQL ledger", "",
         f"Measured by `bench/instances.sh` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores, "
         f"{platform.platform()}.", "",
         f"{jobs} TensorPool jobs of one {size / 1e6:g} MB file each, served by the simulator at {rate / 1e6:g} MB/s per"
         " connection; every instance is told every job, and they share them through leases in PostgreSQL. Time from"
         " the jobs' arrival to the last manifest in the sink.", "",
         "| instances | time | throughput | speed-up | jobs harvested per instance |", "|---|---|---|---|---|"]
for n, seconds, shares in rows:
    s = float(seconds)
    lines.append(f"| {n} | {s:.2f} s | {jobs * size / s / 1e6:.1f} MB/s | {base / s:.2f}× | {shares} |")
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write("\n".join(lines) + "\n")
EOF
echo "bench: results in $RESULTS"
