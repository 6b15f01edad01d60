#!/usr/bin/env bash
# The long form of the kill tests (tests/recovery/meson.build, tests/bench/meson.build):
# KILLS kill points in all (default 300), spread over wordcount, windowed_sum with each
# windower and the Nexmark queries q4 q5 q7 q9 q11, each restarted at -w 1, 2 and 3;
# prints the count of kills that landed mid-run and exits 1 at the first difference
# (kill_test.py prints its seed).
#
#   tests/recovery/soak.sh [BUILD_DIR] [KILLS]
set -euo pipefail
build=${1:-build}
kills=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
kt="$here/kill_test.py"
per=$(((kills + 8) / 9))  # nine programs
trials=$(((per + 4) / 5))
run() {
  echo "== $*" >&2
  python3 "$kt" --trials "$trials" --kills 5 --extra="-s 30ms" "$@"
}
run --gen-words 2000000 -- "$build/examples/wordcount" --input '{input}' --epoch-interval 10ms
for w in "tumbling --length-ms 1000" "sliding --length-ms 2000 --slide-ms 500" \
  "session --gap-ms 300"; do
  # shellcheck disable=SC2086
  run --gen-events 1500000 --output-flag=--output --output-flag=--late -- \
    "$build/examples/windowed_sum" --input '{input}' --max-delay-ms 200 --epoch-ms 100 --window $w
done
for q in q4 q5 q7 q9 q11; do
  compare=lines
  [ "$q" = q4 ] && compare=last-per-key
  run --compare=$compare -- "$build/bench/nexmark" --query "$q" --events 3000000 --epoch-ms 100
done
echo "soak: $((9 * trials * 5)) kill points scheduled (each test prints how many landed)"
