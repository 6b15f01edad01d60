// A batch: records that share one epoch, the unit that moves between operators.
#pragma once

#include <vector>

#include <sluice/engine/epoch.hpp>

namespace sluice {

// Batches move by value (never copied between operators of one worker); a batch's
// `items` vector is handed over whole, so producers allocate a fresh one afterwards.
template <class T>
struct Batch {
  Epoch epoch = 0;
  std::vector<T> items;
};

}  // namespace sluice
