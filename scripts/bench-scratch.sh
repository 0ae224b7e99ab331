#!/bin/sh
# Benchmarks the scratch PostgreSQL (issue #4): cold template build (initdb + seed) and a
# warm trial (unpack → start → ready → stop → removed), beside `pg_ctl -w start` on the
# same template. Prints median, min, p25, p75 and max over RUNS runs (default 10).
#   scripts/bench-scratch.sh [RUNS] [USERS]
# Set CONFGATE_SCRATCH_DIR=/tmp to measure on a disk file system instead of /dev/shm.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product confgate >&2
exec .build/release/confgate postgres --bench --runs "${1:-10}" --users "${2:-10000}"
