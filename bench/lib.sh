# Shared by the benchmark scripts (sourced, not run).

wait_for_line() {  # file pattern: waits up to a minute for a line matching pattern to appear in file
  for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: no '$2' in $1" >&2; tail -20 "$1" >&2; exit 1
}

# A daemon's job is timed by looking for its manifest every 20 ms (a tool's own run is waited for). The looking starts
# no process: a `date` and a `sleep` forked at each look took 0.9 CPU-s in 5 s of an idle machine, from the two cores
# the timed daemon shares. `read -t` on a FIFO that no one writes sleeps inside bash.
await_file() {  # path: waits for it, at most BENCH_TIMEOUT seconds
  if [[ -z ${TICK:-} ]]; then
    local fifo
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    exec {TICK}<>"$fifo"
    rm "$fifo"
  fi
  local deadline=$(( EPOCHSECONDS + ${BENCH_TIMEOUT:-1800} ))
  until [[ -f $1 ]]; do
    (( EPOCHSECONDS < deadline )) || { echo "bench: $1 did not appear; see the daemons' logs under $WORK" >&2; exit 1; }
    read -rt 0.02 -u "$TICK" _ || true
  done
}

# The class path of the component's classes and test classes (its test servers, the ledger's capacity bench): the test
# suite passes its own in BENCH_TEST_CP; run by hand, it is built.
test_classpath() {  # work-dir
  if [[ -n ${BENCH_TEST_CP:-} ]]; then
    echo "$BENCH_TEST_CP"
    return
  fi
  mvn -B -q install -DskipTests >&2
  mvn -B -q -pl job-outputs dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$1/classpath.txt" \
    >/dev/null
  echo "$ROOT/job-outputs/target/test-classes:$ROOT/job-outputs/target/classes:$(cat "$1/classpath.txt")"
}

# For the benchmarks of daemons sharing a PostgreSQL ledger: the daemons' PIDS are killed and the throwaway server in
# WORK/pg stopped on exit; the server is started, and its port set in PG_PORT.
with_postgres() {
  PIDS=()
  trap stop_daemons_and_postgres EXIT
  eval "$(bash "$ROOT/.ci/postgres.sh" start "$WORK/pg")"
  PG_PORT=$(sed -E 's|.*127.0.0.1:([0-9]+)/.*|\1|' <<<"$HARVESTER_TEST_POSTGRES_URL")
}

stop_daemons_and_postgres() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash "$ROOT/.ci/postgres.sh" stop "$WORK/pg"
}

free_port() {  # a free TCP port on 127.0.0.1
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
