// op::stateful_map and op::stateful_flat_map: per-key state threaded through a
// function, Bytewax's `stateful_map`. Input is a keyed stream (std::pair<K, V>),
// exchanged by key and applied in epoch order.
//
//   stateful_map("running_sum", pairs, [](std::uint64_t& sum, std::uint64_t v) {
//     return sum += v;                      // emits (key, new sum)
//   });
//   stateful_map("dedupe", pairs, [](std::optional<Seen>& s, Event e) { ... });
//
// The function's first parameter names the state type: `S&` starts every key at S{}
// and keeps it; `std::optional<S>&` starts at nullopt, and leaving it empty after the
// call discards the key's state. It returns the value to emit (stateful_map) or a
// range of values (stateful_flat_map), each emitted as (key, value) at the item's
// epoch. S must be serializable by cereal (snapshots).
#pragma once

#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>

#include <sluice/operators/detail/callable_traits.hpp>
#include <sluice/operators/detail/keyed_step.hpp>

namespace sluice {
namespace detail {

template <class K, class V, class U, class F, bool Flat>
struct MapPolicy {
  using Value = arg_t<F, 0>;  // S or std::optional<S>
  static constexpr bool kOptional = requires { typename optional_value<Value>::type; };

  F f;

  Value make(const K&) { return Value{}; }
  LogicAction on_item(Value& state, V& value, Emitter<K, U>& out) {
    if constexpr (Flat) {
      for (auto&& u : call(state, value)) out(std::move(u));
    } else {
      out(call(state, value));
    }
    if constexpr (kOptional) {
      return state ? LogicAction::retain : LogicAction::discard;
    } else {
      return LogicAction::retain;
    }
  }
  const Value& snapshot(const Value& state) { return state; }

 private:
  decltype(auto) call(Value& state, V& value) {
    if constexpr (std::is_invocable_v<F&, Value&, V&>) {
      return f(state, value);
    } else {
      return f(state, std::move(value));
    }
  }
};

template <class F, class V>
using map_result_t = std::remove_cvref_t<typename std::conditional_t<
    std::is_invocable_v<F&, arg_t<F, 0>&, V&>, std::invoke_result<F&, arg_t<F, 0>&, V&>,
    std::invoke_result<F&, arg_t<F, 0>&, V&&>>::type>;

}  // namespace detail

namespace op {

template <class K, class V, class F>
auto stateful_map(std::string id, const Stream<std::pair<K, V>>& up, F f) {
  static_assert(sluice::detail::arity_v<F> == 2,
                "stateful_map's function takes (S& state, V value)");
  using U = sluice::detail::map_result_t<F, V>;
  return sluice::detail::keyed_step<U>(std::move(id), up,
                                       sluice::detail::MapPolicy<K, V, U, F, false>{f});
}

template <class K, class V, class F>
auto stateful_flat_map(std::string id, const Stream<std::pair<K, V>>& up, F f) {
  static_assert(sluice::detail::arity_v<F> == 2,
                "stateful_flat_map's function takes (S& state, V value)");
  using R = sluice::detail::map_result_t<F, V>;
  static_assert(std::ranges::input_range<R>, "stateful_flat_map's function must return a range");
  using U = std::ranges::range_value_t<R>;
  return sluice::detail::keyed_step<U>(std::move(id), up,
                                       sluice::detail::MapPolicy<K, V, U, F, true>{f});
}

}  // namespace op
}  // namespace sluice
