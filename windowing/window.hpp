// window::window: the keyed window operator every windowed operator is built on
// (Bytewax's `window` with a WindowLogic). Input is a keyed stream of Timed values,
// from event_time_input or system_time; it is exchanged so each key lives on one
// worker, and applied in epoch order.
//
//   auto w = window::window<O>(id, keyed, clock, windower, builder);
//   w.down : Stream<std::pair<K, Windowed<O>>>   what the logic emitted, with its window
//   w.late : Stream<std::pair<K, V>>             late records (in no window)
//   w.meta : Stream<std::pair<K, WindowMeta>>    each window once, when it closes
//
// `windower` is a TumblingWindower, SlidingWindower or SessionWindower; `clock` an
// EventClock or SystemClock (the same as the source's: it maps times to epochs).
// `builder` is `Logic(std::optional<S> resume)`, called once per (key, window) when
// the window opens (resume = nullopt) or is restored from a snapshot; Logic is
//
//   struct Logic {
//     // A value of the window, in epoch order (arrival order within an epoch). It is
//     // passed as an rvalue, or as a const lvalue by a sliding windower (a value
//     // lands in several windows): take it by value or by const&.
//     void on_value(V value, EventTime time, WindowEmitter<K, O>& out);
//     // Session windows only: `later`, a session that `this` one now bridges to, is
//     // folded into this one (which started earlier).
//     void on_merge(Logic&& later);
//     // The window closed: emit its result(s).
//     void on_close(WindowEmitter<K, O>& out);
//     S snapshot() const;  // cereal must be able to serialize S
//   };
//
// Semantics:
// - A record marked late by its source, or whose time is in an epoch before the one
//   it travels at (its windows may be closed), goes to `late` unchanged, at its epoch.
// - Every other record is given to every window of its key that contains its time.
// - A window [start, end) closes when the operator's input frontier passes the epoch
//   of end - 1 (a session: of last + gap - 1), or at end of input. It emits on_close's
//   output and then its meta record, both at that epoch. No timers, no polling: the
//   operator runs only when input or the frontier changes.
// - A closed window's logic is destroyed; a key with no open window has no state.
//   Per key, the state is the list of open windows (inline: 2 for tumbling, 8 for sliding,
//   1 for sessions), sorted by start; a tumbling or sliding window keeps only its start.
// Costs (per record: the windows it lands in, not the windows its key has open; per
// epoch: the windows that close, not the epochs or keys that wait):
// - A record finds its windows by binary search in its key's sorted list (tumbling and
//   sessions: one window, checked against the latest first; sliding: the first of its
//   consecutive windows, then a walk), and windows it opens go in as runs (one shift
//   per run, not per window).
// - Closing visits only registered keys; a key's due windows are a prefix of its list.
// - The operator holds one capability for all waiting close epochs (at the least) and
//   EpochStash one for all stashed input epochs, moved forward as epochs pass, so an
//   epoch costs no capability of its own.
// - Window ids: tumbling and sliding, the index k of the window; sessions, the start
//   in ms (WindowMeta::id).
// - A throw from the logic stops the run with the step, worker, epoch and the item or
//   key.
// Recovery (operators/detail/keyed_snapshots.hpp): with a recovery directory a key's
// version is its open windows with their logics' snapshots; the operator then
// applies input and closes windows in one epoch order (the windows due before an
// input epoch close before it is applied), so that a snapshot at S holds every
// window closed by S and no record after it. A resumed run restores the keys that
// route to its worker and registers their windows' close epochs again.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include <sluice/operators/detail/callable_traits.hpp>
#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/detail/epoch_stash.hpp>
#include <sluice/operators/detail/keyed_snapshots.hpp>
#include <sluice/operators/detail/keyed_step.hpp>
#include <sluice/operators/detail/serializable.hpp>
#include <sluice/operators/keyed_state.hpp>
#include <sluice/operators/operator_builder.hpp>
#include <sluice/windowing/clock.hpp>
#include <sluice/windowing/windower.hpp>

namespace sluice::window {

struct WindowMeta {
  std::int64_t id = 0;
  EventTime start{};
  EventTime end{};
  bool operator==(const WindowMeta&) const = default;
  auto operator<=>(const WindowMeta&) const = default;
  template <class Archive>
  void serialize(Archive& a) {
    std::int64_t s = start.time_since_epoch().count(), e = end.time_since_epoch().count();
    a(id, s, e);
    start = EventTime(Millis(s));
    end = EventTime(Millis(e));
  }
  friend std::ostream& operator<<(std::ostream& os, const WindowMeta& m) {
    return os << "window " << m.id << " [" << m.start.time_since_epoch().count() << ", "
              << m.end.time_since_epoch().count() << ")";
  }
};

template <class O>
struct Windowed {
  WindowMeta window;
  O value;
  bool operator==(const Windowed&) const = default;
  template <class Archive>
  void serialize(Archive& a) {
    a(window, value);
  }
};

template <class K, class V, class O>
struct WindowStreams {
  Stream<std::pair<K, Windowed<O>>> down;
  Stream<std::pair<K, V>> late;
  Stream<std::pair<K, WindowMeta>> meta;
};

// What a window logic emits through: (key, Windowed{window, value}) at the epoch the
// logic runs for. Valid only during the call it is passed to. The window's metadata is
// worked out on first use (its id costs a division), so a logic that only folds a
// value costs nothing here.
namespace detail {
template <class K, class V, class O, class W, class Build>
class WindowOp;
}  // namespace detail

template <class K, class O>
class WindowEmitter {
 public:
  // The id of window `w` under the windower at `windower`.
  using IdOf = std::int64_t (*)(const void* windower, const Window& w);

  WindowEmitter(Session<std::pair<K, Windowed<O>>>& session, const K& key, const Window& w,
                const void* windower, IdOf id_of)
      : session_(&session), key_(&key), window_(w), windower_(windower), id_of_(id_of) {}
  void operator()(O value) {
    if (held_ != nullptr) [[unlikely]] {
      if (*held_) give(*key_, std::move(**held_));
      held_->emplace(std::move(value));
      return;
    }
    give(*key_, std::move(value));
  }
  const K& key() const { return *key_; }
  const WindowMeta& window() const {
    if (!meta_) meta_ = WindowMeta{id_of_(windower_, window_), window_.start, window_.end};
    return *meta_;
  }

 private:
  template <class, class, class, class, class>
  friend class detail::WindowOp;
  template <class Key>
  void give(Key&& key, O&& value) {
    session_->emplace(std::forward<Key>(key), Windowed<O>{window(), std::move(value)});
  }
  // The window operator's, when a key's last window closes and its state goes: the
  // last value emitted is kept in `held` rather than given, and give_held gives it
  // with the key moved in (no copy of the key for the usual one row per window).
  void hold_last(std::optional<O>& held) { held_ = &held; }
  void give_held(K&& key) {
    if (*held_) give(std::move(key), std::move(**held_));
  }

  Session<std::pair<K, Windowed<O>>>* session_;
  const K* key_;
  Window window_;
  const void* windower_;
  IdOf id_of_;
  mutable std::optional<WindowMeta> meta_;
  std::optional<O>* held_ = nullptr;
};

namespace detail {

template <class W>
inline constexpr bool kSessions = std::is_same_v<W, SessionWindower>;
template <class W>
inline constexpr bool kSliding = std::is_same_v<W, SlidingWindower>;
template <class W>
inline constexpr bool kTumbling = std::is_same_v<W, TumblingWindower>;

// One open window of a key, and its logic. Move-assignable even when the logic is not
// (a lambda with captures inside it): assignment rebuilds the logic in place.
// A session keeps [start, end) and when it closes (both change as sessions merge); a
// tumbling or sliding window keeps its start only (the windower gives its length, so
// its end and close epoch follow), which keeps per-key state small.
template <class Logic, bool Session>
struct OpenWindow;

template <class Logic>
void rebuild_logic(Logic& logic, Logic&& from) {
  std::destroy_at(&logic);
  std::construct_at(&logic, std::move(from));
}

template <class Logic>
struct OpenWindow<Logic, true> {
  Window window;
  // The start of the epoch after the one holding end - 1 (the close epoch): the window
  // closes once the frontier passes that epoch. Kept as a time rather than an epoch so
  // that a record extending the session within its close epoch (most do) is told so
  // by one comparison, without a division.
  EventTime closes_by;
  Logic logic;

  OpenWindow(Window w, EventTime by, Logic&& l) : window(w), closes_by(by), logic(std::move(l)) {}
  OpenWindow(OpenWindow&&) = default;
  OpenWindow& operator=(OpenWindow&& other) noexcept(std::is_nothrow_move_constructible_v<Logic>) {
    if (this != &other) {
      window = other.window;
      closes_by = other.closes_by;
      rebuild_logic(logic, std::move(other.logic));
    }
    return *this;
  }
};

template <class Logic>
struct OpenWindow<Logic, false> {
  EventTime start;
  Logic logic;

  OpenWindow(EventTime s, Logic&& l) : start(s), logic(std::move(l)) {}
  OpenWindow(OpenWindow&&) = default;
  OpenWindow& operator=(OpenWindow&& other) noexcept(std::is_nothrow_move_constructible_v<Logic>) {
    if (this != &other) {
      start = other.start;
      rebuild_logic(logic, std::move(other.logic));
    }
    return *this;
  }
};

// A key's open windows: inline up to what a key usually keeps open (sliding: several;
// tumbling: the current one and, within max_delay, the previous; sessions: a few), on
// the heap beyond.
template <class Logic, bool Session, std::size_t Inline>
using OpenWindows = boost::container::small_vector<OpenWindow<Logic, Session>, Inline>;

// A key's windows as a snapshot holds them: (window, the logic's snapshot).
template <class S>
using WindowsSnapshot = std::vector<std::pair<Window, S>>;

template <class K, class V, class O, class W, class Build>
class WindowOp {
  using In = std::pair<K, Timed<V>>;
  using Logic = std::remove_cvref_t<typename sluice::detail::callable_traits<Build>::result>;
  using S = sluice::detail::builder_state_t<Build>;
  using Open = OpenWindow<Logic, kSessions<W>>;
  using Opens = OpenWindows<Logic, kSessions<W>, kSliding<W> ? 8 : (kTumbling<W> ? 2 : 1)>;
  using State = KeyedState<K, Opens>;
  using iterator = typename State::iterator;
  using Down = std::pair<K, Windowed<O>>;
  using Emit = WindowEmitter<K, O>;
  static_assert(CerealSerializable<K>, "keys of a window operator must be serializable by cereal");
  static_assert(CerealSerializable<S>,
                "a window logic's state (what snapshot() returns) must be serializable by "
                "cereal: give your type a `template <class A> void serialize(A& a)` member");
  static_assert(
      !kSessions<W> || requires(Logic & a, Logic&& b) { a.on_merge(std::move(b)); },
      "session windows merge: the window logic needs on_merge(Logic&&) (fold_window "
      "needs a merger)");

 public:
  struct Ports {
    InputPort<In> in;
    OutputPort<Down> down;
    OutputPort<std::pair<K, V>> late;
    OutputPort<std::pair<K, WindowMeta>> meta;
  };

  WindowOp(OperatorContext& ctx, Ports ports, EpochMap epochs, W windower, Build build)
      : ports_(ports),
        epochs_(epochs),
        windower_(windower),
        build_(std::move(build)),
        per_epoch_(epochs.length.count()),
        snaps_(ctx.enroll_snapshots()) {
    if (snaps_.on()) resume(ctx);
  }

  void operator()(OperatorContext& ctx) {
    auto down = ctx.output(ports_.down);
    auto late = ctx.output(ports_.late);
    // Per epoch of input (begin), then per record, prefetched across epochs.
    std::optional<sluice::detail::Stashed> at;
    std::optional<Session<Down>> to_down;
    std::optional<Session<std::pair<K, V>>> to_late;
    EventTime starts;
    stash_.run_keyed(
        ctx, ctx.input(ports_.in), state_, key_of,
        [&](const sluice::detail::Stashed& now) {
          if (snaps_.on()) {
            // Recovery: one epoch order for closing and applying (see the top).
            close_passed(ctx, down, now.at);
            snaps_.before(now.at, state_, snapshot_of());
          }
          at.emplace(now);
          to_down.emplace(sluice::detail::session_at(down, now));
          to_late.emplace(sluice::detail::session_at(late, now));
          // A time before the epoch starts (epoch(time) < epoch) may be in closed
          // windows; epoch 0 also holds every earlier time.
          starts = now.at == 0 ? EventTime::min() : epochs_.start_of(now.at);
        },
        [&](In& kv, std::uint64_t hash) {
          Timed<V>& v = kv.second;
          if (v.late || v.time < starts) {
            to_late->give(std::pair<K, V>(std::move(kv.first), std::move(v.value)));
            return;
          }
          add(kv.first, hash, v, *to_down, *at);
        });
    close_passed(ctx, down);
    if (snaps_.on()) snaps_.after(ctx.frontier(0), state_, snapshot_of());
  }

  State& state() { return state_; }

  // The snapshot of one key's windows, and its inverse (for recovery). restore() only
  // rebuilds the windows: a resume that installs them in state() must also register
  // each window's close epoch (close_later) with a capability at the resume epoch —
  // the recovery issue wires this.
  WindowsSnapshot<S> snapshot(const Opens& opens) const {
    WindowsSnapshot<S> out;
    for (const Open& o : opens) out.emplace_back(window_of(o), o.logic.snapshot());
    return out;
  }
  Opens restore(WindowsSnapshot<S> snap) {
    Opens opens;
    for (auto& [w, s] : snap) opens.push_back(make_open(w, build_(std::move(s))));
    std::sort(opens.begin(), opens.end(), [this](const Open& a, const Open& b) {
      return window_of(a).start < window_of(b).start;
    });
    return opens;
  }

  // An open window's [start, end), and the epoch it closes at (once the frontier
  // passes it).
  Window window_of(const Open& o) const {
    if constexpr (kSessions<W>) {
      return o.window;
    } else {
      return Window{o.start, o.start + windower_.length()};
    }
  }
  Epoch close_epoch(const Open& o) const { return close_of(window_of(o)); }

 private:
  static const K& key_of(const In& kv) { return kv.first; }
  auto snapshot_of() const {
    return [this](const Opens& opens) { return snapshot(opens); };
  }
  // Recovery: the committed windows of the keys routed here, each registered to close
  // (under a capability at the resume epoch: no window of a snapshot closes before).
  void resume(OperatorContext& ctx) {
    Capability at = ctx.take_initial_capability();
    at.downgrade(snaps_.handle().first_epoch());
    snaps_.restore<K, WindowsSnapshot<S>>(
        ctx, [&](K key, std::uint64_t hash, WindowsSnapshot<S> snap) {
          auto it = state_.find_or_make(key, hash, [&] { return restore(std::move(snap)); });
          for (const Open& o : State::value(it)) close_later(hash, close_epoch(o), at);
        });
    state_.track_changes();  // after the restore: the restored keys count as stored
  }
  // epochs_.epoch_of(end - 1), without a division (a new window per record, sliding).
  Epoch close_of(const Window& w) const {
    const std::int64_t last = (w.end - Millis(1)).time_since_epoch().count();
    return last <= 0 ? 0 : static_cast<Epoch>(per_epoch_(last));
  }
  Open make_open(const Window& w, Logic&& logic) const {
    if constexpr (kSessions<W>) {
      return Open(w, epochs_.start_of(close_of(w) + 1), std::move(logic));
    } else {
      return Open(w.start, std::move(logic));
    }
  }
  Emit emitter(Session<Down>& to_down, const K& key, const Window& w) const {
    return Emit(to_down, key, w, &windower_, [](const void* windower, const Window& x) {
      return static_cast<const W*>(windower)->id_of(x);
    });
  }

  // Registers `key` to be visited when the frontier passes `close`; `at` (a batch,
  // stashed items or a capability, at an epoch <= close) gives the capability when
  // `close` is earlier than every waiting close epoch.
  template <class At>
  void close_later(std::uint64_t hash, Epoch close, const At& at) {
    // New windows mostly close at the epoch the previous one did: no map search then.
    if (last_closing_ == nullptr || last_close_ != close) {
      auto [it, fresh] = closing_.try_emplace(close);
      if (fresh && (!closing_cap_ || close < closing_cap_.epoch())) {
        Capability cap = sluice::detail::capability_at(at, close);
        closing_cap_ = std::move(cap);
      }
      last_closing_ = &it->second;  // map values stay put (also when the map moves)
      last_close_ = close;
    }
    // A record's windows (sliding) mostly close together: one visit for them (a
    // visit covers every key of the hash).
    if (last_closing_->empty() || last_closing_->back() != hash) last_closing_->push_back(hash);
  }

  // Gives the value to its key's windows; a value in no window (in a sliding
  // windower's gap) leaves no state behind.
  template <class At>
  void add(const K& key_in, std::uint64_t hash, Timed<V>& v, Session<Down>& to_down, const At& at) {
    iterator it = state_.end();
    auto find = [&] {
      if (it == state_.end()) it = state_.find_or_make(key_in, hash, [] { return Opens{}; });
      return it;
    };
    if constexpr (kSessions<W>) {
      find();
      add_to_session(it->first, hash, State::value(it), v, to_down, at);
    } else if constexpr (kTumbling<W>) {
      // One window per time, usually open already: no division on that path.
      find();
      Opens& opens = State::value(it);
      const Millis length = windower_.length();
      // The first window ending after t (ends increase with starts): usually the last.
      std::size_t i = opens.size();
      if (i > 0 && v.time < opens[i - 1].start + length) {
        if (opens[i - 1].start <= v.time) {
          --i;
        } else {
          i = static_cast<std::size_t>(
              std::partition_point(opens.begin(), opens.end(),
                                   [&](const Open& x) { return x.start + length <= v.time; }) -
              opens.begin());
        }
      }
      if (i == opens.size() || v.time < opens[i].start) {
        const Window w = windower_.window_of(v.time);
        opens.insert(opens.begin() + static_cast<std::ptrdiff_t>(i),
                     make_open(w, build_(std::nullopt)));
        close_later(hash, close_of(w), at);
      }
      Emit emit = emitter(to_down, it->first, window_of(opens[i]));
      opens[i].logic.on_value(std::move(v.value), v.time, emit);
    } else if constexpr (kSliding<W>) {
      add_sliding(it, hash, find, v, to_down, at);
    } else {
      // Another windower: its windows in any order, each found by binary search.
      windower_.for_each_window(v.time, [&](const Window& w) {
        find();
        const K& key = it->first;
        Opens& opens = State::value(it);
        auto o = std::lower_bound(opens.begin(), opens.end(), w.start,
                                  [](const Open& x, EventTime s) { return x.start < s; });
        if (o == opens.end() || o->start != w.start) {
          o = opens.insert(o, make_open(w, build_(std::nullopt)));
          close_later(hash, close_of(w), at);
        }
        Emit emit = emitter(to_down, key, w);
        o->logic.on_value(std::as_const(v.value), v.time, emit);
      });
    }
    if (it != state_.end()) state_.changed(it);
  }

  // A sliding windower's windows of a time are consecutive starts, earliest first: the
  // first is found by binary search in the key's sorted list, the others by walking on.
  // Windows to open are appended, and each run of them rotated into place afterwards
  // (runs_: where each goes, in list order), so a record costs the windows it lands in
  // plus one shift per run (there are at most a few: a key's open windows are the
  // union of its records' consecutive ranges, minus a closed prefix).
  template <class Find, class At>
  void add_sliding(iterator& it, std::uint64_t hash, Find& find, Timed<V>& v,
                   Session<Down>& to_down, const At& at) {
    std::size_t old_n = 0;  // windows of the key before this record
    std::size_t p = 0;      // the next of them a window of this record may be
    bool first = true;
    runs_.clear();
    windower_.for_each_window(v.time, [&](const Window& w) {
      find();
      const K& key = it->first;
      Opens& opens = State::value(it);
      if (first) {
        first = false;
        old_n = opens.size();
        p = static_cast<std::size_t>(
            std::lower_bound(opens.begin(), opens.end(), w.start,
                             [](const Open& x, EventTime s) { return x.start < s; }) -
            opens.begin());
      }
      Open* o;
      if (p < old_n && opens[p].start == w.start) {
        o = &opens[p++];
      } else {
        if (runs_.empty() || runs_.back().first != p) runs_.emplace_back(p, 0);
        ++runs_.back().second;
        opens.push_back(make_open(w, build_(std::nullopt)));
        o = &opens.back();
        close_later(hash, close_of(w), at);
      }
      Emit emit = emitter(to_down, key, w);
      o->logic.on_value(std::as_const(v.value), v.time, emit);
    });
    if (runs_.empty() || (runs_.size() == 1 && runs_[0].first == old_n)) return;
    Opens& opens = State::value(it);
    std::size_t shift = 0;  // windows of earlier runs already moved into place
    for (const auto& [dest, len] : runs_) {
      const auto base = opens.begin();
      std::rotate(base + static_cast<std::ptrdiff_t>(dest + shift),
                  base + static_cast<std::ptrdiff_t>(old_n + shift),
                  base + static_cast<std::ptrdiff_t>(old_n + shift + len));
      shift += len;
    }
  }

  // In a key's sessions (sorted by start and disjoint, so their ends are sorted too),
  // the range [i, j) of those time t is closer than `gap` to: end > t and
  // start - gap < t; i == j when t starts a session of its own at i. Binary searches:
  // a key with many open sessions costs a record O(log n), not O(n).
  static std::pair<std::size_t, std::size_t> sessions_near(const Opens& opens, EventTime t,
                                                           Millis gap) {
    const auto i = std::partition_point(opens.begin(), opens.end(),
                                        [&](const Open& o) { return o.window.end <= t; });
    const auto j = std::partition_point(i, opens.end(),
                                        [&](const Open& o) { return o.window.start - gap < t; });
    return {static_cast<std::size_t>(i - opens.begin()),
            static_cast<std::size_t>(j - opens.begin())};
  }

  template <class At>
  void add_to_session(const K& key, std::uint64_t hash, Opens& opens, Timed<V>& v,
                      Session<Down>& to_down, const At& at) {
    const Millis gap = windower_.gap();
    const EventTime t = v.time;
    const auto [i, j] = sessions_near(opens, t, gap);
    if (i == j) {
      const Window w{t, t + gap};
      opens.insert(opens.begin() + static_cast<std::ptrdiff_t>(i),
                   make_open(w, build_(std::nullopt)));
      close_later(hash, close_of(w), at);
    } else {
      Open& o = opens[i];
      const Window w{std::min(o.window.start, t), std::max(opens[j - 1].window.end, t + gap)};
      if (j > i + 1) {  // t bridges sessions: they merge into the first
        for (std::size_t k = i + 1; k < j; ++k) o.logic.on_merge(std::move(opens[k].logic));
        opens.erase(opens.begin() + static_cast<std::ptrdiff_t>(i + 1),
                    opens.begin() + static_cast<std::ptrdiff_t>(j));
      }
      Open& joined = opens[i];
      joined.window = w;
      // A session only grows: it closes later once its end passes closes_by. It is
      // registered again lazily: the visit at the epoch it registered for finds it
      // still open and registers it at its current close epoch (close_key), once per
      // visit rather than once per epoch it grows into.
      if (w.end > joined.closes_by) joined.closes_by = epochs_.start_of(close_of(w) + 1);
    }
    Emit emit = emitter(to_down, key, opens[i].window);
    opens[i].logic.on_value(std::move(v.value), t, emit);
  }

  // Closes the windows whose close epoch the input frontier has passed (all of them
  // at end of input), in epoch order, each epoch's output under closing_cap_ (at the
  // least of them), which then moves once, to the least epoch still waiting.
  // `before`: only those closing before that epoch (one the input frontier has reached).
  void close_passed(OperatorContext& ctx, OutputHandle<Down>& down,
                    Epoch before = recovery::layout::kComplete) {
    const Frontier& frontier = ctx.frontier(0);
    if (closing_.empty() || closing_.begin()->first >= before) return;
    auto meta = ctx.output(ports_.meta);
    const bool metas = meta.connected();
    bool closed = false;
    while (!closing_.empty() && closing_.begin()->first < before &&
           (frontier.empty() || closing_.begin()->first < frontier.least())) {
      if (last_closing_ == &closing_.begin()->second) last_closing_ = nullptr;
      auto node = closing_.extract(closing_.begin());
      const Epoch epoch = node.key();
      closed = true;
      if (snaps_.on()) snaps_.before(epoch, state_, snapshot_of());
      auto to_down = down.session(closing_cap_, epoch);
      auto to_meta = meta.session(closing_cap_, epoch);
      ctx.at_epoch(epoch, [&] {
        state_.for_each_prefetched_hashed(
            node.mapped(), [](std::uint64_t h) { return h; },
            [&](std::uint64_t&, std::uint64_t hash) {
              state_.for_each_of_hash(hash, [&](iterator it) {
                return close_key(it, hash, epoch, to_down, metas ? &to_meta : nullptr);
              });
            });
      });
    }
    if (!closed) return;
    if (closing_.empty()) {
      closing_cap_.drop();
    } else {
      closing_cap_.downgrade(closing_.begin()->first);
    }
  }

  // Closes the windows of the key at `it` (of hash `hash`) due at `epoch` (a
  // registration visited); their meta records go to `to_meta` unless it is null
  // (nobody reads the meta stream). Registers the key again for a session still open.
  // The due windows are a prefix of the key's list (ends, and so close epochs, grow
  // with starts): a visit costs the windows it closes. Returns whether the key's
  // state went (its last window closed).
  bool close_key(iterator it, std::uint64_t hash, Epoch epoch, Session<Down>& to_down,
                 Session<std::pair<K, WindowMeta>>* to_meta) {
    const K& key = it->first;
    Opens& opens = State::value(it);
    // Due: closing at `epoch` or before, i.e. ending by the next epoch's start (no
    // division).
    const EventTime next = epochs_.start_of(epoch + 1);
    const auto due = [&](const Open& o) {
      if constexpr (kSessions<W>) {
        return o.closes_by <= next;
      } else {
        return o.start + windower_.length() <= next;
      }
    };
    std::size_t n = 0;
    while (n < opens.size() && due(opens[n])) ++n;
    // Every window closes and the key's state goes: its last row takes the key by
    // move, not a copy (unless a meta record or the change log still needs it).
    const bool moves_key = n == opens.size() && to_meta == nullptr && !state_.tracking();
    std::optional<O> held;
    sluice::detail::for_key(key, [&] {
      for (std::size_t k = 0; k < n; ++k) {
        Open& o = opens[k];
        Emit emit = emitter(to_down, key, window_of(o));
        if (!moves_key || k + 1 < n) {
          o.logic.on_close(emit);
          if (to_meta != nullptr) to_meta->give(std::pair<K, WindowMeta>(key, emit.window()));
          continue;
        }
        emit.hold_last(held);
        o.logic.on_close(emit);
        emit.give_held(std::move(it->first));
      }
    });
    if (n > 0) {
      if (n == opens.size()) {
        state_.erase(it);
        return true;
      }
      opens.erase(opens.begin(), opens.begin() + static_cast<std::ptrdiff_t>(n));
      state_.changed(it);
    }
    if constexpr (kSessions<W>) {
      // Its sessions that grew past the epoch they registered for (see add_to_session),
      // at the earliest of their close epochs, the first session's. A session
      // registered there already only gets a second, stale visit.
      close_later(hash, close_epoch(opens.front()), closing_cap_);
    }
    return false;
  }

  Ports ports_;
  EpochMap epochs_;
  W windower_;
  Build build_;
  State state_;
  sluice::detail::EpochStash<In> stash_;
  // The keys to visit when the frontier passes an epoch, by their hash only (a visit
  // finds every key of the hash: State::for_each_of_hash): no key copy per window.
  std::map<Epoch, std::vector<std::uint64_t>> closing_;  // close epoch -> hashes to visit
  Capability closing_cap_;  // at closing_'s least epoch while it is non-empty
  std::vector<std::uint64_t>* last_closing_ = nullptr;  // close_later's last, at last_close_
  // add_sliding's runs of windows to open: (position in the key's list, length).
  std::vector<std::pair<std::size_t, std::size_t>> runs_;
  Epoch last_close_ = 0;
  FloorDivider per_epoch_;  // by the epoch length
  sluice::detail::KeyedSnapshots snaps_;
};

}  // namespace detail

// The general window operator (see the top of this file). O is the type the logic
// emits; the logic is what builder(std::optional<S>) returns.
template <class O, class K, class V, class Clock, class W, class Build>
WindowStreams<K, V, O> window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock,
                              W windower, Build builder) {
  static_assert(sizeof(sluice::detail::RequireKeyHash<K>) >
                0);  // fails inside, saying what to write
  static_assert(sluice::detail::HasSignature<Build>,
                "window's builder must spell out its parameter type, e.g. "
                "[](std::optional<S> resume) { return Logic{...}; }: the state type S is read "
                "from it (a generic `auto` lambda does not name one)");
  using In = std::pair<K, Timed<V>>;
  using Op = detail::WindowOp<K, V, O, W, Build>;
  OperatorBuilder b(up, std::move(id));
  if constexpr (requires { clock.validate_for(b.step_path()); }) clock.validate_for(b.step_path());
  if constexpr (requires { windower.validate_for(b.step_path()); }) {
    windower.validate_for(b.step_path());  // a sliding windower's windows per record
  }
  auto in = b.add_input(up, exchange([](const In& kv) -> const K& { return kv.first; }));
  auto [down_port, down] = b.template add_output<std::pair<K, Windowed<O>>>();
  auto [late_port, late] = b.template add_output<std::pair<K, V>>();
  auto [meta_port, meta] = b.template add_output<std::pair<K, WindowMeta>>();
  typename Op::Ports ports{in, down_port, late_port, meta_port};
  b.build([ports, clock, windower, builder](OperatorContext& ctx) {
    return Op(ctx, ports, clock.epochs(ctx.config()), windower, builder);
  });
  return {down, late, meta};
}

}  // namespace sluice::window
