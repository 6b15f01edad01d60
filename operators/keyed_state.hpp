// KeyedState<K, V>: the per-key state of a keyed operator on one worker, in an
// open-addressing hash map (absl::flat_hash_map, DESIGN.md "Performance"), plus the
// change tracking the snapshot protocol needs: with track_changes() on, every key
// created, changed or discarded since the last take_changes() is reported there once.
//
// Keys are hashed with KeyHash<K> (the routing hash; every key type that can be
// exchanged can be stored). Not thread-safe: one operator instance owns it.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <sluice/engine/key_hash.hpp>

namespace sluice {

template <class K>
struct StateHash {
  std::size_t operator()(const K& key) const noexcept {
    return static_cast<std::size_t>(hash_key(key));
  }
};

template <class K, class V>
class KeyedState {
  struct Entry {
    V value;
    bool dirty = false;
  };
  using Map = absl::flat_hash_map<K, Entry, StateHash<K>>;

 public:
  using iterator = typename Map::iterator;

  // The entry of `key`; make() builds its value when the key has none.
  template <class Make>
  iterator find_or_make(const K& key, Make&& make) {
    auto it = map_.find(key);
    if (it == map_.end()) it = map_.emplace(key, Entry{make(), false}).first;
    return it;
  }
  iterator find(const K& key) { return map_.find(key); }
  iterator end() { return map_.end(); }
  static V& value(iterator it) { return it->second.value; }

  // Marks the entry's value as changed (for the next take_changes()).
  void changed(iterator it) {
    if (tracking_ && !it->second.dirty) {
      it->second.dirty = true;
      dirty_.insert(it->first);
    }
  }
  // Removes the entry; reported as discarded by the next take_changes().
  void erase(iterator it) {
    if (tracking_) dirty_.insert(it->first);
    map_.erase(it);
  }
  // Calls f(iterator) for every entry; removes those for which it returns true.
  template <class F>
  void erase_if(F&& f) {
    for (auto it = map_.begin(); it != map_.end();) {
      if (f(it)) {
        erase(it++);
      } else {
        ++it;
      }
    }
  }

  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  void reserve(std::size_t n) { map_.reserve(n); }

  // Starts change tracking (recovery turns it on; it costs one branch per update).
  void track_changes() { tracking_ = true; }
  bool tracking() const { return tracking_; }

  // The keys changed since the last call, each with snapshot(value), or nullopt for a
  // key whose state was discarded; clears the change marks.
  template <class Snapshot>
  auto take_changes(Snapshot&& snapshot) {
    using S = std::decay_t<decltype(snapshot(std::declval<const V&>()))>;
    std::vector<std::pair<K, std::optional<S>>> out;
    out.reserve(dirty_.size());
    for (const K& key : dirty_) {
      auto it = map_.find(key);
      if (it == map_.end()) {
        out.emplace_back(key, std::nullopt);
      } else {
        it->second.dirty = false;
        out.emplace_back(key, snapshot(std::as_const(it->second.value)));
      }
    }
    dirty_.clear();
    return out;
  }

 private:
  Map map_;
  absl::flat_hash_set<K, StateHash<K>> dirty_;
  bool tracking_ = false;
};

}  // namespace sluice
