#!/usr/bin/env python3
"""Exact flag values and exact arithmetic, end to end (engine/cli_options.hpp; issue 14,
defects 2 and 7).

Runs the programs given as NAME=PATH with bad flag values and checks that each is
refused before any data moves: exit code 2 and a first stderr line naming the flag and
its range, exactly. Also join's totals: exact cents, a total past int64 cents stops
the run (exit 1) instead of printing inf. Programs not given (a build without
benchmarks) are skipped.

usage: check_flags.py anomaly_detector=PATH nexmark=PATH ...
"""
import os
import subprocess
import sys
import tempfile

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


USERS = "user_id,name,country\n1,ann,FR\n"
TOP = "92233720368547758.07"  # the largest total in int64 cents
# (orders.csv, exit code, the exact first line of stdout (exit 0) or stderr)
JOIN_CASES = [
    (f"1,1,{TOP}\n2,1,0.01\n", 1, "error: step 'join.total_per_country.pre' failed on worker 0 "
     f"at epoch 0: a country's total passes {TOP}; item: (FR, 1)"),
    ("1,1,1e308\n", 1, "error: step 'join.orders_parse' failed on worker 0 at epoch 0: amount "
     "'1e308' is not a number >= 0 with at most 2 decimals; item: (1, 1,1,1e308)"),
    ("1,1,92233720368547758.08\n", 1, "error: step 'join.orders_parse' failed on worker 0 at "
     "epoch 0: amount '92233720368547758.08' is more than 92233720368547758.07; item: (1, "
     "1,1,92233720368547758.08)"),
    ("1,1,0.1\n", 0, "FR\t0.10"),
    (f"1,1,{TOP}\n2,1,0\n", 0, f"FR\t{TOP}"),
    ("1,1,3.07\n2,1,0.03\n3,1,12\n", 0, "FR\t15.10"),
]


def run_case(cmd, code, want, failures):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    first = (proc.stdout if code == 0 else proc.stderr).split("\n", 1)[0]
    shown = " ".join(os.path.basename(c) for c in cmd)
    if proc.returncode != code or first != want:
        failures.append(f"{shown}: exit {proc.returncode}, first line {first!r}; "
                        f"expected exit {code} and {want!r}")
    else:
        print(f"ok: {shown}")


def main():
    programs = dict(arg.split("=", 1) for arg in sys.argv[1:])
    failures, ran = [], 0
    for name, args, want in CASES:
        if name not in programs:
            continue
        ran += 1
        run_case([programs[name]] + args, 2, want, failures)
    if "join" in programs:
        with tempfile.TemporaryDirectory() as tmp:
            users = os.path.join(tmp, "users.csv")
            with open(users, "w") as f:
                f.write(USERS)
            for i, (orders_text, code, want) in enumerate(JOIN_CASES):
                orders = os.path.join(tmp, f"orders{i}.csv")
                with open(orders, "w") as f:
                    f.write("order_id,user_id,amount\n" + orders_text)
                ran += 1
                run_case([programs["join"], "--users", users, "--orders", orders], code, want,
                         failures)
    for f in failures:
        print("FAILED:", f)
    print(f"flags: {ran - len(failures)} of {ran} cases as expected")
    return 1 if failures or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
