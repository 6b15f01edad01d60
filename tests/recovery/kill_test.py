#!/usr/bin/env python3
"""Kill test: a program run with a recovery directory, killed (SIGKILL) at random
moments and restarted at random worker counts, must end with output files whose
sorted lines equal those of an uninterrupted run.

  kill_test.py --trials T --kills K [--seed S] [--workers 1,2,3] [--output-flag F]...
               [--gen-words N | --gen-word-dir N | --gen-events N | --gen-join N]
               -- PROGRAM ARGS...

PROGRAM ARGS is run as given plus `-w W`, `-r DIR` and, for each --output-flag F
(default --output), `F PATH` (a fresh path per trial). The reference run has no -r.
Each trial kills the run K times, each at a moment drawn uniformly from [0, 1.5 x the
reference run's wall time], then lets it finish. Every wait is bounded; every process
started is killed by its pid on the way out. --gen-words N / --gen-events N write an
input of N lines (words; or `event_ms,key,value` lines with out-of-order and late
times) drawn from the seed, and `{input}` in PROGRAM ARGS names it; --gen-word-dir N
writes the N word lines into 8 files of a directory `{input}` (DirSource); --gen-join
N writes `{users}` (user_id,name,country) and `{orders}` (N rows of
order_id,user_id,amount, some of unknown users) for the join example (CsvSource). Prints the seed on failure and the number
of kills that landed (the process was still running) on success.
"""
import argparse
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RUN_TIMEOUT = 300.0


COMPARE = "lines"


def sorted_lines(path):
    """The file's lines, sorted; with --compare last-per-key, its line count and, per
    key (the first comma-separated field), the last line (a running aggregate whose
    intermediate rows depend on arrival order, as Nexmark q4's averages)."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    if COMPARE == "last-per-key":
        last = {}
        for line in lines:
            last[line.split(b",", 1)[0]] = line
        return [str(len(lines)).encode()] + sorted(last.values())
    return sorted(lines)


WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega").split()


def gen_words(path, lines, rng):
    vocab = WORDS + [f"w{i}" for i in range(2000)]
    with open(path, "w") as f:
        for _ in range(lines):
            n = rng.randrange(0, 12)
            f.write(" ".join(rng.choice(vocab) for _ in range(n)) + "\n")


def gen_word_dir(path, lines, rng):
    os.mkdir(path)
    vocab = WORDS + [f"w{i}" for i in range(2000)]
    files = [open(os.path.join(path, f"part-{i}.txt"), "w") for i in range(8)]
    try:
        for _ in range(lines):
            n = rng.randrange(0, 12)
            rng.choice(files).write(" ".join(rng.choice(vocab) for _ in range(n)) + "\n")
    finally:
        for f in files:
            f.close()


def gen_join(users_path, orders_path, rows, rng):
    countries = ["GB", "BR", "JP", "DE", "IN", "US", "FR", "NG", "AR", "KR"]
    users = max(10, rows // 20)
    with open(users_path, "w") as f:
        f.write("user_id,name,country\n")
        for u in range(users):
            f.write(f"{u},user{u},{rng.choice(countries)}\n")
    with open(orders_path, "w") as f:
        f.write("order_id,user_id,amount\n")
        for o in range(rows):
            u = rng.randrange(users + users // 50 + 1)  # a few unknown users
            f.write(f"{o},{u},{rng.randrange(0, 100000) / 100:.2f}\n")


def gen_events(path, lines, rng):
    # Mostly increasing times (a few ms apart) with jitter, a few far behind (late).
    t = 1_700_000_000_000
    with open(path, "w") as f:
        for _ in range(lines):
            t += rng.randrange(0, 40)
            r = rng.random()
            ms = t - rng.randrange(0, 5000) if r < 0.02 else t - rng.randrange(0, 300)
            f.write(f"{ms},k{rng.randrange(60)},{rng.randrange(-50, 1000)}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--kills", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workers", default="1,2,3")
    ap.add_argument("--output-flag", action="append", default=None)
    ap.add_argument("--extra", default="",
                    help="flags given to recovered runs only, one string (e.g. '-s 20ms')")
    ap.add_argument("--compare", choices=["lines", "last-per-key"], default="lines")
    ap.add_argument("--gen-words", type=int, default=0)
    ap.add_argument("--gen-events", type=int, default=0)
    ap.add_argument("--gen-word-dir", type=int, default=0)
    ap.add_argument("--gen-join", type=int, default=0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    global COMPARE
    COMPARE = a.compare
    cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
    if not cmd:
        ap.error("no program given")
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workers = [int(w) for w in a.workers.split(",")]
    extra = shlex.split(a.extra)
    flags = a.output_flag or ["--output"]
    tmp = tempfile.mkdtemp(prefix="sluice-kill-")
    running = []

    def fail(msg):
        print(f"FAIL (seed {seed}): {msg}", file=sys.stderr)
        print(f"rerun with --seed {seed}; files kept in {tmp}", file=sys.stderr)
        sys.exit(1)

    def start(args):
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        running.append(p)
        return p

    def finish(p, timeout):
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            fail(f"a run did not finish within {timeout:.0f} s: {' '.join(p.args)}")
        running.remove(p)
        return p.returncode, err.decode(errors="replace")

    try:
        gen = random.Random(seed ^ 0x5eed)
        path = os.path.join(tmp, "input")
        if a.gen_words:
            gen_words(path, a.gen_words, gen)
        elif a.gen_word_dir:
            gen_word_dir(path, a.gen_word_dir, gen)
        elif a.gen_events:
            gen_events(path, a.gen_events, gen)
        elif a.gen_join:
            gen_join(path + "-users.csv", path + "-orders.csv", a.gen_join, gen)
        cmd = [c.replace("{input}", path).replace("{users}", path + "-users.csv")
               .replace("{orders}", path + "-orders.csv") for c in cmd]
        ref = [os.path.join(tmp, f"ref-{i}") for i in range(len(flags))]
        args = cmd + ["-w", str(workers[-1])]
        for f, path in zip(flags, ref):
            args += [f, path]
        t0 = time.monotonic()
        code, err = finish(start(args), RUN_TIMEOUT)
        ref_time = time.monotonic() - t0
        if code != 0:
            fail(f"the reference run failed ({code}): {err}")
        expected = [sorted_lines(p) for p in ref]
        landed = 0
        for trial in range(a.trials):
            d = os.path.join(tmp, f"store-{trial}")
            outs = [os.path.join(tmp, f"out-{trial}-{i}") for i in range(len(flags))]
            history = []
            kills = 0
            while True:
                w = rng.choice(workers)
                args = cmd + ["-w", str(w), "-r", d] + extra
                for f, path in zip(flags, outs):
                    args += [f, path]
                p = start(args)
                if kills < a.kills:
                    delay = rng.uniform(0, 1.5 * ref_time)
                    history.append(f"-w {w} kill after {delay:.3f}s")
                    try:
                        p.wait(timeout=delay)
                    except subprocess.TimeoutExpired:
                        p.send_signal(signal.SIGKILL)
                        landed += 1
                    kills += 1
                    code, err = finish(p, RUN_TIMEOUT)
                    if code not in (0, -signal.SIGKILL):
                        fail(f"trial {trial}: a run failed ({code}) after {history}: {err}")
                    if code == 0:
                        break  # it finished before the kill
                    continue
                history.append(f"-w {w} to the end")
                code, err = finish(p, RUN_TIMEOUT)
                if code != 0:
                    fail(f"trial {trial}: the last run failed ({code}) after {history}: {err}")
                break
            for i, path in enumerate(outs):
                got = sorted_lines(path)
                if got != expected[i]:
                    n = "missing" if got is None else f"{len(got)} lines"
                    fail(f"trial {trial} ({'; '.join(history)}): {flags[i]} has {n}, the "
                         f"uninterrupted run {len(expected[i])} lines")
            # A rerun of a finished run changes nothing and succeeds.
            args = cmd + ["-w", str(rng.choice(workers)), "-r", d] + extra
            for f, path in zip(flags, outs):
                args += [f, path]
            code, err = finish(start(args), RUN_TIMEOUT)
            if code != 0 or any(sorted_lines(p) != e for p, e in zip(outs, expected)):
                fail(f"trial {trial}: rerunning the finished run changed something ({code}): {err}")
        print(f"kill test passed: {a.trials} trials, {landed} kills landed mid-run, "
              f"seed {seed}")
    finally:
        for p in running:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
