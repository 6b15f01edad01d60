// Tests for enrich_cached: values come from the getter, each key is fetched once per
// worker while fresh, and again when the ttl has passed.
#include <sluice/operators/enrich_cached.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {
std::vector<std::pair<std::uint64_t, std::string>> run_enrich(
    std::uint32_t workers, std::chrono::steady_clock::duration ttl,
    const std::shared_ptr<std::atomic<std::uint64_t>>& fetches, std::size_t n) {
  std::vector<TestingSource<std::uint64_t>::Partition> parts(3);
  for (std::uint64_t i = 0; i < n; ++i) parts[i % 3].push_back({i / 100, i % 10});
  Dataflow flow("enrich");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  auto getter = [fetches](const std::uint64_t& id) {
    fetches->fetch_add(1);
    return "name" + std::to_string(id);
  };
  auto enriched = op::enrich_cached(
      "names", in, getter,
      [](auto& cache, std::uint64_t id) { return std::make_pair(id, cache.get(id)); }, ttl);
  TestingSink<std::pair<std::uint64_t, std::string>> sink;
  op::output("out", enriched, sink);
  RunConfig config;
  config.workers = workers;
  run(flow, config);
  auto got = sink.values();
  std::sort(got.begin(), got.end());
  return got;
}
}  // namespace

TEST_CASE("enrich_cached maps every record with cached lookups at 1, 2, 3 workers") {
  const std::size_t n = 3000;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto fetches = std::make_shared<std::atomic<std::uint64_t>>(0);
    auto got = run_enrich(workers, std::chrono::hours(1), fetches, n);
    REQUIRE(got.size() == n);
    for (const auto& [id, name] : got) CHECK(name == "name" + std::to_string(id));
    // Ten ids, fetched at most once per worker that reads a partition.
    CHECK(fetches->load() >= 10);
    CHECK(fetches->load() <= 10 * std::min<std::uint32_t>(workers, 3));
  }
}

TEST_CASE("enrich_cached fetches again once an entry is older than the ttl") {
  auto fetches = std::make_shared<std::atomic<std::uint64_t>>(0);
  auto got = run_enrich(1, std::chrono::steady_clock::duration::zero(), fetches, 500);
  CHECK(got.size() == 500);
  CHECK(fetches->load() == 500);  // a zero ttl: every lookup fetches
}
