// Tests for the garbage collection in SnapshotRun's writer (recovery/snapshot_run.hpp,
// -b/--backup-interval): with 0 the versions a commit supersedes are erased in it (one
// partition) or right after it (more), a longer interval keeps them, and a resumed
// store is swept; and a clean stop during one of the writer's commits still commits
// what was handed over.
#include <sluice/recovery/key_versions.hpp>
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/memory_store.hpp>
#include <sluice/recovery/snapshot_run.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace sluice::recovery;
using namespace sluice::recovery::testing;
using sluice::Epoch;
using std::chrono::milliseconds;

namespace {

constexpr std::uint32_t kPartitions = 2;  // but where a test says otherwise

SnapshotRun::Options options(milliseconds backup) {
  SnapshotRun::Options o;
  o.backup_interval = backup;
  o.fingerprint = {"step flow.input out int", "step flow.state in flow.input:0/exchange"};
  return o;
}

std::uint32_t partition_of_key(std::uint64_t hash, std::uint32_t partitions = kPartitions) {
  return layout::partition_of(1, hash, partitions);
}

// Versions tagged 1..3 of keys 1..4 (hash = key), key 4's last one a tombstone, as
// workers write them (versioned).
std::vector<Batch> rewrites(std::uint32_t partitions = kPartitions) {
  std::vector<Batch> batches(partitions);
  for (std::uint64_t k = 1; k <= 4; ++k) {
    for (Epoch tag = 1; tag <= 3; ++tag) {
      batches[partition_of_key(k, partitions)].put_versioned(
          layout::state_key(1, k, named("key", k), tag),
          k == 4 && tag == 3 ? layout::tombstone() : layout::value(named("v", tag)));
    }
  }
  return batches;
}

// A MemoryStore whose commits take `delay` (set before the writer starts): the writer
// is mid-commit for that long.
class SlowStore final : public Store {
 public:
  explicit SlowStore(std::uint32_t partitions) : inner_(partitions) {}
  std::uint32_t partitions() const override { return inner_.partitions(); }
  std::string where() const override { return "slow memory"; }
  void commit(std::uint32_t p, const Batch& batch, Durability durability) override {
    std::this_thread::sleep_for(delay);
    inner_.commit(p, batch, durability);
  }
  void sync(std::uint32_t p) override { inner_.sync(p); }
  std::optional<std::string> get(std::uint32_t p, std::string_view key) const override {
    return inner_.get(p, key);
  }
  void scan(std::uint32_t p, std::string_view prefix,
            const std::function<void(std::string_view, std::string_view)>& f) const override {
    inner_.scan(p, prefix, f);
  }
  milliseconds delay{0};

 private:
  MemoryStore inner_;
};

// As a killed run leaves a store: versions 1 to 7 of keys 1 to 4, committed 5.
void leave_killed_run(Store& store) {
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    Batch b;
    for (std::uint64_t k = 1; k <= 4; ++k) {
      if (partition_of_key(k) != p) continue;
      for (Epoch tag = 1; tag <= 7; ++tag) {
        b.put(layout::state_key(1, k, named("key", k), tag), layout::value(named("v", tag)));
      }
    }
    b.put(layout::meta_key("durable"), layout::encode_u64(5));
    store.commit(p, b, Durability::Sync);
  }
}

// Runs a finished run (one worker, no sources) that hands over `batches` and stops.
void finish(const std::shared_ptr<Store>& store, milliseconds backup, std::vector<Batch> batches) {
  SnapshotRun run(store, options(backup));
  run.start([](std::exception_ptr e) { std::rethrow_exception(e); });
  run.hand_over(0, layout::kComplete, batches);
  run.stop(true);
  REQUIRE(run.committed() == std::optional<Epoch>(layout::kComplete));
}

}  // namespace

TEST_CASE("with one partition and no backup interval a commit erases what it supersedes") {
  auto store = std::make_shared<MemoryStore>(1);
  finish(store, milliseconds(0), rewrites(1));
  CHECK(state_versions(*store) == 3);  // the latest of keys 1 to 3; key 4 was discarded
  for (std::uint64_t k = 1; k <= 3; ++k) {
    const auto latest = store->get(0, layout::state_key(1, k, named("key", k), 3));
    CHECK(latest == std::optional<std::string>(layout::value("v3")));
  }
}

TEST_CASE("with several partitions a commit's superseded versions are erased after it") {
  auto store = std::make_shared<MemoryStore>(kPartitions);
  finish(store, milliseconds(0), rewrites());
  CHECK(state_versions(*store) == 3);  // the latest of keys 1 to 3; key 4 was discarded
  for (std::uint64_t k = 1; k <= 3; ++k) {
    const auto latest =
        store->get(partition_of_key(k), layout::state_key(1, k, named("key", k), 3));
    CHECK(latest == std::optional<std::string>(layout::value("v3")));
  }
}

TEST_CASE("versions superseded within the backup interval are kept") {
  auto store = std::make_shared<MemoryStore>(kPartitions);
  finish(store, milliseconds(3'600'000), rewrites());
  CHECK(state_versions(*store) == 12);
}

TEST_CASE("a run resumed on a store sweeps the versions it no longer needs") {
  auto store = std::make_shared<MemoryStore>(kPartitions);
  {
    SnapshotRun first(store, options(milliseconds(0)));  // records format and fingerprint
  }
  leave_killed_run(*store);
  SnapshotRun run(store, options(milliseconds(0)));
  CHECK(run.resumed_from() == std::optional<Epoch>(5));
  CHECK(state_versions(*store) == 4 * 5);  // after 5: erased by the opening
  run.start([](std::exception_ptr e) { std::rethrow_exception(e); });
  run.stop(true);  // the writer's first round sweeps
  CHECK(state_versions(*store) == 4);
  for (std::uint64_t k = 1; k <= 4; ++k) {
    scan_key_versions(*store, partition_of_key(k),
                      layout::without_tag(layout::state_key(1, k, named("key", k), 0)),
                      [](const KeyVersions& vs) {
                        REQUIRE(vs.size() == 1);
                        CHECK(vs[0].tag == 5);
                      });
  }
}

TEST_CASE("a clean stop that comes while the writer is writing still commits the last hand-over") {
  auto store = std::make_shared<SlowStore>(kPartitions);
  { SnapshotRun first(store, options(milliseconds(0))); }
  leave_killed_run(*store);
  SnapshotRun run(store, options(milliseconds(0)));
  store->delay = milliseconds(300);
  run.start([](std::exception_ptr e) { std::rethrow_exception(e); });
  // The writer's first round sweeps the resumed store: it is mid-commit for 300 ms.
  std::this_thread::sleep_for(milliseconds(50));
  std::vector<Batch> last(kPartitions);
  last[partition_of_key(1)].put(layout::state_key(1, 1, named("key", 1), 6), layout::value("v6"));
  run.hand_over(0, layout::kComplete, last);
  run.stop(true);
  CHECK(run.committed() == std::optional<Epoch>(layout::kComplete));
  CHECK(store->get(partition_of_key(1), layout::state_key(1, 1, named("key", 1), 6)) ==
        std::optional<std::string>(layout::value("v6")));
}
