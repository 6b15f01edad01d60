// run(): one Dataflow can be run again with the same result, at any worker count.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("the same dataflow run twice, and at 1, 2 and 3 workers, gives the same result") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const auto parts = random_partitions(seed, 4, 30'000, 8);
  Dataflow flow("again");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  auto tripled = op::map("triple", in, [](std::uint64_t x) { return x * 3; });
  auto routed = pass("route", tripled, exchange([](const std::uint64_t& x) { return x; }));
  TestingSink<std::uint64_t> sink;
  op::output("out", routed, sink);

  std::vector<std::pair<Epoch, std::uint64_t>> expected;
  for (auto [e, x] : sorted_items<std::uint64_t>(parts)) expected.emplace_back(e, x * 3);
  std::sort(expected.begin(), expected.end());

  for (std::uint32_t workers : {2u, 2u, 1u, 3u, 3u}) {
    CAPTURE(workers);
    sink.clear();
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
  }
}

TEST_CASE("a run with more workers than partitions finishes on the idle workers too") {
  Dataflow flow("sparse");
  TestingSink<int> sink;
  op::output("out", op::input(flow, "in", TestingSource<int>::of({1, 2, 3})), sink);
  RunConfig config;
  config.workers = 3;
  run(flow, config);
  std::vector<int> got = sink.values();
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<int>{1, 2, 3});
  for (const auto& r : sink.records()) CHECK(r.worker == 0);
}

TEST_CASE("run refuses a worker count above the machine's limit before any data moves") {
  Dataflow flow("many");
  TestingSink<int> sink;
  op::output("out", op::input(flow, "in", TestingSource<int>::of({1})), sink);
  RunConfig config;
  config.workers = RunConfig::max_workers() + 1;
  CHECK_THROWS_WITH_AS(
      run(flow, config),
      ("workers per process must be between 1 and " + std::to_string(RunConfig::max_workers()) +
       " on this machine (32 per hardware thread, at most 1024; got " +
       std::to_string(config.workers) + ")")
          .c_str(),
      ConfigError);
  CHECK(sink.records().empty());
}
