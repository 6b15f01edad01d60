// FaultStore: a Store in memory that fails on purpose, for tests of every failure path
// above it (store.hpp), in the manner of LevelDB's fault-injection test environment:
//   - the Nth commit or the Nth sync (counted over all partitions, from 1) throws
//     StoreError and changes nothing; with `sticky`, so does every one after it (a
//     disk that stays broken);
//   - crash() drops every batch committed with Durability::Buffered and not synced
//     since (what a system crash may lose), keeping the synced ones: the store then
//     reads as a restarted process would find it.
// Reads see every batch committed so far, synced or not (as the OS page cache does).
// Thread safety as Store's; crash() and the counters need no other call running.
#pragma once

#include <cstdint>
#include <vector>

#include <sluice/recovery/memory_store.hpp>

namespace sluice::recovery {

// What a FaultStore fails (at namespace scope so that it can default an argument).
struct FaultPlan {
  std::uint64_t fail_commit = 0;  // the commit that fails, from 1; 0: none
  std::uint64_t fail_sync = 0;    // the sync that fails, from 1; 0: none
  bool sticky = false;            // every commit and sync after the first failure fails
};

class FaultStore final : public Store {
 public:
  using Plan = FaultPlan;

  explicit FaultStore(std::uint32_t partitions, Plan plan = {});

  std::uint32_t partitions() const override { return static_cast<std::uint32_t>(parts_.size()); }
  std::string where() const override { return "fault-injecting memory store"; }
  void commit(std::uint32_t p, const Batch& batch, Durability durability) override;
  void sync(std::uint32_t p) override;
  std::optional<std::string> get(std::uint32_t p, std::string_view key) const override;
  void scan(std::uint32_t p, std::string_view prefix,
            const std::function<void(std::string_view, std::string_view)>& f) const override;

  // Loses every buffered batch not synced; the plan's counters go on.
  void crash();
  void set_plan(Plan plan);
  std::uint64_t commits() const { return commits_; }  // attempted, failed ones included
  std::uint64_t syncs() const { return syncs_; }
  bool failed() const { return failed_; }

 private:
  // Throws if the attempt numbered `n` of a kind fails under the plan.
  void maybe_fail(const char* what, std::uint64_t n, std::uint64_t at, std::uint32_t p);

  struct Part {
    MemoryStore::Map live;       // everything committed
    MemoryStore::Map durable;    // what a crash keeps
    std::vector<Batch> pending;  // buffered since the last sync, in order
  };
  std::vector<Part> parts_;
  Plan plan_;
  std::uint64_t commits_ = 0;
  std::uint64_t syncs_ = 0;
  bool failed_ = false;
};

}  // namespace sluice::recovery
