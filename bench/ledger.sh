#!/usr/bin/env bash
# What one PostgreSQL server carries of the shared ledger: fenced file records per second from 1, 2 and 4 instances,
# and the schedule's statements with 100,000 watched jobs. The server runs with fsync on, as in production. Writes
# bench/LEDGER.md.
#   bench/ledger.sh           10 s per measurement, 100,000 watched jobs (about 2 minutes)
#   bench/ledger.sh --smoke   2 s, 2,000 jobs, results in target/bench/LEDGER.md (the test suite runs this)
# Needs Java 17, Maven, python3 and a PostgreSQL server package (Debian: apt-get install postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ "${1:-}" == "--smoke" ]]; then
  : "${BENCH_SECONDS:=2}" "${BENCH_WATCHED:=2000}"
  RESULTS=$ROOT/target/bench/LEDGER.md
else
  RESULTS=$ROOT/bench/LEDGER.md
fi
SECONDS_EACH=${BENCH_SECONDS:-10}
WATCHED=${BENCH_WATCHED:-100000}

WORK=$ROOT/target/bench/ledger
rm -rf "$WORK"
mkdir -p "$WORK"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
TEST_CP=$(test_classpath "$WORK")
POSTGRES_FSYNC=on with_postgres
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "CREATE DATABASE capacity" > /dev/null

java -Xmx512m -cp "$TEST_CP" dev.jobharvester.ledger.LedgerCapacity \
  "jdbc:postgresql://127.0.0.1:$PG_PORT/capacity?user=postgres" "$SECONDS_EACH" "$WATCHED" | tee "$WORK/results.tsv"

python3 - "$WORK/results.tsv" "$RESULTS" "$SECONDS_EACH" <<'PY'
import datetime, os, platform, sys
tsv, out, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
kinds = {"records", "watch", "due-and-checked", "due", "listed"}
rows = [row for row in (line.rstrip("\n").split("\t") for line in open(tsv)) if row[0] in kinds]
records = [r for r in rows if r[0] == "records"]
other = {r[0]: r for r in rows if r[0] != "records"}
lines = ["# What one PostgreSQL server carries of the shared ledger", "",
         f"Measured by `bench/ledger.sh` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores,"
         f" {platform.platform()}; PostgreSQL with fsync on, on the same machine as the instances.", "",
         "## File records", "",
         f"Each instance has its pool of 8 connections and 8 lanes; a lane claims a job, records 200 files one by one"
         f" (each a transaction that locks and checks the job's lease, then inserts), completes the job and hands it"
         f" back. {seconds} s per row.", "",
         "| instances | records per second |", "|---|---|"]
lines += [f"| {n} | {float(rate):,.0f} |" for _, n, rate in records]
lines += ["", "## The schedule", "",
          f"With {int(other['watch'][1]):,} jobs watched (the schedule's writes commit without waiting for the disk:"
          " one lost in a crash of the database only has a job asked again sooner):", "",
          "| statement | time |", "|---|---|",
          f"| watch a job (insert) | {float(other['watch'][2]):.2f} ms each |",
          f"| hand out 32 due jobs (one statement) | {float(other['due'][2]):.2f} ms |",
          f"| hand out 32 due jobs and reschedule each (33 statements) | {float(other['due-and-checked'][2]):.1f} ms |",
          f"| take a listing of {int(other['listed'][1]):,} states | {float(other['listed'][2]):.0f} ms |"]
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write("\n".join(lines) + "\n")
PY
echo "bench: results in $RESULTS"
