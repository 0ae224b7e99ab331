"""Side-by-side table of the conformance harness (run.sh): DIR/CASE.hikaricp.json (Fleet.java)
and DIR/CASE.confgate.json (`confgate run --output`), one row per runner and a check row
against the tolerances of issue #18: failed fraction per class within ±20 % of HikariCP's
(±0.1 percentage point below 1 %), peak connections equal, p50 and p99 within ±25 %.

python3 table.py DIR CASE...
"""
import json
import sys

CLASSES = ["pool_timeout", "connect_failed", "query_failed", "request_timeout"]


def load(path):
    with open(path) as f:
        data = json.load(f)
    return data, data["summary"]


def counts(summary):
    by = {}
    for tally in summary["outcomes"]:
        by[tally["outcome"]["kind"]] = by.get(tally["outcome"]["kind"], 0) + tally["count"]
    return by


def first_failure(summary):
    times = [t["firstAt"] for t in summary["outcomes"] if t["outcome"]["kind"] in CLASSES]
    return min(times) / 1e6 if times else None


def fraction_ok(ours, theirs):
    if theirs < 0.01:
        return abs(ours - theirs) <= 0.001
    return abs(ours - theirs) <= 0.2 * theirs


def within(ours, theirs, tolerance):
    return abs(ours - theirs) <= tolerance * theirs


def pct(x):
    return f"{100 * x:.2f} %" if x else "0"


def main():
    directory, cases = sys.argv[1], sys.argv[2:]
    head = ["case", "runner", "logins", "pool_timeout", "connect_failed", "query_failed", "request_timeout",
            "peak conns", "p50 ms", "p99 ms", "max ms", "first failure s", "driver lag p99/max ms"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    versions, notes = None, []
    for case in cases:
        rows = {}
        for runner in ("hikaricp", "confgate"):
            data, s = load(f"{directory}/{case}.{runner}.json")
            if runner == "hikaricp":
                versions = f"HikariCP {data.get('hikaricp')}, pgjdbc {data.get('pgjdbc')}, Java {data.get('java')}"
            c = counts(s)
            n = s["scheduled"] or 1
            rows[runner] = {
                "fractions": {k: c.get(k, 0) / n for k in CLASSES}, "counts": c, "n": s["scheduled"],
                "peak": s["peakServerConnections"], "p50": s["latency"]["p50"], "p99": s["latency"]["p99"],
                "max": s["latency"]["max"], "first": first_failure(s), "lag": s["lag"],
            }
            for note in s.get("notes", []):
                if runner == "hikaricp" or "fell behind" in note or "could not keep up" in note:
                    notes.append(f"{case} ({runner}): {note}")
        for runner in ("hikaricp", "confgate"):
            r = rows[runner]
            cells = [case if runner == "hikaricp" else "", "HikariCP" if runner == "hikaricp" else "confgate", str(r["n"])]
            cells += [f"{pct(r['fractions'][k])} ({r['counts'].get(k, 0)})" if r["counts"].get(k) else "0" for k in CLASSES]
            cells += [str(r["peak"]), f"{r['p50'] / 1000:.1f}", f"{r['p99'] / 1000:.1f}", f"{r['max'] / 1000:.0f}",
                      "—" if r["first"] is None else f"{r['first']:.2f}",
                      f"{r['lag']['p99'] / 1000:.1f} / {r['lag']['max'] / 1000:.0f}"]
            print("| " + " | ".join(cells) + " |")
        h, g = rows["hikaricp"], rows["confgate"]
        check = ["", "within?", ""]
        check += ["yes" if fraction_ok(g["fractions"][k], h["fractions"][k]) else "**no**" for k in CLASSES]
        check += ["yes" if g["peak"] == h["peak"] else "**no**",
                  "yes" if within(g["p50"], h["p50"], 0.25) else "**no**",
                  "yes" if within(g["p99"], h["p99"], 0.25) else "**no**", "", "", ""]
        print("| " + " | ".join(check) + " |")
    print()
    if versions:
        print(versions)
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
