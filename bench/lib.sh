# Shared by the benchmark scripts (sourced, not run).

wait_for_line() {  # file pattern: waits up to a minute for a line matching pattern to appear in file
  for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: no '$2' in $1" >&2; tail -20 "$1" >&2; exit 1
}
