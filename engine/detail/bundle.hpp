// Bundle<T>: what a pusher hands to an input port: one or more batches, each of one
// epoch, counted in the progress protocol as ONE message, at the least of their
// epochs. Sparse epochs (a few records each) then cost a batch, not a message: a
// read batch over 2,000 epochs of 100 ms reaches the tracker as a few messages.
//
// Why the progress protocol allows it: the producer records
// the bundle's +1 at `counted` in the activation that makes it, so it is published
// with that activation's capability changes, no later; until the consumer takes the
// bundle's last batch that pointstamp keeps the input's frontier at or before every
// epoch in the bundle, and only then is the -1 recorded (InputQueue). A frontier is
// held back no longer than it takes to consume the bundle, and never passes an epoch
// whose batch is still queued. A batch taken before the last is the operator's, as
// any batch being processed: what it makes from it is counted in that activation.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include <sluice/engine/batch.hpp>

namespace sluice::detail {

template <class T>
struct Bundle {
  Epoch counted = 0;        // the least epoch of its batches: its one pointstamp
  std::size_t records = 0;  // in all its batches
  std::size_t batches = 0;
  Batch<T> first;              // a bundle of one batch (dense input) allocates nothing
  std::vector<Batch<T>> rest;  // the second batch on, in the order they were added
  // The packed form, an exchange's (add_record): the records of all its batches in
  // one vector, in the order given, batch i being [runs[i-1].second, runs[i].second)
  // at epoch runs[i].first (EpochRuns). A sender splitting sparse epochs by worker
  // then makes one vector per bundle, not one per epoch and worker, and a source's
  // runs (OutputBuffer::give_runs) go down a pipeline as they are; the receiver hands
  // them whole to an operator that takes runs (EpochStash), or cuts per-epoch batches
  // out as they are pulled (InputQueue).
  std::vector<T> packed;
  std::vector<std::pair<Epoch, std::size_t>> runs;

  bool empty() const { return batches == 0; }
  void add(Epoch epoch, std::vector<T>&& items) {
    records += items.size();
    if (batches++ == 0) {
      counted = epoch;
      first = Batch<T>{epoch, std::move(items)};
      return;
    }
    counted = std::min(counted, epoch);
    rest.push_back(Batch<T>{epoch, std::move(items)});
  }
  // Appends one record at `epoch` (the packed form; a bundle uses one form only).
  template <class U>
  void add_record(Epoch epoch, U&& record) {
    if (runs.empty() || runs.back().first != epoch) {
      counted = batches++ == 0 ? epoch : std::min(counted, epoch);
      runs.emplace_back(epoch, packed.size());
    }
    packed.push_back(std::forward<U>(record));
    ++records;
    runs.back().second = packed.size();
  }
  // Calls f(Batch<T>&&, bool last) for each batch in order, leaving the bundle moved
  // from.
  template <class F>
  void take_batches(F&& f) {
    if (batches == 0) return;
    if (runs.empty()) {
      f(std::move(first), rest.empty());
      for (std::size_t i = 0; i < rest.size(); ++i) f(std::move(rest[i]), i + 1 == rest.size());
      return;
    }
    if (runs.size() == 1) {
      f(Batch<T>{runs[0].first, std::move(packed)}, true);
      return;
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto [epoch, end] = runs[i];
      const auto b = packed.begin();
      f(Batch<T>{epoch,
                 std::vector<T>(std::make_move_iterator(b + static_cast<std::ptrdiff_t>(start)),
                                std::make_move_iterator(b + static_cast<std::ptrdiff_t>(end)))},
        i + 1 == runs.size());
      start = end;
    }
  }
};

}  // namespace sluice::detail
