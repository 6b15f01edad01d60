// Stable key hashing and key -> worker routing, identical in every process, run
// and machine (unlike std::hash), so exchange, the cluster and recovery agree.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace sluice {

namespace detail {
// XXH3 64-bit of the bytes, seed 0 (xxHash's stable output; defined in key_hash.cpp).
std::uint64_t hash_bytes(const void* data, std::size_t size) noexcept;
}  // namespace detail

// A 64-bit integer mixer (the splitmix64 finalizer); stable and bijective.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// KeyHash<K>::operator()(const K&) -> uint64_t. Specialize it for your own key types
// (combine fields with mix64 or hash_bytes); the result must not depend on the
// process, the run or the machine.
template <class K, class Enable = void>
struct KeyHash;

template <class K>
struct KeyHash<K, std::enable_if_t<std::is_integral_v<K> || std::is_enum_v<K>>> {
  std::uint64_t operator()(K k) const noexcept {
    return mix64(static_cast<std::uint64_t>(k) + 0x9E3779B97F4A7C15ULL);
  }
};

template <>
struct KeyHash<std::string_view> {
  std::uint64_t operator()(std::string_view s) const noexcept {
    return detail::hash_bytes(s.data(), s.size());
  }
};

template <>
struct KeyHash<std::string> {
  std::uint64_t operator()(const std::string& s) const noexcept {
    return detail::hash_bytes(s.data(), s.size());
  }
};

template <class K>
concept HashableKey = requires(const K& k) {
  { KeyHash<K>{}(k) } -> std::convertible_to<std::uint64_t>;
};

template <HashableKey K>
std::uint64_t hash_key(const K& k) noexcept {
  return KeyHash<K>{}(k);
}

// The worker that owns a key hash among `workers` workers: floor(hash * workers / 2^64).
// (A multiply-shift reduction: as uniform as hash % workers, without a division.)
constexpr std::uint32_t route(std::uint64_t hash, std::uint32_t workers) noexcept {
  return static_cast<std::uint32_t>((static_cast<unsigned __int128>(hash) * workers) >> 64);
}

}  // namespace sluice
