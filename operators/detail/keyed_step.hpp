// keyed_step: the one operator behind every keyed stateful operator (stateful,
// stateful_map, collect, the *_final aggregates, join). It exchanges (key, value)
// records by key, applies them in epoch order (EpochStash), keeps per-key values in
// KeyedState, and drives an optional per-key wall-clock timer and end-of-input call.
//
// A Policy says what a key's value is and what happens to it; its calls are inlined
// into the batch loop (no virtual call, std::function or allocation per record):
//
//   struct Policy {
//     using Value = ...;                                        // per-key state
//     Value make(const K& key);                                 // fresh state
//     S snapshot(const Value&);                                 // cereal-serializable
//     LogicAction on_item(Value&, V& value, Emitter<K, U>&);    // may move from value
//     // optional:
//     LogicAction on_notify(Value&, Emitter<K, U>&);           // its notify_at passed
//     LogicAction on_eof(Value&, Emitter<K, U>&);              // the input ended
//     std::optional<LogicClock::time_point> notify_at(const Value&);
//   };
//
// Recovery (sluice/recovery/worker_snapshots.hpp): with a recovery directory the
// state tracks its changed keys; before the operator applies an epoch past a
// snapshot epoch it writes them (the key and snapshot(value), cereal-encoded, or a
// tombstone); a resumed run restores the keys that route to this worker. A policy
// whose Value is not its snapshot type restores with Value restore(const K&,
// std::optional<S>); per-key timers are asked again (notify_at) after a restore.
//
// Output epochs: on_item emits at the item's epoch. on_notify and on_eof emit at the
// operator's "current" epoch: a capability that follows the input frontier (at end of
// input: the latest epoch the operator saw). It is held only by policies with on_eof
// or notify_at, so the others never delay their downstream frontier.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/detail/epoch_stash.hpp>
#include <sluice/operators/detail/keyed_snapshots.hpp>
#include <sluice/operators/detail/serializable.hpp>
#include <sluice/operators/emitter.hpp>
#include <sluice/operators/keyed_state.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice {

// The clock of per-key timers (notify_at): wall time, so a deadline in a snapshot
// still means the same instant after a resume (as Bytewax's UTC datetimes).
using LogicClock = std::chrono::system_clock;

namespace detail {

template <class P, class K, class U>
concept PolicyOnNotify = requires(P& p, typename P::Value& v, Emitter<K, U>& e) {
  { p.on_notify(v, e) } -> std::same_as<LogicAction>;
};
template <class P, class K, class U>
concept PolicyOnEof = requires(P& p, typename P::Value& v, Emitter<K, U>& e) {
  { p.on_eof(v, e) } -> std::same_as<LogicAction>;
};
template <class P>
concept PolicyNotifyAt = requires(P& p, const typename P::Value& v) {
  { p.notify_at(v) } -> std::same_as<std::optional<LogicClock::time_point>>;
};

struct NoWake {};

// Runs f(); an exception that is not already a sluice error names the key.
template <class K, class F>
decltype(auto) for_key(const K& key, F&& f) {
  try {
    return f();
  } catch (const Aborted&) {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ItemError(e.what(), "key " + render(key));
  }
}

template <class U, class K, class V, class Policy>
class KeyedLogic {
  using In = std::pair<K, V>;
  using Out = std::pair<K, U>;
  static constexpr bool kTimers = PolicyNotifyAt<Policy>;
  static constexpr bool kNotify = PolicyOnNotify<Policy, K, U>;
  static constexpr bool kEof = PolicyOnEof<Policy, K, U>;
  static_assert(kTimers == kNotify,
                "a keyed policy needs both notify_at and on_notify, or neither");
  static constexpr bool kHold = kTimers || kEof;
  using Snapshot = std::remove_cvref_t<decltype(std::declval<Policy&>().snapshot(
      std::declval<const typename Policy::Value&>()))>;
  static_assert(CerealSerializable<K>, "keys of a keyed operator must be serializable by cereal");
  static_assert(CerealSerializable<Snapshot>,
                "a keyed operator's state (what snapshot() returns) must be serializable by "
                "cereal: give your type a `template <class A> void serialize(A& a)` member");

  struct Slot {
    typename Policy::Value value;
    [[no_unique_address]] std::conditional_t<kTimers, std::optional<LogicClock::time_point>, NoWake>
        wake{};
  };
  using State = KeyedState<K, Slot>;
  using iterator = typename State::iterator;
  struct Timer {
    LogicClock::time_point when;
    K key;
    bool operator>(const Timer& o) const { return when > o.when; }
  };

 public:
  KeyedLogic(OperatorContext& ctx, InputPort<In> in, OutputPort<Out> out, Policy policy)
      : in_(in), out_(out), policy_(std::move(policy)) {
    if constexpr (kHold) held_ = ctx.take_initial_capability();
    snaps_ = KeyedSnapshots(ctx.enroll_snapshots());
    if (snaps_.on()) {
      restore(ctx);
      state_.track_changes();  // after the restore: the restored keys count as stored
    }
  }

  void operator()(OperatorContext& ctx) {
    auto output = ctx.output(out_);
    // Per epoch of input (begin), then per record, prefetched across epochs.
    std::optional<Session<Out>> session;
    stash_.run_keyed(
        ctx, ctx.input(in_), state_, [](const In& kv) -> const K& { return kv.first; },
        [&](const Stashed& at) {
          if (snaps_.on()) before_epoch(at.epoch());
          session.emplace(session_at(output, at));
          if (session->epoch() > last_) last_ = session->epoch();
        },
        [&](In& kv, std::uint64_t hash) {
          auto it = state_.find_or_make(kv.first, hash, [&] {
            return Slot{policy_.make(kv.first), {}};
          });
          Emitter<K, U> emit(*session, it->first);
          after(it, policy_.on_item(State::value(it).value, kv.second, emit));
        });
    if constexpr (kHold) {
      if (held_) {
        if constexpr (kTimers) fire_timers(ctx, output);
        follow_frontier(ctx, output);
      }
    }
    if (snaps_.on()) snaps_.after(ctx.frontier(0), state_, snapshot_of());
  }

  State& state() { return state_; }

 private:
  // Recovery: changes made from here on reflect epoch e (keyed_snapshots.hpp).
  void before_epoch(Epoch e) { snaps_.before(e, state_, snapshot_of()); }
  auto snapshot_of() {
    return [this](const Slot& slot) { return policy_.snapshot(slot.value); };
  }
  void restore(OperatorContext& ctx) {
    snaps_.restore<K, Snapshot>(ctx, [&](K key, std::uint64_t hash, Snapshot snapshot) {
      auto it = state_.find_or_make(key, hash, [&] {
        if constexpr (requires { policy_.restore(key, std::optional<Snapshot>()); }) {
          return Slot{policy_.restore(key, std::optional<Snapshot>(std::move(snapshot))), {}};
        } else {
          return Slot{typename Policy::Value(std::move(snapshot)), {}};
        }
      });
      if constexpr (kTimers) {
        Slot& slot = State::value(it);
        slot.wake = policy_.notify_at(std::as_const(slot.value));
        if (slot.wake) timers_.push(Timer{*slot.wake, it->first});
      }
    });
    if constexpr (kTimers) {
      if (!timers_.empty()) ctx.activate();
    }
  }

  void after(iterator it, LogicAction action) {
    if (action == LogicAction::discard) {
      state_.erase(it);
      return;
    }
    state_.changed(it);
    if constexpr (kTimers) {
      Slot& slot = State::value(it);
      auto when = policy_.notify_at(std::as_const(slot.value));
      if (when != slot.wake) {
        slot.wake = when;
        if (when) timers_.push(Timer{*when, it->first});
      }
    }
  }

  void fire_timers(OperatorContext& ctx, OutputHandle<Out>& output) {
    const auto now = LogicClock::now();
    while (!timers_.empty() && timers_.top().when <= now) {
      Timer t = timers_.top();
      timers_.pop();
      auto it = state_.find(t.key);
      if (it == state_.end() || State::value(it).wake != t.when) continue;  // superseded
      State::value(it).wake.reset();
      if (snaps_.on()) before_epoch(held_.epoch());
      auto session = output.session(held_);
      Emitter<K, U> emit(session, it->first);
      ctx.at_epoch(held_.epoch(), [&] {
        for_key(t.key, [&] { after(it, policy_.on_notify(State::value(it).value, emit)); });
      });
    }
    if (!timers_.empty()) {
      ctx.activate_at(std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          timers_.top().when - now));
    }
  }

  void follow_frontier(OperatorContext& ctx, OutputHandle<Out>& output) {
    const Frontier& frontier = ctx.frontier(0);
    if (!frontier.empty()) {
      if (frontier.least() > held_.epoch()) held_.downgrade(frontier.least());
      return;
    }
    // End of input: the stash is empty (nothing can be ahead of an empty frontier).
    if (last_ > held_.epoch()) held_.downgrade(last_);
    if constexpr (kEof) {
      if (snaps_.on()) before_epoch(held_.epoch());
      auto session = output.session(held_);
      ctx.at_epoch(held_.epoch(), [&] {
        state_.erase_if([&](iterator it) {
          Emitter<K, U> emit(session, it->first);
          const LogicAction action =
              for_key(it->first, [&] { return policy_.on_eof(State::value(it).value, emit); });
          if (action == LogicAction::retain) state_.changed(it);
          return action == LogicAction::discard;
        });
      });
    }
    if constexpr (kTimers) timers_ = {};
    held_.drop();
  }

  InputPort<In> in_;
  OutputPort<Out> out_;
  Policy policy_;
  State state_;
  EpochStash<In> stash_;
  Capability held_;
  Epoch last_ = 0;
  KeyedSnapshots snaps_;
  [[no_unique_address]] std::conditional_t<
      kTimers, std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>>, NoWake>
      timers_;
};

// The keyed step: exchanges `up` by key into KeyedLogic<U, K, V, Policy>.
template <class U, class K, class V, class Policy, class Id>
Stream<std::pair<K, U>> keyed_step(Id id, const Stream<std::pair<K, V>>& up, Policy policy) {
  static_assert(sizeof(RequireKeyHash<K>) > 0);  // fails inside, saying what to write
  using In = std::pair<K, V>;
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up, exchange([](const In& kv) -> const K& { return kv.first; }));
  auto [out, down] = b.add_output<std::pair<K, U>>();
  b.build([in, out, policy](OperatorContext& ctx) {
    return KeyedLogic<U, K, V, Policy>(ctx, in, out, policy);
  });
  return down;
}

}  // namespace detail
}  // namespace sluice
