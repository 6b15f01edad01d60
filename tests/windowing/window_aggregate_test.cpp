// Tests for fold_window, reduce_window, count_window, max_window, min_window and
// collect_window: random out-of-order input over several partitions, with tumbling,
// sliding (overlapping and with gaps) and session windows, several epoch lengths and
// max_delays, at 1, 2 and 3 workers, against the reference of support.hpp (down at the
// close epoch, late, meta once per window); then the order rules of collect and the
// tie rule of max / min on a single partition.
#include "support.hpp"

#include <sluice/windowing/window_aggregate.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace window_test;

namespace {

using Key = std::uint32_t;
using Window = std::vector<Ev>;  // a reference window's values, sorted by (time, id)

// A projection for min_window: an event's time modulo 97, ties broken by id.
std::pair<std::int64_t, std::uint64_t> min_by(const Ev& e) {
  return {e.t % 97, e.id};
}
// The reducer of the reduce_window run: the latest time and the xor of the ids
// (commutative, so arrival order within an epoch does not matter).
Ev reduce_evs(Ev a, Ev b) {
  return Ev{std::max(a.t, b.t), a.key, a.id ^ b.id};
}

struct Sinks {
  WindowSinks<Key, Ev, std::uint64_t> count, sum;
  WindowSinks<Key, Ev, Ev> max, min, reduce;
  WindowSinks<Key, Ev, std::vector<Ev>> collect;
};

// One dataflow with every aggregate reading the same keyed event-time stream.
Sinks run_aggregates(const Parts& parts, const Case& c, std::uint32_t workers) {
  Dataflow flow("agg");
  const window::EventClock clock = c.clock();
  auto keyed = keyed_events(flow, parts, clock);
  Sinks s;
  c.shape.visit([&](auto windower) {
    s.count = sink_streams("count", window::count_window("count", keyed, clock, windower));
    s.sum = sink_streams("sum", window::fold_window(
                                    "sum", keyed, clock, windower, [] { return std::uint64_t{0}; },
                                    [](std::uint64_t acc, const Ev& e) { return acc + e.id; },
                                    [](std::uint64_t a, std::uint64_t b) { return a + b; }));
    s.max = sink_streams("max", window::max_window("max", keyed, clock, windower));
    s.min = sink_streams("min", window::min_window("min", keyed, clock, windower, min_by));
    s.reduce =
        sink_streams("reduce", window::reduce_window("reduce", keyed, clock, windower, reduce_evs));
    s.collect = sink_streams("collect", window::collect_window("collect", keyed, clock, windower));
  });
  run(flow, workers_config(workers));
  return s;
}

template <class O>
void check_outputs(const WindowSinks<Key, Ev, O>& got,
                   const std::vector<DownRow<Key, O>>& want_down,
                   const std::vector<RefWindow>& windows, const std::vector<Stamped>& stamps,
                   const std::string& name) {
  check_same_rows(got.down_rows(), want_down, name + " down");
  check_same_rows(got.meta_rows(), reference_meta(windows), name + " meta");
  check_same_rows(got.late_rows(), reference_late(stamps), name + " late");
}

}  // namespace

TEST_CASE("windowed aggregates match the definitions for every windower at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed, 4, 250, 7, 12);
  for_each_run(standard_cases(), [&](const Case& c, std::uint32_t workers) {
    const auto stamps = reference_stamps(parts, c.epoch_length, c.max_delay);
    const auto windows = reference_windows(stamps, c.shape, c.epoch_length);
    REQUIRE(std::count_if(stamps.begin(), stamps.end(), [](auto& s) { return s.late; }) > 0);
    REQUIRE(windows.size() > 20);
    const Sinks s = run_aggregates(parts, c, workers);
    check_outputs(s.count,
                  closing_rows<std::uint64_t>(
                      windows, [](const Window& v) { return std::uint64_t{v.size()}; }),
                  windows, stamps, "count_window");
    check_outputs(s.sum,
                  closing_rows<std::uint64_t>(windows,
                                              [](const Window& v) {
                                                std::uint64_t sum = 0;
                                                for (const Ev& e : v) sum += e.id;
                                                return sum;
                                              }),
                  windows, stamps, "fold_window");
    check_outputs(
        s.max,
        closing_rows<Ev>(windows,
                         [](const Window& v) { return *std::max_element(v.begin(), v.end()); }),
        windows, stamps, "max_window");
    check_outputs(s.min,
                  closing_rows<Ev>(windows,
                                   [](const Window& v) {
                                     return *std::min_element(v.begin(), v.end(),
                                                              [](const Ev& a, const Ev& b) {
                                                                return min_by(a) < min_by(b);
                                                              });
                                   }),
                  windows, stamps, "min_window");
    check_outputs(s.reduce,
                  closing_rows<Ev>(windows,
                                   [](const Window& v) {
                                     Ev acc = v.front();
                                     for (std::size_t i = 1; i < v.size(); ++i)
                                       acc = reduce_evs(acc, v[i]);
                                     return acc;
                                   }),
                  windows, stamps, "reduce_window");
    // Collected values must come sorted by time; equal times may come in any order
    // (they arrive from different partitions), so compare them sorted by id too.
    auto collected = s.collect;
    std::size_t unsorted = 0;
    auto rows = collected.down_rows();
    for (auto& row : rows) {
      auto& values = std::get<3>(row);
      unsorted += !std::is_sorted(values.begin(), values.end(),
                                  [](const Ev& a, const Ev& b) { return a.t < b.t; });
      std::sort(values.begin(), values.end(),
                [](const Ev& a, const Ev& b) { return std::tie(a.t, a.id) < std::tie(b.t, b.id); });
    }
    CHECK(unsorted == 0);
    check_same_rows(rows, closing_rows<std::vector<Ev>>(windows, [](const Window& v) { return v; }),
                    "collect_window down");
    check_same_rows(collected.meta_rows(), reference_meta(windows), "collect_window meta");
  });
}

TEST_CASE("collect_window sorts by time and keeps arrival order among equal times") {
  // One partition (arrival order is partition order at any worker count), one epoch.
  const std::vector<Ev> events = {{30, 1, 0}, {10, 1, 1}, {30, 1, 2}, {20, 1, 3},
                                  {10, 1, 4}, {40, 2, 5}, {5, 2, 6}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("collect");
    const window::EventClock clock{Millis(1000), Millis(100)};
    auto keyed = keyed_events(flow, {events}, clock, 2);
    auto s = sink_streams(
        "c", window::collect_window("c", keyed, clock, window::TumblingWindower(Millis(100))));
    run(flow, workers_config(workers));
    const WindowMeta w0{0, at(0), at(100)};
    check_same_rows(s.down_rows(),
                    {{0, 1, w0, {{10, 1, 1}, {10, 1, 4}, {20, 1, 3}, {30, 1, 0}, {30, 1, 2}}},
                     {0, 2, w0, {{5, 2, 6}, {40, 2, 5}}}},
                    "collected");
  }
}

TEST_CASE("max_window and min_window pick by their projection, the first of equals winning") {
  // Values of key 1 in epoch order (epochs of 100 ms): projections (value % 10)
  // 7, 9, 2, 9, 2, 5: the first 9 (events[1]) is the max, the first 2 (events[2]) the min.
  const std::vector<Ev> events = {{10, 1, 17},  {20, 1, 29},  {150, 1, 42},
                                  {160, 1, 59}, {250, 1, 72}, {260, 1, 85}};
  auto by = [](const Ev& e) { return e.id % 10; };
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("extremes");
    const window::EventClock clock{Millis(100), Millis(0)};
    auto keyed = keyed_events(flow, {events}, clock, 1);
    const window::TumblingWindower windower(Millis(1000));
    auto max = sink_streams("max", window::max_window("max", keyed, clock, windower, by));
    auto min = sink_streams("min", window::min_window("min", keyed, clock, windower, by));
    run(flow, workers_config(workers));
    const WindowMeta w0{0, at(0), at(1000)};
    check_same_rows(max.down_rows(), {{9, 1, w0, events[1]}}, "max");
    check_same_rows(min.down_rows(), {{9, 1, w0, events[2]}}, "min");
  }
}

TEST_CASE("windowed aggregates take functions that capture") {
  const std::vector<Ev> events = {{10, 1, 1}, {20, 1, 2}, {30, 2, 3}, {150, 1, 4}};
  const std::uint64_t weight = 10;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("capture");
    const window::EventClock clock{Millis(100), Millis(0)};
    auto keyed = keyed_events(flow, {events}, clock);
    const window::TumblingWindower windower(Millis(100));
    auto folded = sink_streams(
        "fold", window::fold_window(
                    "fold", keyed, clock, windower, [weight] { return weight; },
                    [weight](std::uint64_t acc, const Ev& e) { return acc + weight * e.id; }));
    auto reduced = sink_streams(
        "reduce", window::reduce_window("reduce", keyed, clock, windower, [weight](Ev a, Ev b) {
          return Ev{a.t, a.key, a.id + weight * b.id};
        }));
    run(flow, workers_config(workers));
    const WindowMeta w0{0, at(0), at(100)}, w1{1, at(100), at(200)};
    check_same_rows(folded.down_rows(), {{0, 1, w0, 40}, {0, 2, w0, 40}, {1, 1, w1, 50}}, "fold");
    check_same_rows(
        reduced.down_rows(),
        {{0, 1, w0, Ev{10, 1, 21}}, {0, 2, w0, Ev{30, 2, 3}}, {1, 1, w1, Ev{150, 1, 4}}}, "reduce");
  }
}
