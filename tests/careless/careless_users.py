#!/usr/bin/env python3
"""The examples tried as a careless user would (issue 14): a sweep of bad inputs.

For every example program it starts from a command that works, then changes one thing
at a time: a flag's value (empty, negative, zero, huge, past int64, fractional, nan,
inf, junk), an input (missing, a directory, empty, /dev/null, binary, a byte-order
mark, a blank first line, no final newline), an output (the same file as an input by
another spelling or a symlink, the same as another output, in a missing directory, a
directory, /dev/null, /dev/full), the worker count and the epoch interval. Each run
must keep these promises, whatever its exit code:

  - it ends within a bounded time (no hang) and by exiting, not by a signal;
  - exit code 0, 1 (the run failed) or 2 (a usage error), and for 1 and 2 a first
    stderr line "error: ..." that is not empty;
  - no input file changes (compared byte for byte), and no file the run was not
    asked to write appears or changes;
  - a run that fails leaves its outputs as they were before it (no complete-looking
    output of a failed run);
  - an output that is an input or another output is refused (exit code not 0);
  - a change that must not alter the result (more workers, another epoch interval,
    an output on /dev/null, an input through a symlink) exits 0 with the base output.

usage: careless_users.py NAME=PATH ...   (wordcount, anomaly_detector, join,
                                          branch_merge, windowed_sum; others skipped)
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "examples", "data")
TIMEOUT = 30  # seconds per run: far above any of these runs' own time

BAD_NUMBERS = ["", "-1", "0", "abc", "nan", "inf", "1e100", "1.5", "0x10",
               "99999999999999999999", "-9223372036854775808", "9223372036854775807"]


def digest(path):
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_state(root):
    """Every regular file under root (symlinks not followed) with its digest."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                state[path] = "link:" + os.readlink(path)
            else:
                state[path] = digest(path)
    return state


class Program:
    """One example: its base command, which flags are inputs, outputs, numbers."""

    def __init__(self, name, exe, inputs, outputs, numbers, extra=()):
        self.name, self.exe = name, exe
        self.inputs = inputs      # flag -> file name in examples/data
        self.outputs = outputs    # flags whose value is a file the run writes
        self.numbers = numbers    # flag -> a valid value
        self.extra = list(extra)  # other fixed arguments


def programs(paths):
    table = [
        Program("wordcount", paths.get("wordcount"), {"--input": "sluice.txt"}, ["--output"], {}),
        Program("anomaly_detector", paths.get("anomaly_detector"), {"--input": "readings.csv"},
                ["--output"], {"--threshold": "3.0", "--warmup": "10"}),
        Program("join", paths.get("join"), {"--users": "users.csv", "--orders": "orders.csv"},
                ["--output"], {}, ["--mode", "final"]),
        Program("branch_merge", paths.get("branch_merge"), {"--input": "app.log"}, ["--output"],
                {}),
        Program("windowed_sum", paths.get("windowed_sum"), {"--input": "events.csv"},
                ["--output", "--late"],
                {"--length-ms": "1000", "--max-delay-ms": "500", "--epoch-ms": "1000",
                 "--align-ms": "0"},
                ["--window", "tumbling"]),
    ]
    return [p for p in table if p.exe]


class Sweep:
    def __init__(self):
        self.failures = []
        self.runs = 0

    def fail(self, case, why):
        self.failures.append(f"{case}: {why}")
        print(f"FAIL: {case}: {why}")

    def run(self, prog, work, args, case, same_output_as=None, watched=(), refuse=False):
        """Runs prog with args in `work`; checks the promises. Returns (rc, outputs)."""
        self.runs += 1
        before = tree_state(work)
        watched_before = {p: digest(p) for p in watched}
        outputs = [args[i + 1] for i, a in enumerate(args[:-1]) if a in prog.outputs]
        inputs = [os.path.realpath(os.path.join(work, args[i + 1]))
                  for i, a in enumerate(args[:-1]) if a in prog.inputs]
        inputs_before = {p: digest(p) for p in inputs if os.path.isfile(p)}
        try:
            proc = subprocess.run([prog.exe] + args, cwd=work, capture_output=True,
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.fail(case, f"did not finish within {TIMEOUT} s (killed)")
            return None, None
        rc = proc.returncode
        err = proc.stderr.decode("utf-8", "replace")
        first = err.split("\n", 1)[0]
        if rc < 0 or rc not in (0, 1, 2):
            self.fail(case, f"exit code {rc} (a crash or signal); stderr: {err[:300]!r}")
            return rc, None
        if rc != 0 and (not first.startswith("error: ") or len(first) <= len("error: ")):
            self.fail(case, f"exit code {rc} without an 'error: ...' first line: {err[:300]!r}")
        after = tree_state(work)
        written = {os.path.normpath(os.path.join(work, o)) for o in outputs}
        for path in sorted(set(before) | set(after)):
            if before.get(path) == after.get(path):
                continue
            real = os.path.normpath(path)
            if rc == 0 and real in written:
                continue
            what = "appeared" if path not in before else (
                "disappeared" if path not in after else "changed")
            self.fail(case, f"exit code {rc}, and {os.path.relpath(path, work)} {what}")
        for path, d in inputs_before.items():
            if digest(path) != d:
                self.fail(case, f"exit code {rc}, and the input {os.path.relpath(path, work)} "
                          "changed")
        for path, d in watched_before.items():
            if digest(path) != d:
                self.fail(case, f"{path} changed")
        if refuse and rc == 0:
            self.fail(case, "exit code 0: this must be refused before any data moves")
        if same_output_as is not None:
            if rc != 0:
                self.fail(case, f"exit code {rc} (want 0: the result must not change): {first}")
            else:
                got = self.result(work, outputs, proc.stdout)
                if got != same_output_as:
                    self.fail(case, "the output differs from the base run's")
        return rc, self.result(work, outputs, proc.stdout) if rc == 0 else None

    @staticmethod
    def result(work, outputs, stdout):
        """The sorted lines of every output (stdout when there is no output file)."""
        parts = []
        for o in outputs:
            path = os.path.join(work, o)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    parts.append(sorted(f.read().split(b"\n")))
            else:
                parts.append(None)
        if not outputs:
            parts.append(sorted(stdout.split(b"\n")))
        return parts


def fresh_dir(root, name):
    path = os.path.join(root, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def base_args(prog, work):
    """A working command in `work`: inputs copied there, outputs named out0, out1..."""
    args = list(prog.extra)
    for flag, name in prog.inputs.items():
        shutil.copy(os.path.join(DATA, name), os.path.join(work, name))
        args += [flag, name]
    for i, flag in enumerate(prog.outputs):
        args += [flag, f"out{i}.txt"]
    for flag, value in prog.numbers.items():
        args += [flag, value]
    return args


def replaced(args, flag, value):
    out = list(args)
    i = out.index(flag)
    out[i + 1] = value
    return out


def sweep_program(s, prog, root):
    work = fresh_dir(root, prog.name)
    args = base_args(prog, work)
    rc, base = s.run(prog, work, args, f"{prog.name} (base)")
    if rc != 0:
        s.fail(f"{prog.name} (base)", "the base command must work")
        return
    outs = [f"out{i}.txt" for i in range(len(prog.outputs))]

    def case(label, new_args, same=False, setup=None, watched=(), refuse=False):
        w = fresh_dir(root, prog.name)
        a = base_args(prog, w)  # the same files, fresh
        if setup:
            setup(w)
        s.run(prog, w, new_args(a) if callable(new_args) else new_args,
              f"{prog.name} {label}", same_output_as=base if same else None, watched=watched,
              refuse=refuse)

    # Results that must not change.
    for w in ["2", "3"]:
        case(f"-w {w}", lambda a, w=w: a + ["-w", w], same=True)
    case("--epoch-interval 1ms", lambda a: a + ["--epoch-interval", "1ms"], same=True)
    first_input = next(iter(prog.inputs))
    case(f"{first_input} through a symlink",
         lambda a: replaced(a, first_input, "link"), same=True,
         setup=lambda w: os.symlink(prog.inputs[first_input], os.path.join(w, "link")))

    # Common flags.
    for v in ["0", "-1", "abc", "100000", "99999999999999999999", ""]:
        case(f"-w {v!r}", lambda a, v=v: a + ["-w", v])
    for v in ["0", "-1s", "1e100", "inf", "nan", "abc", "86401"]:
        case(f"--epoch-interval {v!r}", lambda a, v=v: a + ["--epoch-interval", v])
    case("--bogus", lambda a: a + ["--bogus"])

    # Numbers.
    for flag in prog.numbers:
        for v in BAD_NUMBERS:
            case(f"{flag} {v!r}", lambda a, flag=flag, v=v: replaced(a, flag, v))

    # Inputs.
    for flag, name in prog.inputs.items():
        def write(content, flag=flag, name=name):
            return lambda w: open(os.path.join(w, name), "wb").write(content)
        with open(os.path.join(DATA, name), "rb") as f:
            good = f.read()
        for label, setup in [
            ("missing", lambda w, name=name: os.remove(os.path.join(w, name))),
            ("a directory", lambda w, name=name: (os.remove(os.path.join(w, name)),
                                                  os.mkdir(os.path.join(w, name)))),
            ("empty", write(b"")),
            ("binary", write(bytes(range(256)) * 64)),
            ("with a byte-order mark", write(b"\xef\xbb\xbf" + good)),
            ("with a blank first line", write(b"\n" + good)),
            ("without its final newline", write(good.rstrip(b"\n"))),
            ("with CRLF lines", write(good.replace(b"\n", b"\r\n"))),
            ("with a blank line inside", write(good.replace(b"\n", b"\n\n", 1))),
            ("with one malformed line", write(good + b"this,is,,not,a,record\n")),
        ]:
            case(f"{flag} {label}", lambda a: a, setup=setup)
        case(f"{flag} /dev/null", lambda a, flag=flag: replaced(a, flag, "/dev/null"))

    # Outputs.
    for i, flag in enumerate(prog.outputs):
        for in_flag, name in prog.inputs.items():
            for spelling in [name, "./" + name, "sub/../" + name, "link"]:
                def setup(w, name=name):
                    os.mkdir(os.path.join(w, "sub"))
                    os.symlink(name, os.path.join(w, "link"))
                case(f"{flag} {spelling} (the input {in_flag})",
                     lambda a, flag=flag, sp=spelling: replaced(a, flag, sp), setup=setup,
                     refuse=True)
        for j, other in enumerate(prog.outputs):
            if j != i:
                case(f"{flag} equal to {other}",
                     lambda a, flag=flag, j=j: replaced(a, flag, f"out{j}.txt"), refuse=True)
        case(f"{flag} in a missing directory",
             lambda a, flag=flag: replaced(a, flag, "missing/out.txt"))
        case(f"{flag} a directory", lambda a, flag=flag: replaced(a, flag, "adir"),
             setup=lambda w: os.mkdir(os.path.join(w, "adir")))
        case(f"{flag} /dev/full", lambda a, flag=flag: replaced(a, flag, "/dev/full"))
        case(f"{flag} /dev/null", lambda a, flag=flag: replaced(a, flag, "/dev/null"))
        # An existing output is replaced only by a run that succeeds.
        case(f"{flag} over an existing file, with a failing input",
             lambda a: replaced(a, first_input, "missing-input"),
             setup=lambda w, i=i: open(os.path.join(w, f"out{i}.txt"), "wb").write(b"keep\n"))


def main():
    paths = dict(arg.split("=", 1) for arg in sys.argv[1:])
    root = tempfile.mkdtemp(prefix="sluice-careless-")
    s = Sweep()
    try:
        for prog in programs(paths):
            sweep_program(s, prog, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"careless users: {s.runs} runs, {len(s.failures)} broken promises")
    return 1 if s.failures or s.runs == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
