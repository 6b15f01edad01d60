// Store: the storage under the recovery store (per-epoch snapshots of state and positions): a
// fixed number of partitions, each an ordered map from byte-string keys to byte-string
// values, changed only by atomic batches. The recovery layout (what the keys and
// values mean: step state with its epoch, tombstones, source and sink positions, the
// store's format version and fingerprint) is built on it; this interface knows none
// of that.
//
// Three implementations: LmdbStore (the real one: one LMDB environment, one file, per
// partition), MemoryStore (tests), and FaultStore (tests: fails the Nth commit or
// sync, and drops what was not synced when it "crashes", as LevelDB's fault-injection
// environment does), so that every failure path of the layers above can be tested.
//
// Durability: commit(p, batch, Durability::Sync) returns once the batch survives a
// system crash; with Durability::Buffered it survives a process kill (the OS has it)
// but a system crash may lose it, never a part of it, until sync(p) returns. A batch
// is atomic either way: after any crash it is there whole or not at all, and batches
// of one partition are kept in commit order (a later one is never there without an
// earlier one).
//
// Thread safety: different partitions may be used from different threads at once; one
// partition by one thread at a time (the recovery layer gives each partition one
// writer). Errors: StoreError, naming the store, the partition and what to do; a
// commit that throws applied nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/engine/error.hpp>
#include <sluice/recovery/batch.hpp>

namespace sluice::recovery {

// A failed store operation; what() names the store (its directory), the partition and
// what to do.
class StoreError : public Error {
 public:
  using Error::Error;
};

enum class Durability { Sync, Buffered };

class Store {
 public:
  virtual ~Store() = default;

  virtual std::uint32_t partitions() const = 0;
  // Where the store lives, for messages ("memory" for a MemoryStore).
  virtual std::string where() const = 0;

  // Applies `batch` to partition p (< partitions()) atomically. Throws StoreError,
  // having applied nothing.
  virtual void commit(std::uint32_t p, const Batch& batch, Durability durability) = 0;
  // Makes every batch committed to partition p so far durable.
  virtual void sync(std::uint32_t p) = 0;

  // The value of `key` in partition p, if any.
  virtual std::optional<std::string> get(std::uint32_t p, std::string_view key) const = 0;
  // Calls f(key, value) for every key of partition p that starts with `prefix`, in
  // byte order of the keys. Decision: a std::function (resume reads state once, off
  // the data path). f must not use the store.
  virtual void scan(std::uint32_t p, std::string_view prefix,
                    const std::function<void(std::string_view, std::string_view)>& f) const = 0;
};

}  // namespace sluice::recovery
