// Pacts: how an edge moves records from a producer's workers to a consumer's.
//   Pipeline  — every record stays on the worker that produced it.
//   Exchange  — record r goes to worker route(hash_key(key(r)), W): all records with
//               equal keys meet on one worker, the same one in every process and run.
//   Broadcast — every worker receives every record.
#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include <sluice/engine/key_hash.hpp>

namespace sluice {

struct Pipeline {};

template <class KeyFn>
struct Exchange {
  KeyFn key;
};

struct Broadcast {};

// exchange([](const T& r) { return r.user_id; }): the key function must return a
// HashableKey (integers, strings, or a type with a KeyHash specialization).
template <class KeyFn>
Exchange<std::decay_t<KeyFn>> exchange(KeyFn&& key) {
  return {std::forward<KeyFn>(key)};
}

template <class P, class T>
concept PactFor = std::same_as<P, Pipeline> || std::same_as<P, Broadcast> ||
    requires(const P& p, const T& record) {
  {hash_key(std::decay_t<decltype(p.key(record))>(p.key(record)))};
};

}  // namespace sluice
