// Tests for join_window: every insert mode x emit mode with tumbling, sliding and
// session windows against a replay of each window's values (random input in which a
// key never has two values in one epoch, so each key's values apply in time order), at
// 1, 2 and 3 workers; how session merging combines two joins, on the logic itself and
// in a run whose result does not depend on arrival order.
#include "support.hpp"

#include <sluice/windowing/join_window.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

using namespace window_test;

namespace {

using Key = std::uint32_t;
using Row = std::tuple<std::optional<Ev>, std::optional<Ev>>;
using JoinSinks = WindowSinks<Key, std::variant<Ev, Ev>, Row>;
constexpr std::uint64_t kRight = 1'000'000'000;  // right ids start here

struct JoinInput {
  Parts left, right;
};

// Two sides of two partitions each over 5 keys, out of order and with late events,
// where no key has two events (on either side) in one epoch of `epoch_length`.
JoinInput join_events(std::uint64_t seed, std::int64_t epoch_length) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  std::set<std::pair<Key, Epoch>> used;
  JoinInput in{Parts(2), Parts(2)};
  for (int side = 0; side < 2; ++side) {
    for (std::size_t p = 0; p < 2; ++p) {
      std::int64_t base = uniform(-10, 100);
      for (std::uint64_t i = 0; i < 100; ++i) {
        base += uniform(0, 12);
        std::int64_t t = base + uniform(-10, 10);
        if (rng() % 30 == 0) t -= uniform(50, 100);
        const Key key = static_cast<Key>(rng() % 5);
        if (!used.emplace(key, epoch_at(t, epoch_length)).second) continue;
        (side == 0 ? in.left : in.right)[p].push_back(
            Ev{t, key, side * kRight + p * 1'000'000 + i});
      }
    }
  }
  return in;
}

// Every output row of `sides` (the cross product; nullopt for an empty side).
void cross(const std::vector<Ev>& left, const std::vector<Ev>& right,
           const std::function<void(Row)>& emit) {
  const std::vector<std::optional<Ev>> ls =
      left.empty() ? std::vector<std::optional<Ev>>{std::nullopt}
                   : std::vector<std::optional<Ev>>(left.begin(), left.end());
  const std::vector<std::optional<Ev>> rs =
      right.empty() ? std::vector<std::optional<Ev>>{std::nullopt}
                    : std::vector<std::optional<Ev>>(right.begin(), right.end());
  for (const auto& l : ls) {
    for (const auto& r : rs) emit(Row{l, r});
  }
}

// The rows of one window: its values replayed in time order (the order the operator
// applies them in, as a key has one value per epoch). A session's window, as a value
// sees it, is the session up to that value: [first, t + gap).
void replay(const RefWindow& w, JoinMode mode, const Shape& shape, std::int64_t epoch_length,
            std::vector<DownRow<Key, Row>>& out) {
  std::vector<Ev> left, right;
  for (const Ev& v : w.values) {
    auto& kept = v.id >= kRight ? right : left;
    if (mode.insert == JoinInsert::last) kept.clear();
    if (mode.insert != JoinInsert::first || kept.empty()) kept.push_back(v);
    WindowMeta now = w.meta;
    if (shape.kind == Shape::session) now.end = at(v.t + shape.gap);
    auto emit = [&](Row row) { out.emplace_back(epoch_at(v.t, epoch_length), w.key, now, row); };
    if (mode.emit == JoinEmit::running) cross(left, right, emit);
    if (mode.emit == JoinEmit::complete && !left.empty() && !right.empty()) {
      cross(left, right, emit);
      left.clear();
      right.clear();
    }
  }
  if (mode.emit == JoinEmit::final) {
    cross(left, right, [&](Row row) { out.emplace_back(w.close, w.key, w.meta, row); });
  }
}

std::vector<JoinMode> all_modes() {
  std::vector<JoinMode> modes;
  for (auto insert : {JoinInsert::first, JoinInsert::last, JoinInsert::product}) {
    for (auto emit : {JoinEmit::complete, JoinEmit::final, JoinEmit::running}) {
      modes.push_back(JoinMode{insert, emit});
    }
  }
  return modes;
}

std::string mode_name(JoinMode m) {
  const char* inserts[] = {"first", "last", "product"};
  const char* emits[] = {"complete", "final", "running"};
  return std::string(inserts[static_cast<int>(m.insert)]) + "/" + emits[static_cast<int>(m.emit)];
}

// Runs one join_window per mode (all modes in one dataflow) over the two sides.
std::vector<JoinSinks> run_joins(const JoinInput& in, const Case& c, std::uint32_t workers) {
  Dataflow flow("join");
  const window::EventClock clock = c.clock();
  auto side = [&](const char* id, const Parts& parts) {
    return op::key_on(
        std::string(id) + "_key",
        window::event_time_input(flow, id, VectorSource<Ev>(parts, 3), clock, time_of_ev),
        key_of_timed);
  };
  auto left = side("left", in.left);
  auto right = side("right", in.right);
  std::vector<JoinSinks> sinks;
  c.shape.visit([&](auto windower) {
    int n = 0;
    for (JoinMode mode : all_modes()) {
      // Appended, not "j" + std::to_string(...): GCC 12 warns -Wrestrict on a literal
      // plus a temporary string (a false positive, PR 105329).
      std::string id = "j";
      id += std::to_string(n++);
      sinks.push_back(
          sink_streams(id, window::join_window(id, clock, windower, mode, left, right)));
    }
  });
  run(flow, workers_config(workers));
  return sinks;
}

std::vector<LateRow<Key, Ev>> late_evs(const JoinSinks& sinks) {
  std::vector<LateRow<Key, Ev>> rows;
  for (const auto& [epoch, key, v] : sinks.late_rows()) {
    rows.emplace_back(epoch, key, std::visit([](const Ev& e) { return e; }, v));
  }
  return rows;
}

// Emits what a join logic gives into a vector of rows.
struct Collect {
  std::vector<std::tuple<std::optional<int>, std::optional<std::string>>>* rows;
  void operator()(const std::tuple<std::optional<int>, std::optional<std::string>>& row) {
    rows->push_back(row);
  }
};

}  // namespace

TEST_CASE("join_window matches a replay of each window for every insert and emit mode") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::vector<Case> cases;
  for (const Case& c : standard_cases()) {
    if (c.epoch_length < 100) cases.push_back(c);  // epochs shorter than a key's spacing
  }
  for_each_run(cases, [&](const Case& c, std::uint32_t workers) {
    const JoinInput in = join_events(seed, c.epoch_length);
    Parts both = in.left;
    both.insert(both.end(), in.right.begin(), in.right.end());
    const auto stamps = reference_stamps(both, c.epoch_length, c.max_delay);
    const auto windows = reference_windows(stamps, c.shape, c.epoch_length);
    const auto sinks = run_joins(in, c, workers);
    const auto modes = all_modes();
    for (std::size_t m = 0; m < modes.size(); ++m) {
      CAPTURE(mode_name(modes[m]));
      std::vector<DownRow<Key, Row>> want;
      for (const RefWindow& w : windows) replay(w, modes[m], c.shape, c.epoch_length, want);
      check_same_rows(sinks[m].down_rows(), want, "joined rows");
      check_same_rows(sinks[m].meta_rows(), reference_meta(windows), "meta");
      check_same_rows(late_evs(sinks[m]), reference_late(stamps), "late");
    }
  });
}

TEST_CASE("a merged session's join keeps the earlier session's values first") {
  using Logic = window::detail::JoinWindowLogic<Key, int, std::string>;
  using In = std::variant<int, std::string>;
  auto session = [](JoinInsert insert, std::vector<In> values) {
    Logic logic{{JoinMode{insert, JoinEmit::final}}, {}};
    std::vector<std::tuple<std::optional<int>, std::optional<std::string>>> none;
    Collect out{&none};
    for (In& v : values) logic.on_value(std::move(v), EventTime{}, out);
    CHECK(none.empty());  // final mode emits only at the close
    return logic;
  };
  auto merged = [&](JoinInsert insert, std::vector<In> earlier, std::vector<In> later) {
    Logic logic = session(insert, std::move(earlier));
    logic.on_merge(session(insert, std::move(later)));
    std::vector<std::tuple<std::optional<int>, std::optional<std::string>>> rows;
    Collect out{&rows};
    logic.on_close(out);
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  using R = std::tuple<std::optional<int>, std::optional<std::string>>;
  const std::vector<In> earlier = {In(std::in_place_index<0>, 1), In(std::in_place_index<1>, "a")};
  const std::vector<In> later = {In(std::in_place_index<0>, 2), In(std::in_place_index<0>, 3),
                                 In(std::in_place_index<1>, "b")};
  CHECK(merged(JoinInsert::first, earlier, later) == std::vector<R>{{1, "a"}});
  CHECK(merged(JoinInsert::last, earlier, later) == std::vector<R>{{3, "b"}});
  CHECK(merged(JoinInsert::product, earlier, later) ==
        std::vector<R>{{1, "a"}, {1, "b"}, {2, "a"}, {2, "b"}, {3, "a"}, {3, "b"}});
  // A side the earlier session lacks comes from the later one, whatever the mode.
  const std::vector<In> left_only = {In(std::in_place_index<0>, 1)};
  const std::vector<In> right_only = {In(std::in_place_index<1>, "b")};
  CHECK(merged(JoinInsert::first, left_only, right_only) == std::vector<R>{{1, "b"}});
  CHECK(merged(JoinInsert::last, right_only, left_only) == std::vector<R>{{1, "b"}});
}

TEST_CASE("a value bridging two sessions joins them into one final join at 1, 2, 3 workers") {
  // All in one epoch, gap 15: 0 and 20 (left) are two sessions until 10 (right)
  // arrives, or one from the start if it comes first; the result is the same.
  const Parts left = {{{0, 1, 0}, {20, 1, 1}}};
  const Parts right = {{{10, 1, kRight}}};
  const WindowMeta session{0, at(0), at(35)};
  const Ev l0 = left[0][0], l20 = left[0][1], r10 = right[0][0];
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto sinks =
        run_joins({left, right}, Case{{Shape::session, 0, 0, 15, 0}, 1000, 100}, workers);
    const auto modes = all_modes();
    for (std::size_t m = 0; m < modes.size(); ++m) {
      CAPTURE(mode_name(modes[m]));
      if (modes[m].emit != JoinEmit::final) continue;  // these depend on arrival order
      std::vector<DownRow<Key, Row>> want;
      if (modes[m].insert != JoinInsert::last) want.emplace_back(0, 1, session, Row{l0, r10});
      if (modes[m].insert != JoinInsert::first) want.emplace_back(0, 1, session, Row{l20, r10});
      check_same_rows(sinks[m].down_rows(), want, "joined");
      check_same_rows(sinks[m].meta_rows(), {{0, 1, session}}, "meta");
    }
  }
}
