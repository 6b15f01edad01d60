// MemoryStore: one std::map per partition.
#include <sluice/recovery/memory_store.hpp>

namespace sluice::recovery {

MemoryStore::MemoryStore(std::uint32_t partitions) : parts_(partitions) {
  if (partitions == 0) throw StoreError("a recovery store needs at least one partition");
}

void MemoryStore::check_partition(const Store& store, std::uint32_t p) {
  if (p >= store.partitions()) {
    throw StoreError("recovery store '" + store.where() + "': no partition " + std::to_string(p) +
                     " (it has " + std::to_string(store.partitions()) + ")");
  }
}

std::optional<std::string> MemoryStore::find(const Map& map, std::string_view key) {
  const auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

void MemoryStore::apply(Map& map, const Batch& batch) {
  std::vector<StoredVersion> stored;
  std::vector<Map::iterator> at;
  for (const Batch::Op op : batch.ops()) {
    if (op.value && op.versioned && batch.horizon()) {
      // Superseding (batch.hpp): the identity's versions at or before the horizon.
      const Batch::Horizon h = *batch.horizon();
      const std::string_view identity = op.key.substr(0, op.key.size() - 8);
      stored.clear();
      at.clear();
      for (auto it = map.lower_bound(identity); it != map.end(); ++it) {
        const std::string& k = it->first;
        if (k.size() != op.key.size() || k.compare(0, identity.size(), identity) != 0) break;
        const std::uint64_t version = key_version(k);
        if (version > h.at) break;
        stored.push_back(StoredVersion{version, it->second.empty() || it->second[0] != h.live});
        at.push_back(it);
      }
      const bool tombstone = op.value->empty() || (*op.value)[0] != h.live;
      const Superseding s = supersede(stored, key_version(op.key), tombstone, h.at);
      for (std::size_t i = 0; i < s.erase; ++i) map.erase(at[i]);
      if (s.write) map.insert_or_assign(std::string(op.key), std::string(*op.value));
    } else if (op.value) {
      map.insert_or_assign(std::string(op.key), std::string(*op.value));
    } else {
      const auto it = map.find(op.key);
      if (it != map.end()) map.erase(it);
    }
  }
}

void MemoryStore::scan_map(const Map& map, std::string_view prefix,
                           const std::function<void(std::string_view, std::string_view)>& f) {
  for (auto it = map.lower_bound(prefix); it != map.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    f(it->first, it->second);
  }
}

void MemoryStore::commit(std::uint32_t p, const Batch& batch, Durability) {
  check_partition(*this, p);
  std::lock_guard lock(parts_[p].mutex);
  apply(parts_[p].map, batch);
}

void MemoryStore::sync(std::uint32_t p) {
  check_partition(*this, p);
}

std::optional<std::string> MemoryStore::get(std::uint32_t p, std::string_view key) const {
  check_partition(*this, p);
  std::lock_guard lock(parts_[p].mutex);
  return find(parts_[p].map, key);
}

void MemoryStore::scan(std::uint32_t p, std::string_view prefix,
                       const std::function<void(std::string_view, std::string_view)>& f) const {
  check_partition(*this, p);
  std::lock_guard lock(parts_[p].mutex);
  scan_map(parts_[p].map, prefix, f);
}

}  // namespace sluice::recovery
