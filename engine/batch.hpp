// A batch: records that share one epoch, the unit that moves between operators.
#pragma once

#include <cstddef>
#include <utility>
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

// Records of several epochs in one vector, described by runs: run i is the records
// [runs[i-1].second, runs[i].second) (the first from 0), all at epoch runs[i].first.
// Sparse epochs (a few records each) travel this way from a source to the operators
// that apply input in epoch order (EpochStash), with no vector per epoch.
using EpochRuns = std::vector<std::pair<Epoch, std::size_t>>;

}  // namespace sluice
