#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, in a folder of its own.
#
#   scripts/pg_cluster.sh install      apt-get install postgresql when no initdb is found
#   scripts/pg_cluster.sh start DIR [--durable]
#                                      initdb + start on 127.0.0.1 at a free port; prints the URL
#   scripts/pg_cluster.sh stop DIR     stop it and remove DIR
#
# initdb is not on PATH in Debian (it lives in /usr/lib/postgresql/<ver>/bin) and refuses to run as
# root, so as root the cluster belongs to the "postgres" user (runuser). The superuser "postgres"
# is trusted on loopback; the role "briefbot_pw" (created here, password "secret") must give a
# password, so tests can see an authentication failure. fsync is off (the data is thrown away)
# unless --durable (benchmarks: commits as durable as a real server's).
set -euo pipefail

bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$found" ] && command -v initdb >/dev/null; then
        found=$(dirname "$(command -v initdb)")
    fi
    echo "$found"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "${1:-}" in
install)
    if [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ]; then
        echo "pg_cluster: PostgreSQL found in $(bindir)" >&2
        exit 0
    fi
    start=$SECONDS
    echo "pg_cluster: installing PostgreSQL from Debian's packages ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    echo "pg_cluster: installed in $((SECONDS - start)) s ($(bindir))" >&2
    ;;
start)
    dir=${2:?usage: pg_cluster.sh start DIR [--durable]}
    speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${3:-}" = "--durable" ] && speed=""
    bin=$(bindir)
    [ -x "$bin/initdb" ] || { echo "pg_cluster: no initdb found; run: $0 install" >&2; exit 1; }
    start=$SECONDS
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host all briefbot_pw 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
HBA
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $speed -c max_connections=200" \
            start >/dev/null; then
            break
        fi
        [ "$attempt" = 3 ] && { cat "$dir/server.log" >&2; exit 1; }
    done
    as_owner "$bin/psql" -q -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE briefbot_pw LOGIN PASSWORD 'secret'" >/dev/null
    echo "$port" >"$dir/port"
    echo "pg_cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port in $((SECONDS - start)) s" >&2
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    dir=${2:?usage: pg_cluster.sh stop DIR}
    bin=$(bindir)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    sed -n 2,8p "$0" >&2
    exit 2
    ;;
esac
