// Tests for filter_map, flat_map_batch, flatten, inspect_debug, key_on, key_rm,
// map_value, filter_value, flat_map_value and redistribute: each against a plain
// reference over random multi-partition inputs, at 1, 2 and 3 workers.
#include <sluice/operators/stateless.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

using Parts = std::vector<TestingSource<std::uint64_t>::Partition>;
using KV = std::pair<std::uint64_t, std::uint64_t>;

// Runs `build(flow, input) -> Stream<U>` at W workers; returns sorted (epoch, U).
template <class U, class Build>
std::vector<std::pair<Epoch, U>> run_pipeline(const Parts& parts, std::uint32_t workers,
                                              Build build) {
  Dataflow flow("keyed");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  TestingSink<U> sink;
  op::output("out", build(in), sink);
  RunConfig config;
  config.workers = workers;
  run(flow, config);
  return sorted_items(sink);
}

// The reference: apply `per` to every (epoch, value) of the input, in any order.
template <class U, class Per>
std::vector<std::pair<Epoch, U>> reference(const Parts& parts, Per per) {
  std::vector<std::pair<Epoch, U>> out;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      for (auto& u : per(item.value)) out.emplace_back(item.epoch, std::move(u));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("keyed and value-wise stateless operators match a plain reference at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 5, 5'000, 6);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    SUBCASE("key_on then map_value, filter_value, flat_map_value keep keys with values") {
      auto got = run_pipeline<KV>(parts, workers, [](const Stream<std::uint64_t>& s) {
        auto keyed = op::key_on("key", s, [](std::uint64_t x) { return x % 7; });
        auto doubled = op::map_value("double", keyed, [](std::uint64_t v) { return v * 2; });
        auto kept = op::filter_value("keep", doubled, [](std::uint64_t v) { return v % 3 != 0; });
        return op::flat_map_value("spread", kept, [](std::uint64_t v) {
          return std::vector<std::uint64_t>{v, v + 1};
        });
      });
      auto want = reference<KV>(parts, [](std::uint64_t x) {
        std::vector<KV> out;
        if ((x * 2) % 3 != 0) out = {{x % 7, x * 2}, {x % 7, x * 2 + 1}};
        return out;
      });
      CHECK(got == want);
    }
    SUBCASE("key_rm gives back the values") {
      auto got = run_pipeline<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
        return op::key_rm("unkey", op::key_on("key", s, [](std::uint64_t x) { return x % 5; }));
      });
      CHECK(got == sorted_items<std::uint64_t>(parts));
    }
    SUBCASE("filter_map keeps the present values") {
      auto got = run_pipeline<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
        return op::filter_map("fm", s, [](std::uint64_t x) -> std::optional<std::uint64_t> {
          if (x % 4 == 0) return std::nullopt;
          return x / 4;
        });
      });
      auto want = reference<std::uint64_t>(parts, [](std::uint64_t x) {
        return x % 4 == 0 ? std::vector<std::uint64_t>{} : std::vector<std::uint64_t>{x / 4};
      });
      CHECK(got == want);
    }
    SUBCASE("flat_map_batch sees whole batches of one epoch") {
      auto got = run_pipeline<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
        return op::flat_map_batch("fmb", s, [](std::vector<std::uint64_t>&& batch) {
          for (auto& x : batch) x ^= 1;
          return std::move(batch);
        });
      });
      auto want = reference<std::uint64_t>(
          parts, [](std::uint64_t x) { return std::vector<std::uint64_t>{x ^ 1}; });
      CHECK(got == want);
    }
    SUBCASE("flatten emits every element of every range") {
      auto got = run_pipeline<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
        auto lists = op::map("lists", s,
                             [](std::uint64_t x) { return std::vector<std::uint64_t>(x % 3, x); });
        return op::flatten("flat", lists);
      });
      auto want = reference<std::uint64_t>(
          parts, [](std::uint64_t x) { return std::vector<std::uint64_t>(x % 3, x); });
      CHECK(got == want);
    }
    SUBCASE("redistribute delivers every record once and keeps its epoch") {
      auto got = run_pipeline<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
        return op::redistribute("spread", s);
      });
      CHECK(got == sorted_items<std::uint64_t>(parts));
    }
  }
}

TEST_CASE("redistribute spreads a one-partition source over every worker") {
  std::vector<std::uint64_t> values(30'000);
  for (std::uint64_t i = 0; i < values.size(); ++i) values[i] = i;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("spread");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::of(values));
    TestingSink<std::uint64_t> sink;
    op::output("out", op::redistribute("spread", in), sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::vector<std::size_t> per_worker(workers);
    for (const auto& r : sink.records()) ++per_worker[r.worker];
    CHECK(sink.records().size() == values.size());
    for (std::uint32_t w = 0; w < workers; ++w) {
      CAPTURE(w);
      CHECK(per_worker[w] > values.size() / workers / 2);  // every worker gets a fair share
    }
  }
}

TEST_CASE("inspect_debug prints the step, worker, epoch and record, and passes records on") {
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  Dataflow flow("dbg");
  TestingSource<std::uint64_t>::Partition items{{3, 41}, {4, 42}};
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>(items));
  TestingSink<std::uint64_t> sink;
  op::output("out", op::inspect_debug("look", in), sink);
  run(flow);
  std::cout.rdbuf(old);
  CHECK(captured.str() == "dbg.look W0 @3: 41\ndbg.look W0 @4: 42\n");
  CHECK(sorted_items(sink) == std::vector<std::pair<Epoch, std::uint64_t>>{{3, 41}, {4, 42}});
}
