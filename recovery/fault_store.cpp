// FaultStore: live and durable maps per partition, the buffered batches between them.
#include <sluice/recovery/fault_store.hpp>

namespace sluice::recovery {

FaultStore::FaultStore(std::uint32_t partitions, Plan plan) : parts_(partitions), plan_(plan) {
  if (partitions == 0) throw StoreError("a recovery store needs at least one partition");
}

void FaultStore::maybe_fail(const char* what, std::uint64_t n, std::uint64_t at, std::uint32_t p) {
  if ((at != 0 && n == at) || (plan_.sticky && failed_)) {
    failed_ = true;
    throw StoreError("recovery store '" + where() + "' partition " + std::to_string(p) +
                     ": injected failure of " + what + " " + std::to_string(n));
  }
}

void FaultStore::commit(std::uint32_t p, const Batch& batch, Durability durability) {
  MemoryStore::check_partition(*this, p);
  maybe_fail("commit", ++commits_, plan_.fail_commit, p);
  Part& part = parts_[p];
  MemoryStore::apply(part.live, batch);
  if (durability == Durability::Sync) {
    // Durable now, and so is everything committed to the partition before it (a
    // sync flushes the whole file, as LMDB's does).
    for (const Batch& b : part.pending) MemoryStore::apply(part.durable, b);
    part.pending.clear();
    MemoryStore::apply(part.durable, batch);
  } else {
    part.pending.push_back(batch);
  }
}

void FaultStore::sync(std::uint32_t p) {
  MemoryStore::check_partition(*this, p);
  maybe_fail("sync", ++syncs_, plan_.fail_sync, p);
  Part& part = parts_[p];
  for (const Batch& b : part.pending) MemoryStore::apply(part.durable, b);
  part.pending.clear();
}

std::optional<std::string> FaultStore::get(std::uint32_t p, std::string_view key) const {
  MemoryStore::check_partition(*this, p);
  return MemoryStore::find(parts_[p].live, key);
}

void FaultStore::scan(std::uint32_t p, std::string_view prefix,
                      const std::function<void(std::string_view, std::string_view)>& f) const {
  MemoryStore::check_partition(*this, p);
  MemoryStore::scan_map(parts_[p].live, prefix, f);
}

void FaultStore::crash() {
  for (Part& part : parts_) {
    part.live = part.durable;
    part.pending.clear();
  }
}

void FaultStore::set_plan(Plan plan) {
  plan_ = plan;
  failed_ = false;
}

}  // namespace sluice::recovery
