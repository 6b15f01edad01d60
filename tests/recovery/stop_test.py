#!/usr/bin/env python3
"""Stop test: SIGINT or SIGTERM to a running program.

  stop_test.py WORDCOUNT

With a recovery directory, the first signal commits the current epoch and stops: exit
code 128 + the signal, a line naming the epoch and how to resume, the output path
not yet written (its temporary file kept); running the same command again finishes
with the output of an uninterrupted run. Two signals stop at once, and the resume is
still exact. Without a recovery directory the run stops with a clear message and
leaves no output file. A signal is sent once the program has read some input (it
says so on stderr only at the end, so the test waits for the store's first commit,
seen as its LOCK file and a growing partition file, or a bounded time); whenever it
lands the expectations hold, and a run that finished before it is retried with a
larger input. Every wait is bounded; processes started are killed by pid on the way
out.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120.0


def words(path, lines, rng):
    vocab = [f"w{i}" for i in range(5000)]
    with open(path, "w") as f:
        for _ in range(lines):
            f.write(" ".join(rng.choice(vocab) for _ in range(rng.randrange(1, 12))) + "\n")


def sorted_lines(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return sorted(f.read().splitlines())


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    prog = sys.argv[1]
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="sluice-stop-")
    running = []
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
            print(f"FAIL: {what}", file=sys.stderr)

    def run(args):
        p = subprocess.Popen([prog] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        running.append(p)
        return p

    def finish(p):
        try:
            _, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            check(False, f"a run did not end within {TIMEOUT:.0f} s: {p.args}")
            return None, ""
        running.remove(p)
        return p.returncode, err.decode(errors="replace")

    def started(p, store, limit=5.0):
        # Bounded: until the store has a partition file, then a little input read.
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit and p.poll() is None:
            if store and os.path.exists(os.path.join(store, "part-0000.mdb")):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.05, 0.3))  # a moment into the run: any moment is valid
        return p.poll() is None

    try:
        lines = 1_000_000
        for attempt in range(4):
            inp = os.path.join(tmp, f"in-{attempt}.txt")
            words(inp, lines, rng)
            ref = os.path.join(tmp, f"ref-{attempt}")
            code, err = finish(run(["--input", inp, "--output", ref, "-w", "2"]))
            check(code == 0, f"the reference run failed ({code}): {err}")
            expected = sorted_lines(ref)
            landed = 0
            for signo, twice in ((signal.SIGINT, False), (signal.SIGTERM, False),
                                 (signal.SIGINT, True)):
                store = os.path.join(tmp, f"store-{attempt}-{signo}-{twice}")
                out = os.path.join(tmp, f"out-{attempt}-{signo}-{twice}")
                args = ["--input", inp, "--output", out, "-r", store, "-s", "20ms",
                        "--epoch-interval", "10ms"]
                p = run(args + ["-w", "2"])
                if not started(p, store):
                    finish(p)
                    continue
                p.send_signal(signo)
                if twice:
                    p.send_signal(signo)
                code, err = finish(p)
                if code == 0:
                    continue  # it finished first: nothing to check about stopping
                landed += 1
                name = signal.Signals(signo).name
                check(code == 128 + signo, f"{name}: exit code {code}, expected {128 + signo}")
                if twice:
                    # The savepoint may be committed before the second one arrives.
                    check("stopped at once by a second" in err or f"stopped by {name} at epoch"
                          in err, f"two {name}: stderr {err!r}")
                else:
                    check(f"stopped by {name} at epoch" in err and "to resume, run the same "
                          "command again" in err, f"{name}: stderr {err!r}")
                check(not os.path.exists(out), f"{name}: the output exists before the end")
                code, err = finish(run(args + ["-w", str(rng.choice([1, 2, 3]))]))
                check(code == 0, f"{name}: the resumed run failed ({code}): {err}")
                check(sorted_lines(out) == expected,
                      f"{name} (twice: {twice}): the resumed output differs from the "
                      "uninterrupted run's")
            # Without -r: a prompt stop, a message, no output file.
            out = os.path.join(tmp, f"plain-{attempt}")
            p = run(["--input", inp, "--output", out, "-w", "2", "--epoch-interval", "10ms"])
            if started(p, None, 0):
                p.send_signal(signal.SIGINT)
                code, err = finish(p)
                if code != 0:
                    landed += 1
                    check(code == 128 + signal.SIGINT, f"no -r: exit code {code}")
                    check("no recovery directory" in err, f"no -r: stderr {err!r}")
                    check(not os.path.exists(out), "no -r: an output file was left")
            if landed >= 3 or failures:
                break
            lines *= 3  # the runs finished before the signals: a longer input
        check(landed >= 3, f"only {landed} signals landed mid-run")
        if failures:
            print(f"stop test failed (seed {seed}); files kept in {tmp}", file=sys.stderr)
            sys.exit(1)
        print(f"stop test passed: {landed} signals landed mid-run (seed {seed})")
    finally:
        for p in running:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
