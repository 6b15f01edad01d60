#!/usr/bin/env bash
# Runs the micro-benchmarks at -w 1 and -w 2 and each baseline once, then prints one
# summary line per benchmark with its ratio to the baseline of this same run.
# Builds nothing: uses BUILD (default: build/); ROUNDS and RECORDS override the sizes
# of progress_rounds and exchange, KEYED_RECORDS the N of every keyed_count workload,
# KEYED_EPOCH=0 skips keyed_count's --emit epoch runs, WORDCOUNT_MB sets the size
# of wordcount's generated corpus (default 64 MiB), WINDOWED_RECORDS the lines of the
# windowed_sum workloads (default 10^7) and WINDOWED_MEMORY=0 skips windowed_sum's
# peak-memory series.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-$root/build}"
bin="$build/bench"
for exe in progress_rounds exchange keyed_count wordcount windowed_sum baseline_progress_rounds \
  baseline_exchange baseline_keyed_count baseline_wordcount baseline_windowed_sum \
  gen_windowed_events; do
  if [[ ! -x "$bin/$exe" ]]; then
    echo "error: $bin/$exe not found; build first: ninja -C $build" >&2
    exit 2
  fi
done

rounds_flag=()
records_flag=()
[[ -n "${ROUNDS:-}" ]] && rounds_flag=(--rounds "$ROUNDS")
[[ -n "${RECORDS:-}" ]] && records_flag=(--records "$RECORDS")

# field JSON KEY: the value of KEY in a flat one-line JSON object.
field() {
  sed -E 's/.*"'"$2"'":"?([^,"}]*).*/\1/' <<<"$1"
}
# ratio A B: A / B with three significant digits.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3g", (b > 0 ? a / b : 0) }'
}

# run VAR EXE ARGS...: runs a benchmark, prints its JSON line and keeps it in VAR.
run() {
  local -n out="$1"
  out="$("$bin/$2" "${@:3}")"
  echo "$out"
}

run pr1 progress_rounds -w 1 "${rounds_flag[@]}"
run pr2 progress_rounds -w 2 "${rounds_flag[@]}"
run prb baseline_progress_rounds "${rounds_flag[@]}"
run ex1 exchange -w 1 "${records_flag[@]}"
run ex2 exchange -w 2 "${records_flag[@]}"
run exb baseline_exchange -w 2 "${records_flag[@]}"

b_us="$(field "$prb" us_per_round)"
printf 'summary progress_rounds: -w 1 %s us/round (%sx baseline), -w 2 %s us/round (%sx baseline); baseline %s us/round (lower bound)\n' \
  "$(field "$pr1" us_per_round)" "$(ratio "$(field "$pr1" us_per_round)" "$b_us")" \
  "$(field "$pr2" us_per_round)" "$(ratio "$(field "$pr2" us_per_round)" "$b_us")" "$b_us"

b_rate="$(field "$exb" records_per_second)"
printf 'summary exchange: -w 1 %s records/s (%sx baseline), -w 2 %s records/s (%sx baseline, %s per worker); baseline %s records/s on one thread\n' \
  "$(field "$ex1" records_per_second)" "$(ratio "$(field "$ex1" records_per_second)" "$b_rate")" \
  "$(field "$ex2" records_per_second)" "$(ratio "$(field "$ex2" records_per_second)" "$b_rate")" \
  "$(field "$ex2" records_per_second_per_worker)" "$b_rate"

# keyed_count: the four target workloads (u64 / string keys, 1,000 / 1,000,000 keys),
# --emit record at -w 1 and -w 2 and --emit epoch at -w 2, each with its baseline.
keyed() {  # keyed KEYS KEY_TYPE RECORDS
  local keys="$1" type="$2" n="${KEYED_RECORDS:-$3}" kw1 kw2 kb ke2 keb
  local args=(--records "$n" --keys "$keys" --key-type "$type")
  run kw1 keyed_count "${args[@]}" -w 1
  run kw2 keyed_count "${args[@]}" -w 2
  run kb baseline_keyed_count "${args[@]}"
  local b_rate
  b_rate="$(field "$kb" records_per_second)"
  printf 'summary keyed_count %s keys %s, --emit record: -w 1 %s records/s (%sx baseline), -w 2 %s records/s (%sx baseline); baseline %s records/s on one thread\n' \
    "$keys" "$type" \
    "$(field "$kw1" records_per_second)" "$(ratio "$(field "$kw1" records_per_second)" "$b_rate")" \
    "$(field "$kw2" records_per_second)" "$(ratio "$(field "$kw2" records_per_second)" "$b_rate")" \
    "$b_rate"
  [[ "${KEYED_EPOCH:-1}" == 0 ]] && return
  run ke2 keyed_count "${args[@]}" -w 2 --emit epoch
  run keb baseline_keyed_count "${args[@]}" --emit epoch
  b_rate="$(field "$keb" records_per_second)"
  printf 'summary keyed_count %s keys %s, --emit epoch: -w 2 %s records/s (%sx baseline); baseline %s records/s on one thread\n' \
    "$keys" "$type" \
    "$(field "$ke2" records_per_second)" "$(ratio "$(field "$ke2" records_per_second)" "$b_rate")" \
    "$b_rate"
}
keyed 1000 u64 100000000
keyed 1000000 u64 30000000
keyed 1000 string 30000000
keyed 1000000 string 10000000

# wordcount: the wordcount example's dataflow on a generated corpus at -w 1 and -w 2,
# and the single-threaded baseline on the same file; the times are compared.
mb="${WORDCOUNT_MB:-64}"
run wb baseline_wordcount --mb "$mb"
run w1 wordcount --mb "$mb" -w 1
run w2 wordcount --mb "$mb" -w 2
if [[ "$(field "$w1" checksum)" != "$(field "$wb" checksum)" ||
  "$(field "$w2" checksum)" != "$(field "$wb" checksum)" ]]; then
  echo "error: wordcount counts differ from the baseline's" >&2
  exit 1
fi
printf 'summary wordcount %s MiB: -w 1 %s s (%sx the baseline time), -w 2 %s s (%sx); baseline %s s on one thread\n' \
  "$mb" "$(field "$w1" seconds)" "$(ratio "$(field "$w1" seconds)" "$(field "$wb" seconds)")" \
  "$(field "$w2" seconds)" "$(ratio "$(field "$w2" seconds)" "$(field "$wb" seconds)")" \
  "$(field "$wb" seconds)"

# windowed_sum: the contract dataflow (keyed event-time input -> fold_window) on a
# generated file of N lines over 100,000 keys, for tumbling 10 s, sliding 10 s by 2 s
# and session (gap 10 s) windows, max delay 3 s: the baseline, then sluice at -w 1 and
# -w 2, whose checksums must equal the baseline's; the times are compared.
wn="${WINDOWED_RECORDS:-10000000}"
events="${TMPDIR:-/tmp}/sluice-windowed-events-$wn.csv"
[[ -s "$events" ]] || "$bin/gen_windowed_events" --output "$events" --records "$wn"
windowed() {  # windowed NAME WINDOW_FLAGS...
  local name="$1" wb ws1 ws2
  local args=(--input "$events" --max-delay-ms 3000 "${@:2}")
  run wb baseline_windowed_sum "${args[@]}"
  run ws1 windowed_sum "${args[@]}" -w 1
  run ws2 windowed_sum "${args[@]}" -w 2
  local key
  for key in checksum windows late late_checksum; do
    if [[ "$(field "$ws1" "$key")" != "$(field "$wb" "$key")" ||
      "$(field "$ws2" "$key")" != "$(field "$wb" "$key")" ]]; then
      echo "error: windowed_sum $name: $key differs from the baseline's" >&2
      exit 1
    fi
  done
  printf 'summary windowed_sum %s, %s lines: -w 1 %s s (%sx the baseline time), -w 2 %s s (%sx); baseline %s s on one thread; %s windows\n' \
    "$name" "$wn" "$(field "$ws1" seconds)" "$(ratio "$(field "$ws1" seconds)" "$(field "$wb" seconds)")" \
    "$(field "$ws2" seconds)" "$(ratio "$(field "$ws2" seconds)" "$(field "$wb" seconds)")" \
    "$(field "$wb" seconds)" "$(field "$wb" windows)"
}
windowed tumbling --window tumbling --length-ms 10000
windowed sliding --window sliding --length-ms 10000 --slide-ms 2000
windowed session --window session --gap-ms 10000

# windowed_sum's peak memory as the input grows (lines made in memory by the
# benchmark's own source, same density of event time, so windows keep closing).
if [[ "${WINDOWED_MEMORY:-1}" != 0 ]]; then
  for n in 1000000 3000000 10000000; do
    run wm windowed_sum --records "$n" --window tumbling --length-ms 10000 -w 1
    printf 'summary windowed_sum memory, tumbling, %s lines: peak RSS %s MiB\n' "$n" \
      "$(field "$wm" peak_rss_mb)"
  done
fi
