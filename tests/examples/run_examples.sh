#!/bin/sh
# End-to-end checks of examples/anomaly_detector, join and branch_merge: at 1 and 2
# workers their sorted output equals tests/examples/expected/*.txt (computed without
# the examples by make_expected.py); bad input exits non-zero naming the step.
#
#   run_examples.sh ANOMALY_DETECTOR JOIN BRANCH_MERGE EXAMPLES_DATA_DIR TESTS_DIR
set -u
if [ $# -ne 5 ]; then
  echo "usage: $0 ANOMALY_DETECTOR JOIN BRANCH_MERGE EXAMPLES_DATA_DIR TESTS_DIR" >&2
  exit 2
fi
anomaly=$1 join=$2 branch=$3 data=$4 tests=$5
expected=$tests/expected bad=$tests/data
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
  echo "FAIL: $1"
  failed=$((failed + 1))
}

# expect_output CHECK EXPECTED_FILE COMMAND...: COMMAND exits 0 and its output (stdout,
# or --output when the command has it) sorted equals EXPECTED_FILE.
expect_output() {
  check=$1 want=$2
  shift 2
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  out=$tmp/stdout
  for arg in "$@"; do [ "$arg" = "$tmp/out" ] && out=$tmp/out; done
  if [ $rc -ne 0 ]; then
    fail "$check: exit code $rc, stderr: $(cat "$tmp/stderr")"
  elif ! LC_ALL=C sort "$out" | diff "$want" - >"$tmp/diff"; then
    fail "$check: output differs from $want (< expected, > got):"
    cat "$tmp/diff"
  else
    echo "ok: $check"
  fi
  rm -f "$tmp/out"
}

# expect_error CHECK TEXT COMMAND...: COMMAND exits non-zero and stderr contains every
# '|'-separated part of TEXT.
expect_error() {
  check=$1 text=$2
  shift 2
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  if [ $rc -eq 0 ]; then
    fail "$check: exit code 0, expected an error"
    return
  fi
  missing=$(echo "$text" | tr '|' '\n' | while IFS= read -r part; do
    grep -qF -- "$part" "$tmp/stderr" || echo "$part"
  done)
  if [ -n "$missing" ]; then
    fail "$check: exit code $rc but stderr lacks '$missing': $(cat "$tmp/stderr")"
  else
    echo "ok: $check (exit code $rc)"
  fi
}

readings=$data/readings.csv users=$data/users.csv orders=$data/orders.csv log=$data/app.log
for w in 1 2; do
  expect_output "anomaly_detector -w $w" "$expected/anomaly_detector.txt" \
    "$anomaly" -w "$w" --input "$readings" --output "$tmp/out"
  expect_output "join -w $w" "$expected/join.txt" \
    "$join" -w "$w" --users "$users" --orders "$orders" --output "$tmp/out"
  expect_output "join --mode final -w $w (stdout)" "$expected/join.txt" \
    "$join" -w "$w" --mode final --users "$users" --orders "$orders"
  expect_output "branch_merge -w $w" "$expected/branch_merge.txt" \
    "$branch" -w "$w" --input "$log" --output "$tmp/out"
  expect_output "branch_merge -w $w (stdout)" "$expected/branch_merge.txt" \
    "$branch" -w "$w" --input "$log"

  expect_error "anomaly_detector -w $w: non-numeric value" \
    "step 'anomaly_detector.parse'|value '4x.7' is not a number|pump-1,2026-11-21T08:08:00,4x.7" \
    "$anomaly" -w "$w" --input "$bad/readings_bad.csv" --output "$tmp/out"
  expect_error "join -w $w: non-numeric amount" \
    "step 'join.orders_parse'|amount 'twelve'|1019,4,twelve" \
    "$join" -w "$w" --users "$users" --orders "$bad/orders_bad.csv"
  expect_error "branch_merge -w $w: line without a message" \
    "step 'branch_merge.parse'|2026-11-21T08:30:00 ERROR" \
    "$branch" -w "$w" --input "$bad/app_bad.log"

  # complete and running totals depend on arrival order (see examples/join.cpp): the
  # runs must succeed, their numbers are not compared.
  for mode in complete running; do
    if ! "$join" -w "$w" --mode "$mode" --users "$users" --orders "$orders" >"$tmp/stdout" \
      2>"$tmp/stderr"; then
      fail "join --mode $mode -w $w: exit code not 0, stderr: $(cat "$tmp/stderr")"
    else
      echo "ok: join --mode $mode -w $w (exit code 0)"
    fi
  done
done

expect_error "anomaly_detector: missing input file" "step 'anomaly_detector.readings'|$tmp/none.csv" \
  "$anomaly" --input "$tmp/none.csv"
expect_error "join: missing orders file" "step 'join.orders'|$tmp/none.csv" \
  "$join" --users "$users" --orders "$tmp/none.csv"
expect_error "branch_merge: missing input file" "step 'branch_merge.log'|$tmp/none.log" \
  "$branch" --input "$tmp/none.log"
expect_error "join: unknown --mode" "--mode" "$join" --users "$users" --orders "$orders" --mode x
expect_graph() {
  check=$1
  shift
  if ! "$@" --graph mermaid >"$tmp/graph" 2>&1 || ! grep -q '^flowchart' "$tmp/graph"; then
    fail "$check: $(cat "$tmp/graph")"
  else
    echo "ok: $check"
  fi
}
expect_graph "anomaly_detector --graph mermaid" "$anomaly" --input "$readings"
expect_graph "join --graph mermaid" "$join" --users "$users" --orders "$orders"
expect_graph "branch_merge --graph mermaid" "$branch" --input "$log"

if [ $failed -ne 0 ]; then
  echo "$failed check(s) failed"
  exit 1
fi
echo "all checks passed"
