// Tests for collect: lists by size, by timeout and at end of input, values in epoch
// order, at 1, 2 and 3 workers.
#include <sluice/operators/collect.hpp>
#include <sluice/operators/stateless.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {
using Parts = std::vector<TestingSource<std::uint64_t>::Partition>;
using Lists = std::pair<std::uint64_t, std::vector<std::uint64_t>>;
constexpr std::uint64_t kKeys = 11;

TestingSink<Lists> run_collect(const Parts& parts, std::uint32_t workers,
                               std::chrono::milliseconds timeout, std::size_t max_size) {
  Dataflow flow("col");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  auto keyed = op::key_on("key", in, [](std::uint64_t x) { return x % kKeys; });
  TestingSink<Lists> sink;
  op::output("out", op::collect("collect", keyed, timeout, max_size), sink);
  RunConfig config;
  config.workers = workers;
  config.batch_size = 50;
  run(flow, config);
  return sink;
}
}  // namespace

TEST_CASE("collect emits full lists by size and the rest at end of input, in epoch order") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 4, 5'000, 5);
  std::map<std::uint64_t, Epoch> epoch_of;
  std::map<std::uint64_t, std::vector<std::uint64_t>> want;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      epoch_of[item.value] = item.epoch;
      want[item.value % kKeys].push_back(item.value);
    }
  }
  for (auto& [k, v] : want) std::sort(v.begin(), v.end());
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const std::size_t max_size = 4;
    auto sink = run_collect(parts, workers, std::chrono::hours(1), max_size);
    std::map<std::uint64_t, std::vector<std::uint64_t>> got;
    std::map<std::uint64_t, std::size_t> short_lists;
    for (const auto& r : sink.records()) {
      const auto& [key, list] = r.value;
      REQUIRE(!list.empty());
      CHECK(list.size() <= max_size);
      if (list.size() < max_size) ++short_lists[key];
      if (list.size() == max_size) CHECK(r.epoch == epoch_of[list.back()]);
      auto& all = got[key];
      for (std::uint64_t v : list) {
        if (!all.empty()) CHECK(epoch_of[all.back()] <= epoch_of[v]);  // epoch order
        all.push_back(v);
      }
    }
    for (auto& [k, v] : got) {
      CHECK(short_lists[k] == (v.size() % max_size == 0 ? 0 : 1));
      std::sort(v.begin(), v.end());
    }
    CHECK(got == want);
  }
}

TEST_CASE("collect with a zero timeout still delivers every value exactly once") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 3, 3'000, 3);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = run_collect(parts, workers, std::chrono::milliseconds(0), 1000);
    std::vector<std::uint64_t> got;
    for (const auto& [key, list] : sink.values()) {
      for (std::uint64_t v : list) {
        CHECK(v % kKeys == key);
        got.push_back(v);
      }
    }
    std::sort(got.begin(), got.end());
    std::vector<std::uint64_t> want;
    for (const auto& part : parts) {
      for (const auto& item : part) want.push_back(item.value);
    }
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}

TEST_CASE("collect refuses a zero max_size before any data moves") {
  Dataflow flow("col");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::of({1, 2}));
  auto keyed = op::key_on("key", in, [](std::uint64_t x) { return x; });
  CHECK_THROWS_WITH_AS(op::collect("collect", keyed, std::chrono::seconds(1), 0),
                       doctest::Contains("max_size"), ConfigError);
}
