#!/bin/sh
# bench/run-all.sh: every figure of docs/benchmarks.md, in one go, from the repository root.
#   swift build -c release --scratch-path .build-release
#   bench/run-all.sh [ROUNDS] 2>&1 | tee bench-results.txt
# CONFGATE=path/to/confgate picks another binary (default: the release build).
set -u
confgate=${CONFGATE:-.build-release/release/confgate}
rounds=${1:-3}
say() { printf '\n$ %s\n' "$*"; }
now() { printf '\n# %s  load: %s\n' "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"; }

now
say "$confgate" bench-login --seconds 10 --rounds "$rounds"
"$confgate" bench-login --seconds 10 --rounds "$rounds" 2>/dev/null

now
say bench/self-usage.sh "$confgate" run --settings bench/pool4.conf --gate bench/bench.gate --concurrency 4
bench/self-usage.sh "$confgate" run --settings bench/pool4.conf --gate bench/bench.gate --concurrency 4 2>&1 | grep -v '^run '

now
say bench/self-usage.sh "$confgate" run --settings bench/pool64.conf --gate bench/bench.gate --concurrency 64 --db-time 5ms
bench/self-usage.sh "$confgate" run --settings bench/pool64.conf --gate bench/bench.gate --concurrency 64 --db-time 5ms 2>&1 | grep -v '^run '

now
say bench/self-usage.sh "$confgate" run --settings fixtures/current.conf --rate 2000/s --duration 10s --warmup 1s --spike off --deploy off --db-time 0ms
bench/self-usage.sh "$confgate" run --settings fixtures/current.conf --rate 2000/s --duration 10s --warmup 1s --spike off --deploy off --db-time 0ms 2>&1 | grep -v '^run '

now
say /usr/bin/time -v "$confgate" run "(the same open loop; counts the scratch server's CPU too)"
/usr/bin/time -v "$confgate" run --settings fixtures/current.conf --rate 2000/s --duration 10s --warmup 1s --spike off --deploy off --db-time 0ms 2>&1 \
  | grep -E 'driver|User time|System time|Maximum resident|Elapsed'
now

# Pooler tier (issue #15): the same sides through PgBouncer, ratios of one run each.
now
say "$confgate" bench-login --through pgbouncer --case all --rounds "$rounds" --seconds 5
"$confgate" bench-login --through pgbouncer --case all --rounds "$rounds" --seconds 5 2>/dev/null

now
say "$confgate" bench-pooler --settings fixtures/pooler/current.conf --gate bench/bench.gate --rate 2000/s --startup-runs 10 --rounds "$rounds"
"$confgate" bench-pooler --settings fixtures/pooler/current.conf --gate bench/bench.gate --rate 2000/s --startup-runs 10 --rounds "$rounds" 2>/dev/null

now
say "$confgate" bench-pooler --settings bench/pool4-pgbouncer.conf --gate bench/bench.gate --concurrency 4 --startup-runs 0 --rounds "$rounds"
"$confgate" bench-pooler --settings bench/pool4-pgbouncer.conf --gate bench/bench.gate --concurrency 4 --startup-runs 0 --rounds "$rounds" 2>/dev/null
now
