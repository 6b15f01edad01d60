#!/bin/sh
# End-to-end checks of examples/anomaly_detector, join and branch_merge: at 1 and 2
# workers their sorted output equals tests/examples/expected/*.txt (computed without
# the examples by make_expected.py); bad input exits non-zero naming the step (and, for
# branch_merge and windowed_sum at 1, 2 and 3 workers, exactly: the file and line). Every
# example (wordcount and windowed_sum too) refuses an output that is one of its inputs
# or another output, with exit code 1 and the input left intact.
#
#   run_examples.sh ANOMALY_DETECTOR JOIN BRANCH_MERGE EXAMPLES_DATA_DIR TESTS_DIR \
#                   WORDCOUNT WINDOWED_SUM
set -u
if [ $# -ne 7 ]; then
  echo "usage: $0 ANOMALY_DETECTOR JOIN BRANCH_MERGE EXAMPLES_DATA_DIR TESTS_DIR" \
    "WORDCOUNT WINDOWED_SUM" >&2
  exit 2
fi
anomaly=$1 join=$2 branch=$3 data=$4 tests=$5 windowed=$7
wordcount=$(cd "$(dirname "$6")" && pwd)/$(basename "$6")  # run from another directory
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

# expect_refused CHECK EXACT_STDERR FILE COMMAND...: COMMAND exits 1 with stderr exactly
# EXACT_STDERR, and FILE keeps its bytes.
expect_refused() {
  check=$1 want=$2 keep=$3
  shift 3
  cp "$keep" "$tmp/kept"
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  if [ $rc -ne 1 ]; then
    fail "$check: exit code $rc, expected 1; stderr: $(cat "$tmp/stderr")"
  elif [ "$(cat "$tmp/stderr")" != "$want" ]; then
    fail "$check: stderr is '$(cat "$tmp/stderr")', expected '$want'"
  elif ! cmp -s "$keep" "$tmp/kept"; then
    fail "$check: $keep was changed"
  else
    echo "ok: $check (exit code 1, $keep intact)"
  fi
}

same="they are the same file (compared by device and inode, so links and other spellings of a path count)"
destroy="writing it would destroy that input: give the output another path"
mkdir "$tmp/in" "$tmp/in/a"
cp "$data/sluice.txt" "$tmp/in/x.txt"
ln -s x.txt "$tmp/in/link.txt"
for out in x.txt ./a/../x.txt link.txt; do
  expect_refused "wordcount --output $out over --input x.txt" \
    "error: step 'wordcount.out' writes '$out' and step 'wordcount.lines' reads 'x.txt': $same; $destroy" \
    "$tmp/in/x.txt" sh -c 'cd "$1" && shift && exec "$@"' sh "$tmp/in" \
    "$wordcount" --input x.txt --output "$out"
done
cp "$data/events.csv" "$tmp/in/events.csv"
expect_refused "windowed_sum --output equal to --late" \
  "error: step 'windowed_sum.late' writes '$tmp/in/o.csv' and step 'windowed_sum.output' writes '$tmp/in/o.csv': $same; two sinks would overwrite each other: give each output its own path" \
  "$tmp/in/events.csv" "$windowed" --input "$tmp/in/events.csv" --output "$tmp/in/o.csv" \
  --late "$tmp/in/o.csv" --window tumbling --length-ms 1000 --max-delay-ms 0
[ -e "$tmp/in/o.csv" ] && fail "windowed_sum --output equal to --late: created $tmp/in/o.csv"
expect_refused "windowed_sum --output equal to --input" \
  "error: step 'windowed_sum.output' writes '$tmp/in/events.csv' and step 'windowed_sum.events' reads '$tmp/in/events.csv': $same; $destroy" \
  "$tmp/in/events.csv" "$windowed" --input "$tmp/in/events.csv" --output "$tmp/in/events.csv" \
  --late "$tmp/in/late.csv" --window tumbling --length-ms 1000 --max-delay-ms 0
cp "$log" "$tmp/in/app.log"
expect_refused "branch_merge --output equal to --input" \
  "error: step 'branch_merge.write' writes '$tmp/in/app.log' and step 'branch_merge.log' reads '$tmp/in/app.log': $same; $destroy" \
  "$tmp/in/app.log" "$branch" --input "$tmp/in/app.log" --output "$tmp/in/app.log"
cp "$readings" "$tmp/in/readings.csv"
expect_refused "anomaly_detector --output equal to --input" \
  "error: step 'anomaly_detector.write' writes '$tmp/in/readings.csv' and step 'anomaly_detector.readings' reads '$tmp/in/readings.csv': $same; $destroy" \
  "$tmp/in/readings.csv" "$anomaly" --input "$tmp/in/readings.csv" --output "$tmp/in/readings.csv"
cp "$orders" "$tmp/in/orders.csv"
expect_refused "join --output equal to --orders" \
  "error: step 'join.write' writes '$tmp/in/orders.csv' and step 'join.orders' reads '$tmp/in/orders.csv': $same; $destroy" \
  "$tmp/in/orders.csv" "$join" --users "$users" --orders "$tmp/in/orders.csv" --output "$tmp/in/orders.csv"

# A malformed or blank line names the file and the line number, at 1, 2 and 3 workers.
# expect_first_line CHECK EXACT COMMAND...: COMMAND exits 1 and stderr's first line is
# EXACT.
expect_first_line() {
  check=$1 want=$2
  shift 2
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  got=$(head -n 1 "$tmp/stderr")
  if [ $rc -ne 1 ] || [ "$got" != "$want" ]; then
    fail "$check: exit code $rc (expected 1), first stderr line '$got', expected '$want'"
  else
    echo "ok: $check"
  fi
}
# worker_of FILE LINE W: the worker reading line LINE of FILE split W ways by FileSource
# (part k, on worker k, holds the lines that start in bytes [k*S/W, (k+1)*S/W)).
# The worker reading line $2 of file $1 at -w $3: FileSource splits a file by size (one
# part per started MiB, at most 32), part k on worker k % W.
worker_of() {
  offset=$(head -n $(($2 - 1)) "$1" | wc -c) size=$(wc -c <"$1") k=0
  parts=$(((size + 1048575) / 1048576))
  [ "$parts" -lt 1 ] && parts=1
  [ "$parts" -gt 32 ] && parts=32
  while [ $k -lt $((parts - 1)) ] && [ $(((k + 1) * size / parts)) -le "$offset" ]; do k=$((k + 1)); done
  echo $((k % $3))
}
shape="expected '<time> <LEVEL> <component> <message>'"
fields="expected 3 comma-separated fields: event_ms,key,value"
{ head -n 40 "$log"; echo; tail -n +41 "$log"; } >"$tmp/app_blank.log"
{ head -n 9 "$data/events.csv"; echo "1700000009999,sensor-a"; tail -n +10 "$data/events.csv"; } \
  >"$tmp/events_bad.csv"
{ head -n 19 "$data/events.csv"; echo; tail -n +20 "$data/events.csv"; } >"$tmp/events_blank.csv"
windowed_args="--output $tmp/out --late $tmp/late --window tumbling --length-ms 1000 --max-delay-ms 0"
for w in 1 2 3; do
  expect_first_line "branch_merge -w $w: a malformed line names the file and line" \
    "error: step 'branch_merge.log' failed on worker $(worker_of "$bad/app_bad.log" 31 $w) at epoch 0: '$bad/app_bad.log' line 31: $shape; item: 2026-11-21T08:30:00 ERROR" \
    "$branch" -w "$w" --input "$bad/app_bad.log"
  expect_first_line "branch_merge -w $w: a blank line names the file and line" \
    "error: step 'branch_merge.log' failed on worker $(worker_of "$tmp/app_blank.log" 41 $w) at epoch 0: '$tmp/app_blank.log' line 41: $shape" \
    "$branch" -w "$w" --input "$tmp/app_blank.log"
  # windowed_sum reads its file as one partition, on worker 0.
  # shellcheck disable=SC2086
  expect_first_line "windowed_sum -w $w: a malformed line names the file and line" \
    "error: step 'windowed_sum.events' failed on worker 0 at epoch 0: '$tmp/events_bad.csv' line 10: $fields; item: 1700000009999,sensor-a" \
    "$windowed" -w "$w" --input "$tmp/events_bad.csv" $windowed_args
  # shellcheck disable=SC2086
  expect_first_line "windowed_sum -w $w: a blank line names the file and line" \
    "error: step 'windowed_sum.events' failed on worker 0 at epoch 0: '$tmp/events_blank.csv' line 20: $fields" \
    "$windowed" -w "$w" --input "$tmp/events_blank.csv" $windowed_args
done

if [ $failed -ne 0 ]; then
  echo "$failed check(s) failed"
  exit 1
fi
echo "all checks passed"
