#!/usr/bin/env bash
# The HikariCP conformance harness (issue #18 item 3): each case's fleet, settings, arrival
# schedule and login transaction through the real HikariCP (Fleet.java) and through
# `confgate run`, one after the other on one scratch server, then a side-by-side table.
#
#   conformance/hikaricp/run.sh [CASE...]     # from anywhere; default: every case
#
# Cases: current harmless outage-crash outage-serve latency-regression saturated.
# Environment: DURATION (measured, default 10s), WARMUP (default 2s), CONFGATE_BIN (default:
# .build/release/confgate, else .build/debug/confgate, else `swift build -c release`),
# KEEP=1 keeps the work directory (JSON of both runners, logs).
# Installs default-jdk-headless, libhikaricp-java, libpostgresql-jdbc-java and libslf4j-java
# when missing (root, or sudo). Run by hand, not in CI.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(current harmless outage-crash outage-serve latency-regression saturated)

# --- packages --------------------------------------------------------------------------
packages=(default-jdk-headless libhikaricp-java libpostgresql-jdbc-java libslf4j-java)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
jars=/usr/share/java
classpath="$jars/HikariCP.jar:$jars/postgresql.jar:$jars/slf4j-api.jar:$jars/slf4j-simple.jar"

# --- confgate --------------------------------------------------------------------------
if [ -z "${CONFGATE_BIN:-}" ]; then
    for candidate in .build/release/confgate .build/debug/confgate; do
        if [ -x "$candidate" ]; then CONFGATE_BIN=$root/$candidate; break; fi
    done
fi
if [ -z "${CONFGATE_BIN:-}" ]; then
    swift build -c release --product confgate >&2
    CONFGATE_BIN=$root/.build/release/confgate
fi

# --- work directory and teardown -------------------------------------------------------
work=$(mktemp -d /tmp/cg-conformance-XXXXXX)
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
cleanup() {
    stop_server
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

javac -d "$work/classes" -cp "$classpath" conformance/hikaricp/Fleet.java

# --- cases: settings file, extra flags of `confgate run`, HikariCP start policy ---------
case_settings() {  # NAME -> path of its settings file
    case "$1" in
        current | harmless | latency-regression) echo "fixtures/$1.conf" ;;
        outage-crash) echo "fixtures/outage.conf" ;;  # pool.start_failure = crash, the default
        outage-serve)
            sed -e 's/^\[pool\].*/[pool]\nstart_failure = serve/' fixtures/outage.conf > "$work/outage-serve.conf"
            echo "$work/outage-serve.conf" ;;
        saturated)  # one instance, a pool of 1 at 450/s with 2 ms of server time: past its capacity
            sed -e 's/^max_size = 15 /max_size = 1  /' -e 's/^instances = 6/instances = 1/' fixtures/current.conf > "$work/saturated.conf"
            echo "$work/saturated.conf" ;;
        *) echo "unknown case $1" >&2; return 2 ;;
    esac
}
case_flags() {
    case "$1" in
        saturated) echo "--rate 450/s --spike off --db-time 2ms" ;;
        *) echo "" ;;
    esac
}
case_start() {  # initializationFailTimeout: crash = 1 (HikariCP's default), serve = -1; as pool.start_failure
    case "$1" in outage-serve) echo serve ;; *) echo crash ;; esac
}

for name in "${cases[@]}"; do
    settings=$(case_settings "$name")
    # shellcheck disable=SC2207
    flags=($(case_flags "$name"))
    common=(--settings "$settings" --gate fixtures/confgate.gate --deploy off --duration "$DURATION" --warmup "$WARMUP" "${flags[@]}")
    "$CONFGATE_BIN" run "${common[@]}" --schedule-out "$work/$name.schedule"

    # One scratch server for both runners, with the case's [server] settings, on TCP.
    "$CONFGATE_BIN" postgres --settings "$settings" --tcp-port 0 >"$work/$name.server.out" 2>"$work/$name.server.err" &
    server_pid=$!
    for _ in $(seq 1 300); do
        grep -q '^superuser:' "$work/$name.server.out" 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/$name.server.err" >&2; exit 3; }
        sleep 0.1
    done
    port=$(sed -n 's/.*TCP: 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.server.err")
    [ -n "$port" ] || { echo "no TCP port from confgate postgres" >&2; cat "$work/$name.server.err" >&2; exit 3; }

    echo "== $name: HikariCP ($(case_start "$name")) on port $port" >&2
    java -Xss512k -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath:$work/classes" Fleet \
        --schedule "$work/$name.schedule" --host 127.0.0.1 --port "$port" --start "$(case_start "$name")" \
        --out "$work/$name.hikaricp.json" 2>"$work/$name.java.log" \
        || { tail -20 "$work/$name.java.log" >&2; exit 3; }
    echo "== $name: confgate run" >&2
    status=0
    "$CONFGATE_BIN" run "${common[@]}" --postgres "postgresql://confgate@127.0.0.1:$port/auth" \
        --output "$work/$name.confgate.json" >"$work/$name.confgate.txt" 2>"$work/$name.confgate.err" || status=$?
    # 3 with a result written: the driver fell behind (reported in the table's notes).
    if [ ! -f "$work/$name.confgate.json" ]; then cat "$work/$name.confgate.err" >&2; exit "$status"; fi
    stop_server
done

python3 conformance/hikaricp/table.py "$work" "${cases[@]}"
