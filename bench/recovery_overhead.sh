#!/usr/bin/env bash
# recovery_overhead: what snapshots cost a run (issue 15's targets: snapshots every
# second within 10% of a run without -r, snapshots every 100 ms within 25%), and the
# store's size per key.
#
#   bench/recovery_overhead.sh [--quick]
#
# Workloads, each at -w 2: Nexmark q5 and q11 (build/bench/nexmark, NEXMARK_EVENTS
# events, default 20 M; the generator's 32 partitions in every configuration, as -r
# uses), and wordcount (build/examples/wordcount) on a generated text of WORDS_LINES
# lines (default 3 M, ~40 MB, 200,000 distinct words). Per workload, ROUNDS rounds
# (default 3; 1 with --quick) of: no -r; -r with -s 1s; -r with -s 100ms (and
# --epoch-interval 100ms for wordcount: a snapshot every epoch), and keyed_count with 1 M
# keys (bench/keyed_count --source-parts 32 --epoch-ms 100, KEYED_RECORDS records), back to back, each
# into a fresh store. Every run prints one JSON line with "bench":"recovery_overhead",
# "workload", "config", "round", "seconds" and "ratio_to_plain" (its seconds over the
# plain run's of the same round); -r runs add "store_bytes" and "keys" (live keys at
# the end, from sluice-recovery info) and "bytes_per_key". Builds nothing: uses BUILD
# (default build/); inputs and stores go to TMPDIR (default /tmp). Last, recovery_resume
# (RESUME_KEYS keys, default 1 M) prints its line.
set -euo pipefail
build=${BUILD:-build}
tmp=${TMPDIR:-/tmp}/sluice-recovery-bench
rounds=${ROUNDS:-3}
events=${NEXMARK_EVENTS:-20000000}
lines=${WORDS_LINES:-3000000}
keyed=${KEYED_RECORDS:-20000000}
if [ "${1:-}" = "--quick" ]; then
  rounds=1 events=2000000 lines=300000 keyed=2000000
fi
mkdir -p "$tmp"
text="$tmp/words-$lines.txt"
if [ ! -f "$text" ]; then
  python3 - "$text" "$lines" <<'EOF'
import random, sys
rng = random.Random(15)
vocab = [f"w{i}" for i in range(200000)]
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[2])):
        f.write(" ".join(rng.choice(vocab) for _ in range(rng.randrange(1, 12))) + "\n")
EOF
fi

now() { date +%s.%N; }
# run WORKLOAD CONFIG ROUND PLAIN_SECONDS CMD...: times CMD, prints its JSON line, and
# sets $secs.
run() {
  local workload=$1 config=$2 round=$3 plain=$4
  shift 4
  local store="$tmp/store"
  rm -rf "$store" "$tmp/out" "$tmp/.out.sluice-partial"
  local t0 t1
  t0=$(now)
  "$@" >/dev/null
  t1=$(now)
  secs=$(echo "$t1 - $t0" | bc -l)
  local extra=""
  if [ -d "$store" ]; then
    local bytes keys
    bytes=$(du -sb "$store" | cut -f1)
    keys=$("$build/recovery/tool/sluice-recovery" info "$store" |
      awk '/live keys/ { for (i = 1; i <= NF; i++) if ($i == "live") s += $(i - 1) } END { print s + 0 }')
    extra=$(printf ',"store_bytes":%s,"keys":%s,"bytes_per_key":%s' "$bytes" "$keys" \
      "$(echo "if ($keys > 0) $bytes / $keys else 0" | bc)")
  fi
  local ratio=1
  [ "$plain" != "-" ] && ratio=$(echo "$secs / $plain" | bc -l)
  printf '{"bench":"recovery_overhead","workload":"%s","config":"%s","round":%d,"seconds":%.3f,"ratio_to_plain":%.3f%s}\n' \
    "$workload" "$config" "$round" "$secs" "$ratio" "$extra"
}

for round in $(seq 1 "$rounds"); do
  for q in q5 q11; do
    nx=("$build/bench/nexmark" --query "$q" --events "$events" -w 2 --source-parts 32
      --output "$tmp/out")
    run "nexmark_$q" plain "$round" - "${nx[@]}"
    plain=$secs
    run "nexmark_$q" "snapshot_1s" "$round" "$plain" "${nx[@]}" -r "$tmp/store" -s 1s
    run "nexmark_$q" "snapshot_100ms" "$round" "$plain" "${nx[@]}" -r "$tmp/store" -s 100ms
  done
  wc=("$build/examples/wordcount" --input "$text" --output "$tmp/out" -w 2)
  run wordcount plain "$round" - "${wc[@]}" --epoch-interval 100ms
  plain=$secs
  run wordcount "snapshot_1s" "$round" "$plain" "${wc[@]}" --epoch-interval 100ms -r "$tmp/store" -s 1s
  run wordcount "snapshot_every_epoch" "$round" "$plain" "${wc[@]}" --epoch-interval 100ms \
    -r "$tmp/store" -s 100ms
  # keyed_count: 1 M u64 keys through op::stateful_map, from a partitioned source of 32
  # parts with 100 ms epochs (KEYED_RECORDS records, default 20 M).
  kc=("$build/bench/keyed_count" --records "$keyed" --keys 1000000 --key-type u64 -w 2
    --source-parts 32 --epoch-ms 100)
  run keyed_count_1m plain "$round" - "${kc[@]}"
  plain=$secs
  run keyed_count_1m "snapshot_1s" "$round" "$plain" "${kc[@]}" -r "$tmp/store" --snapshot-ms 1000
  run keyed_count_1m "snapshot_every_epoch" "$round" "$plain" "${kc[@]}" -r "$tmp/store" \
    --snapshot-ms 100
done

# Resuming 1 M keys of keyed state (target: within 2 s), with its LMDB-scan baseline.
rm -rf "$tmp/resume-store"
"$build/bench/recovery_resume" --keys "${RESUME_KEYS:-1000000}" -w 2 --dir "$tmp/resume-store"
rm -rf "$tmp/resume-store"
