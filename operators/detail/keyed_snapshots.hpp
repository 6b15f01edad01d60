// KeyedSnapshots: the recovery side of an operator that keeps KeyedState (keyed_step,
// the window operator): the contributor rule of recovery/worker_snapshots.hpp over
// the state's change log, and the restore of its keys.
//
//   KeyedSnapshots snaps(ctx.enroll_snapshots());
//   if (snaps.on()) { snaps.restore<K, S>(ctx, fn(key, hash, S)); state.track_changes(); }
//   per epoch e it is about to change state for:  snaps.before(e, state, snapshot_of)
//   at the end of each activation:                snaps.after(frontier, state, snapshot_of)
//
// snapshot_of(const Value&) -> S (cereal-serializable); a key's version is its key and
// snapshot_of(value), cereal-encoded, or a tombstone for a discarded key. Changes are
// tagged with the latest epoch they reflect (dirty_at): callers call before() with
// non-decreasing epochs. Costs: nothing per record; before() is a binary search over
// the announced snapshot epochs, per epoch. Used from the operator's fiber only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <sluice/operators/detail/serializable.hpp>
#include <sluice/operators/operator_context.hpp>
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/worker_snapshots.hpp>

namespace sluice::detail {

class KeyedSnapshots {
 public:
  KeyedSnapshots() = default;
  explicit KeyedSnapshots(recovery::StepSnapshots snap)
      : snap_(std::move(snap)), dirty_at_(snap_.first_epoch()) {}

  bool on() const { return snap_.on(); }
  recovery::StepSnapshots& handle() { return snap_; }

  // Calls f(K key, std::uint64_t hash, S snapshot) for every key of the committed
  // state that routes to this worker (by the same hash as live records, among
  // ctx.workers()), each decoded from the store; with routed = false, every key (an
  // operator whose state is not partitioned by key merges them itself).
  template <class K, class S, class F>
  void restore(OperatorContext& ctx, F&& f, bool routed = true) {
    const std::optional<std::uint32_t> workers =
        routed ? std::optional<std::uint32_t>(ctx.workers()) : std::nullopt;
    snap_.restore(workers, [&](std::uint64_t hash, std::string_view kb, std::string_view vb) {
      K key = from_bytes<K>(kb, "a key of the recovery store");
      S snapshot = from_bytes<S>(vb, "a key's state in the recovery store");
      f(std::move(key), hash, std::move(snapshot));
    });
  }

  // Changes made from here on reflect epoch e; those made before are written first if
  // a snapshot epoch lies between.
  template <class State, class SnapshotOf>
  void before(Epoch e, State& state, SnapshotOf&& snapshot_of) {
    if (dirty_ && e != dirty_at_ && snap_.crossing(dirty_at_, e)) write(state, snapshot_of);
    dirty_ = true;
    dirty_at_ = std::max(dirty_at_, e);
  }

  // The end of an activation: everything before the input frontier (kComplete once it
  // is empty) is written if a snapshot epoch was passed, and reported passed.
  template <class State, class SnapshotOf>
  void after(const Frontier& frontier, State& state, SnapshotOf&& snapshot_of) {
    const Epoch to = frontier.empty() ? recovery::layout::kComplete : frontier.least();
    if (dirty_ && (to == recovery::layout::kComplete ? snap_.final_write_needed(dirty_at_)
                                                     : snap_.crossing(dirty_at_, to))) {
      write(state, snapshot_of);
    }
    snap_.passed(to);
  }

 private:
  template <class State, class SnapshotOf>
  void write(State& state, SnapshotOf& snapshot_of) {
    state.for_each_change([&](const auto& key, std::uint64_t hash, const auto* value) {
      key_bytes_.clear();
      append_bytes(key_bytes_, key);
      if (value == nullptr) {
        snap_.erase(hash, key_bytes_, dirty_at_);
      } else {
        value_bytes_.clear();
        append_bytes(value_bytes_, snapshot_of(*value));
        snap_.put(hash, key_bytes_, dirty_at_, value_bytes_);
      }
    });
    dirty_ = false;
  }

  recovery::StepSnapshots snap_;
  bool dirty_ = false;  // changes (maybe) not written yet, reflecting epochs up to dirty_at_
  Epoch dirty_at_ = 0;
  std::string key_bytes_, value_bytes_;
};

}  // namespace sluice::detail
