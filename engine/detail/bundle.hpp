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
};

}  // namespace sluice::detail
