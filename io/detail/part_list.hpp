// PartList: the part list of one partitioned source or sink step, computed once per
// run and shared by that run's workers. Internal to io/.
//
// list_parts(workers) must see the run's worker count, which only the workers know,
// so the first worker of a run to build the step calls it (holding a lock, so no
// worker of the step reads or writes before the list exists); the others reuse the
// list; it is forgotten when the last worker's operator of the run is destroyed. A
// worker cannot finish a run before every worker has built its operators (progress
// starts with every worker's initial capabilities), so every worker of a run sees
// one list. Assumes one run of a dataflow at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::io::detail {

class PartList {
 public:
  using Lister = std::function<std::vector<std::string>(std::uint32_t workers)>;

  // Held by each worker's operator for the run. Move-only.
  class Lease {
   public:
    Lease(std::shared_ptr<PartList> list, const std::string& step, std::uint32_t workers,
          const Lister& lister, bool need_one);
    Lease(Lease&& other) noexcept : list_(std::move(other.list_)) {}
    Lease(const Lease&) = delete;
    ~Lease();
    // Sorted, without duplicates.
    const std::vector<std::string>& parts() const { return list_->parts_; }

   private:
    std::shared_ptr<PartList> list_;
  };

  // Read without the lock by a worker that holds a lease (set before its lease existed).
  std::uint32_t workers() const { return workers_; }
  std::size_t count() const { return parts_.size(); }

 private:
  std::mutex mutex_;
  std::uint32_t live_ = 0;
  std::uint32_t workers_ = 1;
  std::vector<std::string> parts_;
};

// Calls lister(workers) on the graph-building thread and checks the result, so a bad
// configuration is refused before any data moves. Returns the sorted list. Throws
// ConfigError "step '<step>': <what list_parts threw>" or naming a duplicate part (or
// an empty list, if `need_one`).
std::vector<std::string> checked_parts(const std::string& step, std::uint32_t workers,
                                       const PartList::Lister& lister, bool need_one);

}  // namespace sluice::io::detail
