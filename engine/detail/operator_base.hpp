// OperatorBase: the runtime side of one operator instance on one worker: its
// ports, its fiber's activation state, and the progress changes of the current
// activation. The user-facing operator API (sluice/operators/) is built on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/fiber/condition_variable.hpp>

#include <sluice/engine/activator.hpp>
#include <sluice/engine/detail/port.hpp>
#include <sluice/engine/epoch.hpp>
#include <sluice/engine/run_config.hpp>
#include <sluice/progress/location.hpp>

namespace sluice::detail {

class Worker;
}  // namespace sluice::detail
namespace sluice::recovery {
class WorkerSnapshots;
}
namespace sluice::detail {
struct StepDesc;

using ProgressChange = std::pair<std::pair<progress::Location, Epoch>, std::int64_t>;

class OperatorBase {
 public:
  // Creates the ports described by the step. Runs on the worker's thread.
  OperatorBase(Worker& worker, std::uint32_t node);
  virtual ~OperatorBase();
  OperatorBase(const OperatorBase&) = delete;
  OperatorBase& operator=(const OperatorBase&) = delete;

  // One activation of the operator's logic. Must do a bounded amount of work; call
  // activate() to be run again soon.
  virtual void run() = 0;

  Worker& worker() const { return worker_; }
  std::uint32_t node() const { return node_; }
  const std::string& path() const;
  std::uint32_t worker_index() const;
  std::uint32_t workers() const;
  const RunConfig& config() const;
  // The worker's recovery side, or null (no recovery directory).
  recovery::WorkerSnapshots* snapshots() const;
  bool begin_publishing() const;  // RunShared::begin_publishing

  std::size_t input_count() const { return inputs_.size(); }
  std::size_t output_count() const { return outputs_.size(); }
  InputPortBase& input(std::size_t i) const { return *inputs_[i]; }
  OutputPortBase& output(std::size_t i) const { return *outputs_[i]; }
  // Has the worker keep output(i).frontier() current, activating this operator when it
  // changes. Worker thread only, while the operator is being built or running.
  void watch_output(std::size_t i);

  // Progress accounting. Changes made during an activation stay here until it ends
  // (Worker::end_activation), so an activation that blocks half-way (a full channel)
  // never publishes the consumption of its input before the output it derived.
  void record(progress::Location location, Epoch epoch, std::int64_t delta) {
    pending_.push_back({{location, epoch}, delta});
  }
  // A capability at `epoch` counts at every output port of the operator.
  void record_capability(Epoch epoch, std::int64_t delta) {
    for (std::uint32_t o = 0; o < outputs_.size(); ++o) {
      record(progress::Location::of(progress::Source{node_, o}), epoch, delta);
    }
  }
  std::vector<ProgressChange>& pending() { return pending_; }

  // Schedules another activation. Worker thread only.
  void activate() { activate_if_idle(); }
  // As activate(); true if the operator was not already scheduled.
  bool activate_if_idle();
  // Schedules an activation at `when` (or soon after). Worker thread only.
  void activate_at(std::chrono::steady_clock::time_point when);
  // A handle that activates this operator from any thread.
  Activator activator() { return Activator(*this); }

  // Error context: the epoch of the batch being processed, if any.
  std::optional<Epoch> current_epoch;

  // --- used by Worker ---
  void fiber_main();  // the body of this operator's fiber
  void request_shutdown();
  void mark_remote_activation() { remote_activation_.store(true, std::memory_order_release); }
  bool take_remote_activation() {
    return remote_activation_.exchange(false, std::memory_order_acq_rel);
  }
  void flush_outputs();

 protected:
  std::vector<std::unique_ptr<InputPortBase>> inputs_;
  std::vector<std::unique_ptr<OutputPortBase>> outputs_;

 private:
  struct NullLock {
    void lock() {}
    void unlock() {}
  };

  Worker& worker_;
  std::uint32_t node_;
  std::vector<ProgressChange> pending_;
  bool activated_ = true;  // every operator runs once at start
  bool shutdown_ = false;
  bool waiting_ = false;
  bool counted_ = true;  // included in Worker::runnable_ (true at start: it runs once)
  boost::fibers::condition_variable_any wake_;
  std::atomic<bool> remote_activation_{false};
};

}  // namespace sluice::detail
