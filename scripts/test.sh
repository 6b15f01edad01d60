#!/usr/bin/env bash
# Installs the dependencies, builds sluice twice (release, and ASan+UBSan) and runs
# the whole test suite in both builds. Ends with one line "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

passed=0
failed=0
run_suite() {  # run_suite DIR: meson's own report, then count its results
  local dir=$1
  meson test -C "$dir" --print-errorlogs --num-processes 1 --no-rebuild
  local rc=$?
  local log="$dir/meson-logs/testlog.json"
  if [ -f "$log" ]; then
    passed=$((passed + $(grep -c '"result": "OK"' "$log")))
    failed=$((failed + $(grep -vc '"result": "OK"' "$log")))
  elif [ $rc -ne 0 ]; then
    failed=$((failed + 1))
  fi
}

echo "== release build"
# The quick start's build/ has tests and benchmarks off: switch them on here.
if bash scripts/build.sh build --buildtype=release -Dtests=true -Dbenchmarks=true -Dexamples=true; then
  run_suite build
else
  echo "release build failed"; failed=$((failed + 1))
fi

echo "== ASan+UBSan build"
if bash scripts/build.sh build-asan --buildtype=debugoptimized -Doptimization=1 -Ddebug=false -Dsanitize=true -Dbenchmarks=false -Dexamples=false; then
  ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_suite build-asan
else
  echo "sanitizer build failed"; failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
