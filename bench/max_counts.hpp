// MaxCounts: the checker shared by bench/keyed_count and bench/baseline_keyed_count.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace bench {

// The checker: key -> the largest count emitted for it (the last one: counts of a key
// only grow). Keys below K are the numbers 0..K-1 (parsed back from "w<n>"), so while
// K * workers is at most 2^24 it is a plain array indexed by the key; else a hash map.
constexpr std::uint64_t kDenseLimit = std::uint64_t{1} << 24;

template <class K, class Hash, class Eq = std::equal_to<K>>
class MaxCounts {
 public:
  MaxCounts(std::uint64_t keys, bool dense) {
    if (dense) dense_.assign(keys, 0);
  }

  void see(const K& key, std::uint64_t count) {
    ++emitted_;
    if (!dense_.empty()) {
      const std::uint64_t k = index(key);
      if (k >= dense_.size()) {
        ++bad_;
        return;
      }
      std::uint64_t& m = dense_[k];
      m = std::max(m, count);
    } else {
      std::uint64_t& m = map_[key];
      m = std::max(m, count);
    }
  }

  std::uint64_t emitted() const { return emitted_; }
  std::uint64_t bad_keys() const { return bad_; }
  // Sum over keys of the largest count, and how many keys had one.
  std::pair<std::uint64_t, std::uint64_t> totals() const {
    std::uint64_t sum = 0;
    std::uint64_t keys = 0;
    for (std::uint64_t m : dense_) {
      sum += m;
      keys += m != 0;
    }
    for (const auto& [k, m] : map_) {
      sum += m;
      keys += m != 0;
    }
    return {sum, keys};
  }

 private:
  static std::uint64_t index(std::uint64_t key) { return key; }
  static std::uint64_t index(const std::string& key) {
    std::uint64_t n = ~std::uint64_t{0};
    if (key.size() < 2 || key[0] != 'w') return n;
    const auto r = std::from_chars(key.data() + 1, key.data() + key.size(), n);
    return r.ec == std::errc() && r.ptr == key.data() + key.size() ? n : ~std::uint64_t{0};
  }

  std::vector<std::uint64_t> dense_;
  absl::flat_hash_map<K, std::uint64_t, Hash, Eq> map_;
  std::uint64_t emitted_ = 0;
  std::uint64_t bad_ = 0;
};

}  // namespace bench
