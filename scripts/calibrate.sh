#!/usr/bin/env bash
# Calibration of `confgate verify` (docs/verdict.md): runs verify repeatedly and prints a
# table. Identical settings on both sides (A/A) must pass every time; the outage, the
# deploy overflow and the latency regression must be blocked every time, each for the
# right reason.
#
#   scripts/calibrate.sh [N] [verify flags...]
#   scripts/calibrate.sh 10                                   # default gate (about 2.5 min a run)
#   scripts/calibrate.sh 10 --trials 3 --duration 6s --warmup 1s
#
# Needs a release build (swift build -c release --scratch-path .build-release); CONFGATE overrides the binary.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
shift || true
bin=${CONFGATE:-.build-release/release/confgate}
[ -x "$bin" ] || { echo "calibrate: build first: swift build -c release --scratch-path .build-release (or set CONFGATE)" >&2; exit 2; }

# name | proposed | expected exit | expected reason kind (first line)
cases=(
  "A/A (identical)|fixtures/current.conf|0|PASS"
  "outage|fixtures/outage.conf|1|BLOCKED: exhaustion"
  "deploy overflow|fixtures/deploy-overflow.conf|1|BLOCKED: exhaustion"
  "latency regression|fixtures/latency-regression.conf|1|BLOCKED: latency"
)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
echo "confgate verify calibration: $n runs per case, flags: ${*:-(gate defaults)}, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| case | expected | as expected | other outcomes | median wall time |"
echo "| --- | --- | --- | --- | --- |"
for c in "${cases[@]}"; do
  IFS='|' read -r name proposed want_code want_reason <<<"$c"
  good=0; other=(); times=()
  for i in $(seq 1 "$n"); do
    start=$(date +%s.%N)
    "$bin" verify --current fixtures/current.conf --proposed "$proposed" --seed "$i" "$@" \
      >"$log/out" 2>"$log/err"
    code=$?
    times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')")
    first=$(head -n 1 "$log/out")
    if [ "$code" = "$want_code" ] && [[ "$first" == *"$want_reason"* ]]; then
      good=$((good + 1))
    else
      other+=("exit $code: ${first:0:80}")
    fi
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f s", a[int((NR+1)/2)]}')
  others=$(printf '%s; ' "${other[@]}" | sed 's/; $//')
  echo "| $name | exit $want_code, $want_reason | $good/$n | ${others:--} | $median |"
done
