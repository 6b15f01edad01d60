// EpochStash<T>: makes an operator apply its input in epoch order (so that state,
// and a snapshot of it, follow epochs): a batch is applied at once when no earlier epoch can still
// arrive and none is waiting; otherwise it is kept until the input frontier reaches its epoch.
// Within one epoch, batches apply in arrival order.
//
// An epoch costs no capability and no vector of its own: input is taken as runs
// (InputHandle::for_each_runs: a source's sparse epochs arrive as one vector of many
// epochs), kept in chunks (one per arrival, whole until its last run is applied),
// and the waiting runs sit in one vector sorted by epoch. The stash holds ONE
// capability, at the least waiting epoch, however many epochs wait. Stashed items
// are applied under it at their own epoch (a Stashed token: OutputHandle::session(cap,
// epoch)), and it moves (downgrade) once per drain, to the least epoch still waiting,
// so a run of drained epochs reaches the progress tracker as one change. (Holding the
// least epoch is enough: output at a later epoch may be made under it, and its +1 is
// recorded in the activation that makes it, before the capability moves.)
//
// Used from one operator's fiber only. Memory: the chunks holding runs of epochs the
// frontier has not reached yet (the latest read batch's last epochs, or one worker
// running ahead of the others); a chunk goes once its last run is applied.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
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
  // Calls apply(std::span<T> items, const Stashed& at) for the input's records in
  // epoch order, arrival order within an epoch: the records of an epoch once the
  // input frontier reaches it (at once when it has), those of a waiting epoch after
  // every earlier one. session_at and capability_at take `at`. Items may be moved
  // from.
  template <class Apply>
  void run(OperatorContext& ctx, InputHandle<T> input, Apply&& apply) {
    const Frontier& frontier = input.frontier();
    input.for_each_runs([&](InputRuns<T>& in) { add(in); });
    drain(ctx, frontier, apply);
  }

  // run() for an operator keeping KeyedState `state`: before each epoch's records,
  // begin(const Stashed& at) (valid during that epoch's records only); then
  // f(T& item, hash of key_of(item)) for each record, the state's slots and entries
  // being fetched ahead across epochs (KeyedState::for_each_prefetched_spans), so an
  // epoch of a few records does not wait for its cache misses one by one.
  template <class State, class KeyOf, class Begin, class F>
  void run_keyed(OperatorContext& ctx, InputHandle<T> input, State& state, KeyOf&& key_of,
                 Begin&& begin, F&& f) {
    const Frontier& frontier = input.frontier();
    input.for_each_runs([&](InputRuns<T>& in) { add(in); });
    const std::size_t ready = count_ready(frontier);
    if (ready == 0) return;
    state.for_each_prefetched_spans(
        ready, [&](std::size_t k) { return items_of(pending_[k]); }, key_of,
        [&](std::size_t k, auto&& body) {
          const Epoch e = pending_[k].epoch;
          ctx.at_epoch(e, [&] {
            begin(Stashed{held_, e});
            body();
          });
        },
        f);
    release(ready);
  }

  bool empty() const { return pending_.empty(); }

 private:
  // An arrival's records (several epochs' when it came packed), kept whole until its
  // last run is applied: no vector per epoch. `left`: its runs not applied yet.
  struct Chunk {
    std::vector<T> items;
    std::size_t left = 0;
  };
  // One epoch's records in a chunk: [begin, end) of chunks_[chunk].items.
  struct Waiting {
    Epoch epoch;
    std::uint32_t chunk;
    std::size_t begin;
    std::size_t end;
  };
  static bool before(const Waiting& a, const Waiting& b) { return a.epoch < b.epoch; }

  // Stashes an arrival's runs, merged into pending_ by epoch (after the runs of an
  // epoch already waiting: arrival order).
  void add(InputRuns<T>& in) {
    if (in.items().empty()) return;
    if (pending_.empty() || in.least() < held_.epoch()) held_ = in.retain(in.least());
    const std::uint32_t c = new_chunk(std::move(in.items()), in.runs().size());
    incoming_.clear();
    std::size_t start = 0;
    bool sorted = true;
    for (const auto& [epoch, end] : in.runs()) {
      sorted = sorted && (incoming_.empty() || incoming_.back().epoch <= epoch);
      incoming_.push_back(Waiting{epoch, c, start, end});
      start = end;
    }
    if (!sorted) std::stable_sort(incoming_.begin(), incoming_.end(), before);
    if (pending_.empty() || pending_.back().epoch <= incoming_.front().epoch) {
      pending_.insert(pending_.end(), incoming_.begin(), incoming_.end());
      return;
    }
    merged_.clear();
    std::merge(pending_.begin(), pending_.end(), incoming_.begin(), incoming_.end(),
               std::back_inserter(merged_), before);
    pending_.swap(merged_);
  }

  std::uint32_t new_chunk(std::vector<T>&& items, std::size_t runs) {
    std::uint32_t c;
    if (free_.empty()) {
      c = static_cast<std::uint32_t>(chunks_.size());
      chunks_.emplace_back();
    } else {
      c = free_.back();
      free_.pop_back();
    }
    chunks_[c].items = std::move(items);
    chunks_[c].left = runs;
    return c;
  }

  std::span<T> items_of(const Waiting& w) {
    return std::span<T>(chunks_[w.chunk].items.data() + w.begin, w.end - w.begin);
  }
  // How many of the first waiting runs the frontier has reached.
  std::size_t count_ready(const Frontier& frontier) const {
    std::size_t n = 0;
    while (n < pending_.size() && !frontier.less_than(pending_[n].epoch)) ++n;
    return n;
  }

  template <class Apply>
  void drain(OperatorContext& ctx, const Frontier& frontier, Apply& apply) {
    const std::size_t ready = count_ready(frontier);
    for (std::size_t k = 0; k < ready; ++k) {
      const Waiting& w = pending_[k];
      ctx.at_epoch(w.epoch, [&] { apply(items_of(w), Stashed{held_, w.epoch}); });
    }
    release(ready);
  }
  // The first `done` waiting runs were applied: frees the chunks they finish (their
  // memory goes now) and moves the capability to the least epoch still waiting.
  void release(std::size_t done) {
    if (done == 0) return;
    for (std::size_t k = 0; k < done; ++k) {
      const Waiting& w = pending_[k];
      Chunk& chunk = chunks_[w.chunk];
      if (--chunk.left == 0) {
        std::vector<T>().swap(chunk.items);
        free_.push_back(w.chunk);
      }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
    if (pending_.empty()) {
      held_.drop();
    } else {
      held_.downgrade(pending_.front().epoch);
    }
  }

  std::vector<Waiting> pending_;  // sorted by epoch, arrival order within one
  Capability held_;               // at pending_.front().epoch while pending_ is non-empty
  std::vector<Chunk> chunks_;     // by index; those in free_ are empty
  std::vector<std::uint32_t> free_;
  std::vector<Waiting> incoming_, merged_;  // add()'s scratch
};

}  // namespace sluice::detail
