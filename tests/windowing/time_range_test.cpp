// The supported range of event times (windowing/windower.hpp): windows at its edges are
// exact through event_time_input and the window operators at 1, 2 and 3 workers, a
// record outside it stops the run naming the record, and a sliding windower that puts
// a record in more windows than its limit is refused naming the step.
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

#include <sluice/windowing/window.hpp>
#include <sluice/windowing/window_aggregate.hpp>

using namespace sluice;
using namespace window_test;

namespace {

constexpr std::int64_t kMax = window::kMaxTimeMs;
__extension__ typedef __int128 Wide;  // the reference's arithmetic cannot overflow

// Times at both edges of the range, around 0, and in between, in increasing order.
std::vector<Ev> edge_events() {
  const std::int64_t times[] = {-kMax, -kMax + 1, -kMax + 999, -kMax / 2,   -1001,    -1,  0, 1,
                                999,   1000,      kMax / 3,    kMax - 1000, kMax - 1, kMax};
  std::vector<Ev> events;
  std::uint64_t id = 1;
  for (const std::int64_t t : times) {
    for (std::uint32_t key = 1; key <= 2; ++key) events.push_back(Ev{t, key, id++});
  }
  return events;
}

// (key, start, end) -> sum of ids.
using Sums = std::map<std::tuple<std::uint32_t, std::int64_t, std::int64_t>, std::uint64_t>;

Wide floor_wide(Wide a, Wide b) {
  const Wide q = a / b;
  return q * b > a ? q - 1 : q;
}

// The reference windows, in 128-bit arithmetic; every start and end must fit int64.
void add_ref(Sums& sums, const Ev& e, Wide start, Wide end) {
  REQUIRE(start >= std::numeric_limits<std::int64_t>::min());
  REQUIRE(end <= std::numeric_limits<std::int64_t>::max());
  sums[{e.key, static_cast<std::int64_t>(start), static_cast<std::int64_t>(end)}] += e.id;
}

Sums reference_tumbling(const std::vector<Ev>& events, std::int64_t length, std::int64_t align) {
  Sums sums;
  for (const Ev& e : events) {
    const Wide start = align + floor_wide(Wide{e.t} - align, length) * length;
    add_ref(sums, e, start, start + length);
  }
  return sums;
}

Sums reference_sliding(const std::vector<Ev>& events, std::int64_t length, std::int64_t slide,
                       std::int64_t align) {
  Sums sums;
  for (const Ev& e : events) {
    for (Wide k = floor_wide(Wide{e.t} - align, slide); align + k * slide + length > e.t; --k) {
      add_ref(sums, e, align + k * slide, align + k * slide + length);
    }
  }
  return sums;
}

// Sessions of increasing times: a time at least `gap` after the key's last one starts
// a new session.
Sums reference_sessions(const std::vector<Ev>& events, std::int64_t gap) {
  std::map<std::uint32_t, std::vector<Ev>> by_key;
  for (const Ev& e : events) by_key[e.key].push_back(e);
  Sums sums;
  for (const auto& [key, evs] : by_key) {
    std::size_t first = 0;
    for (std::size_t i = 1; i <= evs.size(); ++i) {
      if (i < evs.size() && Wide{evs[i].t} - evs[i - 1].t < gap) continue;
      for (std::size_t j = first; j < i; ++j) {
        add_ref(sums, evs[j], evs[first].t, Wide{evs[i - 1].t} + gap);
      }
      first = i;
    }
  }
  return sums;
}

template <class W>
Sums run_sums(const std::vector<Ev>& events, W windower, std::int64_t epoch_ms,
              std::uint32_t workers) {
  Dataflow flow("edge");
  const window::EventClock clock{Millis(epoch_ms), Millis(kMax)};  // nothing is late
  auto keyed = keyed_events(flow, {events}, clock);
  auto streams = window::fold_window(
      "sum", keyed, clock, windower, [] { return std::uint64_t{0}; },
      [](std::uint64_t acc, const Ev& e) { return acc + e.id; },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
  auto sinks = sink_streams("sum", streams);
  run(flow, workers_config(workers));
  CHECK(sinks.late.records().empty());
  Sums sums;
  for (const auto& [epoch, key, meta, sum] : sinks.down_rows()) {
    CHECK(sums.emplace(std::tuple{key, ms_of(meta.start), ms_of(meta.end)}, sum).second);
  }
  return sums;
}

}  // namespace

TEST_CASE("tumbling windows at the edges of the supported times are exact at 1, 2, 3 workers") {
  const std::vector<Ev> events = edge_events();
  const std::tuple<std::int64_t, std::int64_t, std::int64_t> shapes[] = {
      {1000, 0, 1000},     {1000, -kMax, 1}, {1000, kMax, kMax}, {kMax, 0, 1000},
      {kMax, -kMax, kMax}, {kMax, kMax, 7},  {3, 1, 1000}};
  for (const auto& [length, align, epoch_ms] : shapes) {
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(length);
      CAPTURE(align);
      CAPTURE(epoch_ms);
      CAPTURE(workers);
      CHECK(run_sums(events, window::TumblingWindower(Millis(length), at(align)), epoch_ms,
                     workers) == reference_tumbling(events, length, align));
    }
  }
}

TEST_CASE("sliding windows at the edges of the supported times are exact at 1, 2, 3 workers") {
  const std::vector<Ev> events = edge_events();
  const std::tuple<std::int64_t, std::int64_t, std::int64_t> shapes[] = {
      {3000, 1000, -kMax}, {kMax, kMax / 4, 0}, {kMax, kMax, kMax}, {10, 7, kMax}};
  for (const auto& [length, slide, align] : shapes) {
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(length);
      CAPTURE(slide);
      CAPTURE(align);
      CAPTURE(workers);
      CHECK(run_sums(events, window::SlidingWindower(Millis(length), Millis(slide), at(align)),
                     1000, workers) == reference_sliding(events, length, slide, align));
    }
  }
}

TEST_CASE("session windows with gaps up to the largest duration are exact at 1, 2, 3 workers") {
  const std::vector<Ev> events = edge_events();
  for (const std::int64_t gap : {std::int64_t{1}, std::int64_t{1000}, kMax / 2, kMax}) {
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(gap);
      CAPTURE(workers);
      CHECK(run_sums(events, window::SessionWindower(Millis(gap)), 1000, workers) ==
            reference_sessions(events, gap));
    }
  }
}

TEST_CASE("a record whose time is outside the supported range stops the run naming it") {
  const std::int64_t int_max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t int_min = std::numeric_limits<std::int64_t>::min();
  // Past the top (a new epoch), below the bottom as the first record (epoch 0) and as a
  // late one (behind the watermark).
  const std::vector<std::vector<Ev>> inputs = {{{0, 1, 1}, {int_max, 1, 2}},
                                               {{kMax + 1, 2, 2}},
                                               {{-kMax - 1, 1, 2}},
                                               {{5, 1, 1}, {int_min, 1, 2}}};
  for (const auto& events : inputs) {
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      const Ev& bad = events.back();
      CAPTURE(bad.t);
      CAPTURE(workers);
      Dataflow flow("edge");
      const window::EventClock clock{Millis(1000), Millis(0)};
      auto keyed = keyed_events(flow, {events}, clock);
      sink_streams("count", window::count_window("count", keyed, clock,
                                                 window::TumblingWindower(Millis(1000))));
      const StepError e = run_expecting_step_error(flow, workers_config(workers));
      CHECK(e.step() == "edge.in");
      CHECK(e.worker() == std::optional<std::uint32_t>(0));
      CHECK(e.reason() == "event time " + std::to_string(bad.t) +
                              " ms is outside the supported range, -2305843009213693951 to "
                              "2305843009213693951 ms");
      CHECK(e.item() ==
            "ev{t=" + std::to_string(bad.t) + " key=" + std::to_string(bad.key) + " id=2}");
    }
  }
}

TEST_CASE("a sliding window over its windows-per-record limit is refused naming the step") {
  Dataflow flow("flow");
  const window::EventClock clock{Millis(1000), Millis(0)};
  auto keyed = keyed_events(flow, {{{0, 1, 1}}}, clock);
  CHECK_THROWS_WITH_AS(
      window::count_window("count", keyed, clock,
                           window::SlidingWindower(Millis(1'000'000), Millis(1))),
      "step 'flow.count': a sliding window of length 1000000 ms and slide 1 ms puts each "
      "record in up to 1000000 windows, more than the limit of 10000: make the slide at "
      "least 100 ms or the length at most 10000 ms",
      ConfigError);
  // At the limit, and above it with a larger limit given, the windower is accepted.
  CHECK_NOTHROW(window::count_window("at_limit", keyed, clock,
                                     window::SlidingWindower(Millis(10'000), Millis(1))));
  CHECK_NOTHROW(window::count_window(
      "raised", keyed, clock, window::SlidingWindower(Millis(20'000), Millis(1), at(0), 20'000)));
}
