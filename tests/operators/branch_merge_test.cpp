// Tests for branch and merge: branch splits by predicate without losing or moving
// records; merge of the two halves gives back the input, at 1, 2 and 3 workers.
#include <sluice/operators/branch_merge.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("branch splits by the predicate and merge of the branches restores the input") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const auto parts = random_partitions(seed, 4, 10'000, 5);
  const auto all = sorted_items<std::uint64_t>(parts);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("bm");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto [evens, odds] = op::branch("split", in, [](std::uint64_t x) { return x % 2 == 0; });
    TestingSink<std::uint64_t> even_sink, odd_sink, merged_sink;
    op::output("evens", evens, even_sink);
    op::output("odds", odds, odd_sink);
    op::output("merged", op::merge("join", std::vector{evens, odds}), merged_sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);

    std::vector<std::pair<Epoch, std::uint64_t>> want_even, want_odd;
    for (const auto& e : all) (e.second % 2 == 0 ? want_even : want_odd).push_back(e);
    CHECK(sorted_items(even_sink) == want_even);
    CHECK(sorted_items(odd_sink) == want_odd);
    CHECK(sorted_items(merged_sink) == all);
  }
}

TEST_CASE("merge refuses an empty list and streams of another dataflow") {
  CHECK_THROWS_AS(op::merge<std::uint64_t>("m", {}), ConfigError);
  Dataflow a("a"), b("b");
  auto sa = op::input(a, "in", TestingSource<std::uint64_t>::of({1}));
  auto sb = op::input(b, "in", TestingSource<std::uint64_t>::of({2}));
  CHECK_THROWS_AS(op::merge("m", std::vector{sa, sb}), ConfigError);
}

TEST_CASE("branch with a two-way variant sends each record to the output of its type") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const auto parts = random_partitions(seed, 3, 6'000, 4);
  const auto all = sorted_items<std::uint64_t>(parts);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("typed");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto [small, text] =
        op::branch("split", in, [](std::uint64_t x) -> std::variant<std::uint32_t, std::string> {
          if (x % 3 == 0) return static_cast<std::uint32_t>(x & 0xFFFF);
          return std::to_string(x);
        });
    TestingSink<std::uint32_t> small_sink;
    TestingSink<std::string> text_sink;
    op::output("small", small, small_sink);
    op::output("text", text, text_sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::vector<std::pair<Epoch, std::uint32_t>> want_small;
    std::vector<std::pair<Epoch, std::string>> want_text;
    for (const auto& [e, x] : all) {
      if (x % 3 == 0) {
        want_small.emplace_back(e, static_cast<std::uint32_t>(x & 0xFFFF));
      } else {
        want_text.emplace_back(e, std::to_string(x));
      }
    }
    std::sort(want_small.begin(), want_small.end());
    std::sort(want_text.begin(), want_text.end());
    CHECK(sorted_items(small_sink) == want_small);
    CHECK(sorted_items(text_sink) == want_text);
  }
}
