// MemoryStore: a Store in memory, for tests (store.hpp). Every commit is durable at
// once (there is nothing to lose but the process); thread safety as Store's.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include <sluice/recovery/store.hpp>

namespace sluice::recovery {

class MemoryStore final : public Store {
 public:
  // Throws StoreError for zero partitions.
  explicit MemoryStore(std::uint32_t partitions);

  std::uint32_t partitions() const override { return static_cast<std::uint32_t>(parts_.size()); }
  std::string where() const override { return "memory"; }
  void commit(std::uint32_t p, const Batch& batch, Durability durability) override;
  void sync(std::uint32_t p) override;
  std::optional<std::string> get(std::uint32_t p, std::string_view key) const override;
  void scan(std::uint32_t p, std::string_view prefix,
            const std::function<void(std::string_view, std::string_view)>& f) const override;

  using Map = std::map<std::string, std::string, std::less<>>;
  // Applies a batch's ops to a map (shared with FaultStore).
  static void apply(Map& map, const Batch& batch);
  // The value of `key` in `map` (shared with FaultStore).
  static std::optional<std::string> find(const Map& map, std::string_view key);
  // Throws StoreError unless p < store.partitions() (shared with FaultStore).
  static void check_partition(const Store& store, std::uint32_t p);
  // f(key, value) for the keys of `map` starting with `prefix` (shared with FaultStore).
  static void scan_map(const Map& map, std::string_view prefix,
                       const std::function<void(std::string_view, std::string_view)>& f);

 private:
  struct Part {
    mutable std::mutex mutex;
    Map map;
  };
  std::vector<Part> parts_;
};

}  // namespace sluice::recovery
