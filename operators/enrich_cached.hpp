// op::enrich_cached: looks up data for each record through a per-worker cache
// (Bytewax's `enrich_cached`). `getter(key) -> V` fetches (from a file, a service,
// ...); `mapper(cache, record) -> U` calls cache.get(key) as it needs and returns the
// output record. An entry is fetched again once it is older than `ttl`. Records stay
// on their worker and keep their epoch. The getter runs on the worker's thread, so a
// slow getter delays that worker.
#pragma once

#include <chrono>
#include <string>
#include <type_traits>
#include <utility>

#include <absl/container/flat_hash_map.h>

#include <sluice/operators/detail/callable_traits.hpp>
#include <sluice/operators/keyed_state.hpp>
#include <sluice/operators/stateless.hpp>

namespace sluice {

// A time-to-live cache in front of getter(const K&) -> V. One per worker; not
// thread-safe. get() returns a reference valid until the next get().
template <class K, class Getter>
class TtlCache {
 public:
  using Value = std::remove_cvref_t<std::invoke_result_t<Getter&, const K&>>;
  using Clock = std::chrono::steady_clock;

  TtlCache(Getter getter, Clock::duration ttl) : getter_(std::move(getter)), ttl_(ttl) {}

  const Value& get(const K& key) {
    const auto now = Clock::now();
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      it = entries_.emplace(key, Entry{getter_(key), now}).first;
    } else if (now - it->second.fetched >= ttl_) {
      it->second = Entry{getter_(key), now};
    }
    return it->second.value;
  }
  // Forgets `key` (its next get() fetches again).
  void remove(const K& key) { entries_.erase(key); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Value value;
    Clock::time_point fetched;
  };
  Getter getter_;
  Clock::duration ttl_;
  absl::flat_hash_map<K, Entry, StateHash<K>> entries_;
};

namespace op {

template <class T, class Getter, class Mapper>
auto enrich_cached(
    std::string id, const Stream<T>& up, Getter getter, Mapper mapper,
    std::chrono::steady_clock::duration ttl = std::chrono::steady_clock::duration::max()) {
  using K = sluice::detail::arg_t<Getter, 0>;
  using Cache = TtlCache<K, Getter>;
  using U = std::remove_cvref_t<std::invoke_result_t<Mapper&, Cache&, T&>>;
  return sluice::op::detail::per_record_step<U>(
      std::move(id), up,
      [cache = Cache(std::move(getter), ttl), mapper](Session<U>& out, T& x) mutable {
        out.give(mapper(cache, x));
      });
}

}  // namespace op
}  // namespace sluice
