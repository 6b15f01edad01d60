#!/usr/bin/env python3
"""Computes the expected outputs of examples/{anomaly_detector,join,branch_merge}
from examples/data/, independently of the C++ programs (same rules, written again
in Python), into tests/examples/expected/*.txt, sorted like `LC_ALL=C sort`.

    python3 tests/examples/make_expected.py   # from the repository root
"""
import csv
import math
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
OUT = ROOT / "tests" / "examples" / "expected"


def anomalies(threshold=3.0, warmup=10):
    # Welford's running mean/variance per sensor over its normal readings; a reading
    # more than `threshold` sample standard deviations away, once `warmup` readings
    # were seen, is an anomaly and is left out of the statistics.
    stats = {}  # sensor -> [count, mean, m2]
    lines = []
    with open(DATA / "readings.csv", newline="") as f:
        for row in csv.DictReader(f):
            x = float(row["value"])
            n, mean, m2 = stats.setdefault(row["sensor"], [0, 0.0, 0.0])
            stddev = math.sqrt(m2 / (n - 1)) if n >= 2 else 0.0
            if n >= warmup and abs(x - mean) > threshold * stddev:
                lines.append(f"{row['sensor']}\t{row['time']}\t{x:.3f}\t{mean:.3f}\t{stddev:.3f}")
                continue
            n += 1
            delta = x - mean
            mean += delta / n
            m2 += delta * (x - mean)
            stats[row["sensor"]] = [n, mean, m2]
    return lines


def totals_per_country():
    # Outer join of users and orders on user_id; every order counts once for its
    # user's country, orders of unknown users under "(unknown user)", and a country
    # whose users never ordered shows 0.00.
    with open(DATA / "users.csv", newline="") as f:
        country = {r["user_id"]: r["country"] for r in csv.DictReader(f)}
    totals = {c: 0.0 for c in country.values()}
    with open(DATA / "orders.csv", newline="") as f:
        for r in csv.DictReader(f):
            c = country.get(r["user_id"], "(unknown user)")
            totals[c] = totals.get(c, 0.0) + float(r["amount"])
    return [f"{c}\t{t:.2f}" for c, t in totals.items()]


def log_report():
    # ERROR lines one by one (time, component, message); the other levels counted.
    lines, counts = [], {}
    for line in (DATA / "app.log").read_text().splitlines():
        time, level, component, message = line.split(maxsplit=3)
        if level == "ERROR":
            lines.append(f"error\t{time}\t{component}\t{message}")
        else:
            counts[level] = counts.get(level, 0) + 1
    return lines + [f"count\t{level}\t{n}" for level, n in counts.items()]


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, lines in [("anomaly_detector", anomalies()), ("join", totals_per_country()),
                        ("branch_merge", log_report())]:
        text = "".join(line + "\n" for line in sorted(lines, key=lambda s: s.encode()))
        (OUT / f"{name}.txt").write_text(text)
