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
  std::exception_ptr error_;
};

}  // namespace sluice::detail
