// Tests for the recovery store's storage (recovery/store.hpp): the three stores keep
// the same contract (randomized against a std::map per partition, seed printed), the
// fault-injecting store fails and crashes as planned, and LmdbStore persists across
// reopening and refuses every bad directory with a message naming it.
#include <sluice/recovery/fault_store.hpp>
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/lmdb_store.hpp>
#include <sluice/recovery/memory_store.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace sluice::recovery;
using namespace sluice::recovery::testing;
namespace fs = std::filesystem;

namespace {

using Reference = std::vector<std::map<std::string, std::string>>;

// Everything in partition p, through scan with an empty prefix.
std::map<std::string, std::string> contents(const Store& store, std::uint32_t p) {
  std::map<std::string, std::string> out;
  store.scan(p, "", [&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no StoreError)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Random batches of puts and erases over a small key space, checked after each
// commit against a map per partition: get, and scan with prefixes.
void check_against_reference(Store& store, std::mt19937_64& rng) {
  Reference ref(store.partitions());
  for (int round = 0; round < 200; ++round) {
    const auto p = static_cast<std::uint32_t>(rng() % store.partitions());
    Batch batch;
    const std::size_t ops = 1 + rng() % 20;
    for (std::size_t i = 0; i < ops; ++i) {
      std::string key = named("k", rng() % 50);
      if (rng() % 4 == 0) {
        ref[p].erase(key);
        batch.erase(std::move(key));
      } else {
        std::string value(rng() % 300, static_cast<char>('a' + rng() % 26));
        ref[p][key] = value;
        batch.put(std::move(key), std::move(value));
      }
    }
    store.commit(p, batch, rng() % 2 ? Durability::Sync : Durability::Buffered);
    REQUIRE(contents(store, p) == ref[p]);
    const std::string probe = named("k", rng() % 50);
    const auto it = ref[p].find(probe);
    CHECK(store.get(p, probe) ==
          (it == ref[p].end() ? std::nullopt : std::optional<std::string>(it->second)));
    const std::string prefix = named("k", 1 + rng() % 9);
    std::map<std::string, std::string> want;
    for (const auto& [k, v] : ref[p]) {
      if (k.compare(0, prefix.size(), prefix) == 0) want.emplace(k, v);
    }
    std::map<std::string, std::string> got;
    std::string last;
    bool ordered = true;
    store.scan(p, prefix, [&](std::string_view k, std::string_view v) {
      ordered = ordered && (last.empty() || last < k);
      last = std::string(k);
      got.emplace(k, v);
    });
    CHECK(ordered);
    CHECK(got == want);
  }
}

}  // namespace

namespace {

// Runs check(store, rng) on each kind of store (a subcase each), of `partitions`
// partitions, with the test's seed.
template <class Check>
void on_every_store(std::uint32_t partitions, Check check) {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (set SLUICE_SEED to repeat)");
  std::mt19937_64 rng(seed);
  SUBCASE("memory") {
    MemoryStore store(partitions);
    check(store, rng);
  }
  SUBCASE("fault-injecting, with no fault planned") {
    FaultStore store(partitions);
    check(store, rng);
  }
  SUBCASE("LMDB") {
    TempDir dir;
    LmdbStore store(dir / "r", {.create_partitions = partitions});
    check(store, rng);
  }
}

}  // namespace

TEST_CASE("every store reads back what was committed, as a map per partition does") {
  on_every_store(3, check_against_reference);
}

TEST_CASE("a batch's later op on a key wins, and erasing a missing key is no error") {
  TempDir dir;
  LmdbStore lmdb(dir / "r", {.create_partitions = 1});
  MemoryStore memory(1);
  for (Store* store : {static_cast<Store*>(&lmdb), static_cast<Store*>(&memory)}) {
    CAPTURE(store->where());
    Batch b;
    b.put("a", "1");
    b.put("a", "2");
    b.erase("b");
    b.put("c", "3");
    b.erase("c");
    store->commit(0, b, Durability::Buffered);
    CHECK(store->get(0, "a") == std::optional<std::string>("2"));
    CHECK_FALSE(store->get(0, "c").has_value());
  }
}

namespace {

// A read of versioned key `id` at version r, in a partition's contents: the value of
// the latest version <= r, "" if none or a tombstone ('T').
std::string read_versioned(const std::map<std::string, std::string>& map, const std::string& id,
                           std::uint64_t r) {
  std::string out;
  for (auto it = map.lower_bound(id); it != map.end() && it->first.size() == id.size() + 8 &&
                                      it->first.compare(0, id.size(), id) == 0;
       ++it) {
    if (key_version(it->first) > r) break;
    out = it->second[0] == 'T' ? "" : it->second;
  }
  return out;
}

// Random batches of versioned puts (versions non-decreasing per key, as the workers
// write them) under a rising horizon, and plain puts, committed to `store` and to a
// map that keeps every version: every read at or after the horizon agrees, and each
// key put keeps at most one version at or before it, never a tombstone.
void check_superseding(Store& store, std::mt19937_64& rng) {
  std::map<std::string, std::string> all;
  std::map<std::string, std::uint64_t> last;
  std::uint64_t h = 0;
  for (int round = 0; round < 150; ++round) {
    h += rng() % 3;
    Batch batch;
    batch.set_horizon(Batch::Horizon{h, 'V'});
    const std::size_t ops = 1 + rng() % 12;
    for (std::size_t i = 0; i < ops; ++i) {
      if (rng() % 8 == 0) {
        const std::string key = named("plain", rng() % 5);
        batch.put(key, "p");
        all[key] = "p";
        continue;
      }
      const std::string id = named("id", 10 + rng() % 20);
      std::uint64_t& v = last[id];
      v = std::max(v, h > 2 ? h - 2 : 0) + rng() % 4;
      const std::string key = id + layout::encode_u64(v);
      const std::string value = rng() % 4 == 0 ? "T" : named("V", rng() % 100);
      batch.put_versioned(key, value);
      all[key] = value;
    }
    const auto p = static_cast<std::uint32_t>(0);
    store.commit(p, batch, Durability::Buffered);
    const auto got = contents(store, p);
    std::set<std::string> put;
    for (const Batch::Op op : batch.ops()) {
      if (op.versioned) put.insert(std::string(op.key.substr(0, op.key.size() - 8)));
    }
    for (const auto& [id, v] : last) {
      for (std::uint64_t r = h; r <= v + 1; ++r) {
        CAPTURE(round);
        CAPTURE(id);
        CAPTURE(r);
        REQUIRE(read_versioned(got, id, r) == read_versioned(all, id, r));
      }
      std::size_t old = 0;
      for (auto it = got.lower_bound(id);
           it != got.end() && it->first.compare(0, id.size(), id) == 0; ++it) {
        if (key_version(it->first) > h) break;
        ++old;
        if (put.count(id)) CHECK(it->second[0] != 'T');
      }
      if (put.count(id)) CHECK(old <= 1);  // others: until their next put
    }
    for (std::uint64_t k = 0; k < 5; ++k) {
      const std::string key = named("plain", k);
      CHECK(store.get(p, key) == (all.count(key) ? std::optional<std::string>("p") : std::nullopt));
    }
  }
}

}  // namespace

TEST_CASE("a versioned put erases what no read at or after the horizon needs, in every store") {
  on_every_store(1, check_superseding);
}

TEST_CASE("the key order sorts keys as bytes, ops on one key in batch order") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (set SLUICE_SEED to repeat)");
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 50; ++trial) {
    Batch batch;
    std::vector<std::pair<std::string, std::uint32_t>> want;
    const std::size_t n = rng() % 200;
    for (std::uint32_t i = 0; i < n; ++i) {
      // Short and long keys over few byte values, zero bytes included: prefixes and
      // ties in the first 16 bytes are common.
      std::string key(1 + rng() % 24, '\0');
      for (char& c : key) c = static_cast<char>(rng() % 3);
      batch.put(key, "v");
      want.emplace_back(key, i);
    }
    std::stable_sort(want.begin(), want.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::vector<std::uint32_t> order = batch.key_order();
    REQUIRE(order.size() == want.size());
    for (std::size_t i = 0; i < order.size(); ++i) CHECK(order[i] == want[i].second);
  }
}

TEST_CASE("the fault-injecting store fails the planned commit and sync, changing nothing") {
  FaultStore store(2, {.fail_commit = 3, .fail_sync = 2});
  Batch b;
  b.put("x", "1");
  store.commit(0, b, Durability::Buffered);
  store.commit(1, b, Durability::Buffered);
  Batch c;
  c.put("y", "2");
  const std::string m = message_of([&] { store.commit(0, c, Durability::Sync); });
  CHECK(contains(m, "partition 0: injected failure of commit 3"));
  CHECK_FALSE(store.get(0, "y").has_value());
  store.sync(0);
  CHECK(contains(message_of([&] { store.sync(1); }), "injected failure of sync 2"));
  store.crash();  // partition 1's batch was never synced
  CHECK(store.get(0, "x") == std::optional<std::string>("1"));
  CHECK_FALSE(store.get(1, "x").has_value());
  // Not sticky: the next ones work.
  store.commit(0, c, Durability::Sync);
  CHECK(store.get(0, "y") == std::optional<std::string>("2"));
}

TEST_CASE("a sticky fault fails every commit and sync after the first") {
  FaultStore store(1, {.fail_commit = 2, .sticky = true});
  Batch b;
  b.put("k", "v");
  store.commit(0, b, Durability::Sync);
  for (int i = 0; i < 3; ++i) {
    CHECK(contains(message_of([&] { store.commit(0, b, Durability::Sync); }), "injected failure"));
    CHECK(contains(message_of([&] { store.sync(0); }), "injected failure"));
  }
  CHECK(store.failed());
}

TEST_CASE("a crash keeps the synced batches and a prefix of none of the rest, randomized") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (set SLUICE_SEED to repeat)");
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 50; ++trial) {
    CAPTURE(trial);
    FaultStore store(2);
    Reference durable(2), live(2);
    for (int i = 0; i < 30; ++i) {
      const auto p = static_cast<std::uint32_t>(rng() % 2);
      Batch b;
      const std::string key = named("k", rng() % 8);
      const std::string value = std::to_string(i);
      b.put(key, value);
      live[p][key] = value;
      const auto kind = rng() % 3;
      store.commit(p, b, kind == 0 ? Durability::Sync : Durability::Buffered);
      if (kind == 0) durable[p] = live[p];
      if (kind == 1) {
        store.sync(p);
        durable[p] = live[p];
      }
    }
    for (std::uint32_t p = 0; p < 2; ++p) CHECK(contents(store, p) == live[p]);
    store.crash();
    for (std::uint32_t p = 0; p < 2; ++p) CHECK(contents(store, p) == durable[p]);
  }
}

TEST_CASE("an LMDB store keeps its partitions and contents when reopened") {
  TempDir dir;
  const fs::path path = dir / "r";
  {
    LmdbStore store(path, {.create_partitions = 4});
    for (std::uint32_t p = 0; p < 4; ++p) {
      Batch b;
      b.put("key", named("value ", p));
      store.commit(p, b, p % 2 ? Durability::Sync : Durability::Buffered);
    }
  }
  LmdbStore store(path, {});
  REQUIRE(store.partitions() == 4);
  for (std::uint32_t p = 0; p < 4; ++p) {
    CHECK(store.get(p, "key") == std::optional<std::string>(named("value ", p)));
    CHECK(fs::exists(store.partition_file(p)));
  }
}

TEST_CASE("a commit that fills an LMDB map grows it and keeps the whole batch") {
  TempDir dir;
  LmdbStore store(dir / "r", {.create_partitions = 1, .initial_map_bytes = 1 << 20});
  Batch b;
  for (int i = 0; i < 1000; ++i) b.put(named("key", i), std::string(4000, 'v'));
  store.commit(0, b, Durability::Sync);
  CHECK(store.map_bytes(0) > (1u << 20));
  std::size_t n = 0;
  store.scan(0, "key", [&](std::string_view, std::string_view v) { n += v.size() == 4000; });
  CHECK(n == 1000);
}

TEST_CASE("an LMDB partition full at its largest map is refused, naming it, and keeps its data") {
  TempDir dir;
  LmdbStore store(dir / "r",
                  {.create_partitions = 1, .initial_map_bytes = 1 << 20, .max_map_bytes = 2 << 20});
  Batch small;
  small.put("kept", "yes");
  store.commit(0, small, Durability::Sync);
  Batch big;
  for (int i = 0; i < 1000; ++i) big.put(named("key", i), std::string(4000, 'v'));
  const std::string m = message_of([&] { store.commit(0, big, Durability::Sync); });
  CHECK(contains(m, "part-0000.mdb' is full at 2 MiB"));
  CHECK(contains(m, (dir / "r").string()));
  CHECK(store.get(0, "kept") == std::optional<std::string>("yes"));
  CHECK_FALSE(store.get(0, "key1").has_value());
}

TEST_CASE("bad recovery directories are refused with a message naming them") {
  TempDir dir;
  const fs::path path = dir / "r";
  SUBCASE("a missing directory without a partition count") {
    CHECK(contains(message_of([&] { LmdbStore s(path, {}); }), "holds no recovery store"));
    CHECK_FALSE(fs::exists(path));
  }
  SUBCASE("a zero or huge partition count") {
    CHECK(contains(message_of([&] { LmdbStore s(path, {.create_partitions = 0}); }),
                   "1 to 4096 partitions, not 0"));
    CHECK(
        contains(message_of([&] { LmdbStore s(path, {.create_partitions = 5000}); }), "not 5000"));
  }
  SUBCASE("a file, not a directory") {
    std::ofstream(path) << "x";
    CHECK(contains(message_of([&] { LmdbStore s(path, {.create_partitions = 1}); }),
                   "is not a directory"));
  }
  SUBCASE("a directory with other files in it is never written to") {
    fs::create_directories(path);
    std::ofstream(path / "notes.txt") << "mine";
    CHECK(contains(message_of([&] { LmdbStore s(path, {.create_partitions = 1}); }),
                   "not a sluice recovery directory"));
    CHECK(std::distance(fs::directory_iterator(path), fs::directory_iterator()) == 1);
  }
  SUBCASE("another partition count than the store was made with") {
    { LmdbStore s(path, {.create_partitions = 2}); }
    CHECK(contains(message_of([&] { LmdbStore s(path, {.create_partitions = 3}); }),
                   "it has 2 partitions, not the 3 asked for"));
  }
  SUBCASE("two opens at once") {
    LmdbStore first(path, {.create_partitions = 1});
    CHECK(contains(message_of([&] { LmdbStore s(path, {}); }), "another process has it open"));
  }
  SUBCASE("a missing partition file") {
    { LmdbStore s(path, {.create_partitions = 3}); }
    fs::remove(path / "part-0001.mdb");
    const std::string m = message_of([&] { LmdbStore s(path, {}); });
    CHECK(contains(m, "part-0001.mdb' of 3 is missing"));
    CHECK(contains(m, path.string()));
  }
  SUBCASE("a damaged STORE file or another format") {
    { LmdbStore s(path, {.create_partitions = 1}); }
    std::ofstream(path / "STORE", std::ios::trunc) << "garbage\n";
    CHECK(contains(message_of([&] { LmdbStore s(path, {}); }), "STORE file is damaged"));
    std::ofstream(path / "STORE", std::ios::trunc) << "sluice-recovery-store 9\npartitions 1\n";
    CHECK(contains(message_of([&] { LmdbStore s(path, {}); }), "store format 9"));
  }
  SUBCASE("a partition file that is not LMDB, or truncated") {
    {
      LmdbStore s(path, {.create_partitions = 2});
      Batch b;
      for (int i = 0; i < 2000; ++i) b.put(named("key", i), std::string(100, 'v'));
      s.commit(1, b, Durability::Sync);
    }
    std::ofstream(path / "part-0000.mdb", std::ios::trunc) << std::string(9000, 'z');
    CHECK(contains(message_of([&] { LmdbStore s(path, {}); }), "damaged or not an LMDB file"));
    fs::remove(path / "part-0000.mdb");
    { LmdbStore fresh(dir / "other", {.create_partitions = 1}); }
    fs::copy_file(dir / "other" / "part-0000.mdb", path / "part-0000.mdb");
    fs::resize_file(path / "part-0001.mdb", 16384);
    const std::string m = message_of([&] { LmdbStore s(path, {}); });
    CHECK(contains(m, "part-0001.mdb' is truncated"));
  }
}

TEST_CASE("a key longer than LMDB allows is refused, and the batch applies nothing") {
  TempDir dir;
  LmdbStore store(dir / "r", {.create_partitions = 1});
  Batch b;
  b.put("fine", "1");
  b.put(std::string(600, 'k'), "2");
  CHECK(contains(message_of([&] { store.commit(0, b, Durability::Sync); }),
                 "a key of 600 bytes (keys are 1 to 511 bytes)"));
  CHECK_FALSE(store.get(0, "fine").has_value());
}

TEST_CASE("a partition past the store's count is refused by every store, naming both") {
  TempDir dir;
  LmdbStore lmdb(dir / "r", {.create_partitions = 2});
  MemoryStore memory(2);
  FaultStore fault(2);
  for (Store* store :
       {static_cast<Store*>(&lmdb), static_cast<Store*>(&memory), static_cast<Store*>(&fault)}) {
    CAPTURE(store->where());
    CHECK(contains(message_of([&] { store->get(2, "k"); }), "no partition 2 (it has 2)"));
    CHECK(contains(message_of([&] { store->commit(5, Batch{}, Durability::Sync); }),
                   "no partition 5 (it has 2)"));
  }
}

TEST_CASE("a store whose creation was killed before its STORE file is created again") {
  TempDir dir;
  const fs::path path = dir / "r";
  {
    LmdbStore s(path, {.create_partitions = 2});
    Batch b;
    b.put("k", "v");
    s.commit(0, b, Durability::Sync);
  }
  // What a kill between the partition files and STORE leaves: no STORE.
  fs::remove(path / "STORE");
  fs::remove(path / "part-0001.mdb");
  LmdbStore again(path, {.create_partitions = 2});
  CHECK(again.partitions() == 2);
  CHECK_FALSE(again.get(0, "k"));  // a new store: the leftovers are gone
  CHECK(fs::exists(path / "STORE"));
}
