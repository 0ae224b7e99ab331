#!/usr/bin/env python3
"""Studies latency estimators on saved verify results (issue #16 item 3).

    KEEP=DIR scripts/calibrate.sh ladder N [verify flags]   # keeps DIR/STEP-RUN.json
    scripts/ladder-estimators.py DIR [--tolerance 0.1] [--all]

For each estimator of a round's p50 and p99, it judges every saved run as verify's t test
across rounds does (docs/verdict.md: blocks when the lower bound of the geometric mean ratio
exceeds 1 + tolerance) and prints, per ladder step, how often it blocked. A/A runs (step 0)
also give a simulated ladder: the proposed side's figure multiplied by 1 + delta, which
moves every log ratio by log(1 + delta), so a run blocks at delta exactly when its A/A lower
bound exceeds (1 + tolerance) / (1 + delta). That is a uniform slowdown; the real steps
(extra server time per login) check it.

Estimators of one round's percentile:
  round        the round's own percentile over its measured logins (what verify uses)
  stall-drop   the same, but a round whose driver stalled on either side (lag max > 50 ms) is
               left out when at least two rounds remain
  interval-med the median of the round's 100 ms intervals' percentiles (measured phases):
               one stall moves a few intervals, not the median
  steady       the percentile of the round's steady-phase logins only (the spike left out)
  spike        the percentile of the round's spike-phase logins only
  round|X      blocks when either `round` or estimator X blocks (an added judgement beside
               today's: sd and ratio columns show X's)
On a busy machine (the driver's lag p99 over 2 ms in any trial) verify does not let the run's
own p99 block (docs/verdict.md, "On a busy machine"): the `round` estimator of p99, alone or in
round|X, then never blocks here either, so the simulated steps show what verify would decide.
Runs verify itself called inconclusive (driver lag, failed trials) are counted apart and left
out, unless --all (to see what each estimator would make of a noisy neighbour's runs).
"""
import glob
import json
import math
import os
import statistics
import sys

T95 = {1: 6.314, 2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943, 7: 1.895, 8: 1.860, 9: 1.833}
STALL_US = 50_000
BUSY_LAG_P99_US = 2_000   # RunSummary.busyLagP99


def busy(result):
    """Whether any trial's driver lag p99 exceeded verify's busy-machine threshold."""
    return any(run["summary"]["lag"]["p99"] > BUSY_LAG_P99_US for pair in rounds(result) for run in pair)


def t_quantile(df):
    return T95.get(df, 1.645)


def rounds(result):
    """Paired (current, proposed) run results by round number."""
    by = {}
    for side in ("current", "proposed"):
        for trial in result[side]["trials"]:
            by.setdefault(trial["round"], {})[side] = trial["result"]
    return [(v["current"], v["proposed"]) for k, v in sorted(by.items()) if len(v) == 2]


def interval_median(run, key):
    values = [p[key] for p in run["timeline"] if p.get(key) and p["phase"] != "warmup"]
    return statistics.median(values) if values else None


def phase_value(run, phase, key):
    for entry in run["summary"].get("latencyByPhase") or []:
        if entry["phase"] == phase:
            return entry["latency"][key]
    return None


def estimate(pairs, estimator, key):
    """Log ratios of the paired rounds under `estimator`, or None when it cannot judge."""
    if estimator.startswith("round|"):
        estimator = estimator[len("round|"):]
    if estimator == "stall-drop":
        calm = [(c, p) for c, p in pairs if c["summary"]["lag"]["max"] <= STALL_US and p["summary"]["lag"]["max"] <= STALL_US]
        if len(calm) >= 2:
            pairs = calm
    logs = []
    for c, p in pairs:
        if estimator == "interval-med":
            a, b = interval_median(c, key), interval_median(p, key)
        elif estimator in ("steady", "spike"):
            a, b = phase_value(c, estimator, key), phase_value(p, estimator, key)
        else:
            a, b = c["summary"]["latency"][key], p["summary"]["latency"][key]
        if not a or not b:
            continue
        logs.append(math.log(max(b, 1) / max(a, 1)))
    return logs if len(logs) >= 2 else None


def lower_bound(logs):
    n = len(logs)
    mean = sum(logs) / n
    sd = statistics.stdev(logs)
    return math.exp(mean - t_quantile(n - 1) * sd / math.sqrt(n)), math.exp(mean), sd


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(2)
    directory = args[0]
    tolerance = float(args[args.index("--tolerance") + 1]) if "--tolerance" in args else 0.1
    steps = {}
    for path in glob.glob(os.path.join(directory, "*.json")):
        step = os.path.basename(path).rsplit("-", 1)[0]
        try:
            steps.setdefault(step, []).append(json.load(open(path)))
        except (OSError, ValueError):
            continue
    estimators = ("round", "stall-drop", "interval-med", "steady", "spike", "round|interval-med", "round|steady")
    deltas = (0.05, 0.10, 0.20, 0.25, 0.50)
    print(f"{directory}: tolerance +{tolerance:.0%}, 95% one-sided t across rounds")
    for step in sorted(steps, key=lambda s: (s != "0", s)):
        runs = steps[step]
        judged = runs if "--all" in args else [r for r in runs if r["verdict"]["decision"] != "inconclusive"]
        label = ("A/A" if step == "0" else f"+{step[len('hold:'):]} held per login (proposed)" if step.startswith("hold:")
                 else f"+{step} server time (proposed)")
        inconclusive = sum(1 for r in runs if r["verdict"]["decision"] == "inconclusive")
        busy_runs = sum(1 for r in judged if busy(r))
        print(f"\n## {label}: {len(runs)} runs, {inconclusive} inconclusive by verify's own rules, "
              f"{busy_runs} of the judged on a busy machine"
              + (" (judged here all the same)" if "--all" in args else ""))
        regressed = {}
        for r in judged:
            for c in r["verdict"].get("latency", []):
                regressed.setdefault(c["metric"], 0)
                regressed[c["metric"]] += int(c["lower"] > 1 + c["tolerance"] and c.get("decides", True))
        print("verify's own judgements, regressed: " + ", ".join(f"{m} {n}/{len(judged)}" for m, n in regressed.items())
              + f"; blocked for latency {sum(1 for r in judged if any(x['kind'] == 'latency' for x in r['verdict']['reasons']))}/{len(judged)}")
        header = "| estimator | metric | blocked | median sd(log ratio) | median ratio |"
        if step == "0":
            header += "".join(f" blocked at +{d:.0%} (sim.) |" for d in deltas)
        print(header)
        print("|" + " --- |" * (header.count("|") - 1))
        for key in ("p50", "p99"):
            for est in estimators:
                bounds = []
                for r in judged:
                    logs = estimate(rounds(r), est, key)
                    if not logs:
                        continue
                    lo, ratio, sd = lower_bound(logs)
                    muted = key == "p99" and busy(r)   # the run's p99 cannot block on a busy machine
                    if est == "round" and muted:
                        lo = 0.0
                    if est.startswith("round|") and not muted:
                        # Either judgement blocks: the run blocks at the larger lower bound.
                        base = estimate(rounds(r), "round", key)
                        if base:
                            lo = max(lo, lower_bound(base)[0])
                    bounds.append((lo, ratio, sd))
                if not bounds:
                    continue
                blocked = sum(1 for lo, _, _ in bounds if lo > 1 + tolerance)
                row = (f"| {est} | {key} | {blocked}/{len(bounds)} | {statistics.median(b[2] for b in bounds):.3f} | "
                       f"×{statistics.median(b[1] for b in bounds):.3f} |")
                if step == "0":
                    for d in deltas:
                        hit = sum(1 for lo, _, _ in bounds if lo * (1 + d) > 1 + tolerance)
                        row += f" {hit}/{len(bounds)} |"
                print(row)


if __name__ == "__main__":
    main()
