// op::stateful: a keyed operator whose per-key logic is a user object, the shape of
// Bytewax's `stateful` / StatefulLogic. Input is a keyed stream (std::pair<K, V>); it
// is exchanged so each key lives on one worker, and applied in epoch order.
//
//   struct Logic {
//     // Called for every value of the key, in epoch order.
//     LogicAction on_item(V value, Emitter<K, U>& out);
//     // The key's state for a snapshot; cereal must be able to serialize S.
//     S snapshot() const;
//     // Optional, together: a wall-clock time at which on_notify should run (asked
//     // after every call; nullopt = none), and the call itself.
//     std::optional<LogicClock::time_point> notify_at() const;
//     LogicAction on_notify(Emitter<K, U>& out);
//     // Optional: called once for every live key when the input ends.
//     LogicAction on_eof(Emitter<K, U>& out);
//   };
//
// `builder` makes the logic of a key seen for the first time (resume = nullopt), or of
// a key restored from a snapshot (resume = its S); it is `L(const K& key,
// std::optional<S> resume)` or `L(std::optional<S> resume)`, with S spelled out.
// Returning LogicAction::discard drops the key's logic; its next value builds a
// fresh one. Emitted records are (key, value) pairs, at the epoch of the item being
// processed (on_item) or the operator's current frontier epoch (on_notify, on_eof).
// A throw from the logic stops the run with the step, worker, epoch and item/key.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <sluice/operators/detail/callable_traits.hpp>
#include <sluice/operators/detail/keyed_step.hpp>

namespace sluice {
namespace detail {

template <class E>
struct emitter_parts;
template <class K, class U>
struct emitter_parts<Emitter<K, U>> {
  using key = K;
  using output = U;
};

// The output type U of a logic: from the Emitter<K, U>& parameter of its on_item.
template <class L>
using logic_output_t = typename emitter_parts<arg_t<decltype(&L::on_item), 1>>::output;

template <class K, class V, class U, class Build>
struct LogicPolicy {
  using S = builder_state_t<Build>;
  using Value = std::remove_cvref_t<typename callable_traits<Build>::result>;
  using E = Emitter<K, U>;

  Build build;

  Value restore(const K& key, std::optional<S> resume) {
    if constexpr (arity_v<Build> == 2) {
      return build(key, std::move(resume));
    } else {
      return build(std::move(resume));
    }
  }
  Value make(const K& key) { return restore(key, std::nullopt); }
  LogicAction on_item(Value& logic, V& value, E& out) {
    return logic.on_item(std::move(value), out);
  }
  LogicAction on_notify(Value& logic, E& out) requires requires(Value& l, E& e) { l.on_notify(e); }
  { return logic.on_notify(out); }
  LogicAction on_eof(Value& logic, E& out) requires requires(Value& l, E& e) { l.on_eof(e); }
  { return logic.on_eof(out); }
  std::optional<LogicClock::time_point> notify_at(const Value& logic) requires
      requires(const Value& l) {
    l.notify_at();
  }
  { return logic.notify_at(); }
  S snapshot(const Value& logic) { return logic.snapshot(); }
};

}  // namespace detail

namespace op {

template <class K, class V, class Build>
auto stateful(std::string id, const Stream<std::pair<K, V>>& up, Build builder) {
  static_assert(sluice::detail::arity_v<Build> == 1 || sluice::detail::arity_v<Build> == 2,
                "stateful's builder takes (const K& key, std::optional<S> resume) or "
                "(std::optional<S> resume)");
  using L = std::remove_cvref_t<typename sluice::detail::callable_traits<Build>::result>;
  using U = sluice::detail::logic_output_t<L>;
  using S = sluice::detail::builder_state_t<Build>;
  static_assert(
      requires(const L& l) {
        { l.snapshot() } -> std::convertible_to<S>;
      },
      "a stateful logic needs `S snapshot() const`, S being the builder's resume type");
  return sluice::detail::keyed_step<U>(std::move(id), up,
                                       sluice::detail::LogicPolicy<K, V, U, Build>{builder});
}

}  // namespace op
}  // namespace sluice
