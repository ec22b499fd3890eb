#!/usr/bin/env bash
# A throwaway PostgreSQL server for the shared-ledger tests, on 127.0.0.1 and a free port, in a folder of its own.
#   eval "$(bash .ci/postgres.sh start DIR)"   starts it and prints the export line the tests read
#   bash .ci/postgres.sh stop DIR              stops it and removes its data
#   bash .ci/postgres.sh pause DIR             stops it, keeping its data (a database outage, for the tests)
#   bash .ci/postgres.sh resume DIR            starts it again on the same port
# Installs Debian's postgresql package when no server is installed. fsync is off (tests need no durability from it)
# unless POSTGRES_FSYNC=on, as bench/ledger.sh measures it. Root cannot run PostgreSQL: as root the server
# runs as the postgres user.
set -euo pipefail
action=${1:?usage: postgres.sh start|stop|pause|resume DIR}
dir=${2:?usage: postgres.sh start|stop|pause|resume DIR}

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $pgbin ]]; then
  if [[ $action == stop ]]; then exit 0; fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $action in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # A server left from a run that was never stopped would make initdb refuse the folder.
    if [[ -d $dir/data ]]; then bash "$0" stop "$dir"; fi
    [[ $(id -u) == 0 ]] && chown postgres "$dir"
    as_owner "$pgbin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=${POSTGRES_FSYNC:-off} -c max_connections=200" start >&2
    echo "export HARVESTER_TEST_POSTGRES_URL='jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres'"
    ;;
  stop)
    [[ -d $dir/data ]] && as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir/data"
    ;;
  pause)
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    ;;
  resume)
    # restart starts a stopped server with the options it last ran with (postmaster.opts): the same port.
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w restart >&2
    ;;
  *) echo "usage: postgres.sh start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
