#!/usr/bin/env python3
"""Exact flag values, end to end (engine/cli_options.hpp; issue 14, defect 7).

Runs the programs given as NAME=PATH with bad flag values and checks that each is
refused before any data moves: exit code 2 and a first stderr line naming the flag and
its range, exactly. Programs not given (a build without benchmarks) are skipped.

usage: check_flags.py anomaly_detector=PATH nexmark=PATH ...
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
READINGS = os.path.join(HERE, "..", "..", "examples", "data", "readings.csv")

# (program, args, the exact first line of stderr)
CASES = [
    ("anomaly_detector", ["--input", READINGS, "--threshold", "nan"],
     "error: --threshold: 'nan' is not a finite number from 0.001 to 1000"),
    ("anomaly_detector", ["--input", READINGS, "--threshold", "inf"],
     "error: --threshold: 'inf' is not a finite number from 0.001 to 1000"),
    ("anomaly_detector", ["--input", READINGS, "--threshold", "1e400"],
     "error: --threshold: '1e400' is not a finite number from 0.001 to 1000"),
    ("anomaly_detector", ["--input", READINGS, "--warmup", "-1"],
     "error: --warmup: '-1' is not an integer from 2 to 4294967296"),
    ("anomaly_detector", ["--input", READINGS, "--warmup", "2.5"],
     "error: --warmup: '2.5' is not an integer from 2 to 4294967296"),
    ("nexmark", ["--query", "q0", "--events", "10", "--seed", "-1"],
     "error: --seed: '-1' is not an integer from 0 to 18446744073709551615"),
    ("nexmark", ["--query", "q0", "--events", "10", "--seed", "18446744073709551616"],
     "error: --seed: '18446744073709551616' is not an integer from 0 to 18446744073709551615"),
    ("nexmark", ["--query", "q0", "--events", "99999999999999999999"],
     "error: --events: '99999999999999999999' is not an integer from 1 to 1000000000000"),
    ("nexmark", ["--query", "q0", "--events", "10", "--rate", "1e3"],
     "error: --rate: '1e3' is not an integer from 1 to 1000000"),
    ("nexmark", ["--query", "q0", "--events", "10", "--epoch-ms", "0x10"],
     "error: --epoch-ms: '0x10' is not an integer from 1 to 86400000"),
    ("nexmark", ["--query", "q0", "--events", "10", "--max-lead", "-2"],
     "error: --max-lead: '-2' is not an integer from -1 to 1000000"),
]


def main():
    programs = dict(arg.split("=", 1) for arg in sys.argv[1:])
    failures, ran = [], 0
    for name, args, want in CASES:
        if name not in programs:
            continue
        ran += 1
        cmd = [programs[name]] + args
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        first = proc.stderr.split("\n", 1)[0]
        if proc.returncode != 2 or first != want:
            failures.append(f"{name} {' '.join(args)}: exit {proc.returncode}, stderr {first!r}; "
                            f"expected exit 2 and {want!r}")
        else:
            print(f"ok: {name} {' '.join(args)}")
    for f in failures:
        print("FAILED:", f)
    print(f"flags: {ran - len(failures)} of {ran} cases refused as expected")
    return 1 if failures or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
