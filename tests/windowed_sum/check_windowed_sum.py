#!/usr/bin/env python3
"""The windowed_sum contract, end to end (issue 4).

Generates random inputs (shuffled and out-of-order times, late lines, negative times,
repeated times), runs build/examples/windowed_sum with random windowers, max delays,
epoch lengths and worker counts, and compares --output and --late with a plain
reference written here from the contract's definitions. Also checks that bad input is
refused with a message naming what to fix.

usage: check_windowed_sum.py WINDOWED_SUM [TRIALS]
A failure prints the seed; rerun with SLUICE_SEED=<seed> to repeat it.
"""
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict


def late_split(lines, max_delay):
    """(on_time [(t, key, value)], late [line]) per the contract, in file order."""
    on_time, late = [], []
    largest = None
    for line in lines:
        t, key, value = line.split(",")
        t, value = int(t), int(value)
        if largest is not None and t < largest - max_delay:
            late.append(line)
            continue
        largest = t if largest is None else max(largest, t)
        on_time.append((t, key, value))
    return on_time, late


def reference(lines, kind, length, slide, gap, align, max_delay):
    on_time, late = late_split(lines, max_delay)
    sums = defaultdict(lambda: [0, 0])

    def add(key, start, end, value):
        acc = sums[(key, start, end)]
        acc[0] += 1
        acc[1] += value

    if kind == "tumbling":
        for t, key, value in on_time:
            start = align + ((t - align) // length) * length
            add(key, start, start + length, value)
    elif kind == "sliding":
        for t, key, value in on_time:
            k = (t - align) // slide  # the last window starting at or before t
            while align + k * slide + length > t:
                start = align + k * slide
                add(key, start, start + length, value)
                k -= 1
    else:
        by_key = defaultdict(list)
        for t, key, value in on_time:
            by_key[key].append((t, value))
        for key, items in by_key.items():
            items.sort()
            first = last = None
            members = []
            for t, value in items + [(None, None)]:
                if first is not None and (t is None or t - last >= gap):
                    for v in members:
                        add(key, first, last + gap, v)
                    first, members = None, []
                if t is None:
                    break
                if first is None:
                    first = t
                last = t
                members.append(value)
    rows = sorted(f"{k},{s},{e},{c},{v}" for (k, s, e), (c, v) in sums.items())
    return rows, sorted(late)


def make_input(rng, n):
    keys = [f"k{i}" for i in range(rng.randint(1, 12))] + ["alpha", "b_2"]
    t = rng.randint(-5_000, 50_000)
    lines = []
    for _ in range(n):
        r = rng.random()
        if r < 0.05:
            at = t - rng.randint(0, 40_000)  # far behind: usually late
        elif r < 0.5:
            at = t - rng.randint(0, 3_000)  # a little out of order
        else:
            t += rng.choice([0, 1, 7, 50, 300, 1_000, 4_000])
            at = t
        lines.append(f"{at},{rng.choice(keys)},{rng.randint(-1_000, 1_000_000)}")
    if rng.random() < 0.3:
        rng.shuffle(lines)  # fully shuffled: most lines late for small delays
    return lines


def run(exe, args, tmp):
    out = os.path.join(tmp, "out.csv")
    late = os.path.join(tmp, "late.csv")
    cmd = [exe, "--output", out, "--late", late] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr}")
    with open(out) as f:
        rows = sorted(line.rstrip("\n") for line in f)
    with open(late) as f:
        late_lines = sorted(line.rstrip("\n") for line in f)  # any order
    return rows, late_lines


def check_trial(exe, rng, tmp, trial):
    kind = rng.choice(["tumbling", "sliding", "session"])
    length = rng.choice([1, 500, 1_000, 2_500, 10_000])
    slide = rng.choice([1, 250, 1_000, 3_000, 12_000])  # larger than length: gaps
    if kind == "sliding" and length // slide > 200:
        slide = max(1, length // 50)
    gap = rng.choice([1, 200, 1_000, 5_000])
    align = rng.choice([0, 0, 137, -2_500, 1_000_000])
    max_delay = rng.choice([0, 100, 1_000, 5_000, 60_000])
    lines = make_input(rng, rng.randint(1, 6_000))
    path = os.path.join(tmp, "in.csv")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    want_rows, want_late = reference(lines, kind, length, slide, gap, align, max_delay)
    args = ["--input", path, "--window", kind, "--max-delay-ms", str(max_delay)]
    if kind == "tumbling":
        args += ["--length-ms", str(length), "--align-ms", str(align)]
    elif kind == "sliding":
        args += ["--length-ms", str(length), "--slide-ms", str(slide), "--align-ms", str(align)]
    else:
        args += ["--gap-ms", str(gap)]
    # The same input at two (workers, epoch length) settings: both must be the reference.
    for workers, epoch_ms in [(rng.randint(1, 3), rng.choice([1, 10, 1_000, 7_000])),
                              (rng.randint(1, 3), rng.choice([3, 250, 100_000]))]:
        full = args + ["-w", str(workers), "--epoch-ms", str(epoch_ms)]
        rows, late = run(exe, full, tmp)
        what = f"trial {trial}: {kind} L={length} S={slide} G={gap} A={align} D={max_delay} " \
               f"-w {workers} --epoch-ms {epoch_ms}, {len(lines)} lines"
        if late != want_late:
            raise AssertionError(f"{what}: late lines differ ({len(late)} vs {len(want_late)} "
                                 f"expected; first difference near "
                                 f"{next((a, b) for a, b in zip(late + [''], want_late + ['']) if a != b)})")
        if rows != want_rows:
            extra = sorted(set(rows) - set(want_rows))[:3]
            missing = sorted(set(want_rows) - set(rows))[:3]
            raise AssertionError(f"{what}: output differs; unexpected {extra}, missing {missing}")


def expect_failure(exe, tmp, args, *needles, input_text="1,a,1\n"):
    path = os.path.join(tmp, "bad.csv")
    with open(path, "w") as f:
        f.write(input_text)
    cmd = [exe, "--input", path, "--output", os.path.join(tmp, "o.csv"),
           "--late", os.path.join(tmp, "l.csv")] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        raise AssertionError(f"{' '.join(cmd)} succeeded; expected a failure")
    for needle in needles:
        if needle not in proc.stderr:
            raise AssertionError(f"{' '.join(args)}: stderr lacks {needle!r}: {proc.stderr}")


def check_bad_input(exe, tmp):
    tumbling = ["--window", "tumbling", "--length-ms", "1000", "--max-delay-ms", "0"]
    expect_failure(exe, tmp, tumbling, "windowed_sum.events", "worker", "not an integer",
                   "5,a,x", input_text="1,a,1\n5,a,x\n")
    expect_failure(exe, tmp, tumbling, "expected 3 comma-separated fields", "1;a;1",
                   input_text="1;a;1\n")
    expect_failure(exe, tmp, ["--window", "tumbling", "--max-delay-ms", "0"], "--length-ms")
    expect_failure(exe, tmp, ["--window", "sliding", "--length-ms", "10", "--max-delay-ms", "0"],
                   "--slide-ms")
    expect_failure(exe, tmp, ["--window", "session", "--max-delay-ms", "0"], "--gap-ms")
    expect_failure(exe, tmp, ["--window", "tumbling", "--length-ms", "0", "--max-delay-ms", "0"],
                   "length must be positive")
    expect_failure(exe, tmp, ["--window", "session", "--gap-ms", "-5", "--max-delay-ms", "0"],
                   "gap must be positive")
    expect_failure(exe, tmp, tumbling[:-1] + ["-1"], "max_delay must not be negative")
    expect_failure(exe, tmp, tumbling + ["--epoch-ms", "0"], "epoch_length must be positive")
    expect_failure(exe, tmp, ["--window", "hopping", "--max-delay-ms", "0"], "--window")
    expect_failure(exe, tmp, ["--window", "tumbling", "--length-ms", "10"], "--max-delay-ms")


def main():
    exe = os.path.abspath(sys.argv[1])
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(os.environ.get("SLUICE_SEED", random.SystemRandom().randrange(1 << 32)))
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for trial in range(trials):
                check_trial(exe, rng, tmp, trial)
            check_bad_input(exe, tmp)
        except AssertionError as e:
            print(f"FAILED with seed {seed} (rerun with SLUICE_SEED={seed}): {e}")
            return 1
    print(f"windowed_sum: {trials} random trials and the bad-input checks passed (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
