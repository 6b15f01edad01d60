// StoreInfo: what a recovery store holds (layout.hpp), as `sluice-recovery info`
// prints it: format, partitions and their durable marks, the committed epoch, the
// executions, and per step its live keys and stored versions.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <sluice/engine/epoch.hpp>
#include <sluice/recovery/store.hpp>

namespace sluice::recovery {

struct StepInfo {
  std::uint32_t node = 0;
  std::string path;                    // from the fingerprint; empty if it has no such step
  std::uint64_t live_keys = 0;         // keys whose version at the committed epoch is a value
  std::uint64_t live_value_bytes = 0;  // the bytes of those values
  std::uint64_t versions = 0;          // every stored version (superseded ones included)
  std::uint64_t uncommitted = 0;       // versions after the committed epoch
};

struct PartitionInfo {
  std::optional<Epoch> durable;  // its "durable" mark (nullopt: none yet)
  std::string file;              // its file, when the store has files (set by the caller)
  std::optional<std::uint64_t> file_bytes;
};

struct StoreInfo {
  std::string where;
  std::optional<std::string> format;  // nullopt: no run has opened the store yet
  std::vector<PartitionInfo> partitions;
  std::optional<Epoch> committed;       // nullopt: none; layout::kComplete: the run finished
  std::vector<std::string> executions;  // one line each, oldest first
  std::size_t fingerprint_steps = 0;    // steps in the dataflow that wrote the store
  std::vector<StepInfo> steps;          // the steps holding any version, by node
  std::uint64_t malformed_keys = 0;     // 'S' keys that are not state keys
  bool in_use = false;  // a run had the store open while it was read (set by the caller)
};

// Reads `store` (nothing is written). Throws StoreError as the store's reads do, or
// naming the partition whose durable mark is malformed.
StoreInfo describe(const Store& store);

// The committed epoch as text: "none", the number, or "complete (the run finished)".
std::string committed_text(std::optional<Epoch> committed);

// Writes `info` as lines of text.
void print(std::ostream& out, const StoreInfo& info);

}  // namespace sluice::recovery
