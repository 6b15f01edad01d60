#!/usr/bin/env bash
# Runs the micro-benchmarks at -w 1 and -w 2 and each baseline once, then prints one
# summary line per benchmark with its ratio to the baseline of this same run.
# Builds nothing: uses BUILD (default: build/); ROUNDS and RECORDS override the sizes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-$root/build}"
bin="$build/bench"
for exe in progress_rounds exchange baseline_progress_rounds baseline_exchange; do
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
