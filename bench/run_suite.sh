#!/usr/bin/env bash
# The benchmark suite: the micro-benchmarks (run_micro.sh), the sparse-event-time
# benchmark (sparse_event_time.sh; its SPARSE_* variables apply), then every Nexmark query
# on its baseline and on sluice at -w 1 and -w 2, then sluice -w 2 on 10x the events
# (the memory series); writes bench/results/results.jsonl, REPORT.md and
# throughput.svg (nexmark_report).
#
#   bash bench/run_suite.sh            # 10^7 events per query, 10^8 for memory (~15 min)
#   bash bench/run_suite.sh --quick    # 10^6 events, small micro-benchmarks (< 2 min)
#
# Builds BUILD (default build/, release) first if its benchmarks are missing; run the
# README's quick start once before, for the packages. EVENTS and MEMORY_EVENTS
# override the sizes; MEMORY_EVENTS=0 skips the memory series. NEXMARK_ROUNDS (5; 1
# with --quick) rounds of baseline, -w 1, -w 2 run back to back per query: the report
# takes the median of the rounds' ratios, as one run's ratio moves by 0.1 to 0.3 on a
# shared machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-$root/build}"
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: bench/run_suite.sh [--quick]" >&2; exit 2 ;;
  esac
done
if [[ ! -x "$build/bench/nexmark" || ! -x "$build/bench/nexmark_report" ]]; then
  bash "$root/scripts/build.sh" "$build" --buildtype=release
fi

if [[ $quick == 1 ]]; then
  events="${EVENTS:-1000000}"
  memory_events="${MEMORY_EVENTS:-0}"
  rounds="${NEXMARK_ROUNDS:-1}"
  export ROUNDS="${ROUNDS:-2000}" RECORDS="${RECORDS:-2000000}"
  export KEYED_RECORDS="${KEYED_RECORDS:-1000000}" KEYED_EPOCH="${KEYED_EPOCH:-0}"
  export WORDCOUNT_MB="${WORDCOUNT_MB:-8}" WINDOWED_RECORDS="${WINDOWED_RECORDS:-1000000}"
  export WINDOWED_MEMORY="${WINDOWED_MEMORY:-0}"
else
  events="${EVENTS:-10000000}"
  memory_events="${MEMORY_EVENTS:-100000000}"
  rounds="${NEXMARK_ROUNDS:-5}"
fi

out="$root/bench/results"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

echo "== micro-benchmarks"
micro="$(BUILD="$build" bash "$root/bench/run_micro.sh")"
echo "$micro"
grep "^{" <<<"$micro" >>"$results"

echo "== sparse event time"
sparse_flags=()
[[ $quick == 1 ]] && sparse_flags=(--quick)
sparse="$(BUILD="$build" bash "$root/bench/sparse_event_time.sh" "${sparse_flags[@]}")"
echo "$sparse"
grep "^{" <<<"$sparse" >>"$results"

echo "== nexmark, $events events per query, $rounds round(s)"
nexmark="$build/bench/nexmark"
for q in q0 q1 q2 q3 q4 q5 q7 q8 q9 q11; do
  for ((round = 0; round < rounds; round++)); do
    "$nexmark" --query "$q" --events "$events" --baseline | tee -a "$results"
    "$nexmark" --query "$q" --events "$events" -w 1 | tee -a "$results"
    "$nexmark" --query "$q" --events "$events" -w 2 | tee -a "$results"
  done
done
if [[ "$memory_events" != 0 ]]; then
  echo "== nexmark memory series: sluice -w 2, $memory_events events per query"
  for q in q0 q1 q2 q3 q4 q5 q7 q8 q9 q11; do
    "$nexmark" --query "$q" --events "$memory_events" -w 2 | tee -a "$results"
  done
fi

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' || true)"
"$build/bench/nexmark_report" "$results" "$out" \
  --title "sluice benchmarks at $commit ($(nproc) cores, $cpu, $(date -u +%Y-%m-%d))"
echo "wrote $out/REPORT.md and $out/throughput.svg"
