#!/usr/bin/env python3
"""Bad recovery directories, as a user meets them on the command line:

  bad_store_test.py WORDCOUNT WINDOWED_SUM

Each case runs a program with -r on a directory that is wrong in one way and checks
the exit code (1), that the message names the directory and says what to do, and
that no output file was written (refused before any data moves). The read-only
cases mount the directory read-only in a mount namespace of their own (`unshare
-m`; root ignores file permissions), and are skipped, saying so, where that is not
allowed. Every process started is waited for with a bound and killed by pid on the
way out.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    wordcount, windowed_sum = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="sluice-badstore-")
    running = []
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
            print(f"FAIL: {what}", file=sys.stderr)

    def run(args, timeout=TIMEOUT):
        p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout)
        return p.returncode, p.stderr.decode(errors="replace")

    def refused(case, args, out, *parts):
        code, err = run(args)
        check(code == 1, f"{case}: exit code {code}, expected 1; stderr {err!r}")
        for part in parts:
            check(part in err, f"{case}: stderr does not say {part!r}: {err!r}")
        check(not os.path.exists(out), f"{case}: the output was written")

    try:
        text = os.path.join(tmp, "words.txt")
        with open(text, "w") as f:
            for i in range(200_000):
                f.write(f"w{i % 997} w{i % 13} x{i % 5}\n")
        events = os.path.join(tmp, "events.csv")
        with open(events, "w") as f:
            for i in range(1000):
                f.write(f"{1_700_000_000_000 + 10 * i},k{i % 7},{i}\n")
        done = os.path.join(tmp, "done")
        code, err = run([wordcount, "--input", text, "--output", os.path.join(tmp, "c0"),
                         "-r", done])
        check(code == 0, f"a first run failed: {err}")

        # Another dataflow's store.
        out = os.path.join(tmp, "o1")
        refused("another dataflow", [windowed_sum, "--input", events, "--output", out, "--late",
                                     os.path.join(tmp, "late1"), "--window", "tumbling",
                                     "--length-ms", "100", "--max-delay-ms", "0", "-r", done],
                out, done, "was written by a different dataflow", "use a new directory")

        # A damaged partition file.
        damaged = os.path.join(tmp, "damaged")
        shutil.copytree(done, damaged)
        with open(os.path.join(damaged, "part-0000.mdb"), "r+b") as f:
            f.write(b"\xff" * 8192)
        out = os.path.join(tmp, "o2")
        refused("a damaged partition file",
                [wordcount, "--input", text, "--output", out, "-r", damaged], out, damaged,
                "part-0000.mdb")

        # A missing partition file.
        missing = os.path.join(tmp, "missing")
        shutil.copytree(done, missing)
        os.remove(os.path.join(missing, "part-0000.mdb"))
        out = os.path.join(tmp, "o3")
        refused("a missing partition file",
                [wordcount, "--input", text, "--output", out, "-r", missing], out, missing,
                "is missing")

        # A directory that is not a store.
        notes = os.path.join(tmp, "notes")
        os.makedirs(notes)
        with open(os.path.join(notes, "mine.txt"), "w") as f:
            f.write("mine\n")
        out = os.path.join(tmp, "o4")
        refused("a directory of other files",
                [wordcount, "--input", text, "--output", out, "-r", notes], out, notes,
                "not a sluice recovery directory")
        check(os.listdir(notes) == ["mine.txt"], "the other directory was written to")

        # Two runs on one directory at once: the second is refused while the first
        # holds the store (it reads a long input; waited for by its partition file).
        big = os.path.join(tmp, "big.txt")
        with open(big, "w") as f:
            for i in range(3_000_000):
                f.write(f"w{i % 99991} y{i % 31}\n")
        shared = os.path.join(tmp, "shared")
        first = subprocess.Popen([wordcount, "--input", big, "--output",
                                  os.path.join(tmp, "o5a"), "-r", shared, "-s", "50ms"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        running.append(first)
        t0 = time.monotonic()
        while (time.monotonic() - t0 < TIMEOUT and first.poll() is None
               and not os.path.exists(os.path.join(shared, "part-0000.mdb"))):
            time.sleep(0.005)
        if first.poll() is None:
            out = os.path.join(tmp, "o5b")
            refused("two runs at once",
                    [wordcount, "--input", big, "--output", out, "-r", shared], out, shared,
                    "another process has it open")
        else:
            print("note: the first run ended before the second started; case not checked",
                  file=sys.stderr)
        first.kill()
        first.wait(timeout=TIMEOUT)
        running.remove(first)

        # Read-only: an existing store, and a new one under a read-only directory.
        probe = subprocess.run(["unshare", "-m", "true"], stderr=subprocess.DEVNULL)
        if probe.returncode != 0:
            print("note: unshare -m is not allowed here; read-only cases skipped",
                  file=sys.stderr)
        else:
            for case, target, store in (("a read-only store", done, done),
                                        ("a new store in a read-only directory", tmp + "/ro",
                                         tmp + "/ro/new")):
                os.makedirs(target, exist_ok=True)
                out = os.path.join(tmp, "o6")
                script = (f"mount --bind '{target}' '{target}' && "
                          f"mount -o remount,bind,ro '{target}' && "
                          f"exec '{wordcount}' --input '{text}' --output '{out}' -r '{store}'")
                refused(case, ["unshare", "-m", "sh", "-c", script], out, store)
        if failures:
            print(f"bad store test failed; files kept in {tmp}", file=sys.stderr)
            sys.exit(1)
        print("bad store test passed")
    finally:
        for p in running:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
