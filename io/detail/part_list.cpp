// PartList: the per-run part list of a partitioned step.
#include <sluice/io/detail/part_list.hpp>

#include <algorithm>

#include <sluice/engine/detail/aborted.hpp>
#include <sluice/engine/error.hpp>

namespace sluice::io::detail {

std::vector<std::string> checked_parts(const std::string& step, std::uint32_t workers,
                                       const PartList::Lister& lister, bool need_one) {
  std::vector<std::string> parts;
  try {
    parts = lister(workers);
  } catch (const sluice::detail::Aborted&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError("step '" + step + "': " + e.what());
  }
  std::sort(parts.begin(), parts.end());
  const auto twice = std::adjacent_find(parts.begin(), parts.end());
  if (twice != parts.end()) {
    throw ConfigError("step '" + step + "': list_parts returned the part '" + *twice +
                      "' twice; part names must be unique");
  }
  if (need_one && parts.empty()) {
    throw ConfigError("step '" + step + "': list_parts returned no parts; a partitioned sink " +
                      "needs at least one");
  }
  return parts;
}

PartList::Lease::Lease(std::shared_ptr<PartList> list, const std::string& step,
                       std::uint32_t workers, const Lister& lister, bool need_one) {
  std::lock_guard<std::mutex> lock(list->mutex_);
  if (list->live_ == 0) {
    list->parts_ = checked_parts(step, workers, lister, need_one);
    list->workers_ = workers;
  }
  ++list->live_;
  list_ = std::move(list);
}

PartList::Lease::~Lease() {
  if (!list_) return;
  std::lock_guard<std::mutex> lock(list_->mutex_);
  --list_->live_;
}

}  // namespace sluice::io::detail
