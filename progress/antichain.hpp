// Antichains (sets of mutually incomparable times) and MutableAntichain, which keeps a count per
// time and exposes the frontier: the minimal times whose count is positive.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/progress/change_batch.hpp>
#include <sluice/progress/timestamp.hpp>

namespace sluice::progress {

// The minimal elements of the times inserted so far. Elements are kept sorted by operator<.
template <Timestamp T>
class Antichain {
 public:
  Antichain() = default;
  explicit Antichain(T single) { elements_.push_back(std::move(single)); }

  // Adds t unless some element is already <= t (then returns false); removes the elements >= t.
  bool insert(const T& t) {
    for (const T& e : elements_) {
      if (TimestampTraits<T>::less_equal(e, t)) return false;
    }
    std::erase_if(elements_, [&](const T& e) { return TimestampTraits<T>::less_equal(t, e); });
    elements_.insert(std::upper_bound(elements_.begin(), elements_.end(), t), t);
    return true;
  }

  // Some element is <= t: a frontier described by this antichain has not passed t.
  bool less_equal(const T& t) const {
    return std::any_of(elements_.begin(), elements_.end(),
                       [&](const T& e) { return TimestampTraits<T>::less_equal(e, t); });
  }

  // Some element is < t in the partial order.
  bool less_than(const T& t) const {
    return std::any_of(elements_.begin(), elements_.end(),
                       [&](const T& e) { return progress::less_than(e, t); });
  }

  bool empty() const { return elements_.empty(); }
  std::span<const T> elements() const { return elements_; }
  // Set equality (both are kept sorted).
  bool operator==(const Antichain& other) const { return elements_ == other.elements_; }

 private:
  std::vector<T> elements_;
};

// Counts per time; the frontier is the set of minimal times with a positive count. Counts may
// be negative transiently (a consumer's -1 can arrive before the producer's +1); such times do
// not enter the frontier. Storage is a sorted vector: cheap for the few distinct times a port
// holds at once, and allocation-free in steady state.
template <Timestamp T>
class MutableAntichain {
 public:
  // Adds delta to the count of t; appends the resulting frontier changes (+1 entering, -1
  // leaving) to *frontier_changes when it is not null.
  void update(const T& t, int64_t delta, ChangeBatch<T>* frontier_changes = nullptr) {
    bool rebuild = apply(t, delta);
    if (rebuild) rebuild_frontier(frontier_changes);
  }

  // Applies every (T, int64_t) pair in [first, last), then appends the frontier changes.
  template <class It>
  void update_iter(It first, It last, ChangeBatch<T>& frontier_changes) {
    update_iter(
        first, last, frontier_changes, [](const auto& entry) -> const auto& { return entry; });
  }

  // As above, for ranges whose elements project (by proj) to a (T, int64_t) pair.
  template <class It, class Proj>
  void update_iter(It first, It last, ChangeBatch<T>& frontier_changes, Proj proj) {
    bool rebuild = false;
    for (; first != last; ++first) {
      auto&& entry = *first;  // keeps a by-value element alive while proj refers to it
      const auto& [t, delta] = proj(entry);
      rebuild |= apply(t, delta);
    }
    if (rebuild) rebuild_frontier(&frontier_changes);
  }

  // Minimal elements among the times with a positive count, sorted by operator<.
  std::span<const T> frontier() const { return frontier_; }

  // Some frontier element is <= t: the frontier has not passed t.
  bool less_equal(const T& t) const {
    for (const T& f : frontier_) {
      if (TimestampTraits<T>::less_equal(f, t)) return true;
    }
    return false;
  }

  bool less_than(const T& t) const {
    for (const T& f : frontier_) {
      if (progress::less_than(f, t)) return true;
    }
    return false;
  }

  bool empty() const { return frontier_.empty(); }

  int64_t count_for(const T& t) const {
    auto it = lower_bound(t);
    return it != counts_.end() && it->first == t ? it->second : 0;
  }

  // Every count is zero (the frontier can be empty while negative counts remain).
  bool all_zero() const { return counts_.empty(); }

  // Some count is negative.
  bool any_negative() const { return negatives_ > 0; }

  // The non-zero counts, sorted by time.
  std::span<const std::pair<T, int64_t>> counts() const { return counts_; }

 private:
  using Entry = std::pair<T, int64_t>;

  typename std::vector<Entry>::const_iterator lower_bound(const T& t) const {
    return std::lower_bound(counts_.begin(), counts_.end(), t,
                            [](const Entry& e, const T& key) { return e.first < key; });
  }

  // Adds delta to the count of t. Returns whether the frontier may have changed. The frontier
  // depends only on which times are positive, so it can change only when t becomes positive
  // without a frontier element <= t, or when a frontier element stops being positive. (Within
  // update_iter the frontier is stale, which is still sound: an element that stops being
  // positive in the same batch triggers the rebuild itself.)
  bool apply(const T& t, int64_t delta) {
    if (delta == 0) return false;
    auto it = counts_.begin() + (lower_bound(t) - counts_.cbegin());
    int64_t before = 0;
    if (it != counts_.end() && it->first == t) {
      before = it->second;
      it->second += delta;
      if (it->second == 0) counts_.erase(it);
    } else {
      counts_.insert(it, Entry(t, delta));
    }
    int64_t after = before + delta;
    negatives_ += (after < 0) - (before < 0);
    if ((before > 0) == (after > 0)) return false;
    if (after > 0) return !less_equal(t);
    return std::find(frontier_.begin(), frontier_.end(), t) != frontier_.end();
  }

  // Recomputes the frontier from the positive counts and records the difference.
  void rebuild_frontier(ChangeBatch<T>* changes) {
    if constexpr (std::is_arithmetic_v<T>) {
      rebuild_total(changes);
      return;
    }
    next_.clear();
    // counts_ is sorted by a total order extending the partial order, so an element is never
    // dominated by a later one: scanning in order and keeping undominated times suffices.
    for (const Entry& e : counts_) {
      if (e.second <= 0) continue;
      bool dominated = false;
      for (const T& f : next_) {
        if (TimestampTraits<T>::less_equal(f, e.first)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) next_.push_back(e.first);
    }
    if (changes != nullptr) record_difference(*changes);
    std::swap(frontier_, next_);
  }

  // rebuild_frontier for a totally ordered T: the frontier is the least positive time, if any.
  // Changes are appended in increasing time order, which keeps `changes` compact.
  void rebuild_total(ChangeBatch<T>* changes) {
    auto positive =
        std::find_if(counts_.begin(), counts_.end(), [](const Entry& e) { return e.second > 0; });
    const bool had = !frontier_.empty();
    const bool has = positive != counts_.end();
    if (had && has && frontier_[0] == positive->first) return;
    if (changes != nullptr) {
      if (had && has && positive->first < frontier_[0]) {
        changes->update(positive->first, +1);
        changes->update(frontier_[0], -1);
      } else {
        if (had) changes->update(frontier_[0], -1);
        if (has) changes->update(positive->first, +1);
      }
    }
    if (!has) {
      frontier_.clear();
    } else if (had) {
      frontier_[0] = positive->first;
    } else {
      frontier_.push_back(positive->first);
    }
  }

  // Appends -1 for times leaving (in frontier_ only) and +1 for times entering (in next_ only).
  void record_difference(ChangeBatch<T>& changes) const {
    auto old_it = frontier_.begin();
    auto new_it = next_.begin();
    while (old_it != frontier_.end() || new_it != next_.end()) {
      if (new_it == next_.end() || (old_it != frontier_.end() && *old_it < *new_it)) {
        changes.update(*old_it++, -1);
      } else if (old_it == frontier_.end() || *new_it < *old_it) {
        changes.update(*new_it++, +1);
      } else {
        ++old_it;
        ++new_it;
      }
    }
  }

  std::vector<Entry> counts_;  // sorted by time, no zero counts
  std::vector<T> frontier_;    // sorted by operator<
  std::vector<T> next_;        // scratch for rebuild_frontier
  int64_t negatives_ = 0;      // number of negative counts
};

}  // namespace sluice::progress
