// Batch: appending batches and the key order (batch.hpp).
#include <sluice/recovery/batch.hpp>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace sluice::recovery {

void Batch::append(Batch&& other) {
  if (refs_.empty()) {
    std::swap(bytes_, other.bytes_);
    std::swap(refs_, other.refs_);
  } else {
    const std::size_t base = bytes_.size();
    bytes_.append(other.bytes_);
    refs_.reserve(refs_.size() + other.refs_.size());
    for (Ref r : other.refs_) {
      r.at += base;
      refs_.push_back(r);
    }
  }
  other.clear();
}

std::vector<std::uint32_t> Batch::key_order() const {
  std::vector<std::uint32_t> order(refs_.size());
  std::iota(order.begin(), order.end(), 0u);
  const auto key = [this](std::uint32_t i) {
    return std::string_view(bytes_.data() + refs_[i].at, refs_[i].key);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
  return order;
}

void Batch::too_long(std::size_t bytes) {
  throw std::length_error("a recovery store value of " + std::to_string(bytes) +
                          " bytes (at most 4 GiB - 2 bytes)");
}

}  // namespace sluice::recovery
