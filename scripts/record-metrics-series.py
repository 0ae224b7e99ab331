#!/usr/bin/env python3
"""Records what `confgate run --listen` serves during a real run, as promtool input series.

    scripts/record-metrics-series.py OUT.test.yml --interval 5 -- --settings fixtures/outage.conf --duration 170s

Starts `confgate run ARGS... --listen 127.0.0.1:0` (CONFGATE_BIN, else the one `swift build` made),
scrapes /metrics every INTERVAL seconds from the moment it listens until the run ends, and
writes OUT.test.yml: a `promtool test rules` file whose input_series are those scrapes (one
value per scrape, `_` where a series was absent), labelled job="confgate",
instance="localhost:9464" as Prometheus would label them. When OUT exists, its
alert_rule_test section (the expectations, written by hand) is kept; a new file gets an empty one.
"""
import datetime
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse(text):
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            name, labels, value = match.group(1), match.group(2) or "{}", match.group(3)
            samples[(name, labels)] = float(value)
    return samples


def series_name(name, labels):
    inner = labels[1:-1]
    extra = 'job="confgate",instance="localhost:9464"'
    return f"{name}{{{extra}{',' if inner else ''}{inner}}}"


def number(value):
    return str(int(value)) if value == int(value) else repr(value)


def main():
    if "--" not in sys.argv or len(sys.argv) < 3:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    own, run_args = sys.argv[1:split], sys.argv[split + 1:]
    out, interval = own[0], 5.0
    if "--interval" in own:
        interval = float(own[own.index("--interval") + 1])
    binary = os.environ.get("CONFGATE_BIN") or os.path.join(
        subprocess.run(["swift", "build", "--show-bin-path"], capture_output=True, text=True, check=True).stdout.strip(), "confgate")
    command = [binary, "run"] + run_args + ["--listen", "127.0.0.1:0"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url, stderr_lines = [], []

    def read_stderr():
        for line in child.stderr:
            stderr_lines.append(line)
            found = re.search(r"serving metrics at (http://\S+)", line)
            if found:
                url.append(found.group(1))

    threading.Thread(target=read_stderr, daemon=True).start()
    deadline = time.monotonic() + 120
    while not url and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not url:
        child.kill()
        sys.exit("confgate never printed its metrics address:\n" + "".join(stderr_lines))

    scrapes, start = [], time.monotonic()
    while child.poll() is None:
        try:
            with urllib.request.urlopen(url[0], timeout=2) as response:
                scrapes.append(parse(response.read().decode()))
        except OSError:
            if child.poll() is not None:
                break
            scrapes.append({})
        next_at = start + len(scrapes) * interval
        while child.poll() is None and time.monotonic() < next_at:
            time.sleep(0.05)
    stdout = child.stdout.read()
    status = child.wait()

    keys = sorted({key for scrape in scrapes for key in scrape})
    kept = "    alert_rule_test: []\n"
    if os.path.exists(out):
        text = open(out).read()
        index = text.find("    alert_rule_test:")
        if index >= 0:
            kept = text[index:]
    headline = next((l for l in stdout.splitlines() if l.strip()), "")
    if status != 0:
        reasons = [l.strip() for l in stderr_lines if l.startswith("confgate:") and "serving metrics" not in l]
        headline = reasons[-1] if reasons else headline
    with open(out, "w") as f:
        f.write(f"# Series recorded by scripts/record-metrics-series.py on {datetime.date.today()}:\n")
        f.write(f"#   confgate run {' '.join(run_args)} --listen 127.0.0.1:0\n")
        f.write(f"# scraped every {number(interval)}s, {len(scrapes)} scrapes; the run exited {status}: {headline.strip()}\n")
        f.write("# The input series are as scraped; the alert_rule_test section is written by hand\n")
        f.write("# (a new recording keeps it). promtool test rules monitoring/tests/THIS_FILE\n")
        f.write("rule_files:\n  - ../confgate.rules.yml\nevaluation_interval: 15s\n\ntests:\n")
        f.write(f"  - interval: {number(interval)}s\n    input_series:\n")
        for key in keys:
            values = " ".join(number(s[key]) if key in s else "_" for s in scrapes)
            f.write(f"      - series: '{series_name(*key)}'\n        values: '{values}'\n")
        f.write(kept)
    print(f"{out}: {len(keys)} series, {len(scrapes)} scrapes; confgate exited {status}", file=sys.stderr)


if __name__ == "__main__":
    main()
