#!/usr/bin/env bash
# Runs the micro-benchmarks at -w 1 and -w 2 and each baseline once, then prints one
# summary line per benchmark with its ratio to the baseline of this same run.
# Builds nothing: uses BUILD (default: build/); ROUNDS and RECORDS override the sizes
# of progress_rounds and exchange, KEYED_RECORDS the N of every keyed_count workload,
# KEYED_EPOCH=0 skips keyed_count's --emit epoch runs, and WORDCOUNT_MB sets the size
# of wordcount's generated corpus (default 64 MiB).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-$root/build}"
bin="$build/bench"
for exe in progress_rounds exchange keyed_count wordcount baseline_progress_rounds \
  baseline_exchange baseline_keyed_count baseline_wordcount; do
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
