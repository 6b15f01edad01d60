#!/usr/bin/env bash
# Installs the dependencies, builds what the main example needs (the library and
# examples/wordcount, nothing else) and runs it (a word count).
#
# Decision: build/ is configured with tests and benchmarks off, so that neither this
# script nor a later `meson install -C build` compiles them (most of a fresh build's
# time); scripts/test.sh switches them back on in the same build/ and compiles them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
options=(--buildtype=release -Dtests=false -Dbenchmarks=false)
if [ -f build/build.ninja ]; then
  meson configure build "${options[@]}"
else
  meson setup build "${options[@]}"
fi
ninja -C build examples/wordcount
echo "== build/examples/wordcount --input examples/data/sluice.txt -w 2"
build/examples/wordcount --input examples/data/sluice.txt -w 2
