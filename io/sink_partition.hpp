// StatelessSinkPartition and SinkPartition: one partition of a sink, written by one
// worker, one batch per call (the only virtual calls on the write path).
//
// Contract: every method is called from the owning worker's thread only, one call at
// a time. write_batch may throw: the run stops with a StepError naming the step, the
// worker, the epoch and the partition.
#pragma once

#include <string>
#include <vector>

namespace sluice::io {

// A partition of a DynamicSink: nothing to resume.
template <class T>
class StatelessSinkPartition {
 public:
  virtual ~StatelessSinkPartition() = default;

  // Writes `items` (non-empty, all of one epoch, in arrival order); may move from them.
  virtual void write_batch(std::vector<T>& items) = 0;

  // Called once when the sink's input has ended. Not called when the run fails; the
  // destructor must release resources in that case too.
  virtual void close() {}
};

// A partition of a FixedPartitionedSink: it can say how much it has committed, so a
// later run resumes there (e.g. a file truncated to that size).
template <class T>
class SinkPartition : public StatelessSinkPartition<T> {
 public:
  // The committed position (opaque bytes, e.g. a decimal byte size): everything
  // written so far is durable, and build_part given this string continues after it.
  virtual std::string snapshot() = 0;
};

}  // namespace sluice::io
