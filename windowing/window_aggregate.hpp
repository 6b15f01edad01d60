// The windowed aggregates (Bytewax's *_window operators), each a window::window with
// a built-in logic; each returns WindowStreams {down, late, meta} (window.hpp), and
// each emits one value per closed window, at its close.
//
//   fold_window(id, keyed, clock, windower, builder, folder[, merger])
//       S builder(); S folder(S, V); S merger(S, S) (needed by session windows: merges
//       a session into the earlier one it now touches)
//   reduce_window(id, keyed, clock, windower, reducer)     V reducer(V, V)
//   count_window(id, keyed, clock, windower)               how many values (uint64)
//   max_window / min_window(id, keyed, clock, windower[, by])
//       the value with the greatest / least by(value) (first of equals, in epoch order)
//   collect_window(id, keyed, clock, windower)             std::vector<V>, sorted by
//       time (values with equal times in epoch order)
// Values apply in epoch order (arrival order within an epoch). State per window is the
// accumulator, which cereal must be able to serialize.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/windowing/window.hpp>

namespace sluice::window {
namespace detail {

struct NoMerger {};

template <class S, class Folder, class Merger>
struct FoldLogic {
  S acc;
  [[no_unique_address]] Folder folder;
  [[no_unique_address]] Merger merger;

  template <class V, class E>
  void on_value(V&& value, EventTime, E&) {
    acc = folder(std::move(acc), std::forward<V>(value));
  }
  void on_merge(FoldLogic&& later) requires(!std::is_same_v<Merger, NoMerger>) {
    acc = merger(std::move(acc), std::move(later.acc));
  }
  template <class E>
  void on_close(E& out) {
    out(std::move(acc));
  }
  const S& snapshot() const { return acc; }
};

// The first value starts the accumulator (a window is never empty when it closes).
template <class V, class Reducer>
struct ReduceLogic {
  std::optional<V> acc;
  [[no_unique_address]] Reducer reducer;

  template <class U, class E>
  void on_value(U&& value, EventTime, E&) {
    if (acc) {
      acc = reducer(std::move(*acc), V(std::forward<U>(value)));
    } else {
      acc.emplace(std::forward<U>(value));
    }
  }
  void on_merge(ReduceLogic&& later) {
    if (later.acc) on_value(std::move(*later.acc), EventTime{}, later);
  }
  template <class E>
  void on_close(E& out) {
    out(std::move(*acc));
  }
  const std::optional<V>& snapshot() const { return acc; }
};

// A value and its time, for collect_window.
template <class V>
struct CollectLogic {
  std::vector<std::pair<std::int64_t, V>> items;

  template <class U, class E>
  void on_value(U&& value, EventTime t, E&) {
    items.emplace_back(t.time_since_epoch().count(), std::forward<U>(value));
  }
  void on_merge(CollectLogic&& later) {
    for (auto& item : later.items) items.push_back(std::move(item));
  }
  template <class E>
  void on_close(E& out) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<V> values;
    values.reserve(items.size());
    for (auto& item : items) values.push_back(std::move(item.second));
    out(std::move(values));
  }
  const auto& snapshot() const { return items; }
};

}  // namespace detail

namespace detail {
// fold_window's arguments, checked in order at the user's call, each failure with what
// to write (and none after it); true when all pass.
template <class K, class V, class Builder, class Folder, class Merger>
constexpr bool check_fold_window() {
  if constexpr (!sluice::detail::RequireKeyHash<K>::value) {
    return false;
  } else if constexpr (!std::is_invocable_v<Builder&>) {
    static_assert(std::is_invocable_v<Builder&>,
                  "fold_window's builder must be `S builder()` (no parameters), returning a "
                  "window's initial accumulator");
    return false;
  } else {
    using S = std::remove_cvref_t<std::invoke_result_t<Builder&>>;
    if constexpr (!std::is_invocable_r_v<S, Folder&, S&&, const V&>) {
      static_assert(std::is_invocable_r_v<S, Folder&, S&&, const V&>,
                    "fold_window's folder must be `S folder(S acc, const V& value)` (or V by "
                    "value), returning the new accumulator: S is what builder() returns, V the "
                    "stream's value type");
      return false;
    } else if constexpr (!std::is_same_v<Merger, NoMerger> &&
                         !std::is_invocable_r_v<S, Merger&, S&&, S&&>) {
      static_assert(std::is_invocable_r_v<S, Merger&, S&&, S&&>,
                    "fold_window's merger must be `S merger(S earlier, S later)`, returning the "
                    "merged accumulator");
      return false;
    } else if constexpr (!CerealSerializable<S>) {
      static_assert(CerealSerializable<S>,
                    "fold_window's accumulator (what builder() returns) must be serializable by "
                    "cereal (snapshots): give it a member `template <class A> void serialize(A& "
                    "a) { a(field1, field2); }`");
      return false;
    } else {
      return true;
    }
  }
}
}  // namespace detail

template <class K, class V, class Clock, class W, class Builder, class Folder,
          class Merger = detail::NoMerger>
auto fold_window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock, W windower,
                 Builder builder, Folder folder, Merger merger = {}) {
  if constexpr (detail::check_fold_window<K, V, Builder, Folder, Merger>()) {
    using S = std::remove_cvref_t<std::invoke_result_t<Builder&>>;
    using Logic = detail::FoldLogic<S, Folder, Merger>;
    return window<S>(std::move(id), up, clock, windower,
                     [builder, folder, merger](std::optional<S> resume) mutable {
                       return Logic{resume ? std::move(*resume) : builder(), folder, merger};
                     });
  }
}

template <class K, class V, class Clock, class W, class Reducer>
auto reduce_window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock,
                   W windower, Reducer reducer) {
  using Logic = detail::ReduceLogic<V, Reducer>;
  return window<V>(std::move(id), up, clock, windower,
                   [reducer](std::optional<std::optional<V>> resume) {
                     return Logic{resume ? std::move(*resume) : std::nullopt, reducer};
                   });
}

template <class K, class V, class Clock, class W>
auto count_window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock,
                  W windower) {
  return fold_window(
      std::move(id), up, clock, windower, [] { return std::uint64_t{0}; },
      [](std::uint64_t n, const V&) { return n + 1; },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
}

template <class K, class V, class Clock, class W, class By = std::identity>
auto max_window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock, W windower,
                By by = {}) {
  return reduce_window(std::move(id), up, clock, windower, [by](V a, V b) mutable {
    return std::invoke(by, b) > std::invoke(by, a) ? std::move(b) : std::move(a);
  });
}

template <class K, class V, class Clock, class W, class By = std::identity>
auto min_window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock, W windower,
                By by = {}) {
  return reduce_window(std::move(id), up, clock, windower, [by](V a, V b) mutable {
    return std::invoke(by, b) < std::invoke(by, a) ? std::move(b) : std::move(a);
  });
}

template <class K, class V, class Clock, class W>
auto collect_window(std::string id, const Stream<std::pair<K, Timed<V>>>& up, Clock clock,
                    W windower) {
  using Logic = detail::CollectLogic<V>;
  using Snap = std::vector<std::pair<std::int64_t, V>>;
  return window<std::vector<V>>(std::move(id), up, clock, windower, [](std::optional<Snap> resume) {
    return Logic{resume ? std::move(*resume) : Snap{}};
  });
}

}  // namespace sluice::window
