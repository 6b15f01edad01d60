// window::join_window: joins keyed Timed streams within each window (Bytewax's
// `join_window`). Side i is a Stream<std::pair<K, Timed<Vi>>>; down carries
// (key, Windowed<std::tuple<std::optional<V1>, ..., std::optional<Vn>>>).
//
// Insert and emit modes are op::join's (operators/join.hpp), applied per window:
//   complete: emits once every side has a value in the window, then the window's
//             join starts over;
//   final:    emits once, when the window closes, with nullopt for sides that had no
//             value in it (the default here, as in Bytewax);
//   running:  emits on every value, with what each side has so far in the window.
// Session windows merge their joins: a later session's kept values are inserted after
// the earlier one's (first keeps the earlier value, last the later, product both).
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include <sluice/operators/join.hpp>
#include <sluice/windowing/window.hpp>

namespace sluice::window {
namespace detail {

template <class K, class... Vs>
struct JoinWindowLogic {
  using Policy = sluice::detail::JoinPolicy<K, Vs...>;
  Policy policy;
  typename Policy::Value sides;

  template <class U, class E>
  void on_value(U&& value, EventTime, E& out) {
    typename Policy::In v(std::forward<U>(value));
    if (policy.on_item(sides, v, out) == LogicAction::discard) sides = {};
  }
  void on_merge(JoinWindowLogic&& later) { policy.merge(sides, std::move(later.sides)); }
  template <class E>
  void on_close(E& out) {
    policy.on_eof(sides, out);
  }
  const typename Policy::Value& snapshot() const { return sides; }
};

}  // namespace detail

template <class K, class Clock, class W, class... Vs>
requires(sizeof...(Vs) >= 2) auto join_window(std::string id, Clock clock, W windower,
                                              JoinMode mode,
                                              const Stream<std::pair<K, Timed<Vs>>>&... sides) {
  using Tagged = Timed<std::variant<Vs...>>;
  auto tagged = sluice::detail::tag_sides<K, Tagged>(
      NestedStep{id, "sides"}, std::index_sequence_for<Vs...>{},
      [](auto index, auto&& timed) {
        return Tagged{std::variant<Vs...>(index, std::move(timed.value)), timed.time, timed.late};
      },
      sides...);
  using Logic = detail::JoinWindowLogic<K, Vs...>;
  using Value = typename Logic::Policy::Value;
  using U = std::tuple<std::optional<Vs>...>;
  return window<U>(std::move(id), tagged, clock, windower, [mode](std::optional<Value> resume) {
    return Logic{{mode}, resume ? std::move(*resume) : Value{}};
  });
}

// join_window with insert mode last and emit mode final.
template <class K, class Clock, class W, class... Vs>
requires(sizeof...(Vs) >= 2) auto join_window(std::string id, Clock clock, W windower,
                                              const Stream<std::pair<K, Timed<Vs>>>&... sides) {
  return join_window(std::move(id), clock, windower, JoinMode{JoinInsert::last, JoinEmit::final},
                     sides...);
}

}  // namespace sluice::window
