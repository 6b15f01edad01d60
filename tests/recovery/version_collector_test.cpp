// Tests for the garbage collection of superseded state versions
// (recovery/key_versions.hpp, recovery/version_collector.hpp): which versions a read
// at or after the horizon needs, that collecting changes no such read (randomized
// against a store that is never collected, seed printed), that a store rewritten
// epoch after epoch stays the same size, and that the backup interval is honoured.
#include <sluice/recovery/key_versions.hpp>
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/memory_store.hpp>
#include <sluice/recovery/version_collector.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace sluice::recovery;
using namespace sluice::recovery::testing;
using sluice::Epoch;
using Clock = VersionCollector::Clock;
using std::chrono::milliseconds;

namespace {

KeyVersions versions_of(std::vector<std::pair<Epoch, bool>> tags) {
  KeyVersions out;
  for (const auto& [tag, tombstone] : tags) {
    out.push_back(Version{named("v", tag), tag, tombstone, tombstone ? 0u : 1u});
  }
  return out;
}

// The writer's side of one commit: the batches (plus the durable mark) go in, the
// collector learns of them, and what it finds due at `now` is erased.
class Writer {
 public:
  // collecting = false: a store that keeps every version (the reference).
  Writer(Store& store, milliseconds keep, bool collecting = true)
      : store_(store), gc_(keep, store.partitions()), collecting_(collecting) {}

  // As SnapshotRun's writer: the batches supersede at the commit's horizon.
  void commit(Clock::time_point now, Epoch committed, std::vector<Batch> batches) {
    batches.resize(store_.partitions());
    const std::optional<Epoch> horizon =
        collecting_ ? gc_.commit_horizon(now, committed) : std::nullopt;
    for (std::uint32_t p = 0; p < store_.partitions(); ++p) {
      if (horizon) batches[p].set_horizon(Batch::Horizon{*horizon, layout::kLiveByte});
      batches[p].put(layout::meta_key("durable"), layout::encode_u64(committed));
      store_.commit(p, batches[p], Durability::Buffered);
    }
    gc_.committed(now, committed, batches, horizon);
  }
  void collect(Clock::time_point now) {
    if (!gc_.due(now)) return;
    const auto erasures = gc_.collect(store_, now);
    for (std::uint32_t p = 0; p < store_.partitions(); ++p) {
      if (!erasures[p].empty()) store_.commit(p, erasures[p], Durability::Buffered);
    }
  }
  VersionCollector& gc() { return gc_; }

 private:
  Store& store_;
  VersionCollector gc_;
  bool collecting_;
};

struct Key {
  std::uint32_t node;
  std::uint64_t hash;
  std::string bytes;
  std::uint32_t partition(std::uint32_t partitions) const {
    return layout::partition_of(node, hash, partitions);
  }
  std::string identity() const { return std::string(layout::without_tag(at(0))); }
  std::string at(Epoch tag) const { return layout::state_key(node, hash, bytes, tag); }
};

std::vector<Key> some_keys(std::size_t n) {
  std::vector<Key> keys;
  for (std::size_t i = 0; i < n; ++i) {
    keys.push_back(
        Key{static_cast<std::uint32_t>(i % 3), 0x9E3779B97F4A7C15ull * (i + 1), named("key", i)});
  }
  return keys;
}

// What a read of `key` at `epoch` gets: its value, or "" when it has none.
std::string read_at(const Store& store, const Key& key, Epoch epoch) {
  std::string out;
  scan_key_versions(store, key.partition(store.partitions()), key.identity(),
                    [&](const KeyVersions& vs) {
                      if (const Version* v = visible(vs, epoch)) {
                        out = *store.get(key.partition(store.partitions()), v->key);
                      }
                    });
  return out;
}

}  // namespace

TEST_CASE("versions older than a key's latest one at the horizon are superseded") {
  const auto vs = versions_of({{1, false}, {3, false}, {6, false}});
  CHECK(superseded(vs, 0) == 0);
  CHECK(superseded(vs, 2) == 0);
  CHECK(superseded(vs, 3) == 1);
  CHECK(superseded(vs, 5) == 1);
  CHECK(superseded(vs, 6) == 2);
  CHECK(superseded(vs, layout::kComplete) == 2);
}

TEST_CASE("a tombstone at or before the horizon is superseded with every older version") {
  const auto vs = versions_of({{1, false}, {2, true}, {4, false}, {5, true}});
  CHECK(superseded(vs, 1) == 0);
  CHECK(superseded(vs, 2) == 2);
  CHECK(superseded(vs, 4) == 2);
  CHECK(superseded(vs, 5) == 4);
}

TEST_CASE("a read sees the latest version at or before its epoch, and none after a tombstone") {
  const auto vs = versions_of({{2, false}, {4, true}, {7, false}});
  CHECK(visible(vs, 1) == nullptr);
  CHECK(visible(vs, 3)->tag == 2);
  CHECK(visible(vs, 5) == nullptr);
  CHECK(visible(vs, 9)->tag == 7);
}

TEST_CASE("collecting changes no read at or after the horizon, randomized") {
  const std::uint64_t seed = test_seed();
  for (int trial = 0; trial < 40; ++trial) {
    std::mt19937_64 rng(seed + trial);
    CAPTURE(seed);
    CAPTURE(trial);
    const std::uint32_t partitions = 1 + rng() % 3;
    const milliseconds keep(std::vector<int>{0, 20, 50}[rng() % 3]);
    CAPTURE(keep.count());
    MemoryStore collected(partitions);
    MemoryStore reference(partitions);
    auto gc = std::make_unique<Writer>(collected, keep);
    Writer plain(reference, keep, false);
    const auto keys = some_keys(1 + rng() % 12);
    std::vector<Epoch> last(keys.size(), 0);
    Clock::time_point now{};
    Epoch committed = 0;
    Epoch horizon = 0;
    for (int commit = 0; commit < 60; ++commit) {
      const Epoch previous = committed;
      committed += 1 + rng() % 3;
      std::vector<Batch> batches(partitions);
      for (std::size_t k = 0; k < keys.size(); ++k) {
        if (rng() % 2) continue;
        // A key's versions come in tag order; a worker ahead of the others may write
        // tags past the epoch this commit marks.
        const Epoch low = std::max(last[k], previous) + 1;
        const Epoch high = committed + 2;
        if (low > high) continue;
        last[k] = low + rng() % (high - low + 1);
        batches[keys[k].partition(partitions)].put_versioned(
            keys[k].at(last[k]),
            rng() % 5 == 0 ? layout::tombstone() : layout::value(named("v", rng() % 1000)));
      }
      now += milliseconds(rng() % 30);
      gc->commit(now, committed, batches);
      plain.commit(now, committed, batches);
      if (rng() % 4 != 0) gc->collect(now);
      if (const auto h = gc->gc().horizon(now)) horizon = std::max(horizon, *h);
      if (rng() % 15 == 0) {
        // A restart: versions after the committed epoch are dropped (as a run's
        // opening does), and a new collector sweeps the store later.
        for (MemoryStore* store : {&collected, &reference}) {
          for (std::uint32_t p = 0; p < partitions; ++p) {
            Batch drop;
            store->scan(p, layout::kStatePrefix, [&](std::string_view k, std::string_view) {
              if (layout::parse_state_key(k)->tag > committed) drop.erase(std::string(k));
            });
            store->commit(p, drop, Durability::Sync);
          }
        }
        for (auto& l : last) l = std::min(l, committed);
        gc = std::make_unique<Writer>(collected, keep);
        gc->gc().resumed(now, committed);
      }
      for (std::size_t k = 0; k < keys.size(); ++k) {
        for (Epoch e = horizon; e <= committed + 2; ++e) {
          CAPTURE(commit);
          CAPTURE(e);
          REQUIRE(read_at(collected, keys[k], e) == read_at(reference, keys[k], e));
        }
      }
    }
    if (keep.count() == 0) CHECK(state_versions(collected) < state_versions(reference));
  }
}

TEST_CASE("a store rewritten at every epoch keeps the same number of versions") {
  for (const std::uint32_t partitions : {1u, 3u}) {
    for (const milliseconds keep : {milliseconds(0), milliseconds(30)}) {
      CAPTURE(partitions);
      CAPTURE(keep.count());
      MemoryStore store(partitions);
      Writer writer(store, keep);
      const auto keys = some_keys(20);
      Clock::time_point now{};
      std::vector<std::size_t> counts;
      for (Epoch e = 1; e <= 200; ++e) {
        std::vector<Batch> batches(partitions);
        for (const Key& key : keys) {
          batches[key.partition(partitions)].put_versioned(key.at(e),
                                                           layout::value(named("value", e)));
        }
        now += milliseconds(10);
        writer.commit(now, e, batches);
        writer.collect(now);
        if (e > 10) counts.push_back(state_versions(store));
      }
      // Each key keeps its latest version, plus those within the interval (10 ms apart).
      const std::size_t expected = keys.size() * (1 + static_cast<std::size_t>(keep.count()) / 10);
      CHECK(counts.front() == expected);
      CHECK(counts.back() == expected);
      // With one partition and no interval each commit finishes its own superseding.
      if (partitions == 1 && keep.count() == 0) CHECK(writer.gc().remembered_keys() == 0);
      CHECK(writer.gc().remembered_keys() <= keys.size() * (1 + keep.count() / 10 + 1));
    }
  }
}

TEST_CASE("a superseded version is kept until the backup interval has passed") {
  MemoryStore store(1);
  Writer writer(store, milliseconds(1000));
  const Key key = some_keys(1)[0];
  const Key gone = some_keys(2)[1];
  const Clock::time_point t0{};
  std::vector<Batch> first(1);
  first[0].put_versioned(key.at(1), layout::value("old"));
  first[0].put_versioned(gone.at(1), layout::value("old"));
  writer.commit(t0, 1, first);
  std::vector<Batch> second(1);
  second[0].put_versioned(key.at(2), layout::value("new"));
  second[0].put_versioned(gone.at(2), layout::tombstone());
  writer.commit(t0 + milliseconds(500), 2, second);
  writer.collect(t0 + milliseconds(1400));  // horizon 1: the old versions are still needed
  CHECK(state_versions(store) == 4);
  CHECK(writer.gc().horizon(t0 + milliseconds(1400)) == std::optional<Epoch>(1));
  CHECK(writer.gc().next_move(t0 + milliseconds(1400)) == t0 + milliseconds(1500));
  writer.collect(t0 + milliseconds(1500));  // horizon 2: the old version and the discarded key go
  CHECK(state_versions(store) == 1);
  CHECK(read_at(store, key, 2) == layout::value("new"));
  CHECK(read_at(store, gone, 2).empty());
  CHECK(writer.gc().remembered_keys() == 0);
  // A later put keeps what it supersedes for the interval too.
  std::vector<Batch> third(1);
  third[0].put_versioned(key.at(3), layout::value("newer"));
  writer.commit(t0 + milliseconds(2600), 3, third);
  CHECK(state_versions(store) == 2);
  CHECK(read_at(store, key, 2) == layout::value("new"));
  CHECK(read_at(store, key, 3) == layout::value("newer"));
}

TEST_CASE("a resumed store is swept whole once its committed epoch reaches the horizon") {
  MemoryStore store(2);
  const auto keys = some_keys(6);
  for (const Key& key : keys) {
    Batch b;
    for (Epoch e = 1; e <= 4; ++e) b.put(key.at(e), layout::value(named("v", e)));
    store.commit(key.partition(2), b, Durability::Sync);
  }
  VersionCollector gc(milliseconds(100), 2);
  const Clock::time_point t0{};
  gc.resumed(t0, 3);
  CHECK_FALSE(gc.due(t0 + milliseconds(99)));
  REQUIRE(gc.due(t0 + milliseconds(100)));
  const auto erasures = gc.collect(store, t0 + milliseconds(100));
  for (std::uint32_t p = 0; p < 2; ++p) store.commit(p, erasures[p], Durability::Sync);
  CHECK(state_versions(store) == keys.size() * 2);  // tag 3 (the committed one) and tag 4
  for (const Key& key : keys) CHECK(read_at(store, key, 3) == layout::value("v3"));
  CHECK_FALSE(gc.due(t0 + milliseconds(200)));
}
