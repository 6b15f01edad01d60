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


MAX = 2**61 - 1  # the supported event times and durations (windowing/windower.hpp)
INT64_MAX = 2**63 - 1
INT64_MIN = -2**63


def edge_lines(rng, n):
    """Lines with times near the ends of the supported range and values near int64's."""
    centres = [-MAX, -MAX // 3, 0, MAX // 2, MAX]
    lines = []
    for _ in range(n):
        at = min(MAX, max(-MAX, rng.choice(centres) + rng.randint(-3_000, 3_000)))
        value = rng.choice([INT64_MAX, INT64_MIN, INT64_MAX - rng.randint(0, 9), 1, -1,
                            rng.randint(INT64_MIN, INT64_MAX)])
        lines.append(f"{at},{rng.choice(['a', 'b', 'c'])},{value}")
    return lines


def check_edges(exe, rng, tmp):
    """Times, alignments, lengths and gaps at the ends of their ranges, and sums past
    int64, against the reference (Python integers are exact)."""
    shapes = [("tumbling", 1000, None, None, 0), ("tumbling", MAX, None, None, -MAX),
              ("tumbling", MAX, None, None, MAX), ("tumbling", 7, None, None, MAX),
              ("sliding", 3000, 1000, None, -MAX), ("sliding", MAX, MAX // 3, None, MAX),
              ("session", None, None, 2_000, None), ("session", None, None, MAX, None)]
    for kind, length, slide, gap, align in shapes:
        lines = edge_lines(rng, rng.randint(1, 300))
        lines.sort(key=lambda line: int(line.split(",")[0]))  # in order: none late
        path = os.path.join(tmp, "edge.csv")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        max_delay = rng.choice([0, MAX])
        want_rows, want_late = reference(lines, kind, length, slide, gap, align, max_delay)
        args = ["--input", path, "--window", kind, "--max-delay-ms", str(max_delay)]
        if length is not None:
            args += ["--length-ms", str(length), "--align-ms", str(align)]
        if slide is not None:
            args += ["--slide-ms", str(slide)]
        if gap is not None:
            args += ["--gap-ms", str(gap)]
        for workers, epoch_ms in [(1, 1000), (rng.randint(2, 3), rng.choice([1, MAX]))]:
            full = args + ["-w", str(workers), "--epoch-ms", str(epoch_ms)]
            rows, late = run(exe, full, tmp)
            what = f"edges: {kind} L={length} S={slide} G={gap} A={align} D={max_delay} " \
                   f"-w {workers} --epoch-ms {epoch_ms}, {len(lines)} lines"
            if late != want_late or rows != want_rows:
                extra = sorted(set(rows) - set(want_rows))[:3]
                missing = sorted(set(want_rows) - set(rows))[:3]
                raise AssertionError(f"{what}: output differs; unexpected {extra}, "
                                     f"missing {missing}; late {late[:3]} vs {want_late[:3]}")


def expect_exact(exe, tmp, args, code, first_line, input_text="1,a,1\n"):
    """The run exits with `code` and the first line of its stderr is `first_line`."""
    path = os.path.join(tmp, "bad.csv")
    with open(path, "w") as f:
        f.write(input_text)
    cmd = [exe, "--input", path, "--output", os.path.join(tmp, "o.csv"),
           "--late", os.path.join(tmp, "l.csv")] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    first = proc.stderr.split("\n", 1)[0]
    if proc.returncode != code or first != first_line:
        raise AssertionError(f"{' '.join(args)}: exit {proc.returncode}, stderr {first!r}; "
                             f"expected exit {code} and {first_line!r}")


def check_flags_and_edges(exe, tmp):
    """Issue 14's reproductions: each refused (exit 2 for a flag, 1 for a line) with
    the exact message, or exact."""
    base = ["--max-delay-ms", "0"]
    top = "2305843009213693951"
    for flag, value, low in [("--length-ms", "9223372036854775807", "1"),
                             ("--length-ms", "99999999999999999999", "1"),
                             ("--length-ms", "0", "1"),
                             ("--length-ms", "1.5", "1"),
                             ("--length-ms", "1000x", "1"),
                             ("--align-ms", "-9223372036854775808", "-" + top),
                             ("--align-ms", "2305843009213693952", "-" + top)]:
        expect_exact(exe, tmp, ["--window", "tumbling", "--length-ms", "10"] + base +
                     [flag, value], 2, f"error: {flag}: '{value}' is not an integer from {low} "
                     f"to {top}")
    expect_exact(exe, tmp, ["--window", "session", "--gap-ms", "9223372036854775807"] + base, 2,
                 f"error: --gap-ms: '9223372036854775807' is not an integer from 1 to {top}")
    expect_exact(exe, tmp, ["--window", "session", "--gap-ms", "-5"] + base, 2,
                 f"error: --gap-ms: '-5' is not an integer from 1 to {top}")
    expect_exact(exe, tmp, ["--window", "sliding", "--length-ms", "10", "--slide-ms", "0"] + base,
                 2, f"error: --slide-ms: '0' is not an integer from 1 to {top}")
    expect_exact(exe, tmp, ["--window", "tumbling", "--length-ms", "10", "--max-delay-ms", "-1"],
                 2, f"error: --max-delay-ms: '-1' is not an integer from 0 to {top}")
    expect_exact(exe, tmp, ["--window", "tumbling", "--length-ms", "10", "--epoch-ms", "0"] + base,
                 2, f"error: --epoch-ms: '0' is not an integer from 1 to {top}")
    expect_exact(exe, tmp, ["--window", "tumbling"] + base, 2,
                 "error: --window tumbling: needs --length-ms")
    expect_exact(exe, tmp, ["--window", "sliding", "--length-ms", "10"] + base, 2,
                 "error: --window sliding: needs --slide-ms")
    expect_exact(exe, tmp, ["--window", "session"] + base, 2,
                 "error: --window session: needs --gap-ms")
    expect_exact(exe, tmp, ["--window", "tumbling", "--length-ms", "10", "--gap-ms", "5"] + base,
                 2, "error: --gap-ms: does not apply to --window tumbling")
    expect_exact(exe, tmp, ["--window", "session", "--gap-ms", "5", "--align-ms", "3"] + base,
                 2, "error: --align-ms: does not apply to --window session")
    expect_exact(exe, tmp, ["--window", "sliding", "--length-ms", "1000000", "--slide-ms", "1"] +
                 base, 2, "error: --length-ms 1000000 --slide-ms 1: a line would be in up to "
                 "1000000 windows, more than the limit of 10000: make --slide-ms at least 100 or "
                 "--length-ms at most 10000")
    # Lines whose time is outside the supported range stop the run naming the file, the
    # line number and the line.
    bad = os.path.join(tmp, "bad.csv")
    for ms in ["9223372036854775807", "-9223372036854775808", "2305843009213693952"]:
        line = f"{ms},a,1"
        expect_exact(exe, tmp, ["--window", "tumbling", "--length-ms", "10"] + base, 1,
                     f"error: step 'windowed_sum.events' failed on worker 0 at epoch 0: "
                     f"'{bad}' line 2: event_ms "
                     f"{ms} is outside the supported event times, -{top} to {top}; "
                     f"item: {line}", input_text=f"0,a,1\n{line}\n")
    # A sum past int64 is exact.
    for kind in [["--window", "tumbling", "--length-ms", "1000"],
                 ["--window", "session", "--gap-ms", "10"]]:
        path = os.path.join(tmp, "big.csv")
        with open(path, "w") as f:
            f.write("0,a,9223372036854775807\n1,a,1\n2,b,-9223372036854775808\n3,b,-1\n")
        rows, late = run(exe, ["--input", path, "--max-delay-ms", "0"] + kind, tmp)
        end = "1000" if kind[1] == "tumbling" else None
        want = [f"a,0,{end or 11},2,9223372036854775808", f"b,{0 if end else 2},{end or 13},2,"
                f"-9223372036854775809"]
        if rows != want or late:
            raise AssertionError(f"{' '.join(kind)}: sums {rows}, expected {want}")


def check_bad_input(exe, tmp):
    tumbling = ["--window", "tumbling", "--length-ms", "1000", "--max-delay-ms", "0"]
    expect_failure(exe, tmp, tumbling, "windowed_sum.events", "worker", "not an integer",
                   "5,a,x", input_text="1,a,1\n5,a,x\n")
    expect_failure(exe, tmp, tumbling, "expected 3 comma-separated fields", "1;a;1",
                   input_text="1;a;1\n")
    check_flags_and_edges(exe, tmp)
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
            check_edges(exe, rng, tmp)
            check_bad_input(exe, tmp)
        except AssertionError as e:
            print(f"FAILED with seed {seed} (rerun with SLUICE_SEED={seed}): {e}")
            return 1
    print(f"windowed_sum: {trials} random trials, the edge trials and the bad-input checks "
          f"passed (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
