// EpochStash<T>: makes an operator apply its input in epoch order (so that state,
// and a snapshot of it, follow epochs): a batch is applied at once when no earlier epoch can still
// arrive and none is waiting; otherwise it is kept until the input frontier reaches its epoch.
// Within one epoch, batches apply in arrival order.
//
// An epoch costs no capability of its own: the waiting batches sit in one vector
// sorted by epoch (a batch usually goes at its end), and the stash holds ONE
// capability, at the least waiting epoch, however many epochs wait. Stashed items are
// applied under it at their own epoch (a Stashed token: OutputHandle::session(cap,
// epoch)), and it moves (downgrade) once per drain, to the least epoch still waiting,
// so a run of drained epochs reaches the progress tracker as one change. (Holding the
// least epoch is enough: output at a later epoch may be made under it, and its +1 is
// recorded in the activation that makes it, before the capability moves.)
//
// Used from one operator's fiber only. Memory: the batches of epochs the frontier has
// not reached yet (one worker running ahead of the others).
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include <sluice/operators/operator_context.hpp>

namespace sluice::detail {

// Where stashed items apply: their epoch, under the stash's capability (at that
// epoch or before). Valid during the apply call only.
struct Stashed {
  const Capability& cap;
  Epoch at;
  Epoch epoch() const { return at; }
};

// Output at the epoch of `at` (an InputBatch being consumed, or Stashed items).
template <class U, class B>
Session<U> session_at(OutputHandle<U>& out, const InputBatch<B>& at) {
  return out.session(at);
}
template <class U>
Session<U> session_at(OutputHandle<U>& out, const Stashed& at) {
  return out.session(at.cap, at.at);
}
// A capability at `epoch`, at or after the epoch of `at`, to keep past the call.
template <class B>
Capability capability_at(const InputBatch<B>& at, Epoch epoch) {
  Capability cap = at.retain();
  if (epoch != cap.epoch()) cap = cap.delayed(epoch);
  return cap;
}
inline Capability capability_at(const Stashed& at, Epoch epoch) {
  return at.cap.delayed(epoch);
}
inline Capability capability_at(const Capability& at, Epoch epoch) {
  return at.delayed(epoch);
}

template <class T>
class EpochStash {
 public:
  // Calls apply(std::vector<T>& items, const Token& at) for the ready stashed batches
  // and then for every arrived batch, in epoch order; `at` is an InputBatch<T> or a
  // Stashed, which session_at and capability_at take. Items may be moved from.
  template <class Apply>
  void run(OperatorContext& ctx, InputHandle<T> input, Apply&& apply) {
    const Frontier& frontier = input.frontier();
    drain(ctx, frontier, apply);
    input.for_each([&](InputBatch<T>& batch) {
      const Epoch e = batch.epoch();
      if (!frontier.less_than(e) && (pending_.empty() || pending_.front().epoch >= e)) {
        apply(batch.items(), batch);
        return;
      }
      if (pending_.empty() || e < held_.epoch()) held_ = batch.retain();
      // After every batch of an epoch <= e: arrival order within an epoch.
      auto at = pending_.end();
      if (!pending_.empty() && pending_.back().epoch > e) {
        at = std::upper_bound(pending_.begin(), pending_.end(), e,
                              [](Epoch x, const Waiting& w) { return x < w.epoch; });
      }
      pending_.insert(at, Waiting{e, std::move(batch.items())});
    });
    drain(ctx, frontier, apply);
  }

  bool empty() const { return pending_.empty(); }

 private:
  struct Waiting {
    Epoch epoch;
    std::vector<T> items;
  };

  template <class Apply>
  void drain(OperatorContext& ctx, const Frontier& frontier, Apply& apply) {
    std::size_t done = 0;
    while (done < pending_.size() && !frontier.less_than(pending_[done].epoch)) {
      Waiting& w = pending_[done];
      ctx.at_epoch(w.epoch, [&] { apply(w.items, Stashed{held_, w.epoch}); });
      std::vector<T>().swap(w.items);  // applied: its memory goes now
      ++done;
    }
    if (done == 0) return;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
    if (pending_.empty()) {
      held_.drop();
    } else {
      held_.downgrade(pending_.front().epoch);
    }
  }

  std::vector<Waiting> pending_;  // sorted by epoch, arrival order within one
  Capability held_;               // at pending_.front().epoch while pending_ is non-empty
};

}  // namespace sluice::detail
