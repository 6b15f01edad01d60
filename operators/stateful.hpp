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

// op::stateful's arguments, checked in order at the user's call, each failure with
// what to write (and none after it); true when all pass.
template <class K, class V, class Build>
constexpr bool check_stateful() {
  if constexpr (!RequireKeyHash<K>::value) {
    return false;
  } else if constexpr (!HasSignature<Build>) {
    static_assert(HasSignature<Build>,
                  "stateful's builder must spell out its parameter types, e.g. "
                  "[](std::optional<S> resume) { return Logic{...}; } or [](const K& key, "
                  "std::optional<S> resume) {...}: the state type S is read from it (a generic "
                  "`auto` lambda does not name one)");
    return false;
  } else if constexpr (arity_v<Build> != 1 && arity_v<Build> != 2) {
    static_assert(arity_v<Build> == 1 || arity_v<Build> == 2,
                  "stateful's builder takes (const K& key, std::optional<S> resume) or "
                  "(std::optional<S> resume)");
    return false;
  } else {
    using L = std::remove_cvref_t<typename callable_traits<Build>::result>;
    if constexpr (!requires { typename callable_traits<decltype(&L::on_item)>::result; }) {
      static_assert(
          requires { typename callable_traits<decltype(&L::on_item)>::result; },
          "a stateful logic needs one member `sluice::LogicAction on_item(V value, "
          "sluice::Emitter<K, U>& out)` (not a template: U, what it emits, is read "
          "from the Emitter parameter)");
      return false;
    } else if constexpr (!std::is_same_v<typename callable_traits<decltype(&L::on_item)>::result,
                                         LogicAction>) {
      static_assert(
          std::is_same_v<typename callable_traits<decltype(&L::on_item)>::result, LogicAction>,
          "a stateful logic's on_item must return sluice::LogicAction: end it with "
          "`return sluice::LogicAction::retain;` (or `discard` to drop the key's state)");
      return false;
    } else if constexpr (!CerealSerializable<builder_state_t<Build>>) {
      static_assert(CerealSerializable<builder_state_t<Build>>,
                    "stateful's state type S (the builder's std::optional<S> resume) must be "
                    "serializable by cereal (snapshots): give it a member `template <class A> "
                    "void serialize(A& a) { a(field1, field2); }`");
      return false;
    } else {
      static_assert(
          requires(const L& l) {
            { l.snapshot() } -> std::convertible_to<builder_state_t<Build>>;
          },
          "a stateful logic needs `S snapshot() const`, S being the builder's resume type");
      return true;
    }
  }
}

}  // namespace detail

namespace op {

template <class K, class V, class Build>
auto stateful(std::string id, const Stream<std::pair<K, V>>& up, Build builder) {
  if constexpr (sluice::detail::check_stateful<K, V, Build>()) {
    using L = std::remove_cvref_t<typename sluice::detail::callable_traits<Build>::result>;
    using U = sluice::detail::logic_output_t<L>;
    return sluice::detail::keyed_step<U>(std::move(id), up,
                                         sluice::detail::LogicPolicy<K, V, U, Build>{builder});
  }
}

}  // namespace op
}  // namespace sluice
