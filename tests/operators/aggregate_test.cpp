// Tests for reduce_final, fold_final (with and without a merger), count_final,
// max_final and min_final against references computed here, at 1, 2 and 3 workers.
#include <sluice/operators/aggregate.hpp>
#include <sluice/operators/stateless.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
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
constexpr std::uint64_t kKeys = 17;

// Runs `build(keyed input) -> Stream<std::pair<uint64_t, U>>`; returns key -> value and
// checks that each key is emitted once, at an epoch no earlier than its last input.
template <class U, class Build>
std::map<std::uint64_t, U> run_final(const Parts& parts, std::uint32_t workers, Build build) {
  std::map<std::uint64_t, Epoch> last;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      last[item.value % kKeys] = std::max(last[item.value % kKeys], item.epoch);
    }
  }
  Dataflow flow("agg");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  auto keyed = op::key_on("key", in, [](std::uint64_t x) { return x % kKeys; });
  TestingSink<std::pair<std::uint64_t, U>> sink;
  op::output("out", build(in, keyed), sink);
  RunConfig config;
  config.workers = workers;
  config.batch_size = 100;
  run(flow, config);
  std::map<std::uint64_t, U> got;
  for (const auto& r : sink.records()) {
    CHECK_MESSAGE(got.count(r.value.first) == 0, "key emitted twice: " << r.value.first);
    CHECK(r.epoch >= last[r.value.first]);
    got.emplace(r.value.first, r.value.second);
  }
  return got;
}

template <class U, class F>
std::map<std::uint64_t, U> reference(const Parts& parts, U init, F f) {
  std::map<std::uint64_t, U> out;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      auto [it, fresh] = out.try_emplace(item.value % kKeys, init);
      f(it->second, item.value, fresh);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("final aggregates emit one exact value per key at end of input at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 5, 20'000, 6);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    SUBCASE("count_final counts records per key") {
      auto got = run_final<std::uint64_t>(parts, workers, [](auto& in, auto&) {
        return op::count_final("count", in, [](std::uint64_t x) { return x % kKeys; });
      });
      CHECK(got == reference<std::uint64_t>(parts, 0, [](auto& n, auto, bool) { ++n; }));
    }
    SUBCASE("reduce_final sums values per key") {
      auto got = run_final<std::uint64_t>(parts, workers, [](auto&, auto& keyed) {
        return op::reduce_final("sum", keyed,
                                [](std::uint64_t a, std::uint64_t b) { return a + b; });
      });
      CHECK(got == reference<std::uint64_t>(parts, 0, [](auto& s, auto x, bool) { s += x; }));
    }
    SUBCASE("fold_final without a merger folds in epoch order") {
      // A fold that is not commutative: the list of values, checked as a multiset.
      auto got = run_final<std::vector<std::uint64_t>>(parts, workers, [](auto&, auto& keyed) {
        return op::fold_final(
            "list", keyed, [] { return std::vector<std::uint64_t>{}; },
            [](std::vector<std::uint64_t> acc, std::uint64_t v) {
              acc.push_back(v);
              return acc;
            });
      });
      for (auto& [k, list] : got) std::sort(list.begin(), list.end());
      auto want = reference<std::vector<std::uint64_t>>(
          parts, {}, [](auto& list, auto x, bool) { list.push_back(x); });
      for (auto& [k, list] : want) std::sort(list.begin(), list.end());
      CHECK(got == want);
    }
    SUBCASE("fold_final with a merger pre-aggregates and merges partial states") {
      using Acc = std::pair<std::uint64_t, std::uint64_t>;  // (count, sum of squares)
      auto got = run_final<Acc>(parts, workers, [](auto&, auto& keyed) {
        return op::fold_final(
            "sq", keyed,
            [] {
              return Acc{0, 0};
            },
            [](Acc a, std::uint64_t v) {
              return Acc{a.first + 1, a.second + v * v};
            },
            [](Acc a, Acc b) {
              return Acc{a.first + b.first, a.second + b.second};
            });
      });
      CHECK(got == reference<Acc>(parts, {0, 0}, [](Acc& a, std::uint64_t x, bool) {
              ++a.first;
              a.second += x * x;
            }));
    }
    SUBCASE("max_final and min_final keep the extreme value, optionally by a projection") {
      auto max = run_final<std::uint64_t>(
          parts, workers, [](auto&, auto& keyed) { return op::max_final("max", keyed); });
      CHECK(max == reference<std::uint64_t>(parts, 0, [](auto& m, auto x, bool fresh) {
              m = fresh ? x : std::max(m, x);
            }));
      auto min_low = run_final<std::uint64_t>(parts, workers, [](auto&, auto& keyed) {
        return op::min_final("min", keyed, [](std::uint64_t v) { return v & 0xFFFF; });
      });
      auto want = reference<std::uint64_t>(parts, 0, [](auto& m, auto x, bool fresh) {
        if (fresh || (x & 0xFFFF) < (m & 0xFFFF)) m = x;
      });
      REQUIRE(min_low.size() == want.size());
      for (const auto& [k, v] : want) CHECK((min_low[k] & 0xFFFF) == (v & 0xFFFF));
    }
  }
}

TEST_CASE("count_final counts string keys and names its pre-aggregation step") {
  std::vector<std::string> words;
  std::map<std::string, std::uint64_t> want;
  for (int i = 0; i < 50'000; ++i) {
    words.push_back("word" + std::to_string(mix64(i) % 500));
    ++want[words.back()];
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("wc");
    auto in = op::input(flow, "in", TestingSource<std::string>::of(words));
    auto spread = op::redistribute("spread", in);
    auto counts = op::count_final("count", spread, [](const std::string& w) { return w; });
    TestingSink<std::pair<std::string, std::uint64_t>> sink;
    op::output("out", counts, sink);
    std::vector<std::string> paths;
    for (const auto& step : flow.graph().steps) paths.push_back(step.path);
    CHECK(std::find(paths.begin(), paths.end(), "wc.count.pre") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "wc.count") != paths.end());
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::map<std::string, std::uint64_t> got;
    for (auto& [w, n] : sink.values()) got[w] += n;
    CHECK(got == want);
    CHECK(sink.values().size() == want.size());
  }
}
