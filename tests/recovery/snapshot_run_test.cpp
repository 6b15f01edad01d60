// Tests of a run's recovery store (recovery/snapshot_run.hpp) as a user meets it
// through sluice::run: a store of another dataflow or format, or a damaged one, is
// refused before any data moves, naming the store and what to do; a write that fails
// mid-run stops the run without marking its epoch committed; a finished run is not
// run again; a resumed run continues at any worker count; a slow disk delays snapshots
// instead of queueing them (bounded memory).
#include <sluice/recovery/fault_store.hpp>
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/memory_store.hpp>
#include <sluice/recovery/snapshot_run.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <sluice/sluice.hpp>

#include "../io/io_support.hpp"

namespace {

using namespace sluice;
using io_test::TempDir;
namespace fs = std::filesystem;

using Item = std::pair<std::string, std::int64_t>;

TestingSource<Item> items(int n, int keys) {
  TestingSource<Item>::Partition part;
  for (int i = 0; i < n; ++i) {
    part.push_back({static_cast<Epoch>(i / 50), Item{"k" + std::to_string(i % keys), i}});
  }
  return TestingSource<Item>(std::move(part));
}

// Running sums per key into `out`; `step` names the stateful step (another name is
// another dataflow).
Dataflow sums_flow(const fs::path& out, const std::string& step = "sum", int n = 4000) {
  Dataflow flow("sums");
  auto in = op::input(flow, "in", items(n, 7));
  auto sums = op::stateful_map(step, in, [](std::int64_t& total, std::int64_t v) {
    total += v;
    return total;
  });
  auto lines = op::map("lines", sums,
                       [](const Item& kv) { return kv.first + " " + std::to_string(kv.second); });
  op::output("out", lines, io::FileSink<std::string>(out));
  return flow;
}

RunConfig with_store(std::shared_ptr<recovery::Store> store, std::uint32_t workers = 1) {
  RunConfig config = io_test::config_with(workers, 16);
  config.recovery_dir = "test-store";
  config.recovery_store = std::move(store);
  config.snapshot_interval = std::chrono::milliseconds(1);
  return config;
}

// Puts key = value into partition 0 of `store`, synced: a store changed behind a run.
void put_synced(recovery::Store& store, const std::string& key, const std::string& value) {
  recovery::Batch b;
  b.put(key, value);
  store.commit(0, b, recovery::Durability::Sync);
}

std::string error_of(const Dataflow& flow, const RunConfig& config) {
  try {
    run(flow, config);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::optional<Epoch> committed_in(std::shared_ptr<recovery::Store> store) {
  std::optional<Epoch> least;
  for (std::uint32_t p = 0; p < store->partitions(); ++p) {
    const auto mark = store->get(p, recovery::layout::meta_key("durable"));
    if (!mark) return std::nullopt;
    const Epoch e = *recovery::layout::decode_u64(*mark);
    least = least ? std::min(*least, e) : e;
  }
  return least;
}

}  // namespace

TEST_CASE(
    "a store written by another dataflow is refused before any data moves, naming the "
    "first step that differs") {
  TempDir dir;
  auto store = std::make_shared<recovery::MemoryStore>(2);
  run(sums_flow(dir / "a"), with_store(store));
  const std::string m = error_of(sums_flow(dir / "b", "total"), with_store(store));
  CHECK(contains(m, "recovery store memory"));  // the store's place
  CHECK(contains(m, "was written by a different dataflow"));
  CHECK(contains(m, "step sums.sum"));
  CHECK(contains(m, "step sums.total"));
  CHECK(contains(m, "use a new directory"));
  CHECK_FALSE(fs::exists(dir / "b"));
  CHECK_FALSE(fs::exists(io::detail::partial_name((dir / "b").string())));
}

TEST_CASE("a store of another format version, or with a damaged mark, is refused") {
  TempDir dir;
  auto store = std::make_shared<recovery::MemoryStore>(1);
  run(sums_flow(dir / "a"), with_store(store));
  SUBCASE("another format version") {
    put_synced(*store, recovery::layout::meta_key("format"), "99");
    const std::string m = error_of(sums_flow(dir / "b"), with_store(store));
    CHECK(contains(m, "has format version 99; this build reads version"));
    CHECK(contains(m, "use a new directory"));
  }
  SUBCASE("a malformed durable mark") {
    put_synced(*store, recovery::layout::meta_key("durable"), "x");
    const std::string m = error_of(sums_flow(dir / "b"), with_store(store));
    CHECK(contains(m, "malformed durable mark"));
  }
  SUBCASE("data without a format record (not written by sluice)") {
    auto other = std::make_shared<recovery::MemoryStore>(1);
    put_synced(*other, "some key", "some value");
    const std::string m = error_of(sums_flow(dir / "b"), with_store(other));
    CHECK(contains(m, "holds data but no format record"));
  }
  CHECK_FALSE(fs::exists(dir / "b"));
}

TEST_CASE(
    "a run whose store fails mid-run stops with the store's error and commits nothing "
    "after its last commit") {
  TempDir dir;
  auto store = std::make_shared<recovery::FaultStore>(2);
  // Commits 1-2 open the store; a few snapshots later every write fails.
  store->set_plan(recovery::FaultPlan{6, 0, true});
  const std::string m = error_of(sums_flow(dir / "out", "sum", 200'000), with_store(store));
  REQUIRE(store->failed());
  CHECK(contains(m, "fault-injecting memory store"));
  const auto before = committed_in(store);
  CHECK(before != std::optional<Epoch>(recovery::layout::kComplete));
  CHECK_FALSE(fs::exists(dir / "out"));
  // A run after it (the disk works again) resumes and finishes.
  store->crash();
  store->set_plan({});
  TempDir ref;
  run(sums_flow(ref / "out", "sum", 200'000), io_test::config_with(1));
  run(sums_flow(dir / "out", "sum", 200'000), with_store(store, 2));
  CHECK(committed_in(store) == std::optional<Epoch>(recovery::layout::kComplete));
  auto a = io_test::getline_lines(dir / "out"), b = io_test::getline_lines(ref / "out");
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
}

TEST_CASE("a finished run on a store is not run again and changes no output") {
  TempDir dir;
  auto store = std::make_shared<recovery::MemoryStore>(1);
  run(sums_flow(dir / "out"), with_store(store));
  const std::string first = io_test::read_file(dir / "out");
  fs::remove(dir / "out");
  run(sums_flow(dir / "out"), with_store(store, 3));
  CHECK_FALSE(fs::exists(dir / "out"));  // nothing ran, nothing was written
  CHECK_FALSE(first.empty());
}

namespace {

// A store on a slow disk: every sync takes `delay` (a stand-in for a disk's latency,
// not a wait for another thread), and it records the largest batch it was given.
class SlowStore : public recovery::Store {
 public:
  SlowStore(std::uint32_t partitions, std::chrono::milliseconds delay)
      : inner_(partitions), delay_(delay) {}
  std::uint32_t partitions() const override { return inner_.partitions(); }
  std::string where() const override { return "slow memory store"; }
  void commit(std::uint32_t p, const recovery::Batch& batch,
              recovery::Durability durability) override {
    largest_ = std::max(largest_.load(), batch.bytes());
    inner_.commit(p, batch, durability);
    if (durability == recovery::Durability::Sync) std::this_thread::sleep_for(delay_);
  }
  void sync(std::uint32_t p) override {
    inner_.sync(p);
    std::this_thread::sleep_for(delay_);
  }
  std::optional<std::string> get(std::uint32_t p, std::string_view key) const override {
    return inner_.get(p, key);
  }
  void scan(std::uint32_t p, std::string_view prefix,
            const std::function<void(std::string_view, std::string_view)>& f) const override {
    inner_.scan(p, prefix, f);
  }
  std::size_t largest() const { return largest_.load(); }

 private:
  recovery::MemoryStore inner_;
  std::chrono::milliseconds delay_;
  std::atomic<std::size_t> largest_{0};
};

}  // namespace

TEST_CASE("a slow disk delays snapshots instead of queueing them, and the run stays exact") {
  // 400 epochs of 1,000 records over 2,000 keys, a snapshot asked every 1 ms: each
  // changes up to 2,000 keys (~125 KB of writes); the disk takes 20 ms a sync, so
  // dozens of snapshots would queue behind each commit. None does: no commit holds
  // more than the 100 KB limit plus a few snapshots' changes.
  for (std::uint32_t workers : {1u, 2u, 3u}) {
    CAPTURE(workers);
    TempDir dir;
    auto store = std::make_shared<SlowStore>(1, std::chrono::milliseconds(20));
    RunConfig config = with_store(store, workers);
    config.recovery_pending_limit = 100'000;
    const auto flow = [&](const fs::path& out) {
      TestingSource<Item>::Partition part;
      for (int i = 0; i < 400'000; ++i) {
        part.push_back(
            {static_cast<Epoch>(i / 1000),
             Item{std::string("k").append(std::to_string(std::int64_t{i} * 7919 % 2000)), 1}});
      }
      Dataflow f("counts");
      auto in = op::input(f, "in", TestingSource<Item>(std::move(part)));
      auto sums = op::stateful_map("count", in, [](std::int64_t& total, std::int64_t v) {
        total += v;
        return total;
      });
      auto lines = op::map(
          "lines", sums, [](const Item& kv) { return kv.first + " " + std::to_string(kv.second); });
      op::output("out", lines, io::FileSink<std::string>(out));
      return f;
    };
    run(flow(dir / "out"), config);
    TempDir ref;
    run(flow(ref / "out"), io_test::config_with(workers));
    CHECK(io_test::sorted(io_test::getline_lines(dir / "out")) ==
          io_test::sorted(io_test::getline_lines(ref / "out")));
    // The budget, plus what the workers wrote for the snapshot epochs announced before
    // the sources stopped: one snapshot's keys each, at most ~130 KB.
    CHECK(store->largest() <= 100'000 + 4 * 130'000);
    MESSAGE("largest commit " << store->largest() << " bytes");
  }
}
