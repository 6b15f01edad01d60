// RunShared: what the workers of one process share during a run: doorbells,
// progress channels, per-edge channel meshes, and the first error.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include <sluice/engine/detail/doorbell.hpp>
#include <sluice/engine/detail/graph.hpp>
#include <sluice/engine/detail/queue_channel.hpp>
#include <sluice/engine/detail/unbounded_channel.hpp>
#include <sluice/engine/epoch.hpp>
#include <sluice/engine/run_config.hpp>
#include <sluice/progress/progress_message.hpp>
#include <sluice/progress/reachability.hpp>
#include <sluice/recovery/snapshot_run.hpp>

namespace sluice::detail {

using ProgressMsg = progress::ProgressMessage<Epoch>;

struct RunShared {
  RunShared(const Graph& graph, const RunConfig& config);
  RunShared(const RunShared&) = delete;
  RunShared& operator=(const RunShared&) = delete;

  // Records the first failure, aborts the run and wakes every worker.
  void fail(std::exception_ptr error);
  bool aborted() const { return aborted_.load(std::memory_order_acquire); }
  std::exception_ptr error() const;

  // A sink that finished asks before it publishes its files (renames them into place);
  // a stop signal asks before it stops the run. The first wins: a run a signal stopped
  // first publishes nothing (false: the files stay temporary), and a run whose files
  // are being published ends normally (stop_unless_publishing returns false). With
  // recovery the savepoint decides instead (SnapshotRun::begin_publishing).
  bool begin_publishing();
  bool stop_unless_publishing(std::exception_ptr error);

  // Creates an in-process channel from worker `from` to worker `to`.
  template <class M>
  std::unique_ptr<QueueChannel<M>> make_queue(std::uint32_t from, std::uint32_t to) {
    return std::make_unique<QueueChannel<M>>(config.channel_capacity,
                                             ProducerSide{*doorbells[from], waiters[from]},
                                             *doorbells[to], aborted_);
  }

  const Graph& graph;
  const RunConfig config;
  const std::uint32_t workers;
  progress::GraphBuilder<Epoch> topology;
  std::vector<std::unique_ptr<Doorbell>> doorbells;  // per worker
  // Per worker, touched only by that worker's thread: its fibers parked on a Waiter.
  std::vector<std::vector<Waiter*>> waiters;
  // progress[from][to]; the diagonal is unused (a worker applies its own progress
  // directly, which is the same as a FIFO channel to itself drained at once).
  std::vector<std::vector<std::unique_ptr<UnboundedChannel<ProgressMsg>>>> progress;
  std::vector<std::shared_ptr<void>> meshes;  // per edge
  // Recovery for this run, or null (no recovery directory).
  std::unique_ptr<recovery::SnapshotRun> snapshots;

 private:
  mutable std::mutex mutex_;
  std::atomic<bool> aborted_{false};
  bool publishing_ = false;  // under mutex_
  bool stopped_ = false;     // by a signal; under mutex_
  std::exception_ptr error_;
};

}  // namespace sluice::detail
