#!/bin/sh
# The engine's limits seen from a program, as a user meets them (wordcount):
# - under an address-space limit that cannot hold 64 worker threads, the run stops
#   with one error naming the worker thread (or the worker that ran out of memory),
#   exit code 1, never an abort (exit 134), and writes no output file;
# - more workers than the machine allows, and an --epoch-interval past 24 hours, are
#   usage errors (exit code 2) naming the flag.
#
#   check_limits.sh WORDCOUNT_BINARY
set -u
wordcount=$1
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
  echo "FAIL: $1"
  failed=$((failed + 1))
}
printf 'one two two\nthree three three\n' >"$tmp/in.txt"

i=0
while [ $i -lt 5 ]; do
  prlimit --as=300000000 "$wordcount" --input "$tmp/in.txt" --output "$tmp/out.txt" -w 64 \
    >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  if [ $rc -ne 1 ]; then
    fail "-w 64 under a 300 MB address-space limit: exit code $rc (want 1): $(cat "$tmp/stderr")"
  elif ! grep -Eq "^error: (cannot start worker thread [0-9]+ of 64 \(|worker [0-9]+ of 64 ran out of memory while)" "$tmp/stderr"; then
    fail "-w 64 under a 300 MB address-space limit: unexpected message: $(cat "$tmp/stderr")"
  elif [ -s "$tmp/out.txt" ]; then
    fail "-w 64 under a 300 MB address-space limit wrote output"
  fi
  i=$((i + 1))
done
[ $failed -eq 0 ] && echo "ok: a thread that cannot start stops the run with exit 1"

# expect_usage_error MESSAGE ARGS...: exit code 2 and MESSAGE on stderr.
expect_usage_error() {
  want=$1
  shift
  "$wordcount" --input "$tmp/in.txt" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  if [ $rc -ne 2 ]; then
    fail "$*: exit code $rc (want 2)"
  elif ! grep -qF -- "$want" "$tmp/stderr"; then
    fail "$*: stderr lacks '$want': $(cat "$tmp/stderr")"
  else
    echo "ok: $* is refused"
  fi
}
expect_usage_error "error: --workers-per-process: got 100000; this machine allows 1 to" -w 100000
expect_usage_error "error: --epoch-interval must be between 1ms and 86400s (24 hours)" \
  --epoch-interval 1e100
expect_usage_error "error: --epoch-interval must be between 1ms and 86400s (24 hours)" \
  --epoch-interval 86401

echo "limits: $failed failed"
[ $failed -eq 0 ]
