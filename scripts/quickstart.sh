#!/usr/bin/env bash
# Installs the dependencies, builds sluice and runs the main example (a word count).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build --buildtype=release
echo "== build/examples/wordcount --input examples/data/sluice.txt -w 2"
build/examples/wordcount --input examples/data/sluice.txt -w 2
