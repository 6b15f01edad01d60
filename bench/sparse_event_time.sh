#!/usr/bin/env bash
# sparse_event_time: what an event-time epoch costs when it holds few records. The
# windowed_sum dataflow (bench/windowed_sum: a file read as one partition -> parse, key
# and event time in one call -> fold_window count and sum) against its single-threaded
# baseline (bench/baseline_windowed_sum) on input sparse in event time, at epoch
# lengths from 100 ms to 10 s:
#
#   tumbling_50  1.5 M lines, 50 per second of event time (30,000 s), 100,000 keys,
#                tumbling 10 s windows (issue 14's windowed_sum case)
#   session_6    212,000 lines, 6 per second (9.8 hours), 100 keys, sessions with a
#                60 s gap (issue 14's sessionizer case: clicks of 100 users)
#
# all with the generator's 2 s disorder, 1 line in 1,000 late, max delay 3 s. Each is
# read as one file, one partition (issue 14's shape: one worker reads and parses every
# line, so -w 2 only shares the window work), and as tumbling_50_2parts and
# session_6_2parts: the same lines split by key into two files read with
# --input-dir, two partitions with a watermark each (one per worker at -w 2).
#
#   bench/sparse_event_time.sh [--quick]
#
# Builds nothing: uses BUILD (default build/). The inputs are written once to TMPDIR
# (default /tmp) with gen_windowed_events and reused. Per workload and epoch length
# (EPOCHS_MS, default "100 200 1000 10000"), SPARSE_ROUNDS rounds (default 3; 1 with
# --quick) of baseline, -w 1, -w 2 back to back; every run prints one JSON line:
# windowed_sum's (seconds, records_per_second, peak_rss_mb, windows, checksums) with
# "bench":"sparse_event_time", "workload", "epoch_ms", "round" and "ratio_to_baseline"
# (its seconds over the baseline's of the same round). A checksum that differs from
# the baseline's exits 1. Then one summary line per workload and epoch length: the
# median over rounds of -w 1 / baseline and -w 2 / -w 1, and peak memory against the
# 10 s-epoch run's; the targets (issue 14): -w 1 within 1.5x the baseline, -w 2 faster
# than -w 1, peak memory within 2x of the 10 s-epoch run's. SPARSE_RECORDS and
# SPARSE_SESSION_RECORDS override the line counts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BUILD:-$root/build}/bench"
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: bench/sparse_event_time.sh [--quick]" >&2; exit 2 ;;
  esac
done
for exe in windowed_sum baseline_windowed_sum gen_windowed_events; do
  if [[ ! -x "$bin/$exe" ]]; then
    echo "error: $bin/$exe not found; build first: ninja -C ${BUILD:-$root/build}" >&2
    exit 2
  fi
done
if [[ $quick == 1 ]]; then
  rounds="${SPARSE_ROUNDS:-1}"
  tumbling_n="${SPARSE_RECORDS:-300000}"
  session_n="${SPARSE_SESSION_RECORDS:-60000}"
else
  rounds="${SPARSE_ROUNDS:-3}"
  tumbling_n="${SPARSE_RECORDS:-1500000}"
  session_n="${SPARSE_SESSION_RECORDS:-212000}"
fi
epochs="${EPOCHS_MS:-100 200 1000 10000}"
tmp="${TMPDIR:-/tmp}"

# field JSON KEY: the value of KEY in a flat one-line JSON object.
field() {
  sed -E 's/.*"'"$2"'":"?([^,"}]*).*/\1/' <<<"$1"
}
# median of the numbers given.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3g", (b > 0 ? a / b : 0) }'
}

# input NAME LINES GENERATOR_FLAGS...: the path of a generated input (written once).
input() {
  local path="$tmp/sluice-sparse-$1-$2.csv"
  [[ -s "$path" ]] || "$bin/gen_windowed_events" --output "$path" --records "$2" "${@:3}"
  echo "$path"
}

# split FILE PARTS: a directory of PARTS files, part-K.csv holding FILE's lines whose
# key number is K modulo PARTS, in FILE's order (written once): the same events as
# PARTS partitions by key, as a producer partitioning a Kafka topic by key writes them.
split() {
  local dir="${1%.csv}-parts$2"
  if [[ ! -s "$dir/part-0.csv" ]]; then
    mkdir -p "$dir"
    awk -F, -v d="$dir" -v p="$2" '{ print > (d "/part-" (substr($2, 2) % p) ".csv") }' "$1"
  fi
  echo "$dir"
}

# workload NAME (--input FILE | --input-dir DIR) WINDOW_FLAGS...: every epoch length,
# rounds of baseline, -w 1, -w 2.
workload() {
  local name="$1"
  local args=("$2" "$3" --max-delay-ms 3000 "${@:4}")
  declare -A w1_ratio w2_ratio w1_peak w2_peak
  local e r
  for e in $epochs; do
    for ((r = 0; r < rounds; r++)); do
      local base w1 w2
      base="$("$bin/baseline_windowed_sum" "${args[@]}" --epoch-ms "$e")"
      w1="$("$bin/windowed_sum" "${args[@]}" --epoch-ms "$e" -w 1)"
      w2="$("$bin/windowed_sum" "${args[@]}" --epoch-ms "$e" -w 2)"
      local key
      for key in checksum windows late late_checksum; do
        if [[ "$(field "$w1" "$key")" != "$(field "$base" "$key")" ||
          "$(field "$w2" "$key")" != "$(field "$base" "$key")" ]]; then
          echo "error: sparse_event_time $name, --epoch-ms $e: $key differs from the baseline's" >&2
          exit 1
        fi
      done
      local bs line run
      bs="$(field "$base" seconds)"
      for run in "$base" "$w1" "$w2"; do
        line="$(sed -E 's/"bench":"windowed_sum"/"bench":"sparse_event_time","workload":"'"$name"'","epoch_ms":'"$e"',"round":'"$r"'/; s/}$/,"ratio_to_baseline":'"$(ratio "$(field "$run" seconds)" "$bs")"'}/' <<<"$run")"
        echo "$line"
      done
      w1_ratio[$e]+=" $(ratio "$(field "$w1" seconds)" "$bs")"
      w2_ratio[$e]+=" $(ratio "$(field "$w2" seconds)" "$(field "$w1" seconds)")"
      w1_peak[$e]+=" $(field "$w1" peak_rss_mb)"
      w2_peak[$e]+=" $(field "$w2" peak_rss_mb)"
    done
  done
  local last="${epochs##* }"  # the longest epoch, the memory reference
  local p1_ref p2_ref
  # shellcheck disable=SC2086
  p1_ref="$(median ${w1_peak[$last]})"
  # shellcheck disable=SC2086
  p2_ref="$(median ${w2_peak[$last]})"
  for e in $epochs; do
    local m1 m2 p1 p2 verdict=""
    # shellcheck disable=SC2086
    m1="$(median ${w1_ratio[$e]})"
    # shellcheck disable=SC2086
    m2="$(median ${w2_ratio[$e]})"
    # shellcheck disable=SC2086
    p1="$(median ${w1_peak[$e]})"
    # shellcheck disable=SC2086
    p2="$(median ${w2_peak[$e]})"
    awk -v x="$m1" 'BEGIN { exit !(x > 1.5) }' && verdict+=" -w1-over-1.5x"
    awk -v x="$m2" 'BEGIN { exit !(x >= 1) }' && verdict+=" -w2-not-faster"
    awk -v a="$p1" -v b="$p1_ref" -v c="$p2" -v d="$p2_ref" \
      'BEGIN { exit !(a > 2 * b || c > 2 * d) }' && verdict+=" memory-over-2x"
    printf 'summary sparse_event_time %s, --epoch-ms %s: -w 1 %sx the baseline time, -w 2 %sx the -w 1 time; peak %s / %s MiB (-w 1 / -w 2; %sx / %sx the %s ms run); %s\n' \
      "$name" "$e" "$m1" "$m2" "$p1" "$p2" "$(ratio "$p1" "$p1_ref")" "$(ratio "$p2" "$p2_ref")" \
      "$last" "${verdict:- targets met}"
  done
}

tumbling="$(input tumbling_50 "$tumbling_n" --rate 50)"
session="$(input session_6 "$session_n" --rate 6 --keys 100)"
workload tumbling_50 --input "$tumbling" --window tumbling --length-ms 10000
workload session_6 --input "$session" --window session --gap-ms 60000
workload tumbling_50_2parts --input-dir "$(split "$tumbling" 2)" --window tumbling --length-ms 10000
workload session_6_2parts --input-dir "$(split "$session" 2)" --window session --gap-ms 60000
