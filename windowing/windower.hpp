// Windowers: which windows an event time falls into. Pure value types with no threads
// or I/O; the window operators (window.hpp) call them per record.
//
// Time is event time in milliseconds since the Unix epoch (EventTime); a window is
// the half-open interval [start, end).
//   TumblingWindower{length, align_to}: windows [A + kL, A + (k+1)L), one per time.
//   SlidingWindower{length, slide, align_to}: windows of length L starting at
//     A + kS; a time is in every one that contains it: about L/S of them, or none when
//     S > L leaves it in a gap (allowed).
//   SessionWindower{gap}: per key, times closer than `gap` to a neighbour form one
//     session [first, last + gap); a time that bridges two sessions merges them
//     (SessionSet keeps one key's open sessions).
//
// Supported range (decision): every time is within +-kMaxTimeMs = 2^61 - 1 ms (about
// 73 million years either side of 1970), and so is every window alignment; every
// duration (window length, slide, gap, and the event clock's epoch length and max
// delay) is from 1 (max delay: 0) to kMaxTimeMs. Then every sum the windowing layer
// forms (a time plus a length plus an epoch length, a time minus a delay, a window
// start A + kS) stays below 2^63 and is exact: no window is ever cut, shifted or
// wrapped. A duration or alignment outside its range is refused with ConfigError when
// the windower (or clock) is made; a record whose time is outside is refused where it
// gets its time (Watermark::stamp: event_time_input stops the run naming the record),
// and by the windowers' own calls (std::out_of_range naming the time).
//
// Windows per record (decision): a sliding windower puts each time in up to
// ceil(L/S) windows, and the operator does that much work per record, so the window
// operators refuse (ConfigError naming the step, L and S) one with ceil(L/S) above its
// max_windows_per_time, kDefaultMaxWindowsPerTime = 10,000 unless given; the limit
// also bounds the open windows per key a record has to find.
// A zero or negative length, slide or gap is refused with ConfigError.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <sluice/engine/error.hpp>

namespace sluice::window {

using Millis = std::chrono::milliseconds;
using EventTime = std::chrono::sys_time<Millis>;

// The supported range of times and durations (see the top of this file).
inline constexpr std::int64_t kMaxTimeMs = (std::int64_t{1} << 61) - 1;
inline constexpr EventTime kMinTime = EventTime(Millis(-kMaxTimeMs));
inline constexpr EventTime kMaxTime = EventTime(Millis(kMaxTimeMs));
inline constexpr Millis kMaxDuration = Millis(kMaxTimeMs);
inline constexpr std::int64_t kDefaultMaxWindowsPerTime = 10'000;

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
// A duration in [1, kMaxTimeMs] ms.
inline void require_positive(Millis value, const char* what) {
  if (value.count() <= 0) {
    throw ConfigError(std::string(what) + " must be positive (got " +
                      std::to_string(value.count()) + " ms)");
  }
  if (value > kMaxDuration) {
    throw ConfigError(std::string(what) + " must be at most " + std::to_string(kMaxTimeMs) +
                      " ms (got " + std::to_string(value.count()) + " ms)");
  }
}
// An alignment in [-kMaxTimeMs, kMaxTimeMs] ms.
inline EventTime require_in_range(EventTime align, const char* what) {
  if (align < kMinTime || align > kMaxTime) {
    throw ConfigError(std::string(what) + " must be from " + std::to_string(-kMaxTimeMs) + " to " +
                      std::to_string(kMaxTimeMs) + " ms (got " +
                      std::to_string(align.time_since_epoch().count()) + " ms)");
  }
  return align;
}
// "event time T ms is outside the supported range ..." (std::out_of_range), for a
// record's time outside [kMinTime, kMaxTime]. Out of line: the callers' rare path.
[[noreturn, gnu::noinline, gnu::cold]] inline void time_out_of_range(EventTime t) {
  throw std::out_of_range("event time " + std::to_string(t.time_since_epoch().count()) +
                          " ms is outside the supported range, " + std::to_string(-kMaxTimeMs) +
                          " to " + std::to_string(kMaxTimeMs) + " ms");
}
inline void check_time(EventTime t) {
  if (t < kMinTime || t > kMaxTime) time_out_of_range(t);
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
      : length_(length),
        align_(detail::require_in_range(align_to, "a tumbling window's alignment")),
        per_length_(checked(length).count()) {}
  // The one window containing t. Throws std::out_of_range for a time outside
  // [kMinTime, kMaxTime].
  Window window_of(EventTime t) const {
    detail::check_time(t);
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
  // `offset` is the slide S: the distance between window starts.
  SlidingWindower(Millis length, Millis offset, EventTime align_to = EventTime{},
                  std::int64_t max_windows_per_time = kDefaultMaxWindowsPerTime)
      : length_(checked(length, "a sliding window's length")),
        offset_(checked(offset, "a sliding window's slide")),
        align_(detail::require_in_range(align_to, "a sliding window's alignment")),
        per_offset_(offset.count()),
        max_windows_(max_windows_per_time) {
    if (max_windows_per_time < 1) {
      throw ConfigError("a sliding window's max_windows_per_time must be at least 1 (got " +
                        std::to_string(max_windows_per_time) + ")");
    }
  }
  // The most windows a time is in: ceil(L / S).
  std::int64_t windows_per_time() const {
    return (length_.count() + offset_.count() - 1) / offset_.count();
  }
  // Throws ConfigError, prefixed by "step '<step_path>': ", when a time is in more
  // than max_windows_per_time windows. The window operators call it.
  void validate_for(const std::string& step_path) const {
    if (windows_per_time() <= max_windows_) return;
    const std::int64_t least_slide = (length_.count() + max_windows_ - 1) / max_windows_;
    throw ConfigError(
        "step '" + step_path + "': a sliding window of length " + std::to_string(length_.count()) +
        " ms and slide " + std::to_string(offset_.count()) + " ms puts each record in up to " +
        std::to_string(windows_per_time()) + " windows, more than the limit of " +
        std::to_string(max_windows_) + ": make the slide at least " + std::to_string(least_slide) +
        " ms or the length at most " + std::to_string(max_windows_ * offset_.count()) + " ms");
  }
  // Calls f(Window) for every window containing t, earliest first. Throws
  // std::out_of_range for a time outside [kMinTime, kMaxTime].
  template <class F>
  void for_each_window(EventTime t, F&& f) const {
    detail::check_time(t);
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
  std::int64_t max_windows_;
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
