// EpochStash<T>: makes an operator apply its input in epoch order (so that
// state, and a snapshot of it, follow epochs): a batch is applied at once when no earlier epoch can still arrive
// and none is waiting; otherwise it is kept, with a capability at its epoch, until
// the input frontier reaches it. Within one epoch, batches apply in arrival order.
//
// Used from one operator's fiber only. Memory: the batches of epochs the frontier has
// not reached yet (one worker running ahead of the others).
#pragma once

#include <map>
#include <vector>

#include <sluice/operators/operator_context.hpp>

namespace sluice::detail {

template <class T>
class EpochStash {
 public:
  // Calls apply(std::vector<T>& items, const Token& at) for the ready stashed batches
  // and then for every arrived batch, in epoch order; `at` is an InputBatch<T> or a
  // Capability, either of which OutputHandle::session accepts. Items may be moved from.
  template <class Apply>
  void run(OperatorContext& ctx, InputHandle<T> input, Apply&& apply) {
    const Frontier& frontier = input.frontier();
    drain(ctx, frontier, apply);
    input.for_each([&](InputBatch<T>& batch) {
      const Epoch e = batch.epoch();
      if (!frontier.less_than(e) && (pending_.empty() || pending_.begin()->first >= e)) {
        apply(batch.items(), batch);
        return;
      }
      auto [it, fresh] = pending_.try_emplace(e);
      if (fresh) it->second.cap = batch.retain();
      it->second.batches.push_back(std::move(batch.items()));
    });
    drain(ctx, frontier, apply);
  }

  bool empty() const { return pending_.empty(); }

 private:
  struct Pending {
    Capability cap;
    std::vector<std::vector<T>> batches;
  };

  template <class Apply>
  void drain(OperatorContext& ctx, const Frontier& frontier, Apply& apply) {
    while (!pending_.empty() && !frontier.less_than(pending_.begin()->first)) {
      auto node = pending_.extract(pending_.begin());
      Pending& p = node.mapped();
      ctx.at_epoch(node.key(), [&] {
        for (auto& items : p.batches) apply(items, std::as_const(p.cap));
      });
    }
  }

  std::map<Epoch, Pending> pending_;
};

}  // namespace sluice::detail
