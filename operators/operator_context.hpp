// OperatorContext and the typed handles an operator's logic uses on every
// activation: read input batches, write output at an epoch it may produce at,
// hold capabilities, and ask to be notified when its input frontiers pass an epoch.
//
// Everything here is used from the operator's own fiber only (not thread-safe);
// Activator is the one handle meant for other threads.
//
// Contract: an operator must consume (for_each or pull) every batch that arrives on
// its inputs. A batch left unread keeps the input's frontier from passing its epoch,
// so the frontier never empties and the run never finishes.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <sluice/engine/batch.hpp>
#include <sluice/engine/detail/input_queue.hpp>
#include <sluice/engine/detail/operator_base.hpp>
#include <sluice/engine/detail/output_buffer.hpp>
#include <sluice/operators/capability.hpp>
#include <sluice/recovery/worker_snapshots.hpp>

namespace sluice {

// Port tokens returned by OperatorBuilder, used to reach the handles at run time.
template <class T>
struct InputPort {
  std::uint32_t index;
};
template <class T>
struct OutputPort {
  std::uint32_t index;
};

// A batch being consumed: its records, its epoch, and the right to produce output at
// that epoch while it is being processed (or later, through retain()).
template <class T>
class InputBatch {
 public:
  InputBatch(detail::OperatorBase& op, Batch<T>& batch) : op_(op), batch_(batch) {}
  Epoch epoch() const { return batch_.epoch; }
  std::vector<T>& items() { return batch_.items; }
  std::size_t size() const { return batch_.items.size(); }
  auto begin() { return batch_.items.begin(); }
  auto end() { return batch_.items.end(); }
  // A capability at this batch's epoch, for output after this activation ends.
  Capability retain() const {
    op_.record_capability(batch_.epoch, +1);
    return Capability(&op_, batch_.epoch);
  }

 private:
  detail::OperatorBase& op_;
  Batch<T>& batch_;
};

// Records of several epochs taken at once (InputHandle::for_each_runs): a packed
// bundle's records with their runs (EpochRuns, engine/batch.hpp), or one batch as one
// run. Valid during the call it is passed to.
template <class T>
class InputRuns {
 public:
  InputRuns(detail::OperatorBase& op, std::vector<T>& items, EpochRuns& runs, Epoch least)
      : op_(op), items_(items), runs_(runs), least_(least) {}
  std::vector<T>& items() { return items_; }
  const EpochRuns& runs() const { return runs_; }
  // The least epoch of its runs.
  Epoch least() const { return least_; }
  // A capability at `epoch` (one of its runs' epochs, or any after least()), for
  // output after this activation ends. Throws std::logic_error for an earlier epoch.
  Capability retain(Epoch epoch) const {
    if (epoch < least_) {
      throw std::logic_error("cannot retain epoch " + std::to_string(epoch) +
                             " from input at epochs from " + std::to_string(least_));
    }
    op_.record_capability(epoch, +1);
    return Capability(&op_, epoch);
  }

 private:
  detail::OperatorBase& op_;
  std::vector<T>& items_;
  EpochRuns& runs_;
  Epoch least_;
};

template <class T>
class InputHandle {
 public:
  explicit InputHandle(detail::InputQueue<T>& queue) : queue_(queue) {}

  // Calls f(InputBatch<T>&) for every batch that has arrived, in arrival order
  // (epochs may interleave; the stateful operators reorder by epoch).
  template <class F>
  void for_each(F&& f) {
    Batch<T> batch;
    auto& op = queue_.op();
    while (queue_.pull(batch)) {
      op.current_epoch = batch.epoch;
      InputBatch<T> view(op, batch);
      f(view);
    }
    op.current_epoch.reset();
  }
  // Calls f(InputRuns<T>&) for every arrival, in arrival order: records of several
  // epochs at once where a producer sent them so (a source of sparse event time), so
  // an operator that applies input in epoch order (EpochStash) need not make a vector
  // per epoch. Items may be moved from.
  template <class F>
  void for_each_runs(F&& f) {
    std::vector<T> items;
    EpochRuns runs;
    Epoch least = 0;
    auto& op = queue_.op();
    while (queue_.pull_runs(items, runs, least)) {
      InputRuns<T> view(op, items, runs, least);
      f(view);
    }
  }
  // Takes one batch (consumed: counted as delivered). False if none is waiting.
  bool pull(Batch<T>& out) { return queue_.pull(out); }

  const Frontier& frontier() const { return queue_.frontier(); }

 private:
  detail::InputQueue<T>& queue_;
};

// Writes records at one epoch. Cheap to create; nothing to close.
template <class T>
class Session {
 public:
  Session(detail::OutputBuffer<T>& out, Epoch epoch) : out_(out), epoch_(epoch) {}
  template <class U>
  void give(U&& record) {
    out_.give(epoch_, std::forward<U>(record));
  }
  // Makes the record in place from `args` (T's constructor arguments): no move of it.
  template <class... Args>
  void emplace(Args&&... args) {
    out_.emplace(epoch_, std::forward<Args>(args)...);
  }
  void give_vector(std::vector<T>& records) { out_.give_vector(epoch_, records); }
  Epoch epoch() const { return epoch_; }

 private:
  detail::OutputBuffer<T>& out_;
  Epoch epoch_;
};

template <class T>
class OutputHandle {
 public:
  OutputHandle(detail::OperatorBase& op, detail::OutputBuffer<T>& out) : op_(op), out_(out) {}

  // Output at a held capability's epoch. Throws std::logic_error for an empty or
  // foreign capability.
  Session<T> session(const Capability& cap) {
    if (!cap.valid() || !cap.belongs_to(op_)) {
      throw std::logic_error("output needs a capability held by this operator");
    }
    return Session<T>(out_, cap.epoch());
  }
  // Output at `epoch`, at or after a held capability's epoch: what
  // session(cap.delayed(epoch)) gives, without taking and dropping a capability (the
  // one held covers every later epoch), so output spread over many epochs costs no
  // progress change per epoch. Throws std::logic_error for an empty or foreign
  // capability, or an earlier epoch.
  Session<T> session(const Capability& cap, Epoch epoch) {
    const Epoch held = session(cap).epoch();
    if (epoch < held) {
      throw std::logic_error("cannot give output at epoch " + std::to_string(epoch) +
                             " under a capability at epoch " + std::to_string(held));
    }
    return Session<T>(out_, epoch);
  }
  // Hands over `records`, of several epochs (EpochRuns: each at or after a held
  // capability's epoch), at once: one call per edge, not one per epoch. Empties
  // `records` (its storage goes downstream). Throws std::logic_error as session().
  void give_runs(const Capability& cap, std::vector<T>& records, const EpochRuns& runs) {
    const Epoch held = session(cap).epoch();
    for (const auto& run : runs) {
      if (run.first < held) {
        throw std::logic_error("cannot give output at epoch " + std::to_string(run.first) +
                               " under a capability at epoch " + std::to_string(held));
      }
    }
    out_.give_runs(records, runs);
  }
  // Output at the epoch of a batch being consumed in this activation.
  template <class U>
  Session<T> session(const InputBatch<U>& batch) {
    return Session<T>(out_, batch.epoch());
  }
  // Whether any step reads this output: records given to an unread output are dropped,
  // so an operator may skip making them.
  bool connected() const { return out_.connected(); }

 private:
  detail::OperatorBase& op_;
  detail::OutputBuffer<T>& out_;
};

class OperatorContext {
 public:
  explicit OperatorContext(detail::OperatorBase& op) : op_(op) {}
  OperatorContext(const OperatorContext&) = delete;
  OperatorContext& operator=(const OperatorContext&) = delete;

  std::uint32_t worker_index() const { return op_.worker_index(); }
  std::uint32_t workers() const { return op_.workers(); }
  const std::string& step_path() const { return op_.path(); }
  // The run's configuration (epoch_interval for sources with ingestion epochs, ...).
  const RunConfig& config() const { return op_.config(); }

  template <class T>
  InputHandle<T> input(InputPort<T> port) {
    return InputHandle<T>(static_cast<detail::InputQueue<T>&>(op_.input(port.index)));
  }
  template <class T>
  OutputHandle<T> output(OutputPort<T> port) {
    return OutputHandle<T>(op_, static_cast<detail::OutputBuffer<T>&>(op_.output(port.index)));
  }
  const Frontier& frontier(std::size_t input) const { return op_.input(input).frontier(); }
  // True once every input's frontier is past `epoch` (vacuously true without inputs).
  bool frontiers_passed(Epoch epoch) const {
    for (std::size_t i = 0; i < op_.input_count(); ++i) {
      if (op_.input(i).frontier().less_equal(epoch)) return false;
    }
    return true;
  }
  // The frontier of this step's own output `port` over all workers: the least epoch
  // at which any worker's instance of the step may still produce there (its slowest
  // worker's capability, for a source). Kept current, and the operator activated when
  // it changes, once watch_output(port) was called (in the constructor); before that,
  // and between deliveries, it may lag behind (be lower than) the true frontier.
  template <class T>
  void watch_output(OutputPort<T> port) {
    op_.watch_output(port.index);
  }
  template <class T>
  const Frontier& output_frontier(OutputPort<T> port) const {
    return op_.output(port.index).frontier();
  }
  // True once no input will ever deliver anything again.
  bool inputs_done() const {
    for (std::size_t i = 0; i < op_.input_count(); ++i) {
      if (!op_.input(i).frontier().empty()) return false;
    }
    return true;
  }

  // The capability at epoch 0 every operator instance with outputs starts with. Take
  // it in the constructor to produce output later; if not taken it is released when
  // the constructor returns. Returns an empty capability after the first call.
  Capability take_initial_capability() { return std::move(initial_); }

  // Recovery (sluice/recovery/worker_snapshots.hpp): a new contributor's handle, for a
  // step with state, positions or output to snapshot; an off handle when the run has
  // no recovery directory. Call once per contributor, in the constructor.
  recovery::StepSnapshots enroll_snapshots() {
    recovery::WorkerSnapshots* w = op_.snapshots();
    return w ? recovery::StepSnapshots(*w, op_.node()) : recovery::StepSnapshots();
  }
  // The run's recovery, for a source taking part in the snapshot agreement; null when
  // off.
  recovery::SnapshotRun* snapshot_run() const {
    recovery::WorkerSnapshots* w = op_.snapshots();
    return w ? &w->run() : nullptr;
  }

  // A sink that finished asks before it publishes its output files (renames them into
  // place): false when a stop signal stopped the run first (the files stay temporary;
  // with recovery, a resumed run goes on with them). See detail/run_shared.hpp.
  bool begin_publishing() { return op_.begin_publishing(); }

  // Run the logic again soon / at a time; wake it from another thread.
  void activate() { op_.activate(); }
  void activate_at(std::chrono::steady_clock::time_point when) { op_.activate_at(when); }
  template <class Rep, class Period>
  void activate_after(std::chrono::duration<Rep, Period> delay) {
    op_.activate_at(std::chrono::steady_clock::now() + delay);
  }
  Activator activator() { return op_.activator(); }

  // Keeps `cap` until every input frontier has passed its epoch, then hands it to
  // for_each_notification (the operator is activated when that happens).
  void notify_at(Capability cap) {
    const Epoch e = cap.epoch();
    auto at = std::upper_bound(pending_.begin(), pending_.end(), e,
                               [](Epoch x, const Capability& c) { return x < c.epoch(); });
    pending_.insert(at, std::move(cap));
    if (frontiers_passed(e)) op_.activate();
  }
  // Calls f(Capability&) for each notification whose epoch every input frontier has
  // passed, in epoch order. The capability is released afterwards unless f moved it.
  template <class F>
  void for_each_notification(F&& f) {
    std::size_t ready = 0;
    while (ready < pending_.size() && frontiers_passed(pending_[ready].epoch())) ++ready;
    if (ready == 0) return;
    std::vector<Capability> due(std::make_move_iterator(pending_.begin()),
                                std::make_move_iterator(pending_.begin() + ready));
    pending_.erase(pending_.begin(), pending_.begin() + ready);
    for (Capability& cap : due) {
      op_.current_epoch = cap.epoch();
      f(cap);
    }
    op_.current_epoch.reset();
  }
  std::size_t pending_notifications() const { return pending_.size(); }

  // Runs f() with errors it throws attributed to `epoch` (for logic that processes
  // records it kept from an earlier activation).
  template <class F>
  void at_epoch(Epoch epoch, F&& f) {
    op_.current_epoch = epoch;
    f();  // an exception leaves the epoch set, for the error report
    op_.current_epoch.reset();
  }

 private:
  template <class Ctor>
  friend class LogicOperator;

  detail::OperatorBase& op_;
  Capability initial_;
  std::vector<Capability> pending_;  // sorted by epoch
};

}  // namespace sluice
