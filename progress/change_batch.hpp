// ChangeBatch: a lazily consolidated list of (key, count change) updates, as in Timely's
// change_batch. Updates are appended; sorting and merging happen when the batch is read or when
// its raw length outgrows twice its last compacted length.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace sluice::progress {

// D must be totally ordered (operator<) with a consistent operator==. Not thread safe.
// Steady-state use (update, then updates() or drain_into, then clear) does not allocate once
// the vector has grown to its working size.
template <class D>
class ChangeBatch {
 public:
  using Entry = std::pair<D, int64_t>;

  ChangeBatch() = default;

  // Records a change of delta to the count of d. A delta of 0 is ignored.
  void update(const D& d, int64_t delta) {
    if (delta == 0) return;
    updates_.emplace_back(d, delta);
    maintain_bounds();
  }

  // Records every (D, int64_t) pair in [first, last).
  template <class It>
  void extend(It first, It last) {
    for (; first != last; ++first) {
      const auto& [d, delta] = *first;
      if (delta != 0) updates_.emplace_back(d, delta);
    }
    maintain_bounds();
  }

  // Sorts by key, merges equal keys and drops zero totals. Cheap when already compact.
  void compact() {
    if (clean_ == updates_.size()) return;
    if (appended_in_order()) {
      clean_ = updates_.size();
      return;
    }
    sort_and_merge();
  }

  // The consolidated updates, sorted by key, with no zero counts. Valid until the next mutation.
  std::span<const Entry> updates() {
    compact();
    return updates_;
  }

  // True if every key's total is zero.
  bool empty() {
    compact();
    return updates_.empty();
  }

  void clear() {
    updates_.clear();
    clean_ = 0;
  }

  // Moves the consolidated updates out and leaves this batch empty.
  std::vector<Entry> drain() {
    compact();
    std::vector<Entry> out = std::move(updates_);
    updates_.clear();
    clean_ = 0;
    return out;
  }

  // Adds all of this batch's updates to other and leaves this batch empty. Swaps storage when
  // other is empty, so capacity circulates instead of being reallocated.
  void drain_into(ChangeBatch& other) {
    if (other.updates_.empty()) {
      std::swap(updates_, other.updates_);
      other.clean_ = clean_;
      clean_ = 0;
      updates_.clear();
    } else {
      other.extend(updates_.begin(), updates_.end());
      clear();
    }
  }

  // Raw number of recorded entries, without compacting.
  std::size_t unstable_size() const { return updates_.size(); }

 private:
  // The slow path of compact(): kept out of line so the fast path inlines.
  void sort_and_merge() {
    sort_entries();
    std::size_t out = 0;
    for (std::size_t i = 0; i < updates_.size();) {
      int64_t total = updates_[i].second;
      std::size_t j = i + 1;
      while (j < updates_.size() && updates_[j].first == updates_[i].first) {
        total += updates_[j].second;
        ++j;
      }
      if (total != 0) {
        if (out != i) updates_[out].first = std::move(updates_[i].first);
        updates_[out].second = total;
        ++out;
      }
      i = j;
    }
    updates_.resize(out);
    clean_ = out;
  }

  // Compacts when the raw length exceeds twice the last compacted length (and is not tiny), so
  // repeated updates to a few keys keep the vector short.
  void maintain_bounds() {
    if (updates_.size() > 32 && updates_.size() / 2 >= clean_) compact();
  }

  // True if the entries after the compacted prefix continue it in strictly increasing key
  // order: then the batch is already compact (zero deltas are never stored).
  bool appended_in_order() const {
    for (std::size_t i = clean_ == 0 ? 1 : clean_; i < updates_.size(); ++i) {
      if (!(updates_[i - 1].first < updates_[i].first)) return false;
    }
    return true;
  }

  // Insertion sort for the short, mostly sorted vectors of the hot path; std::sort otherwise.
  void sort_entries() {
    auto by_key = [](const Entry& a, const Entry& b) { return a.first < b.first; };
    if (updates_.size() > 32) {
      std::sort(updates_.begin(), updates_.end(), by_key);
      return;
    }
    for (std::size_t i = 1; i < updates_.size(); ++i) {
      if (!by_key(updates_[i], updates_[i - 1])) continue;
      Entry moving = std::move(updates_[i]);
      std::size_t j = i;
      while (j > 0 && by_key(moving, updates_[j - 1])) {
        updates_[j] = std::move(updates_[j - 1]);
        --j;
      }
      updates_[j] = std::move(moving);
    }
  }

  std::vector<Entry> updates_;
  std::size_t clean_ = 0;  // updates_[0, clean_) is compacted, when clean_ == size()
};

}  // namespace sluice::progress
