// Helpers of the windowing/ operator tests: in-memory event-time sources (fixed
// partitions, and partitions a test thread feeds while the run waits), a timed event
// type, random out-of-order input, the reference semantics of DESIGN.md ("Time and
// windowing semantics") computed directly from its definitions, and row comparisons
// that print the first difference.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

#include <sluice/windowing/windowing.hpp>

namespace window_test {

using namespace sluice;
using namespace sluice_test;
using window::EventTime;
using window::Millis;
using window::WindowMeta;

inline EventTime at(std::int64_t ms) {
  return EventTime(Millis(ms));
}
inline std::int64_t ms_of(EventTime t) {
  return t.time_since_epoch().count();
}
// The epoch of time `ms` with epochs `length` ms long; times up to 0 are in epoch 0.
inline Epoch epoch_at(std::int64_t ms, std::int64_t length) {
  return ms <= 0 ? 0 : static_cast<Epoch>(ms / length);
}
// floor(a / b) for b > 0.
inline std::int64_t floor_of(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return q * b > a ? q - 1 : q;
}
inline RunConfig workers_config(std::uint32_t workers, std::size_t batch_size = 16) {
  RunConfig config;
  config.workers = workers;
  config.batch_size = batch_size;
  return config;
}

// An input event: its time (ms), its key and an id unique in a test's input.
struct Ev {
  std::int64_t t = 0;
  std::uint32_t key = 0;
  std::uint64_t id = 0;
  auto operator<=>(const Ev&) const = default;
  template <class A>
  void serialize(A& a) {
    a(t, key, id);
  }
  friend std::ostream& operator<<(std::ostream& os, const Ev& e) {
    return os << "ev{t=" << e.t << " key=" << e.key << " id=" << e.id << "}";
  }
};
inline EventTime time_of_ev(const Ev& e) {
  return at(e.t);
}
inline std::uint32_t key_of_timed(const window::Timed<Ev>& e) {
  return e.value.key;
}

// A FixedPartitionedSource over in-memory partitions: part "pNNN" is partition NNN (so
// the sorted part i is partition i, read by worker i % W), `per_batch` records per
// next_batch; its snapshot is the index of the next record.
template <class T>
class VectorSource final : public io::FixedPartitionedSource<T> {
 public:
  explicit VectorSource(std::vector<std::vector<T>> parts, std::size_t per_batch = 5)
      : parts_(std::make_shared<const std::vector<std::vector<T>>>(std::move(parts))),
        per_batch_(per_batch) {}

  std::vector<std::string> list_parts(std::uint32_t) override { return part_names(parts_->size()); }
  std::unique_ptr<io::SourcePartition<T>> build_part(const std::string&, const std::string& part,
                                                     std::optional<std::string> state) override {
    const std::size_t p = std::stoul(part.substr(1));
    return std::make_unique<Partition>(parts_, p, state ? std::stoul(*state) : 0, per_batch_);
  }
  static std::string part_name(std::size_t p) {
    std::string digits = std::to_string(p);
    // std::string("p") +, not "p" +: GCC 12 warns -Wrestrict (a false positive, PR 105329)
    // inside libstdc++ for a literal + a temporary string.
    return std::string("p") + std::string(3 - std::min<std::size_t>(3, digits.size()), '0') +
           digits;
  }
  // The names of parts 0 .. n - 1 (other test sources name their parts alike).
  static std::vector<std::string> part_names(std::size_t n) {
    std::vector<std::string> names;
    for (std::size_t p = 0; p < n; ++p) names.push_back(part_name(p));
    return names;
  }

 private:
  class Partition final : public io::SourcePartition<T> {
   public:
    Partition(std::shared_ptr<const std::vector<std::vector<T>>> parts, std::size_t p,
              std::size_t next, std::size_t per_batch)
        : parts_(std::move(parts)), items_(&parts_->at(p)), next_(next), per_batch_(per_batch) {}
    bool next_batch(std::vector<T>& out) override {
      for (std::size_t n = 0; n < per_batch_ && next_ < items_->size(); ++n) {
        out.push_back((*items_)[next_++]);
      }
      return next_ < items_->size();
    }
    std::string snapshot() override { return std::to_string(next_); }

   private:
    std::shared_ptr<const std::vector<std::vector<T>>> parts_;
    const std::vector<T>* items_;
    std::size_t next_;
    std::size_t per_batch_;
  };

  std::shared_ptr<const std::vector<std::vector<T>>> parts_;
  std::size_t per_batch_;
};

// A FixedPartitionedSource whose partitions a test thread feeds during the run: a
// partition hands on what was fed, polls every millisecond while it has nothing, and
// ends once finish()ed and drained. Copies share the partitions. Thread-safe.
template <class T>
class ScriptedSource final : public io::FixedPartitionedSource<T> {
 public:
  explicit ScriptedSource(std::size_t partitions) : state_(std::make_shared<State>()) {
    state_->parts.resize(partitions);
  }
  void feed(std::size_t p, std::vector<T> records) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->parts.at(p).queue.push_back(std::move(records));
  }
  void finish(std::size_t p) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->parts.at(p).finished = true;
  }
  void finish_all() {
    for (std::size_t p = 0; p < state_->parts.size(); ++p) finish(p);
  }

  std::vector<std::string> list_parts(std::uint32_t) override {
    return VectorSource<T>::part_names(state_->parts.size());
  }
  std::unique_ptr<io::SourcePartition<T>> build_part(const std::string&, const std::string& part,
                                                     std::optional<std::string>) override {
    return std::make_unique<Partition>(state_, std::stoul(part.substr(1)));
  }

 private:
  struct Part {
    std::deque<std::vector<T>> queue;
    bool finished = false;
  };
  struct State {
    std::mutex mutex;
    std::vector<Part> parts;
  };
  class Partition final : public io::SourcePartition<T> {
   public:
    Partition(std::shared_ptr<State> state, std::size_t p) : state_(std::move(state)), p_(p) {}
    bool next_batch(std::vector<T>& out) override {
      std::lock_guard<std::mutex> lock(state_->mutex);
      Part& part = state_->parts[p_];
      if (!part.queue.empty()) {
        out = std::move(part.queue.front());
        part.queue.pop_front();
      }
      return !(part.finished && part.queue.empty());
    }
    std::optional<std::chrono::system_clock::time_point> next_awake() override {
      std::lock_guard<std::mutex> lock(state_->mutex);
      const Part& part = state_->parts[p_];
      if (!part.queue.empty() || part.finished) return std::nullopt;
      return std::chrono::system_clock::now() + std::chrono::milliseconds(1);
    }
    std::string snapshot() override { return {}; }

   private:
    std::shared_ptr<State> state_;
    std::size_t p_;
  };
  std::shared_ptr<State> state_;
};

// Polls `done` every 2 ms for at most 10 s; false if it never held.
template <class F>
bool eventually(F&& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

using Parts = std::vector<std::vector<Ev>>;

// `partitions` partitions of `per_partition` events over `keys` keys. Partition p
// starts at a random time and advances ~2 ms per event with +-`jitter` of disorder;
// about one event in 40 is far behind (late at any max_delay below 4 * jitter). Ids
// are unique: p * 1'000'000 + i.
inline Parts random_events(std::uint64_t seed, std::size_t partitions, std::size_t per_partition,
                           std::uint32_t keys, std::int64_t jitter) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  Parts parts(partitions);
  for (std::size_t p = 0; p < partitions; ++p) {
    std::int64_t base = uniform(-20, 300);
    for (std::size_t i = 0; i < per_partition; ++i) {
      base += uniform(0, 4);
      std::int64_t t = base + uniform(-jitter, jitter);
      if (rng() % 40 == 0) t -= 4 * jitter + uniform(1, 50);
      parts[p].push_back(Ev{t, static_cast<std::uint32_t>(rng() % keys), p * 1'000'000 + i});
    }
  }
  return parts;
}

// The definition of lateness, per partition in partition order: an event is late when
// its time is below (the largest time of the earlier on-time events) - max_delay; it
// travels at the epoch of that watermark, every other event at the epoch of its time.
struct Stamped {
  Epoch epoch;
  Ev ev;
  bool late;
  auto operator<=>(const Stamped&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Stamped& s) {
    return os << "(epoch " << s.epoch << ", " << s.ev << (s.late ? ", late)" : ")");
  }
};
inline std::vector<Stamped> reference_stamps(const Parts& parts, std::int64_t epoch_length,
                                             std::int64_t max_delay) {
  std::vector<Stamped> out;
  for (const auto& part : parts) {
    std::optional<std::int64_t> largest;
    for (const Ev& ev : part) {
      if (largest && ev.t < *largest - max_delay) {
        out.push_back({epoch_at(*largest - max_delay, epoch_length), ev, true});
      } else {
        largest = std::max(largest.value_or(ev.t), ev.t);
        out.push_back({epoch_at(ev.t, epoch_length), ev, false});
      }
    }
  }
  return out;
}

// A windower as the reference sees it; visit() calls f with the real one.
struct Shape {
  enum Kind { tumbling, sliding, session };
  Kind kind = tumbling;
  std::int64_t length = 0;  // tumbling, sliding
  std::int64_t offset = 0;  // sliding
  std::int64_t gap = 0;     // session
  std::int64_t align = 0;   // tumbling, sliding

  template <class F>
  void visit(F&& f) const {
    switch (kind) {
      case tumbling:
        f(window::TumblingWindower(Millis(length), at(align)));
        break;
      case sliding:
        f(window::SlidingWindower(Millis(length), Millis(offset), at(align)));
        break;
      case session:
        f(window::SessionWindower(Millis(gap)));
        break;
    }
  }
  friend std::ostream& operator<<(std::ostream& os, const Shape& s) {
    switch (s.kind) {
      case tumbling:
        return os << "tumbling length " << s.length << " align " << s.align;
      case sliding:
        return os << "sliding length " << s.length << " offset " << s.offset << " align "
                  << s.align;
      case session:
        return os << "session gap " << s.gap;
    }
    return os;
  }
};

// One window of the reference: its key, meta, close epoch (of end - 1) and values,
// sorted by (time, id).
struct RefWindow {
  std::uint32_t key;
  WindowMeta meta;
  Epoch close;
  std::vector<Ev> values;
};

// The windows of the on-time events, from the definitions: tumbling [A + kL, A + (k+1)L)
// with id k; sliding, every [A + kS, A + kS + L) containing the time, id k; sessions,
// per key the sorted times split where neighbours are `gap` or more apart, window
// [first, last + gap) with id first.
inline std::vector<RefWindow> reference_windows(const std::vector<Stamped>& stamps,
                                                const Shape& shape, std::int64_t epoch_length) {
  std::map<std::pair<std::uint32_t, std::int64_t>, RefWindow> windows;  // (key, start)
  auto put = [&](const Ev& ev, std::int64_t id, std::int64_t start, std::int64_t end) {
    auto [it, fresh] = windows.try_emplace({ev.key, start});
    if (fresh) {
      it->second = RefWindow{
          ev.key, WindowMeta{id, at(start), at(end)}, epoch_at(end - 1, epoch_length), {}};
    }
    it->second.values.push_back(ev);
  };
  std::map<std::uint32_t, std::vector<Ev>> by_key;
  for (const Stamped& s : stamps) {
    if (s.late) continue;
    const std::int64_t rel = s.ev.t - shape.align;
    if (shape.kind == Shape::tumbling) {
      const std::int64_t k = floor_of(rel, shape.length);
      put(s.ev, k, shape.align + k * shape.length, shape.align + (k + 1) * shape.length);
    } else if (shape.kind == Shape::sliding) {
      // From the last window starting at or before t, back while the window reaches t.
      for (std::int64_t k = floor_of(rel, shape.offset); k * shape.offset + shape.length > rel;
           --k) {
        const std::int64_t start = shape.align + k * shape.offset;
        put(s.ev, k, start, start + shape.length);
      }
    } else {
      by_key[s.ev.key].push_back(s.ev);
    }
  }
  for (auto& [key, evs] : by_key) {
    std::sort(evs.begin(), evs.end());
    std::size_t first = 0;
    for (std::size_t i = 1; i <= evs.size(); ++i) {
      if (i < evs.size() && evs[i].t - evs[i - 1].t < shape.gap) continue;
      const std::int64_t start = evs[first].t, end = evs[i - 1].t + shape.gap;
      for (std::size_t j = first; j < i; ++j) put(evs[j], start, start, end);
      first = i;
    }
  }
  std::vector<RefWindow> out;
  for (auto& [where, w] : windows) {
    std::sort(w.values.begin(), w.values.end(),
              [](const Ev& a, const Ev& b) { return std::tie(a.t, a.id) < std::tie(b.t, b.id); });
    out.push_back(std::move(w));
  }
  return out;
}

// ---- rows: what a stream carried, flattened so that results compare and print ----

template <class K, class O>
using DownRow = std::tuple<Epoch, K, WindowMeta, O>;
template <class K>
using MetaRow = std::tuple<Epoch, K, WindowMeta>;
template <class K, class V>
using LateRow = std::tuple<Epoch, K, V>;

// The three outputs of a window operator, each collected into a TestingSink.
template <class K, class V, class O>
struct WindowSinks {
  TestingSink<std::pair<K, window::Windowed<O>>> down;
  TestingSink<std::pair<K, V>> late;
  TestingSink<std::pair<K, WindowMeta>> meta;

  std::vector<DownRow<K, O>> down_rows() const {
    std::vector<DownRow<K, O>> rows;
    for (const auto& r : down.records()) {
      rows.emplace_back(r.epoch, r.value.first, r.value.second.window, r.value.second.value);
    }
    return rows;
  }
  std::vector<MetaRow<K>> meta_rows() const {
    std::vector<MetaRow<K>> rows;
    for (const auto& r : meta.records()) rows.emplace_back(r.epoch, r.value.first, r.value.second);
    return rows;
  }
  std::vector<LateRow<K, V>> late_rows() const {
    std::vector<LateRow<K, V>> rows;
    for (const auto& r : late.records()) rows.emplace_back(r.epoch, r.value.first, r.value.second);
    return rows;
  }
};
template <class K, class V, class O>
WindowSinks<K, V, O> sink_streams(const std::string& id,
                                  const window::WindowStreams<K, V, O>& streams) {
  WindowSinks<K, V, O> sinks;
  op::output(id + "_down", streams.down, sinks.down);
  op::output(id + "_late", streams.late, sinks.late);
  op::output(id + "_meta", streams.meta, sinks.meta);
  return sinks;
}

// Printing of rows for failure messages.
template <class T>
void show(std::ostream& os, const T& v) {
  os << v;
}
template <class T>
void show(std::ostream& os, const std::vector<T>& v);
template <class T>
void show(std::ostream& os, const std::optional<T>& v) {
  if (v) {
    show(os, *v);
  } else {
    os << "nullopt";
  }
}
template <class A, class B>
void show(std::ostream& os, const std::pair<A, B>& p) {
  os << '(';
  show(os, p.first);
  os << ", ";
  show(os, p.second);
  os << ')';
}
template <class... Ts>
void show(std::ostream& os, const std::tuple<Ts...>& t) {
  os << '(';
  std::apply(
      [&](const auto&... x) {
        std::size_t n = 0;
        ((os << (n++ ? ", " : ""), show(os, x)), ...);
      },
      t);
  os << ')';
}
template <class T>
void show(std::ostream& os, const std::vector<T>& v) {
  os << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) os << ' ';
    show(os, v[i]);
  }
  os << ']';
}
template <class T>
std::string shown(const T& v) {
  std::ostringstream os;
  show(os, v);
  return os.str();
}

// Checks that `got` and `want` hold the same rows in any order; on a difference,
// names the first row (in sorted order) that one has and the other lacks.
template <class Row>
void check_same_rows(std::vector<Row> got, std::vector<Row> want, const std::string& what) {
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  if (got == want) {
    CHECK(got.size() == want.size());
    return;
  }
  auto [g, w] = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
  std::ostringstream msg;
  msg << what << ": got " << got.size() << " rows, want " << want.size() << "; first difference: ";
  if (w == want.end() || (g != got.end() && *g < *w)) {
    msg << "unexpected " << shown(*g);
  } else {
    msg << "missing " << shown(*w);
  }
  FAIL_CHECK(msg.str());
}

// The rows a window's emission would give: (its close epoch, key, meta, value).
template <class O, class F>
std::vector<DownRow<std::uint32_t, O>> closing_rows(const std::vector<RefWindow>& windows, F f) {
  std::vector<DownRow<std::uint32_t, O>> rows;
  for (const RefWindow& w : windows) rows.emplace_back(w.close, w.key, w.meta, f(w.values));
  return rows;
}
inline std::vector<MetaRow<std::uint32_t>> reference_meta(const std::vector<RefWindow>& windows) {
  std::vector<MetaRow<std::uint32_t>> rows;
  for (const RefWindow& w : windows) rows.emplace_back(w.close, w.key, w.meta);
  return rows;
}
inline std::vector<LateRow<std::uint32_t, Ev>> reference_late(const std::vector<Stamped>& stamps) {
  std::vector<LateRow<std::uint32_t, Ev>> rows;
  for (const Stamped& s : stamps) {
    if (s.late) rows.emplace_back(s.epoch, s.ev.key, s.ev);
  }
  return rows;
}

// A keyed event-time stream of `parts` through a VectorSource, keyed by Ev::key.
inline Stream<std::pair<std::uint32_t, window::Timed<Ev>>> keyed_events(const Dataflow& flow,
                                                                        const Parts& parts,
                                                                        window::EventClock clock,
                                                                        std::size_t per_batch = 5) {
  auto events =
      window::event_time_input(flow, "in", VectorSource<Ev>(parts, per_batch), clock, time_of_ev);
  return op::key_on("key", events, key_of_timed);
}

// A run's parameters: the windower, the event clock and the workers.
struct Case {
  Shape shape;
  std::int64_t epoch_length;
  std::int64_t max_delay;
  window::EventClock clock() const { return {Millis(epoch_length), Millis(max_delay)}; }
};
// The windowers and clocks the randomized tests run: tumbling, sliding with overlap,
// sliding with gaps (offset > length), sessions; short, odd and long epochs.
inline std::vector<Case> standard_cases() {
  const std::vector<Shape> shapes = {
      {Shape::tumbling, 50, 0, 0, 7},
      {Shape::sliding, 60, 20, 0, -13},
      {Shape::sliding, 20, 45, 0, 5},
      {Shape::session, 0, 0, 15, 0},
  };
  const std::vector<std::pair<std::int64_t, std::int64_t>> clocks = {{1, 0}, {13, 30}, {400, 8}};
  std::vector<Case> cases;
  for (const Shape& s : shapes) {
    for (const auto& [length, delay] : clocks) cases.push_back(Case{s, length, delay});
  }
  return cases;
}

// Calls f(case, workers) for every case at 1, 2 and 3 workers, naming both in failures.
template <class F>
void for_each_run(const std::vector<Case>& cases, F&& f) {
  for (const Case& c : cases) {
    CAPTURE(c.shape);
    CAPTURE(c.epoch_length);
    CAPTURE(c.max_delay);
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(workers);
      f(c, workers);
    }
  }
}

}  // namespace window_test
