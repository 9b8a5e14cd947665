#!/usr/bin/env bash
# The PostgreSQL lane: a throwaway PostgreSQL cluster on a loopback port in a temporary
# folder, the engine suite (tests/engines) against it, and the cluster stopped and removed
# whatever happens.
#
#   scripts/pg_lane.sh run [pytest args]   install if needed, start, test, stop (make test-postgres)
#   scripts/pg_lane.sh install             install PostgreSQL from Debian's packages when absent
#   scripts/pg_lane.sh start DIR           start a cluster in DIR; prints the REVOPS_PG_* exports
#   scripts/pg_lane.sh stop DIR            stop the cluster in DIR
#
# Root cannot run initdb: as root the cluster runs as the `postgres` OS user (created by
# Debian's package), otherwise as the calling user. Auth is `trust` on 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
PG_USER_NAME=revops
PG_DATABASE=revops

log() { echo "pg_lane: $*" >&2; }

bindir() {
    local dir
    if [[ -n "${REVOPS_PG_BINDIR:-}" ]]; then
        echo "$REVOPS_PG_BINDIR"
        return 0
    fi
    # Debian keeps the server binaries (initdb, pg_ctl, postgres) out of PATH.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

install() {
    if [[ -n "$(bindir)" ]]; then
        log "PostgreSQL server found in $(bindir)"
        return 0
    fi
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
        log "no PostgreSQL server binaries and no root apt-get to install them:"
        log "install PostgreSQL (Debian: apt-get install postgresql) or set REVOPS_PG_BINDIR"
        exit 2
    fi
    log "installing PostgreSQL from Debian's packages"
    # No system cluster: the lane makes its own, and nothing should stay running.
    mkdir -p /etc/postgresql-common
    if [[ ! -f /etc/postgresql-common/createcluster.conf ]]; then
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        postgresql >/dev/null
    [[ -n "$(bindir)" ]] || { log "apt-get installed no initdb"; exit 2; }
    log "installed PostgreSQL in $(bindir)"
}

# Run a command as the cluster's owner.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir="$1" bin port
    bin="$(bindir)"
    [[ -n "$bin" ]] || { log "PostgreSQL is not installed: run '$0 install'"; exit 2; }
    if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    mkdir -p "$dir/socket"
    if [[ "$(id -u)" == 0 ]]; then
        chown postgres "$dir" "$dir/socket"
    fi
    chmod 700 "$dir"
    port="$(free_port)"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username="$PG_USER_NAME" --auth=trust \
        --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Throwaway data: durability off, UTC, loopback only, socket inside the folder.
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c TimeZone=UTC \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=50 -c shared_buffers=64MB" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    "$bin/createdb" --host=127.0.0.1 --port="$port" --username="$PG_USER_NAME" "$PG_DATABASE"
    echo "$port" >"$dir/port"
    cat <<EOF
export REVOPS_PG_HOST=127.0.0.1
export REVOPS_PG_PORT=$port
export REVOPS_PG_USER=$PG_USER_NAME
export REVOPS_PG_PASSWORD=
export REVOPS_PG_DATABASE=$PG_DATABASE
EOF
    log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
}

stop() {
    local dir="$1" bin
    bin="$(bindir)"
    if [[ -n "$bin" && -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait stop >/dev/null \
            || log "pg_ctl stop failed (see $dir/server.log)"
        log "stopped the cluster in $dir"
    fi
}

LANE_DIR=""
TEST_PID=""

cleanup() {
    # Runs as the EXIT trap: keep going whatever fails, and never `return` bare here (in a
    # trap, a bare return gives the status that triggered the exit).
    set +e
    if [[ -n "$LANE_DIR" ]]; then
        stop "$LANE_DIR/cluster"
        rm -rf "$LANE_DIR"
    fi
}

run() {
    local began exports rc=0
    began=$(date +%s)
    install
    LANE_DIR="$(mktemp -d /tmp/revops-pg.XXXXXX)"
    chmod 755 "$LANE_DIR"
    # Stop and remove the cluster on every exit: success, failure or interrupt.
    trap cleanup EXIT
    trap 'if [[ -n "$TEST_PID" ]]; then kill "$TEST_PID" 2>/dev/null; fi; exit 130' INT TERM
    exports="$(start "$LANE_DIR/cluster")"
    eval "$exports"
    log "cluster up in $(($(date +%s) - began))s; running tests/engines/test_postgres.py"
    export REVOPS_TEST_POSTGRES=1
    # In the background, so that a signal reaches the trap at once (bash runs traps only
    # between commands), which stops pytest and then the cluster.
    (cd "$ROOT" && exec "$PYTHON" -m pytest tests/engines/test_postgres.py "$@") &
    TEST_PID=$!
    wait "$TEST_PID" || rc=$?
    TEST_PID=""
    if [[ $rc -eq 5 ]]; then
        log "pytest collected no tests"
        rc=1
    fi
    log "lane finished in $(($(date +%s) - began))s (exit $rc)"
    return $rc
}

case "${1:-}" in
    install) install ;;
    start) start "${2:?usage: $0 start DIR}" ;;
    stop) stop "${2:?usage: $0 stop DIR}" ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 run [pytest args] | install | start DIR | stop DIR" >&2; exit 2 ;;
esac
