// Tests for join: every insert mode x emit mode against a reference that replays the
// values in epoch order (each value has its own epoch, so the order is fixed), plus
// a randomized complete-join and a three-sided join, at 1, 2 and 3 workers.
#include <sluice/operators/join.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

using L = std::pair<std::uint64_t, std::uint64_t>;  // key, left value
using R = std::pair<std::uint64_t, std::string>;    // key, right value
using Row = std::tuple<std::optional<std::uint64_t>, std::optional<std::string>>;
using Out = std::pair<std::uint64_t, Row>;

struct Event {
  Epoch epoch;
  bool left;
  std::uint64_t key;
  std::uint64_t value;
};

// Events with distinct epochs, so the join sees them in one fixed order.
std::vector<Event> random_events(std::uint64_t seed, std::size_t n, std::uint64_t keys) {
  std::mt19937_64 rng(seed);
  std::vector<Event> events;
  for (std::size_t i = 0; i < n; ++i) {
    events.push_back({i, rng() % 2 == 0, rng() % keys, rng() % 1000});
  }
  return events;
}

std::string right_text(std::uint64_t v) {
  // std::string("r") +, not "r" +: GCC 12 warns -Wrestrict (a false positive, PR 105329)
  // inside libstdc++ for a literal + a temporary string.
  return std::string("r") + std::to_string(v);
}

// The reference join: replays events in epoch order.
std::vector<std::pair<Epoch, Out>> reference(const std::vector<Event>& events, JoinMode mode,
                                             Epoch end_epoch) {
  struct Sides {
    std::vector<std::uint64_t> left;
    std::vector<std::string> right;
  };
  std::map<std::uint64_t, Sides> state;
  std::vector<std::pair<Epoch, Out>> out;
  auto emit = [&](Epoch e, std::uint64_t key, const Sides& s) {
    std::vector<std::optional<std::uint64_t>> ls(s.left.begin(), s.left.end());
    std::vector<std::optional<std::string>> rs(s.right.begin(), s.right.end());
    if (ls.empty()) ls.push_back(std::nullopt);
    if (rs.empty()) rs.push_back(std::nullopt);
    for (auto& l : ls) {
      for (auto& r : rs) out.push_back({e, {key, Row{l, r}}});
    }
  };
  for (const auto& ev : events) {
    Sides& s = state[ev.key];
    auto insert = [&](auto& kept, auto v) {
      if (mode.insert == JoinInsert::first && !kept.empty()) return;
      if (mode.insert == JoinInsert::last) kept.clear();
      kept.push_back(v);
    };
    if (ev.left) {
      insert(s.left, ev.value);
    } else {
      insert(s.right, right_text(ev.value));
    }
    if (mode.emit == JoinEmit::running) emit(ev.epoch, ev.key, s);
    if (mode.emit == JoinEmit::complete && !s.left.empty() && !s.right.empty()) {
      emit(ev.epoch, ev.key, s);
      state.erase(ev.key);
    }
  }
  if (mode.emit == JoinEmit::final) {
    for (const auto& [key, s] : state) emit(end_epoch, key, s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<Epoch, Out>> run_join(const std::vector<Event>& events, JoinMode mode,
                                            std::uint32_t workers) {
  TestingSource<L>::Partition left;
  TestingSource<R>::Partition right;
  for (const auto& ev : events) {
    if (ev.left) {
      left.push_back({ev.epoch, {ev.key, ev.value}});
    } else {
      right.push_back({ev.epoch, {ev.key, right_text(ev.value)}});
    }
  }
  Dataflow flow("join");
  auto l = op::input(flow, "left", TestingSource<L>(left));
  auto r = op::input(flow, "right", TestingSource<R>(right));
  TestingSink<Out> sink;
  op::output("out", op::join("join", mode, l, r), sink);
  RunConfig config;
  config.workers = workers;
  run(flow, config);
  return sorted_items(sink);
}

}  // namespace

TEST_CASE("join matches an in-order replay for every insert and emit mode at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const auto events = random_events(seed, 400, 9);
  for (auto insert : {JoinInsert::first, JoinInsert::last, JoinInsert::product}) {
    for (auto emit : {JoinEmit::complete, JoinEmit::final, JoinEmit::running}) {
      const JoinMode mode{insert, emit};
      CAPTURE(static_cast<int>(insert));
      CAPTURE(static_cast<int>(emit));
      for (std::uint32_t workers = 1; workers <= 3; ++workers) {
        CAPTURE(workers);
        auto got = run_join(events, mode, workers);
        if (emit == JoinEmit::final) {
          // Emitted at end of input, at the operator's last epoch on that worker:
          // compare rows, and check that the epochs are late enough.
          Epoch last = 0;
          for (const auto& ev : events) last = std::max(last, ev.epoch);
          std::vector<Out> rows, want_rows;
          for (auto& [e, o] : got) rows.push_back(o);
          for (auto& [e, o] : reference(events, mode, 0)) want_rows.push_back(o);
          std::sort(rows.begin(), rows.end());
          std::sort(want_rows.begin(), want_rows.end());
          CHECK(rows == want_rows);
          if (workers == 1) {
            for (auto& [e, o] : got) CHECK(e == last);
          }
        } else {
          CHECK(got == reference(events, mode, 0));
        }
      }
    }
  }
}

TEST_CASE("a complete join pairs every key's two values whatever the arrival order") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  const std::size_t keys = 3000;
  std::vector<TestingSource<L>::Partition> left(3);
  std::vector<TestingSource<R>::Partition> right(2);
  for (std::uint64_t k = 0; k < keys; ++k) {
    left[rng() % 3].push_back({0, {k, k * 7}});
    right[rng() % 2].push_back({0, {k, right_text(k)}});
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("join");
    auto l = op::input(flow, "left", TestingSource<L>::partitioned(left));
    auto r = op::input(flow, "right", TestingSource<R>::partitioned(right));
    TestingSink<Out> sink;
    op::output("out", op::join("join", l, r), sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    auto got = sink.values();
    std::sort(got.begin(), got.end());
    REQUIRE(got.size() == keys);
    for (std::uint64_t k = 0; k < keys; ++k) {
      CHECK(got[k] == Out{k, Row{k * 7, right_text(k)}});
    }
  }
}

TEST_CASE("a three-sided running join carries a value from each side") {
  Dataflow flow("three");
  using A = std::pair<std::string, int>;
  using B = std::pair<std::string, double>;
  using C = std::pair<std::string, std::string>;
  auto a = op::input(flow, "a", TestingSource<A>({{0, {"k", 1}}, {3, {"k", 2}}}));
  auto b = op::input(flow, "b", TestingSource<B>({{1, {"k", 0.5}}}));
  auto c = op::input(flow, "c", TestingSource<C>({{2, {"k", "x"}}}));
  using Row3 = std::tuple<std::optional<int>, std::optional<double>, std::optional<std::string>>;
  TestingSink<std::pair<std::string, Row3>> sink;
  op::output("out", op::join("join", JoinMode{JoinInsert::last, JoinEmit::running}, a, b, c), sink);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    sink.clear();
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    auto got = sorted_items(sink);
    using P = std::pair<Epoch, std::pair<std::string, Row3>>;
    std::vector<P> want = {
        {0, {"k", Row3{1, std::nullopt, std::nullopt}}},
        {1, {"k", Row3{1, 0.5, std::nullopt}}},
        {2, {"k", Row3{1, 0.5, "x"}}},
        {3, {"k", Row3{2, 0.5, "x"}}},
    };
    CHECK(got == want);
  }
}
