// StatelessSourcePartition and SourcePartition: one partition of a source, read by
// one worker, one batch per call (the only virtual calls on the read path).
//
// Contract: every method is called from the owning worker's thread only, one call at
// a time (no locking needed inside a partition). next_batch may throw: the run stops
// with a StepError naming the step, the worker, the epoch and the partition.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::io {

// A partition of a DynamicSource: no resume position.
template <class T>
class StatelessSourcePartition {
 public:
  virtual ~StatelessSourcePartition() = default;

  // Appends zero or more records to `out` (empty on entry). Returns false once the
  // partition is exhausted; the records appended by that last call are still emitted,
  // and next_batch is not called again.
  virtual bool next_batch(std::vector<T>& out) = 0;

  // What the source step calls: next_batch, except that `out` may hold on entry the
  // records of an earlier batch, already consumed (read, or moved from). A partition
  // may override it to reuse their storage (assign into a string, which keeps its
  // capacity) instead of allocating per record; it must leave exactly its new records
  // in `out`. The default clears `out` and calls next_batch.
  virtual bool refill_batch(std::vector<T>& out) {
    out.clear();
    return next_batch(out);
  }

  // When to call next_batch again, asked after every call that returned true:
  // nullopt (the default) = as soon as possible; a time = not before it (the source
  // sleeps until then, it does not spin).
  virtual std::optional<std::chrono::system_clock::time_point> next_awake() { return std::nullopt; }

  // Where the record at `index` of the batch the last call returned was read, for an
  // error message ("'<file>' line 7"), or "" when unknown (the default). Called only
  // when the source step's function fails on that record (op::input with a parse
  // function, event_time_input), so the hot path keeps no record positions: a line
  // partition counts its lines per batch, and the lines before its range only here.
  virtual std::string locate(std::size_t index) {
    (void)index;
    return {};
  }

  // Called once after the last next_batch. Not called when the run fails; the
  // destructor must release resources in that case too.
  virtual void close() {}
};

// A partition of a FixedPartitionedSource: it can say where it is, so a later run
// resumes there.
template <class T>
class SourcePartition : public StatelessSourcePartition<T> {
 public:
  // An opaque resume position (bytes, e.g. a decimal byte offset), taken between
  // batches: build_part given this string resumes with the record after the last
  // one next_batch returned.
  virtual std::string snapshot() = 0;
};

}  // namespace sluice::io
