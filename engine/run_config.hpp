// RunConfig: how a dataflow runs in this process (the standard command line fills it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sluice {

namespace recovery {
class Store;
}

struct RunConfig {
  // Worker threads in this process; each runs a full copy of the dataflow. At most
  // max_workers().
  std::uint32_t workers = 1;
  // Ingestion epochs advance this often (wall time) in sources that use them; between
  // 1 ms and kMaxEpochInterval. Decision: an ingestion epoch longer than a day has no
  // use, and the bound keeps every epoch boundary inside the steady clock's range.
  std::chrono::milliseconds epoch_interval{10'000};
  static constexpr std::chrono::milliseconds kMaxEpochInterval{24 * 3600 * 1000};
  // Records per batch an output buffers before handing it on.
  std::size_t batch_size = 1024;
  // Batches an in-process channel between two workers holds before the sender waits.
  std::size_t channel_capacity = 64;

  // Recovery (sluice/recovery/snapshot_run.hpp): on when recovery_dir is set. The run
  // snapshots its state into the directory every snapshot_interval (wall time) and
  // resumes from the directory's latest committed epoch.
  std::string recovery_dir;
  std::chrono::milliseconds snapshot_interval{10'000};
  // How long superseded versions stay in the store (0: until the next commit).
  std::chrono::milliseconds backup_interval{0};
  // The partitions of a directory this run creates (an existing one keeps its own).
  std::uint32_t recovery_partitions = 1;
  // Snapshot bytes handed to the writer and not yet committed before it stops asking
  // for snapshot epochs (recovery/snapshot_run.hpp).
  std::size_t recovery_pending_limit = std::size_t{256} << 20;
  // Tests: the store to use instead of opening recovery_dir (which then only names it).
  std::shared_ptr<recovery::Store> recovery_store;

  // The most workers a process may run: 1024, and at most kWorkersPerCore per hardware
  // thread of this machine. Decision: each worker is a thread, and every progress round
  // sends a message from every worker to every other (W * (W - 1)), so workers beyond
  // the cores add only cost: measured on 2 cores over a 1 KB file, -w 64 ran in 0.6 s,
  // -w 512 in 14 s. The bound refuses that instead of running it.
  static constexpr std::uint32_t kMaxWorkers = 1024;
  static constexpr std::uint32_t kWorkersPerCore = 32;
  static std::uint32_t max_workers();

  // Throws ConfigError naming the bad field and its allowed range.
  void validate() const;
};

}  // namespace sluice
