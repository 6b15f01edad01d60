// Tests for window::window, the operator under every windowed aggregate: a user logic
// sees every value of its window in epoch order and emits at the value's epoch and at
// the window's close (random input against the reference of support.hpp, at 1, 2 and
// 3 workers); window ids and gaps; session merging; state freed once windows close
// and state that survives a cereal round trip (both watched by running a WindowOp
// inside an inspecting operator); errors from user logic.
#include "support.hpp"

#include <sluice/windowing/window.hpp>
#include <sluice/windowing/window_aggregate.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace window_test;

// A key whose 64-bit hash four distinct keys share: a window operator's close lists
// keep only hashes, so a close visit must tell the keys of one hash apart.
struct Grouped {
  std::uint32_t id = 0;
  bool operator==(const Grouped&) const = default;
  auto operator<=>(const Grouped&) const = default;
  template <class A>
  void serialize(A& a) {
    a(id);
  }
  friend std::ostream& operator<<(std::ostream& os, const Grouped& g) { return os << g.id; }
};
template <>
struct sluice::KeyHash<Grouped> {
  std::uint64_t operator()(const Grouped& g) const noexcept { return mix64(g.id / 4); }
};

namespace {

using Key = std::uint32_t;
using Ids = std::vector<std::uint64_t>;

// What a Trace logic emits: each value as it arrives (its id and time), and at the
// close the ids of the window in the order the logic saw them.
struct Note {
  bool closing = false;
  Ids ids;
  std::int64_t t = 0;
  auto operator<=>(const Note&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Note& n) {
    os << (n.closing ? "close[" : "value[");
    for (std::uint64_t id : n.ids) os << ' ' << id;
    return os << " ] t=" << n.t;
  }
};

struct Trace {
  Ids ids;
  void on_value(const Ev& e, EventTime t, window::WindowEmitter<Key, Note>& out) {
    ids.push_back(e.id);
    out(Note{false, {e.id}, ms_of(t)});
  }
  void on_merge(Trace&& later) { ids.insert(ids.end(), later.ids.begin(), later.ids.end()); }
  void on_close(window::WindowEmitter<Key, Note>& out) { out(Note{true, ids, 0}); }
  const Ids& snapshot() const { return ids; }
};
Trace make_trace(std::optional<Ids> resume) {
  return Trace{resume.value_or(Ids{})};
}

using TraceSinks = WindowSinks<Key, Ev, Note>;

// The closing notes of the reference windows (ids in (time, id) order; the test sorts
// what it got the same way after checking the epoch order).
std::vector<DownRow<Key, Note>> closing_notes(const std::vector<RefWindow>& windows) {
  return closing_rows<Note>(windows, [](const std::vector<Ev>& values) {
    Note n{true, {}, 0};
    for (const Ev& e : values) n.ids.push_back(e.id);
    return n;
  });
}

// Checks a Trace run against the reference: closing notes (values applied in epoch
// order), value notes (at the value's epoch, with a window containing the value: its
// own for tumbling and sliding, a part of its final session for sessions), late, meta.
void check_trace(const TraceSinks& got, const Parts& parts, const Case& c) {
  const auto stamps = reference_stamps(parts, c.epoch_length, c.max_delay);
  const auto windows = reference_windows(stamps, c.shape, c.epoch_length);
  std::map<std::uint64_t, Ev> by_id;
  for (const auto& part : parts) {
    for (const Ev& e : part) by_id[e.id] = e;
  }
  std::vector<DownRow<Key, Note>> closing, values;
  std::size_t out_of_order = 0;
  for (auto row : got.down_rows()) {
    Note& note = std::get<3>(row);
    if (!note.closing) {
      values.push_back(row);
      continue;
    }
    for (std::size_t i = 1; i < note.ids.size(); ++i) {
      out_of_order += epoch_at(by_id[note.ids[i]].t, c.epoch_length) <
                      epoch_at(by_id[note.ids[i - 1]].t, c.epoch_length);
    }
    std::sort(note.ids.begin(), note.ids.end(), [&](std::uint64_t a, std::uint64_t b) {
      return std::tie(by_id[a].t, a) < std::tie(by_id[b].t, b);
    });
    closing.push_back(row);
  }
  CHECK(out_of_order == 0);
  check_same_rows(closing, closing_notes(windows), "closing notes");
  check_same_rows(got.meta_rows(), reference_meta(windows), "meta");
  check_same_rows(got.late_rows(), reference_late(stamps), "late");

  std::vector<DownRow<Key, Note>> want_values;
  for (const RefWindow& w : windows) {
    for (const Ev& e : w.values) {
      want_values.emplace_back(epoch_at(e.t, c.epoch_length), e.key, w.meta,
                               Note{false, {e.id}, e.t});
    }
  }
  if (c.shape.kind != Shape::session) {
    check_same_rows(values, want_values, "value notes");
    return;
  }
  // A session value note carries the session as it was then: compare it with the
  // value's final session instead, which must contain it.
  std::map<std::uint64_t, WindowMeta> final_session;
  for (const auto& row : want_values) final_session[std::get<3>(row).ids[0]] = std::get<2>(row);
  std::size_t wrong = 0;
  for (auto& row : values) {
    const WindowMeta& m = std::get<2>(row);
    const WindowMeta& f = final_session[std::get<3>(row).ids[0]];
    const std::int64_t t = std::get<3>(row).t;
    wrong += !(m.start <= at(t) && at(t) < m.end && f.start <= m.start && m.end <= f.end &&
               m.id == ms_of(m.start));
    std::get<2>(row) = f;
  }
  CHECK(wrong == 0);
  check_same_rows(values, want_values, "value notes (by final session)");
}

// ---- an inspecting window operator: window::window's body with a look at the state ----

// What one worker's WindowOp held, seen after each of its activations.
struct Seen {
  std::atomic<std::size_t> keys{0};  // keys with state after the latest activation
  std::size_t most_keys = 0;
  std::size_t empty_keys = 0;   // keys kept with no open window
  std::size_t overdue = 0;      // windows still open after the frontier passed their close
  std::size_t round_trips = 0;  // keys replaced by their restored snapshot
  std::size_t changed_by_round_trip = 0;
  std::optional<std::size_t> keys_at_end;  // after the activation at the empty frontier
};

// Replaces `opens` by restore(decode(encode(snapshot(opens)))); counts a difference
// between the snapshots before and after.
template <class Op, class Opens>
void round_trip(Op& op, Opens& opens, Seen& seen) {
  const auto snap = op.snapshot(opens);
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(snap);
  }
  std::remove_const_t<decltype(snap)> decoded;
  {
    cereal::BinaryInputArchive in(bytes);
    in(decoded);
  }
  opens = op.restore(std::move(decoded));
  ++seen.round_trips;
  seen.changed_by_round_trip += op.snapshot(opens) != snap;
}

template <class Op>
void inspect(Op& op, const Frontier& frontier, Seen& seen, bool restore_every_key) {
  auto& state = op.state();
  using State = std::remove_reference_t<decltype(state)>;
  seen.keys.store(state.size());
  seen.most_keys = std::max(seen.most_keys, state.size());
  state.erase_if([&](auto it) {  // visits every key; erases none
    auto& opens = State::value(it);
    seen.empty_keys += opens.empty();
    for (const auto& o : opens) seen.overdue += !frontier.less_equal(op.close_epoch(o));
    if (restore_every_key) round_trip(op, opens, seen);
    return false;
  });
  if (frontier.empty()) seen.keys_at_end = state.size();
}

// window::window(id, up, clock, windower, builder), with inspect() after every
// activation of each worker's operator.
template <class O, class K, class V, class Clock, class W, class Build>
window::WindowStreams<K, V, O> inspected_window(std::string id,
                                                const Stream<std::pair<K, window::Timed<V>>>& up,
                                                Clock clock, W windower, Build builder,
                                                Slots<Seen> seen, bool restore_every_key) {
  using In = std::pair<K, window::Timed<V>>;
  using Op = window::detail::WindowOp<K, V, O, W, Build>;
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up, exchange([](const In& kv) -> const K& { return kv.first; }));
  auto [down_port, down] = b.template add_output<std::pair<K, window::Windowed<O>>>();
  auto [late_port, late] = b.template add_output<std::pair<K, V>>();
  auto [meta_port, meta] = b.template add_output<std::pair<K, WindowMeta>>();
  typename Op::Ports ports{in, down_port, late_port, meta_port};
  b.build([=](OperatorContext& ctx) {
    return [op = Op(ctx, ports, clock.epochs(ctx.config()), windower, builder), seen,
            restore_every_key](OperatorContext& ctx) mutable {
      op(ctx);
      inspect(op, ctx.frontier(0), (*seen)[ctx.worker_index()].value, restore_every_key);
    };
  });
  return {down, late, meta};
}

// Checks what every worker's inspection saw over a whole run.
// `gaps`: a sliding windower with gaps, where a window may open and close within one
// activation, so the inspection may never see state.
void check_seen(const Slots<Seen>& seen, bool restored, bool gaps = false) {
  std::size_t most = 0, round_trips = 0;
  for (std::size_t w = 0; w < seen->size(); ++w) {
    CAPTURE(w);
    const Seen& s = (*seen)[w].value;
    CHECK(s.empty_keys == 0);
    CHECK(s.overdue == 0);
    CHECK(s.changed_by_round_trip == 0);
    CHECK(s.keys_at_end == std::optional<std::size_t>(0));
    most = std::max(most, s.most_keys);
    round_trips += s.round_trips;
  }
  if (gaps && most == 0) return;
  CHECK(most > 0);  // the checks above looked at some state
  CHECK((round_trips > 0) == restored);
}

TraceSinks run_trace(const Parts& parts, const Case& c, std::uint32_t workers,
                     std::optional<bool> inspect_restoring = std::nullopt) {
  Dataflow flow("win");
  const window::EventClock clock = c.clock();
  auto keyed = keyed_events(flow, parts, clock);
  auto seen = make_slots<Seen>(workers);
  TraceSinks sinks;
  c.shape.visit([&](auto windower) {
    if (inspect_restoring) {
      sinks = sink_streams("w", inspected_window<Note>("w", keyed, clock, windower, make_trace,
                                                       seen, *inspect_restoring));
    } else {
      sinks = sink_streams("w", window::window<Note>("w", keyed, clock, windower, make_trace));
    }
  });
  run(flow, workers_config(workers));
  if (inspect_restoring) {
    check_seen(seen, *inspect_restoring,
               c.shape.kind == Shape::sliding && c.shape.offset > c.shape.length);
  }
  return sinks;
}

// Events 0..n-1, event i at 10 * i ms with key i % keys and id i.
std::vector<Ev> every_10ms(std::uint64_t n, std::uint32_t keys) {
  std::vector<Ev> events;
  for (std::uint64_t i = 0; i < n; ++i) {
    events.push_back(Ev{static_cast<std::int64_t>(i) * 10, static_cast<Key>(i % keys), i});
  }
  return events;
}

// Runs a Trace window over `parts` for every case at 1, 2 and 3 workers (inspected when
// `inspect_restoring` is set) and checks it against the reference.
void check_trace_runs(const Parts& parts, const std::vector<Case>& cases,
                      std::optional<bool> inspect_restoring = std::nullopt) {
  for_each_run(cases, [&](const Case& c, std::uint32_t workers) {
    check_trace(run_trace(parts, c, workers, inspect_restoring), parts, c);
  });
}

}  // namespace

TEST_CASE("a window logic sees each value of its window in epoch order at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed, 4, 250, 7, 12);
  check_trace_runs(parts, standard_cases());
}

TEST_CASE("values far out of order among many open windows per key land in exactly theirs") {
  // Hundreds of sliding windows per value and dozens of open tumbling windows and
  // sessions per key, with disorder far beyond a slide: values open windows before,
  // between and after a key's open ones (the sorted lists' binary search and runs).
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed, 2, 40, 2, 400);
  const std::vector<Case> cases = {
      {{Shape::sliding, 1500, 3, 0, 1}, 7, 900},
      {{Shape::sliding, 700, 45, 0, 0}, 50, 900},
      {{Shape::tumbling, 3, 0, 0, 0}, 1, 900},
      {{Shape::session, 0, 0, 4, 0}, 5, 900},
  };
  check_trace_runs(parts, cases);
}

TEST_CASE("a window operator keeps state only for keys with an open window") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed + 1, 3, 250, 11, 12);
  check_trace_runs(parts, standard_cases(), false);
}

TEST_CASE("window state restored from its cereal-encoded snapshot continues where it was") {
  // Every key's windows are replaced by their restored snapshot after every
  // activation; the results must not change.
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed + 2, 3, 200, 5, 12);
  check_trace_runs(parts, standard_cases(), true);
}

TEST_CASE("a window operator drops a key's state as soon as its last window closes") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("free");
    ScriptedSource<Ev> source(2);
    const window::EventClock clock{Millis(10), Millis(0)};
    auto events = window::event_time_input(flow, "in", source, clock, time_of_ev);
    auto keyed = op::key_on("key", events, key_of_timed);
    auto seen = make_slots<Seen>(workers);
    auto sinks = sink_streams(
        "w", inspected_window<Note>("w", keyed, clock, window::TumblingWindower(Millis(100)),
                                    make_trace, seen, false));
    auto keys_held = [&] {
      std::size_t n = 0;
      for (const auto& s : *seen) n += s.value.keys.load();
      return n;
    };
    BackgroundRun running(flow, workers_config(workers));
    struct Finish {
      ScriptedSource<Ev>& source;
      ~Finish() { source.finish_all(); }
    } finish{source};
    // Records wait in the operator (not in its state) until the frontier reaches
    // their epoch.
    std::vector<Ev> first;
    for (std::uint32_t k = 0; k < 30; ++k) first.push_back(Ev{10 * k, k, k});
    source.feed(1, {{5, 30, 30}});  // holds the frontier at epoch 0
    source.feed(0, first);          // windows [0, 100), [100, 200), [200, 300)
    CHECK(eventually([&] { return keys_held() == 2; }));  // keys 0 and 30 (epoch 0)
    source.feed(1, {{150, 31, 31}});  // frontier 15: [0, 100) closes (keys 0-9, 30)
    CHECK(eventually([&] { return sinks.meta.records().size() == 11; }));
    CHECK(eventually([&] { return keys_held() == 7; }));  // keys 10-15, 31
    source.feed(1, {{2000, 1, 32}});  // frontier 29: [100, 200) closes (keys 10-19, 31)
    CHECK(eventually([&] { return sinks.meta.records().size() == 22; }));
    CHECK(eventually([&] { return keys_held() == 10; }));  // keys 20-29
    source.feed(0, {{5000, 0, 33}});                       // frontier 200: [200, 300) closes
    CHECK(eventually([&] { return sinks.meta.records().size() == 32; }));
    CHECK(eventually([&] { return keys_held() == 1; }));  // key 1 at 2000
    source.finish_all();
    running.join();
    CHECK(sinks.meta.records().size() == 34);
    check_seen(seen, false);
  }
}

TEST_CASE("a value in a sliding window's gap leaves no state for its key") {
  // A regression test: the key's window list used to be made before the windower was
  // asked, and nothing erased it when the value was in no window.
  Dataflow flow("gap");
  const window::EventClock clock{Millis(10), Millis(0)};
  auto keyed = keyed_events(flow, {{{12, 1, 0}}}, clock);  // in the gap [10, 35)
  auto seen = make_slots<Seen>(1);
  auto sinks =
      sink_streams("w", inspected_window<Note>("w", keyed, clock,
                                               window::SlidingWindower(Millis(10), Millis(35)),
                                               make_trace, seen, false));
  run(flow, workers_config(1));
  CHECK(sinks.down_rows().empty());
  CHECK((*seen)[0].value.empty_keys == 0);
  CHECK((*seen)[0].value.keys_at_end == std::optional<std::size_t>(0));
}

TEST_CASE("tumbling and sliding window ids count from the alignment, session ids are starts") {
  const std::vector<Ev> events = {{12, 1, 0}, {50, 2, 1}, {100, 3, 2}, {105, 3, 3}, {130, 3, 4}};
  const window::EventClock clock{Millis(1000), Millis(1000)};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("ids");
    auto keyed = keyed_events(flow, {events}, clock);
    auto tumbling = sink_streams(
        "t",
        window::count_window("t", keyed, clock, window::TumblingWindower(Millis(100), at(1000))));
    auto sliding = sink_streams(
        "s", window::count_window("s", keyed, clock,
                                  window::SlidingWindower(Millis(30), Millis(20), at(5))));
    auto sessions = sink_streams(
        "g", window::count_window("g", keyed, clock, window::SessionWindower(Millis(10))));
    run(flow, workers_config(workers));
    check_same_rows(tumbling.meta_rows(),
                    {{0, 1, WindowMeta{-10, at(0), at(100)}},
                     {0, 2, WindowMeta{-10, at(0), at(100)}},
                     {0, 3, WindowMeta{-9, at(100), at(200)}}},
                    "tumbling");
    check_same_rows(sliding.meta_rows(),
                    {{0, 1, WindowMeta{-1, at(-15), at(15)}},
                     {0, 1, WindowMeta{0, at(5), at(35)}},
                     {0, 2, WindowMeta{1, at(25), at(55)}},
                     {0, 2, WindowMeta{2, at(45), at(75)}},
                     {0, 3, WindowMeta{4, at(85), at(115)}},
                     {0, 3, WindowMeta{5, at(105), at(135)}},
                     {0, 3, WindowMeta{6, at(125), at(155)}}},
                    "sliding");
    check_same_rows(sliding.down_rows(),
                    {{0, 1, WindowMeta{-1, at(-15), at(15)}, 1},
                     {0, 1, WindowMeta{0, at(5), at(35)}, 1},
                     {0, 2, WindowMeta{1, at(25), at(55)}, 1},
                     {0, 2, WindowMeta{2, at(45), at(75)}, 1},
                     {0, 3, WindowMeta{4, at(85), at(115)}, 2},
                     {0, 3, WindowMeta{5, at(105), at(135)}, 2},
                     {0, 3, WindowMeta{6, at(125), at(155)}, 1}},
                    "sliding counts");
    check_same_rows(sessions.down_rows(),
                    {{0, 1, WindowMeta{12, at(12), at(22)}, 1},
                     {0, 2, WindowMeta{50, at(50), at(60)}, 1},
                     {0, 3, WindowMeta{100, at(100), at(115)}, 2},
                     {0, 3, WindowMeta{130, at(130), at(140)}, 1}},
                    "sessions");
  }
}

TEST_CASE("sliding windows with an offset above their length leave gaps no value falls in") {
  std::vector<Ev> events;
  for (std::int64_t t = 0; t < 100; ++t) events.push_back(Ev{t, 0, std::uint64_t(t)});
  const window::EventClock clock{Millis(7), Millis(0)};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("gaps");
    auto keyed = keyed_events(flow, {events}, clock);
    auto got = sink_streams(
        "c", window::collect_window("c", keyed, clock,
                                    window::SlidingWindower(Millis(10), Millis(35), at(20))));
    run(flow, workers_config(workers));
    auto ids = [](std::int64_t from) {
      std::vector<Ev> v;
      for (std::int64_t t = from; t < from + 10; ++t) v.push_back(Ev{t, 0, std::uint64_t(t)});
      return v;
    };
    // Windows [20 + 35k, 30 + 35k): [-15, -5) holds nothing, so it never opens.
    check_same_rows(got.down_rows(),
                    {{epoch_at(29, 7), 0, WindowMeta{0, at(20), at(30)}, ids(20)},
                     {epoch_at(64, 7), 0, WindowMeta{1, at(55), at(65)}, ids(55)},
                     {epoch_at(99, 7), 0, WindowMeta{2, at(90), at(100)}, ids(90)}},
                    "windows");
    CHECK(got.late_rows().empty());
  }
}

TEST_CASE("a value that bridges two sessions merges the later session into the earlier one") {
  // One partition and one epoch: the logic sees 0, 20, 25, 10, 30 in that order.
  const std::vector<Ev> events = {{0, 1, 0}, {20, 1, 1}, {25, 1, 2}, {10, 1, 3}, {30, 1, 4}};
  const window::EventClock clock{Millis(1000), Millis(100)};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("merge");
    auto keyed = keyed_events(flow, {events}, clock, 1);
    auto got = sink_streams(
        "w",
        window::window<Note>("w", keyed, clock, window::SessionWindower(Millis(11)), make_trace));
    run(flow, workers_config(workers));
    const WindowMeta a{0, at(0), at(11)}, b{20, at(20), at(31)}, c{20, at(20), at(36)},
        merged{0, at(0), at(36)}, all{0, at(0), at(41)};
    check_same_rows(got.down_rows(),
                    {{0, 1, a, Note{false, {0}, 0}},
                     {0, 1, b, Note{false, {1}, 20}},
                     {0, 1, c, Note{false, {2}, 25}},
                     {0, 1, merged, Note{false, {3}, 10}},
                     {0, 1, all, Note{false, {4}, 30}},
                     {0, 1, all, Note{true, {0, 1, 2, 3, 4}, 0}}},
                    "notes");
    check_same_rows(got.meta_rows(), {{0, 1, all}}, "meta");
  }
}

TEST_CASE("a throwing fold function stops the run naming the step, the worker and the epoch") {
  const std::vector<Ev> events = every_10ms(100, 4);
  const window::EventClock clock{Millis(100), Millis(0)};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("bad");
    auto keyed = keyed_events(flow, {events}, clock);
    auto sums = window::fold_window(
        "sum", keyed, clock, window::TumblingWindower(Millis(200)), [] { return std::uint64_t{0}; },
        [](std::uint64_t acc, const Ev& e) {
          if (e.id == 57) throw std::runtime_error("57 is not allowed");
          return acc + e.id;
        });
    sink_streams("sum", sums);
    const StepError e = run_expecting_step_error(flow, workers_config(workers));
    CHECK(e.step() == "bad.sum");
    CHECK(e.worker() == std::optional<std::uint32_t>(route(hash_key(Key{1}), workers)));
    CHECK(e.epoch() == std::optional<Epoch>(5));
    CHECK(e.reason() == "57 is not allowed");
    CHECK(e.item().rfind("(1, ", 0) == 0);
  }
}

TEST_CASE("a window operator's error renders the record's value") {
  // A regression test: the item used to read "(1, <sluice::window::Timed<...>>)".
  const std::vector<Ev> events = {{570, 1, 57}};
  Dataflow flow("bad");
  const window::EventClock clock{Millis(100), Millis(0)};
  auto keyed = keyed_events(flow, {events}, clock);
  sink_streams("sum", window::fold_window(
                          "sum", keyed, clock, window::TumblingWindower(Millis(200)),
                          [] { return std::uint64_t{0}; },
                          [](std::uint64_t, const Ev&) -> std::uint64_t {
                            throw std::runtime_error("no");
                          }));
  const StepError e = run_expecting_step_error(flow, workers_config(1));
  CAPTURE(e.item());
  CHECK(e.item().find("ev{t=570 key=1 id=57}") != std::string::npos);
}

TEST_CASE("a throwing on_close stops the run naming the key and the window's close epoch") {
  struct Fussy {
    std::uint64_t n = 0;
    void on_value(const Ev&, EventTime, window::WindowEmitter<Key, std::uint64_t>&) { ++n; }
    void on_close(window::WindowEmitter<Key, std::uint64_t>& out) {
      if (out.key() == 2 && out.window().id == 3) throw std::runtime_error("key 2 refuses");
      out(n);
    }
    std::uint64_t snapshot() const { return n; }
  };
  const std::vector<Ev> events = every_10ms(100, 4);
  const window::EventClock clock{Millis(100), Millis(0)};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("bad");
    auto keyed = keyed_events(flow, {events}, clock);
    sink_streams(
        "w", window::window<std::uint64_t>(
                 "w", keyed, clock, window::TumblingWindower(Millis(200)),
                 [](std::optional<std::uint64_t> resume) { return Fussy{resume.value_or(0)}; }));
    const StepError e = run_expecting_step_error(flow, workers_config(workers));
    CHECK(e.step() == "bad.w");
    CHECK(e.worker() == std::optional<std::uint32_t>(route(hash_key(Key{2}), workers)));
    CHECK(e.epoch() == std::optional<Epoch>(7));  // window [600, 800) closes after epoch 7
    CHECK(e.reason() == "key 2 refuses");
    CHECK(e.item() == "key 2");
  }
}

TEST_CASE("keys sharing a hash each get their windows' counts, once, at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed, 2, 300, 12, 20);
  for_each_run(standard_cases(), [&](const Case& c, std::uint32_t workers) {
    Dataflow flow("win");
    const window::EventClock clock = c.clock();
    auto events =
        window::event_time_input(flow, "in", VectorSource<Ev>(parts, 5), clock, time_of_ev);
    auto keyed =
        op::key_on("key", events, [](const window::Timed<Ev>& e) { return Grouped{e.value.key}; });
    // Only the rows are read (no meta stream): a key's last row takes the key by move.
    TestingSink<std::pair<Grouped, window::Windowed<std::uint64_t>>> down;
    c.shape.visit([&](auto windower) {
      auto streams = window::fold_window(
          "w", keyed, clock, windower, [] { return std::uint64_t{0}; },
          [](std::uint64_t n, const Ev&) { return n + 1; },
          [](std::uint64_t a, std::uint64_t b) { return a + b; });
      op::output("down", streams.down, down);
    });
    run(flow, workers_config(workers));
    std::vector<DownRow<std::uint32_t, std::uint64_t>> got;
    for (const auto& r : down.records()) {
      got.emplace_back(r.epoch, r.value.first.id, r.value.second.window, r.value.second.value);
    }
    const auto stamps = reference_stamps(parts, c.epoch_length, c.max_delay);
    const auto windows = reference_windows(stamps, c.shape, c.epoch_length);
    check_same_rows(
        got,
        closing_rows<std::uint64_t>(
            windows, [](const std::vector<Ev>& v) { return static_cast<std::uint64_t>(v.size()); }),
        "counts");
  });
}
