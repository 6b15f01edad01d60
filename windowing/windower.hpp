// Windowers: which windows an event time falls into (DESIGN.md, "Time and windowing
// semantics"). Pure value types with no threads or I/O; the window operators
// (windowing issue, in progress) call them per record.
//
// Time is event time in milliseconds since the Unix epoch (EventTime); a window is
// the half-open interval [start, end).
//   TumblingWindower{length, align_to}: windows [A + kL, A + (k+1)L), one per time.
//   SlidingWindower{length, offset, align_to}: windows of length L starting at
//     A + kS; a time is in every one that contains it: L/S of them, or none when
//     S > L leaves it in a gap (allowed).
//   SessionWindower{gap}: per key, times closer than `gap` to a neighbour form one
//     session [first, last + gap); a time that bridges two sessions merges them
//     (SessionSet keeps one key's open sessions).
// A zero or negative length, offset or gap is refused with ConfigError.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <sluice/engine/error.hpp>

namespace sluice::window {

using Millis = std::chrono::milliseconds;
using EventTime = std::chrono::sys_time<Millis>;

struct Window {
  EventTime start;
  EventTime end;
  bool contains(EventTime t) const { return start <= t && t < end; }
  bool operator==(const Window&) const = default;
  template <class Archive>
  void serialize(Archive& a) {
    std::int64_t s = start.time_since_epoch().count(), e = end.time_since_epoch().count();
    a(s, e);
    start = EventTime(Millis(s));
    end = EventTime(Millis(e));
  }
};

namespace detail {
inline void require_positive(Millis value, const char* what) {
  if (value.count() <= 0) {
    throw ConfigError(std::string(what) + " must be positive (got " +
                      std::to_string(value.count()) + " ms)");
  }
}
// floor(a / b) for b > 0.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// floor(a / d) for a fixed d > 0, without a 64-bit division (tens of cycles, on every
// record of a windowed stream): a double-precision estimate, truncated (no call to
// floor) and stepped to the exact quotient, from which it is at most two away when
// |a| and d are at most 2^52; beyond that it is floor_div. Forced inline: it is on
// every record's path, where GCC would otherwise call it.
class FloorDivider {
 public:
  explicit FloorDivider(std::int64_t d)
      : d_(d), inverse_(d > 0 ? 1.0 / static_cast<double>(d) : 0.0), fast_(d > 0 && d <= kExact) {}
  [[gnu::always_inline]] std::int64_t operator()(std::int64_t a) const {
    if (!fast_ || a > kExact || a < -kExact) return floor_div(a, d_);
    auto q = static_cast<std::int64_t>(static_cast<double>(a) * inverse_);
    while (q * d_ > a) --q;
    while ((q + 1) * d_ <= a) ++q;
    return q;
  }
  std::int64_t divisor() const { return d_; }

 private:
  static constexpr std::int64_t kExact = std::int64_t{1} << 52;
  std::int64_t d_;
  double inverse_;
  bool fast_;
};
}  // namespace detail

class TumblingWindower {
 public:
  TumblingWindower(Millis length, EventTime align_to = EventTime{})
      : length_(length), align_(align_to), per_length_(checked(length).count()) {}
  // The one window containing t.
  Window window_of(EventTime t) const {
    const std::int64_t k = per_length_((t - align_).count());
    const EventTime start = align_ + length_ * k;
    return {start, start + length_};
  }
  template <class F>
  void for_each_window(EventTime t, F&& f) const {
    f(window_of(t));
  }
  // The window's index k: it is [A + kL, A + (k+1)L).
  std::int64_t id_of(const Window& w) const { return per_length_((w.start - align_).count()); }
  Millis length() const { return length_; }

 private:
  static Millis checked(Millis length) {
    detail::require_positive(length, "a tumbling window's length");
    return length;
  }
  Millis length_;
  EventTime align_;
  detail::FloorDivider per_length_;
};

class SlidingWindower {
 public:
  SlidingWindower(Millis length, Millis offset, EventTime align_to = EventTime{})
      : length_(checked(length, "a sliding window's length")),
        offset_(checked(offset, "a sliding window's offset")),
        align_(align_to),
        per_offset_(offset.count()) {}
  // Calls f(Window) for every window containing t, earliest first.
  template <class F>
  void for_each_window(EventTime t, F&& f) const {
    const std::int64_t rel = (t - align_).count();
    // Windows k with k*S <= rel < k*S + L.
    const std::int64_t last = per_offset_(rel);
    const std::int64_t first = per_offset_(rel - length_.count()) + 1;
    for (std::int64_t k = first; k <= last; ++k) {
      const EventTime start = align_ + offset_ * k;
      f(Window{start, start + length_});
    }
  }
  std::vector<Window> windows_of(EventTime t) const {
    std::vector<Window> out;
    for_each_window(t, [&](const Window& w) { out.push_back(w); });
    return out;
  }
  // The window's index k: it starts at A + kS.
  std::int64_t id_of(const Window& w) const { return per_offset_((w.start - align_).count()); }
  Millis length() const { return length_; }

 private:
  static Millis checked(Millis value, const char* what) {
    detail::require_positive(value, what);
    return value;
  }
  Millis length_;
  Millis offset_;
  EventTime align_;
  detail::FloorDivider per_offset_;
};

// Session windows: per key, times closer than `gap` to a neighbour form one session
// [first, last + gap). A session's id is its start in ms. The window operators keep
// one key's sessions as SessionSet does.
class SessionWindower {
 public:
  explicit SessionWindower(Millis gap) : gap_(gap) {
    detail::require_positive(gap, "a session window's gap");
  }
  Millis gap() const { return gap_; }
  std::int64_t id_of(const Window& w) const { return w.start.time_since_epoch().count(); }

 private:
  Millis gap_;
};

namespace detail {
// In a key's sessions (sorted by start and disjoint), the range [i, j) of those time t
// is closer than `gap` to: end(s) > t and start(s) - gap < t, where a session's end is
// its last time + gap. Empty (i == j) when t starts a session of its own at i.
template <class Sessions, class Start, class End>
std::pair<std::size_t, std::size_t> sessions_near(const Sessions& sessions, EventTime t, Millis gap,
                                                  Start start, End end) {
  std::size_t i = 0;
  while (i < sessions.size() && end(sessions[i]) <= t) ++i;
  std::size_t j = i;
  while (j < sessions.size() && start(sessions[j]) - gap < t) ++j;
  return {i, j};
}
}  // namespace detail

// One key's open sessions, sorted by start and disjoint.
class SessionSet {
 public:
  struct Session {
    EventTime first;
    EventTime last;
    bool operator==(const Session&) const = default;
  };

  explicit SessionSet(Millis gap) : gap_(gap) {
    detail::require_positive(gap, "a session window's gap");
  }

  // Adds time t: it joins the session it is closer than `gap` to, merging sessions it
  // bridges, or starts one. Returns the index of the session now holding t; `merged`
  // receives the (former) indexes of sessions folded into it, in increasing order.
  std::size_t add(EventTime t, std::vector<std::size_t>* merged = nullptr) {
    const auto [i, j] = detail::sessions_near(
        sessions_, t, gap_, [](const Session& s) { return s.first; },
        [this](const Session& s) { return s.last + gap_; });
    if (i == j) {
      sessions_.insert(sessions_.begin() + static_cast<std::ptrdiff_t>(i), Session{t, t});
      return i;
    }
    Session joined{std::min(sessions_[i].first, t), std::max(sessions_[j - 1].last, t)};
    if (merged) {
      for (std::size_t k = i + 1; k < j; ++k) merged->push_back(k);
    }
    sessions_[i] = joined;
    sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i + 1),
                    sessions_.begin() + static_cast<std::ptrdiff_t>(j));
    return i;
  }
  // The window of session i: [first, last + gap).
  Window window(std::size_t i) const { return {sessions_[i].first, sessions_[i].last + gap_}; }
  const std::vector<Session>& sessions() const { return sessions_; }
  void erase(std::size_t i) { sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i)); }
  bool empty() const { return sessions_.empty(); }

 private:
  Millis gap_;
  std::vector<Session> sessions_;
};

}  // namespace sluice::window
