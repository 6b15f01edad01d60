// op::stateful_map and op::stateful_flat_map: per-key state threaded through a
// function, Bytewax's `stateful_map`. Input is a keyed stream (std::pair<K, V>),
// exchanged by key and applied in epoch order.
//
// Example:
//   #include <sluice/sluice.hpp>
//
//   // (key, value) -> (key, the sum of the key's values so far)
//   sluice::Stream<std::pair<std::string, std::uint64_t>> running_sums(
//       const sluice::Stream<std::pair<std::string, std::uint64_t>>& pairs) {
//     return sluice::op::stateful_map("running_sum", pairs,
//                                     [](std::uint64_t& sum, std::uint64_t v) { return sum += v;
//                                     });
//   }
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

// op::stateful_map's / stateful_flat_map's arguments, checked in order at the user's
// call, each failure with what to write (and none after it); true when all pass.
template <class K, class V, class F, bool Flat>
constexpr bool check_stateful_map() {
  if constexpr (!RequireKeyHash<K>::value) {
    return false;
  } else if constexpr (!HasSignature<F>) {
    static_assert(HasSignature<F>,
                  "stateful_map's function must spell out its parameter types, e.g. "
                  "[](std::uint64_t& sum, std::uint64_t value) { return sum += value; }: the "
                  "state type is read from the first parameter (a generic `auto` lambda does "
                  "not name one)");
    return false;
  } else if constexpr (arity_v<F> != 2) {
    static_assert(arity_v<F> == 2, "stateful_map's function takes (S& state, V value)");
    return false;
  } else if constexpr (!std::is_invocable_v<F&, arg_t<F, 0>&, V&> &&
                       !std::is_invocable_v<F&, arg_t<F, 0>&, V&&>) {
    static_assert(std::is_invocable_v<F&, arg_t<F, 0>&, V&&>,
                  "stateful_map's function takes (S& state, V value): its first parameter must "
                  "be a reference to the state (S& or std::optional<S>&), its second the "
                  "stream's value type V");
    return false;
  } else if constexpr (!Flat && std::is_void_v<map_result_t<F, V>>) {
    static_assert(!std::is_void_v<map_result_t<F, V>>,
                  "stateful_map's function must return the value to emit for the key, e.g. "
                  "`return state;`; to emit nothing for some values use stateful_flat_map and "
                  "return a std::vector (empty for none)");
    return false;
  } else if constexpr (Flat && !std::ranges::input_range<map_result_t<F, V>>) {
    static_assert(std::ranges::input_range<map_result_t<F, V>>,
                  "stateful_flat_map's function must return a range (e.g. a std::vector) of the "
                  "values to emit");
    return false;
  } else if constexpr (!CerealSerializable<arg_t<F, 0>>) {
    static_assert(CerealSerializable<arg_t<F, 0>>,
                  "stateful_map's state type S (its function's first parameter) must be "
                  "serializable by cereal (snapshots): give it a member `template <class A> "
                  "void serialize(A& a) { a(field1, field2); }`");
    return false;
  } else {
    return true;
  }
}

}  // namespace detail

namespace op {

template <class K, class V, class F>
auto stateful_map(std::string id, const Stream<std::pair<K, V>>& up, F f) {
  if constexpr (sluice::detail::check_stateful_map<K, V, F, false>()) {
    using U = sluice::detail::map_result_t<F, V>;
    return sluice::detail::keyed_step<U>(std::move(id), up,
                                         sluice::detail::MapPolicy<K, V, U, F, false>{f});
  }
}

template <class K, class V, class F>
auto stateful_flat_map(std::string id, const Stream<std::pair<K, V>>& up, F f) {
  if constexpr (sluice::detail::check_stateful_map<K, V, F, true>()) {
    using U = std::ranges::range_value_t<sluice::detail::map_result_t<F, V>>;
    return sluice::detail::keyed_step<U>(std::move(id), up,
                                         sluice::detail::MapPolicy<K, V, U, F, true>{f});
  }
}

}  // namespace op
}  // namespace sluice
