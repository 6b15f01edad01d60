// RunConfig: how a dataflow runs in this process (the standard command line fills it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sluice {

struct RunConfig {
  // Worker threads in this process; each runs a full copy of the dataflow.
  std::uint32_t workers = 1;
  // Ingestion epochs advance this often (wall time) in sources that use them.
  std::chrono::milliseconds epoch_interval{10'000};
  // Records per batch an output buffers before handing it on.
  std::size_t batch_size = 1024;
  // Batches an in-process channel between two workers holds before the sender waits.
  std::size_t channel_capacity = 64;

  // Throws ConfigError naming the bad field and its allowed range.
  void validate() const;
};

}  // namespace sluice
