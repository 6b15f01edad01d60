// baseline_keyed_count: the work of bench/keyed_count done by one plain loop on one
// thread: generate record i, make its key (splitmix64(i) % K, as a u64 or "w<key>"),
// add 1 to the key's count in an absl::flat_hash_map (hashed with sluice's KeyHash,
// as the library's keyed state), and feed the updated count (every record, or once per
// touched key at the end of every epoch of E records) into the same checker as
// keyed_count's sink.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include <sluice/engine/key_hash.hpp>

#include "bench_util.hpp"
#include "max_counts.hpp"

namespace {

// A key with its hash computed once (transparent lookup: the map uses the hash given
// instead of hashing the key again), hashed with sluice's KeyHash like the library's
// keyed state.
template <class K>
struct Prehashed {
  const K* key;
  std::size_t hash;
};
template <class K>
struct Hash {
  using is_transparent = void;
  std::size_t operator()(const K& key) const { return sluice::hash_key(key); }
  std::size_t operator()(const Prehashed<K>& p) const { return p.hash; }
};
template <class K>
struct Eq {
  using is_transparent = void;
  bool operator()(const K& a, const K& b) const { return a == b; }
  bool operator()(const Prehashed<K>& a, const K& b) const { return *a.key == b; }
  bool operator()(const K& a, const Prehashed<K>& b) const { return a == *b.key; }
};
template <class K, class V>
using Map = absl::flat_hash_map<K, V, Hash<K>, Eq<K>>;

// How many records ahead the counting pass prefetches a key's hash-map slot.
constexpr std::size_t kAhead = 16;

// The counting pass over one block: hashes every key once, prefetches the slot of key
// k + kAhead while key k is applied, and calls f(slot) for every key in order.
template <class K, class V, class F>
void for_each_slot(Map<K, V>& map, const std::vector<K>& keys, std::size_t n,
                   std::vector<std::size_t>& hashes, F&& f) {
  for (std::size_t k = 0; k < n; ++k) hashes[k] = sluice::hash_key(keys[k]);
  for (std::size_t k = 0; k < n && k < kAhead; ++k) map.prefetch(Prehashed<K>{&keys[k], hashes[k]});
  for (std::size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) map.prefetch(Prehashed<K>{&keys[k + kAhead], hashes[k + kAhead]});
    const K& key = keys[k];
    f(*map.lazy_emplace(Prehashed<K>{&key, hashes[k]}, [&](const auto& construct) {
      construct(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple());
    }));
  }
}

// Sets `key` to record i's key, as in keyed_count.cpp (in place: no temporary string).
struct KeyMaker {
  bench::FastMod mod;
  void operator()(std::uint64_t i, std::uint64_t& key) const { key = mod(bench::splitmix64(i)); }
  void operator()(std::uint64_t i, std::string& key) const {
    char buf[24];
    key.assign(buf, bench::format_key(mod(bench::splitmix64(i)), buf));
  }
};

// The checker (bench/max_counts.hpp), the same as keyed_count's.
using bench::kDenseLimit;
template <class K>
using MaxCounts = bench::MaxCounts<K, Hash<K>, Eq<K>>;

struct Workload {
  std::uint64_t records = 0;
  std::uint64_t keys = 0;
  std::uint64_t epoch_records = 10'000;
};

// Records are handled in blocks of kBlock, one pass per stage (make the keys, count,
// check), as the engine's batches do: the passes' independent hash-map and checker
// accesses overlap their cache misses, which one interleaved loop does much less well.
constexpr std::uint64_t kBlock = 1024;

// --emit record: every record's updated count goes to the checker.
template <class K>
void count_records(const Workload& load, MaxCounts<K>& checker) {
  Map<K, std::uint64_t> counts;
  const KeyMaker make{bench::FastMod(load.keys)};
  std::vector<K> keys(kBlock);
  std::vector<std::size_t> hashes(kBlock);
  std::vector<std::uint64_t> updated(kBlock);
  for (std::uint64_t start = 0; start < load.records; start += kBlock) {
    const std::size_t n = std::min(kBlock, load.records - start);
    for (std::size_t k = 0; k < n; ++k) make(start + k, keys[k]);
    std::size_t k = 0;
    for_each_slot(counts, keys, n, hashes, [&](auto& slot) { updated[k++] = ++slot.second; });
    for (std::size_t k = 0; k < n; ++k) checker.see(keys[k], updated[k]);
  }
}

// --emit epoch: record i is in epoch i / E; at the end of every epoch each key touched
// in it sends its count to the checker once (as keyed_count's EpochCounter).
template <class K>
void count_epochs(const Workload& load, MaxCounts<K>& checker) {
  struct Entry {
    std::uint64_t count = 0;
    bool touched = false;
  };
  using Counts = Map<K, Entry>;
  Counts counts;
  std::vector<typename Counts::value_type*> touched;
  const KeyMaker make{bench::FastMod(load.keys)};
  std::vector<K> keys(kBlock);
  std::vector<std::size_t> hashes(kBlock);
  for (std::uint64_t start = 0; start < load.records; start += load.epoch_records) {
    const std::uint64_t stop = std::min(load.records, start + load.epoch_records);
    const std::size_t capacity = counts.capacity();
    for (std::uint64_t block = start; block < stop; block += kBlock) {
      const std::size_t n = std::min(kBlock, stop - block);
      for (std::size_t k = 0; k < n; ++k) make(block + k, keys[k]);
      for_each_slot(counts, keys, n, hashes, [&](auto& slot) {
        slot.second.count += 1;
        if (!slot.second.touched) {
          slot.second.touched = true;
          touched.push_back(&slot);
        }
      });
    }
    if (counts.capacity() == capacity) {
      for (auto* slot : touched) {
        slot->second.touched = false;
        checker.see(slot->first, slot->second.count);
      }
    } else {  // the map grew: the pointers in `touched` are stale
      for (auto& slot : counts) {
        if (!slot.second.touched) continue;
        slot.second.touched = false;
        checker.see(slot.first, slot.second.count);
      }
    }
    touched.clear();
  }
}

template <class K>
int run(const Workload& load, bool per_epoch, const char* key_type) {
  MaxCounts<K> checker(load.keys, load.keys <= kDenseLimit);
  bench::Stopwatch watch;
  if (per_epoch) {
    count_epochs<K>(load, checker);
  } else {
    count_records<K>(load, checker);
  }
  const double seconds = watch.seconds();

  const auto [sum, keys_seen] = checker.totals();
  if (checker.bad_keys() != 0) {
    std::fprintf(stderr, "error: the checker saw %llu counts for keys outside 0..K-1\n",
                 static_cast<unsigned long long>(checker.bad_keys()));
    return 1;
  }
  if (sum != load.records) {
    std::fprintf(stderr,
                 "error: the final counts of the %llu keys sum to %llu; expected %llu (the "
                 "number of records)\n",
                 static_cast<unsigned long long>(keys_seen), static_cast<unsigned long long>(sum),
                 static_cast<unsigned long long>(load.records));
    return 1;
  }
  if (!per_epoch && checker.emitted() != load.records) {
    std::fprintf(stderr, "error: %llu counts were emitted; expected one per record, %llu\n",
                 static_cast<unsigned long long>(checker.emitted()),
                 static_cast<unsigned long long>(load.records));
    return 1;
  }
  const double rate = seconds > 0 ? static_cast<double>(load.records) / seconds : 0.0;
  bench::JsonLine()
      .add("bench", "baseline_keyed_count")
      .add("workers", 1)
      .add("records", load.records)
      .add("keys", load.keys)
      .add("key_type", key_type)
      .add("emit", per_epoch ? "epoch" : "record")
      .add("epoch_records", load.epoch_records)
      .add("seconds", seconds)
      .add("records_per_second", rate)
      .add("records_per_second_per_worker", rate)
      .add("emitted", checker.emitted())
      .add("distinct_keys", keys_seen)
      .print();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("baseline_keyed_count: the keyed_count workload as one loop on one thread");
  Workload load;
  std::string key_type;
  std::string emit = "record";
  app.add_option("--records", load.records, "records in total, N (0..10^12)")
      ->required()
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000'000'000}));
  app.add_option("--keys", load.keys, "distinct keys K: record i has key splitmix64(i) % K (>= 1)")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, ~std::uint64_t{0}));
  app.add_option("--key-type", key_type, "u64, or string (\"w\" and the key in decimal)")
      ->required()
      ->check(CLI::IsMember({"u64", "string"}));
  app.add_option("--emit", emit,
                 "record: the updated count for every record; epoch: once per key per epoch")
      ->check(CLI::IsMember({"record", "epoch"}))
      ->capture_default_str();
  app.add_option("--epoch-records", load.epoch_records, "records per epoch, E (1..10^12)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000'000}))
      ->capture_default_str();
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  const bool per_epoch = emit == "epoch";
  if (key_type == "u64") return run<std::uint64_t>(load, per_epoch, "u64");
  return run<std::string>(load, per_epoch, "string");
}
