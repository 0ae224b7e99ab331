#!/usr/bin/env bash
# Calibration of `confgate verify` (docs/verdict.md): runs verify repeatedly and prints a
# table. Identical settings on both sides (A/A) must pass every time; the outage, the
# deploy overflow and the latency regression must be blocked every time, each for the
# right reason.
#
#   scripts/calibrate.sh [N] [verify flags...]
#   scripts/calibrate.sh 10                                   # default gate (about 2.5 min a run)
#   scripts/calibrate.sh 10 --trials 3 --duration 6s --warmup 1s
#   scripts/calibrate.sh ladder N [verify flags...]           # the sensitivity ladder (below)
#
# The ladder: A/A, then the same settings with a known latency regression injected into the
# proposed side only (extra server time per login, the hidden --calibration-proposed-db-time;
# LADDER="1ms 2ms 4ms" by default: pg_sleep waits in whole milliseconds, rounded up, so a
# smaller step is +1 ms too; raise the base with --db-time for finer ones), N runs per step. Per step it prints how often
# verify blocked for latency, and the median regression it measured at p50 and p99 (the
# verdict's proposed ÷ current ratios), so the table reads "+9% at p50 was blocked 19/20".
#
# A step written hold:DURATION (e.g. LADDER="hold:0.35ms hold:0.7ms") holds each proposed login's
# connection that much longer instead, slept in the service to the microsecond (the hidden
# --calibration-proposed-hold): finer steps than pg_sleep's, at the default base.
#
# A step that names a settings file (e.g. LADDER="1ms /tmp/pool-12.conf") runs that file as the
# proposed side instead of injecting server time: a regression of another shape, such as a pool
# too small only for the spike.
#
# Run i uses seed i (a different arrival schedule each run); SEED0=K starts at seed K+1, so a
# second batch adds new schedules instead of repeating the first's. AA=0 leaves out the A/A step.
# KEEP=DIR keeps each ladder run's result JSON as DIR/STEP-SEED.json (STEP 0 for A/A), for
# studying other estimators on the same runs (scripts/ladder-estimators.py).
#
# Needs a release build (swift build -c release --scratch-path .build-release); CONFGATE overrides the binary.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
shift || true
bin=${CONFGATE:-.build-release/release/confgate}
[ -x "$bin" ] || { echo "calibrate: build first: swift build -c release --scratch-path .build-release (or set CONFGATE)" >&2; exit 2; }

if [ "$n" = ladder ]; then
  n=${1:-20}
  shift || true
  log=$(mktemp -d)
  trap 'rm -rf "$log"' EXIT
  echo "confgate verify sensitivity ladder: $n runs per step, flags: ${*:-(gate defaults)}, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| injected (proposed side) | blocked for latency | inconclusive (of which: the busy machine's p99) | median measured p50 | median measured p99 | p50 detectable (median) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  aa=0; [ "${AA:-1}" = 0 ] && aa=""   # AA=0 skips the A/A step (e.g. to add finer steps to a kept ladder)
  for step in $aa ${LADDER:-1ms 2ms 4ms}; do
    blocked=0; inconclusive=0; busy=0
    : >"$log/ratios"
    for i in $(seq 1 "$n"); do
      seed=$((i + ${SEED0:-0}))
      proposed=fixtures/current.conf; extra=()
      if [ -f "$step" ]; then proposed=$step
      elif [ "${step#hold:}" != "$step" ]; then extra=(--calibration-proposed-hold "${step#hold:}")
      elif [ "$step" != 0 ]; then extra=(--calibration-proposed-db-time "$step"); fi
      "$bin" verify --current fixtures/current.conf --proposed "$proposed" --seed "$seed" --format json \
        "${extra[@]}" "$@" >"$log/out.json" 2>"$log/err"
      code=$?
      [ "$code" = 3 ] && inconclusive=$((inconclusive + 1))
      if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$log/out.json" "$KEEP/$(basename "$step" .conf)-$seed.json"; fi
      python3 - "$log/out.json" >>"$log/ratios" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1]))["verdict"]
except Exception:
    sys.exit(0)
by = {c["metric"]: c for c in v.get("latency", [])}
def pct(m):
    c = by.get(m)
    return "" if not c or c.get("ratio") is None else f"{(c['ratio'] - 1) * 100:+.0f}%"
def detectable(m):
    d = by.get(m, {}).get("detectable")
    return "" if d is None else f"+{(d - 1) * 100:.0f}%"
blocked = int(v.get("decision") == "blocked" and any(r.get("kind") == "latency" for r in v.get("reasons", [])))
# Inconclusive only because a busy machine's run p99 regressed (docs/verdict.md, "On a busy machine").
busy = int(v.get("decision") == "inconclusive"
           and any((c.get("notJudgedBecause") or "").startswith("the machine was busy") for c in v.get("latency", [])))
print(pct("p50"), pct("p99"), detectable("p50"), blocked, busy, sep="\t")
PY
      [ "$(tail -n 1 "$log/ratios" | cut -f4)" = 1 ] && blocked=$((blocked + 1))
      [ "$(tail -n 1 "$log/ratios" | cut -f5)" = 1 ] && busy=$((busy + 1))
    done
    medians=$(python3 - "$log/ratios" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(i):
    xs = sorted(float(r[i].rstrip("%")) for r in rows if len(r) > i and r[i])
    return f"{statistics.median(xs):+.0f}%" if xs else "-"
texts = sorted(r[2] for r in rows if len(r) > 2 and r[2])
print(med(0), med(1), texts[len(texts) // 2] if texts else "-", sep="|")
PY
)
    IFS='|' read -r p50 p99 detectable <<<"$medians"
    label="+$step server time per login"; [ "$step" = 0 ] && label="none (A/A)"; [ -f "$step" ] && label="proposed $step"
    [ "${step#hold:}" != "$step" ] && label="+${step#hold:} held per login"
    echo "| $label | $blocked/$n | $inconclusive ($busy) | $p50 | $p99 | $detectable |"
  done
  exit 0
fi

# name | proposed | expected exit | expected outcome, as the table says it | the same as a pattern
# for the report's first line (the last field, so it may contain |)
cases=(
  "A/A (identical)|fixtures/current.conf|0|PASS|PASS"
  "outage|fixtures/outage.conf|1|BLOCKED: exhaustion|BLOCKED: exhaustion"
  "deploy overflow|fixtures/deploy-overflow.conf|1|BLOCKED: exhaustion|BLOCKED: exhaustion"
  "latency regression|fixtures/latency-regression.conf|1|BLOCKED: latency (or exhaustion on pool timeouts alone)|BLOCKED: (latency|exhaustion — [0-9]+ logins? failed over [0-9]+ rounds? \\(pool_timeout ×[0-9]+\\))"
)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
echo "confgate verify calibration: $n runs per case, flags: ${*:-(gate defaults)}, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| case | expected | as expected | other outcomes | median wall time |"
echo "| --- | --- | --- | --- | --- |"
for c in "${cases[@]}"; do
  IFS='|' read -r name proposed want_code want_label want_reason <<<"$c"
  good=0; other=(); times=()
  for i in $(seq 1 "$n"); do
    seed=$((i + ${SEED0:-0}))
    start=$(date +%s.%N)
    "$bin" verify --current fixtures/current.conf --proposed "$proposed" --seed "$seed" "$@" \
      >"$log/out" 2>"$log/err"
    code=$?
    times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')")
    first=$(head -n 1 "$log/out")
    # The latency regression (a pool of 1) may also time out waiters overtaken in the spike
    # (HikariCP's barging, docs/pool.md): then exhaustion with pool timeouts only.
    if [ "$code" = "$want_code" ] && [[ "$first" =~ $want_reason ]]; then
      good=$((good + 1))
    else
      other+=("exit $code: ${first:0:80}")
    fi
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f s", a[int((NR+1)/2)]}')
  others=$(printf '%s; ' "${other[@]}" | sed 's/; $//')
  echo "| $name | exit $want_code, $want_label | $good/$n | ${others:--} | $median |"
done
