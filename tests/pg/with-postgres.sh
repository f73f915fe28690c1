#!/bin/sh
# with-postgres.sh CMD...: run CMD against a throwaway PostgreSQL 15.
#
# Makes a cluster in a fresh temporary directory (initdb), starts it
# listening only on 127.0.0.1 on a free private port, with its unix socket
# in that directory and fsync on, creates the database waybill_test, exports
# WB_TEST_PG=postgresql://... naming it (and WB_TEST_PG_DATA, WB_TEST_PG_USER
# and PG_BIN, to stop and start it), runs CMD and passes on its status.
# The cluster is stopped and the directory removed on exit, whatever
# happens. PostgreSQL refuses to run as root, so as root the server runs as
# the `postgres` system user (runuser); otherwise as the current user.
# (initdb --no-sync only skips flushing the fresh cluster once; the server
# itself runs with fsync on, so COMMIT is durable as in production.)
# Fails, saying why, when PostgreSQL is not installed: never skips.
set -eu

if [ $# -eq 0 ]; then
    echo "usage: $0 CMD [ARG...]" >&2
    exit 2
fi

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in initdb pg_ctl; do
    if [ ! -x "$PG_BIN/$tool" ]; then
        echo "$0: $PG_BIN/$tool not found: install PostgreSQL 15 (Debian: apt-get install postgresql) or set PG_BIN" >&2
        exit 1
    fi
done

if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "$0: running as root, and there is no 'postgres' user to run the server as" >&2
        exit 1
    fi
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/wb-pg-XXXXXX")
chmod 700 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
started=

cleanup() {
    status=$?
    if [ -n "$started" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if ! as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1; then
    echo "$0: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
fi

# a free private port: pick one at random, and try another when the server
# cannot bind it
port=
attempt=0
while [ $attempt -lt 10 ]; do
    attempt=$((attempt + 1))
    candidate=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 15000 + 40000 ))
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $candidate -c unix_socket_directories=$dir -c fsync=on -c synchronous_commit=on -c max_connections=50" \
        start >/dev/null 2>&1; then
        port=$candidate
        started=1
        break
    fi
    # a failed start may still leave a postmaster behind
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
done
if [ -z "$port" ]; then
    echo "$0: PostgreSQL did not start (10 ports tried); server log:" >&2
    cat "$dir/server.log" >&2 2>/dev/null || true
    exit 1
fi

as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "CREATE DATABASE waybill_test" >/dev/null

WB_TEST_PG="postgresql://postgres@127.0.0.1:$port/waybill_test"
# for tests that stop and start the server (tests/pg/test_pg_restart.py):
# `[runuser -u postgres --] $PG_BIN/pg_ctl -D $WB_TEST_PG_DATA ...`
WB_TEST_PG_DATA="$dir/data"
WB_TEST_PG_USER=
[ "$(id -u)" -eq 0 ] && WB_TEST_PG_USER=postgres
export WB_TEST_PG WB_TEST_PG_DATA WB_TEST_PG_USER PG_BIN
"$@"
