#!/usr/bin/env python3
"""End-to-end check of the wordcount contract on a large input (tens of MB).

Generates a deterministic text file (mixed case, digits, punctuation, UTF-8 bytes,
CRLF and LF lines, empty lines, a very long line, no final newline), counts its
words with a plain reference (maximal runs of ASCII letters or digits, lowercased),
runs `wordcount --input F --output O -w N` for N = 1, 2, 3 and compares the output
(one "word<TAB>count" line per distinct word, any order) with the reference.

usage: check_wordcount.py WORDCOUNT_BINARY [MEGABYTES]   (SLUICE_SEED picks the text)
"""
import collections
import os
import random
import re
import subprocess
import sys
import tempfile


def generate(path, megabytes, seed):
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    vocab = ["".join(rng.choices(letters, k=rng.randint(1, 12))) for _ in range(30000)]
    vocab += ["café", "naïve", "Straße", "日本語", "x" * 40]  # non-ASCII bytes separate words
    seps = [" ", " ", " ", ", ", ". ", "\t", " -- ", "'", "(", ")", "  "]
    cum, total = [], 0.0
    for i in range(len(vocab)):
        total += 1.0 / (i + 1)
        cum.append(total)  # Zipf-like weights, accumulated once
    target = megabytes * 1024 * 1024
    written = 0
    with open(path, "wb") as f:
        while written < target:
            chunk = []
            for _ in range(2000):
                words = rng.choices(vocab, cum_weights=cum, k=rng.randint(0, 14))
                line = "".join(w + rng.choice(seps) for w in words)
                chunk.append(line + ("\r\n" if rng.random() < 0.1 else "\n"))
            data = "".join(chunk).encode("utf-8")
            f.write(data)
            written += len(data)
        f.write((" ".join(rng.choices(vocab, k=20000))).encode("utf-8") + b"\n")  # a long line
        f.write(b"Last LINE without newline 42")


def reference(path):
    with open(path, "rb") as f:
        data = f.read()
    return collections.Counter(w.lower() for w in re.findall(rb"[A-Za-z0-9]+", data))


def main():
    binary = sys.argv[1]
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(os.environ.get("SLUICE_SEED", "20261121"))
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "input.txt")
        generate(text, megabytes, seed)
        want = reference(text)
        print(f"input: {os.path.getsize(text)} bytes, {sum(want.values())} words, "
              f"{len(want)} distinct (seed {seed})")
        failed = False
        for workers in (1, 2, 3):
            out = os.path.join(tmp, f"counts-{workers}.tsv")
            proc = subprocess.run([binary, "--input", text, "--output", out, "-w", str(workers)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"FAIL -w {workers}: exit {proc.returncode}: {proc.stderr.strip()}")
                failed = True
                continue
            got = collections.Counter()
            with open(out, "rb") as f:
                for line in f:
                    word, _, count = line.rstrip(b"\n").partition(b"\t")
                    if word in got:
                        print(f"FAIL -w {workers}: word {word!r} written twice")
                        failed = True
                    got[word] = int(count)
            if got != want:
                missing = [w for w in want if got.get(w) != want[w]][:5]
                extra = [w for w in got if w not in want][:5]
                print(f"FAIL -w {workers}: {len(got)} distinct words, want {len(want)}; "
                      f"wrong: {missing}, unexpected: {extra} (seed {seed})")
                failed = True
            else:
                print(f"ok -w {workers}: {len(got)} distinct words match the reference")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
