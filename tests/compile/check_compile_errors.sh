#!/usr/bin/env bash
# Compile errors point at the user's line and say what to write: each tests/compile/fail
# snippet must fail to compile, its first error must contain the snippet's
# `// expect: MESSAGE`, and the diagnostics must name the snippet's line marked
# `// error here` (or the line after a `// error here (the next line)` comment, where the
# call does not leave room for it: clang-format keeps lines short) ("required from
# here": the user's call, not a line in sluice).
# Usage: check_compile_errors.sh CXX SOURCE_DIR
set -uo pipefail
cxx=$1
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-std=c++20 -fsyntax-only -I"$src/include")

failed=0
cases=0
for file in "$src"/tests/compile/fail/*.cpp; do
  cases=$((cases + 1))
  name=$(basename "$file")
  expect=$(sed -n 's|^// expect: ||p' "$file")
  line=$(grep -n '// error here' "$file" | cut -d: -f1)
  if grep -q '// error here (the next line)' "$file"; then line=$((line + 1)); fi
  if [ -z "$expect" ] || [ -z "$line" ]; then
    echo "FAIL $name: needs a '// expect: MESSAGE' line and a '// error here' mark"
    failed=$((failed + 1))
    continue
  fi
  if out=$("$cxx" "${flags[@]}" "$file" 2>&1); then
    echo "FAIL $name: compiled, expected an error containing: $expect"
    failed=$((failed + 1))
    continue
  fi
  first=$(grep -m1 'error:' <<<"$out")
  if [[ "$first" != *"$expect"* ]]; then
    echo "FAIL $name: the first error is not the expected one"
    echo "  expected: $expect"
    echo "  got:      $first"
    failed=$((failed + 1))
  elif ! grep -q "$name:$line:[0-9]*:   required from here" <<<"$out"; then
    echo "FAIL $name: the diagnostics do not name the user's line $line ('required from here')"
    echo "$out" | head -20
    failed=$((failed + 1))
  else
    echo "ok   $name: $expect"
  fi
done
[ "$cases" -gt 0 ] || { echo "FAIL: no cases in tests/compile/fail"; exit 1; }
echo "$((cases - failed)) of $cases compile-error cases give the expected message at the user's line"
[ "$failed" -eq 0 ]
