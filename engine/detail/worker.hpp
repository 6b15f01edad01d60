// Worker: one worker thread's runtime: it instantiates the dataflow, runs every
// operator as a fiber, and drives the progress protocol (Naiad/Timely): it flushes the
// progress changes of finished activations as one batch per scheduling round,
// broadcasts them to every peer, applies peers' batches in per-sender FIFO order,
// and activates operators whose input frontiers changed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <queue>
#include <vector>

#include <boost/fiber/fiber.hpp>

#include <sluice/engine/detail/operator_base.hpp>
#include <sluice/engine/detail/run_shared.hpp>
#include <sluice/progress/change_batch.hpp>
#include <sluice/progress/progress_message.hpp>
#include <sluice/progress/reachability.hpp>
#include <sluice/recovery/worker_snapshots.hpp>

namespace sluice::detail {

class Worker {
 public:
  Worker(RunShared& shared, std::uint32_t index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs the dataflow on the calling thread until every frontier is empty or the run
  // aborts. Errors are reported through RunShared::fail.
  void run();

  std::uint32_t index() const { return index_; }
  std::uint32_t peers() const { return shared_.workers; }
  const RunConfig& config() const { return shared_.config; }
  RunShared& shared() const { return shared_; }
  const StepDesc& step(std::uint32_t node) const { return shared_.graph.steps[node]; }

  // --- used by operators and channels on this worker's thread ---
  // Moves the progress changes of the activation that just ended into this round's batch.
  void end_activation(OperatorBase& op);
  void add_timer(std::chrono::steady_clock::time_point when, OperatorBase& op);
  // Any thread: an Activator fired for one of this worker's operators.
  void note_remote_activation();
  // Registers an input port that receives batches from other workers' channels.
  void watch_remote_input(InputPortBase& port) { remote_inputs_.push_back(&port); }
  // Keeps port.frontier() current and activates its operator when it changes.
  void watch_output(OutputPortBase& port) { watched_outputs_.push_back(&port); }
  void report_failure(std::exception_ptr error);
  // This worker's side of recovery, or null when the run has none.
  recovery::WorkerSnapshots* snapshots() const { return snapshots_.get(); }
  // Operators woken from their wait that have not started running yet; the driver
  // yields while any exist. (Boost.Fiber's own ready queue also holds its dispatcher,
  // so it cannot tell us this.)
  std::size_t runnable_ = 0;

 private:
  template <class F>
  void guarded(F&& phase, const char* doing);
  std::exception_ptr out_of_memory(const char* doing) const noexcept;
  void build();
  void drive();
  bool receive_progress();
  bool flush_progress();
  void deliver_frontiers();
  void deliver_output_frontiers();
  bool poll_activations();
  bool poll_waiters();
  void shutdown_fibers();

  struct Timer {
    std::chrono::steady_clock::time_point when;
    OperatorBase* op;
    bool operator>(const Timer& other) const { return when > other.when; }
  };

  RunShared& shared_;
  const std::uint32_t index_;
  std::vector<std::unique_ptr<OperatorBase>> ops_;
  std::vector<boost::fibers::fiber> fibers_;
  std::unique_ptr<progress::Tracker<Epoch>> tracker_;
  progress::ChangeBatch<std::pair<progress::Location, Epoch>> round_;
  std::vector<InputPortBase*> remote_inputs_;
  std::vector<OutputPortBase*> watched_outputs_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::atomic<bool> remote_activations_{false};
  std::uint64_t sequence_ = 0;
  std::unique_ptr<progress::SequenceChecker> sequence_checker_;
  ProgressMsg incoming_;
  std::vector<progress::Target> dirty_targets_;
  std::unique_ptr<recovery::WorkerSnapshots> snapshots_;
};

}  // namespace sluice::detail
