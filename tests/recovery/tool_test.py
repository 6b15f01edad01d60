#!/usr/bin/env python3
"""The sluice-recovery program, end to end on temporary directories: init creates a
store and refuses what is not one, info prints it without writing to it (also while
a process holds its LOCK, as a run does), usage errors exit 2 and store errors 1 with
a message naming the directory. With a wordcount binary, also a store a real run
filled: a finished run, and one read while the run is writing.

  tool_test.py SLUICE_RECOVERY [WORDCOUNT]
"""
import fcntl
import os
import re
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def files_of(d):
    """Every file's bytes, except LMDB's reader tables, which a reader writes by design."""
    out = {}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".mdb-lock"):
            with open(os.path.join(d, name), "rb") as f:
                out[name] = f.read()
    return out


def steps_of(info):
    """{step: (live keys, stored versions, versions after the committed epoch)}."""
    out = {}
    pattern = (r"^  (\S+): (\d+) live keys, \d+ value bytes, (\d+) stored versions"
               r"(?: \((\d+) after the committed epoch\))?$")
    for m in re.finditer(pattern, info, re.M):
        out[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
    return out


def usage_errors():
    rc, out, _ = run("--help")
    check(rc == 0 and "init" in out and "info" in out, f"--help: exit {rc}, names both commands")
    rc, out, _ = run("info", "--help")
    check(rc == 0 and "DIR" in out, f"info --help: exit {rc}")
    for args in [[], ["frobnicate"], ["init"], ["init", "d"], ["init", "d", "--partitions", "0"],
                 ["init", "d", "--partitions", "4097"], ["init", "d", "--partitions", "x"],
                 ["info"], ["info", "a", "b"]]:
        rc, _, err = run(*args)
        check(rc == 2 and err.strip(), f"{args}: a usage error exits 2 with a message (got {rc})")
    check(not os.path.exists("d"), "a usage error creates nothing")


def init_and_info(tmp):
    d = os.path.join(tmp, "store")
    rc, out, err = run("init", d, "--partitions", "3")
    check(rc == 0 and "3 partitions" in out, f"init: exit {rc}: {out}{err}")
    check(os.path.isfile(os.path.join(d, "STORE")), "init writes STORE")
    for p in range(3):
        check(os.path.isfile(os.path.join(d, f"part-{p:04d}.mdb")), f"init creates partition {p}")
    rc, out, err = run("init", d, "--partitions", "3")
    check(rc == 0 and "already holds" in out, f"init again, same count: exit {rc}: {out}{err}")
    rc, out, err = run("init", d, "--partitions", "2")
    check(rc == 1 and d in err and "3 partitions, not 2" in err,
          f"init again, another count: exit {rc}: {err}")

    before = files_of(d)
    rc, out, err = run("info", d)
    check(rc == 0, f"info: exit {rc}: {err}")
    check(f"recovery directory: {d}\n" in out, "info names the directory")
    check("partitions: 3\n" in out, "info counts the partitions")
    for p in range(3):
        size = os.path.getsize(os.path.join(d, f"part-{p:04d}.mdb"))
        check(f"part-{p:04d}.mdb  {size} bytes" in out, f"info gives partition {p}'s size")
    check("committed epoch: none\n" in out, "a new store has committed nothing")
    check("executions: 0\n" in out, "a new store has no executions")
    check("in use" not in out, "a store nobody holds is not in use")
    check(files_of(d) == before, "info writes nothing to the directory")

    # As a run holds it: another process has an exclusive flock on LOCK.
    with open(os.path.join(d, "LOCK"), "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, out, err = run("info", d)
        check(rc == 0 and "in use: a run has it open" in out,
              f"info on a held store reads it and says so: exit {rc}: {out}{err}")
        rc, out, err = run("init", d, "--partitions", "3")
        check(rc == 0, f"init on a held store with its count changes nothing: exit {rc}: {err}")
    check(files_of(d) == before, "info and init on an existing store write nothing")


def store_errors(tmp):
    missing = os.path.join(tmp, "missing")
    rc, _, err = run("info", missing)
    check(rc == 1 and missing in err and "init" in err,
          f"info on a missing directory: exit {rc}: {err}")
    check(not os.path.exists(missing), "info creates nothing")
    foreign = os.path.join(tmp, "foreign")
    os.mkdir(foreign)
    with open(os.path.join(foreign, "notes.txt"), "w") as f:
        f.write("hello\n")
    for cmd in (["info", foreign], ["init", foreign, "--partitions", "2"]):
        rc, _, err = run(*cmd)
        check(rc == 1 and foreign in err and "not a sluice recovery directory" in err,
              f"{cmd[0]} on a directory that is not a store: exit {rc}: {err}")
    check(os.listdir(foreign) == ["notes.txt"], "a foreign directory is left as it was")
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    rc, _, err = run("info", empty)
    check(rc == 1 and empty in err, f"info on an empty directory: exit {rc}: {err}")
    a_file = os.path.join(foreign, "notes.txt")
    rc, _, err = run("info", a_file)
    check(rc == 1 and "not a directory" in err, f"info on a file: exit {rc}: {err}")
    damaged = os.path.join(tmp, "damaged")
    run("init", damaged, "--partitions", "1")
    with open(os.path.join(damaged, "part-0000.mdb"), "wb") as f:
        f.write(b"x" * 100)
    rc, _, err = run("info", damaged)
    check(rc == 1 and "part-0000.mdb" in err, f"info on a damaged partition file: exit {rc}: {err}")


def with_wordcount(tmp, wordcount):
    text = os.path.join(tmp, "in.txt")
    with open(text, "w") as f:
        f.write("one two two\nthree three three\n")
    d = os.path.join(tmp, "run")
    # -w 2: the input is one byte range, so one worker's source has nothing to read.
    p = subprocess.run([wordcount, "--input", text, "--output", os.path.join(tmp, "out.tsv"),
                        "-r", d, "-w", "2"], capture_output=True, text=True, timeout=TIMEOUT)
    check(p.returncode == 0, f"wordcount -r: exit {p.returncode}: {p.stderr}")
    rc, out, err = run("info", d)
    check(rc == 0, f"info after a run: exit {rc}: {err}")
    check("committed epoch: complete (the run finished)\n" in out, f"a finished run: {out}")
    check("executions: 1\n  execution 1 started " in out, f"the run's execution line: {out}")
    check("format: 1\n" in out, "a run records the format")
    # The source's position is state of step 0, named from the fingerprint's first line;
    # the counts, discarded when emitted, were collected with the run's end (-b 0).
    check("  wordcount.lines: 1 live keys" in out, f"the source step is named by its path: {out}")
    check("wordcount.count: " not in out, f"a finished run keeps no tombstones: {out}")

    # A run that writes while info reads: a long input, snapshots every 20 ms.
    big = os.path.join(tmp, "big.txt")
    with open(big, "w") as f:
        line = " ".join(f"w{i}" for i in range(200)) + "\n"
        f.write(line * 40000)
    live = os.path.join(tmp, "live")
    proc = subprocess.Popen([wordcount, "--input", big, "--output", os.path.join(tmp, "big.tsv"),
                             "-r", live, "-s", "20ms", "--epoch-interval", "5ms", "-w", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        reads = 0
        in_use = 0
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if os.path.exists(os.path.join(live, "STORE")):
                rc, out, err = run("info", live)
                if rc == 1 and "a run is creating it" in err:
                    time.sleep(0.01)  # the run has written STORE, not yet its partitions
                    continue
                check(rc == 0 and "committed epoch: " in out,
                      f"info while a run writes: exit {rc}: {err}")
                reads += 1
                in_use += "in use: a run has it open" in out
            time.sleep(0.01)
        _, err = proc.communicate(timeout=TIMEOUT)
        check(proc.returncode == 0, f"the run read by info: exit {proc.returncode}: {err}")
        check(reads > 0, "info read the store at least once while the run was going")
        check(in_use > 0, f"no read of {reads} while the run was going said it is in use")
        print(f"info read the store {reads} times while the run was going ({in_use} in use)")
        rc, out, err = run("info", live)
        check(rc == 0 and "committed epoch: complete (the run finished)\n" in out,
              f"info after the long run: exit {rc}: {out}{err}")
        # -b 0: at or before the committed epoch, each key keeps one version, a value.
        for step, (live_keys, versions, after) in steps_of(out).items():
            check(versions - after == live_keys,
                  f"-b 0 leaves {step} {versions - after} versions up to the committed epoch "
                  f"for {live_keys} live keys: {out}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # -b 3600 (an hour): the superseded versions stay.
    kept = os.path.join(tmp, "kept")
    p = subprocess.run([wordcount, "--input", big, "--output", os.path.join(tmp, "kept.tsv"),
                        "-r", kept, "-s", "20ms", "--epoch-interval", "5ms", "-b", "3600",
                        "-w", "1"], capture_output=True, text=True, timeout=TIMEOUT)
    check(p.returncode == 0, f"the run with -b 3600: exit {p.returncode}: {p.stderr}")
    rc, out, err = run("info", kept)
    live_keys, versions, after = steps_of(out).get("wordcount.lines", (0, 0, 0))
    check(rc == 0 and versions - after > live_keys,
          f"-b 3600 keeps the source's superseded positions: {out}{err}")


def main():
    global TOOL
    TOOL = os.path.abspath(sys.argv[1])
    wordcount = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        usage_errors()
        init_and_info(tmp)
        store_errors(tmp)
        if wordcount:
            with_wordcount(tmp, wordcount)
    if failures:
        print(f"{len(failures)} failed")
        return 1
    print("PASS: sluice-recovery init and info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
