// Stable key hashing and key -> worker routing, identical in every process, run
// and machine (unlike std::hash), so exchange, the cluster and recovery agree.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

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

// KeyHash<K>::operator()(const K&) -> uint64_t. Provided for integers, enums,
// std::string, std::string_view, and std::pair / std::tuple of those. Specialize it for
// your own key types (combine fields with hash_combine below); the result must not
// depend on the process, the run or the machine.
// Example:
//   #include <sluice/sluice.hpp>
//
//   struct UserDay {
//     std::uint64_t user = 0;
//     std::int32_t day = 0;
//     bool operator==(const UserDay&) const = default;
//     template <class A>
//     void serialize(A& a) { a(user, day); }  // keyed state is snapshotted with cereal
//   };
//   template <>
//   struct sluice::KeyHash<UserDay> {
//     std::uint64_t operator()(const UserDay& k) const noexcept {
//       return sluice::hash_combine(sluice::hash_key(k.user), sluice::hash_key(k.day));
//     }
//   };
//   static_assert(sluice::HashableKey<UserDay>);
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

// Combines the hashes of a composite key's fields, in order (so (a, b) and (b, a)
// differ): mixes the running hash with the next field's. Integer arithmetic only, so
// as stable as the field hashes (none depends on byte order or the machine).
constexpr std::uint64_t hash_combine(std::uint64_t seed, std::uint64_t next) noexcept {
  return mix64(seed ^ (next + 0x9E3779B97F4A7C15ULL + (seed << 6) + (seed >> 2)));
}

// std::pair and std::tuple keys: their elements' hashes combined in order, starting
// from the arity (a std::pair hashes as the std::tuple of its two members).
template <class A, class B>
requires HashableKey<A> && HashableKey<B>
struct KeyHash<std::pair<A, B>> {
  std::uint64_t operator()(const std::pair<A, B>& k) const noexcept {
    return hash_combine(hash_combine(2, hash_key(k.first)), hash_key(k.second));
  }
};

template <class... T>
requires(HashableKey<T>&&...) struct KeyHash<std::tuple<T...>> {
  std::uint64_t operator()(const std::tuple<T...>& k) const noexcept {
    std::uint64_t h = sizeof...(T);
    std::apply([&h](const T&... e) { ((h = hash_combine(h, hash_key(e))), ...); }, k);
    return h;
  }
};

namespace detail {
// Instantiated first by every keyed operator (`sizeof(RequireKeyHash<K>)`), so that a
// key type without a KeyHash fails there, with what to write, at the user's call
// ("required from here"), before any error from deep inside the exchange. (A class,
// not a function: a class template is instantiated where it is named, a function
// template's body only at the end of the translation unit.)
template <class K>
struct RequireKeyHash {
  static_assert(HashableKey<K>,
                "this key type has no sluice::KeyHash: use an integer, enum, std::string, or a "
                "std::pair / std::tuple of those as the key, or specialize it: `template <> "
                "struct sluice::KeyHash<Key> { std::uint64_t operator()(const Key& k) const "
                "noexcept { return sluice::hash_combine(sluice::hash_key(k.a), "
                "sluice::hash_key(k.b)); } };` (sluice/engine/key_hash.hpp)");
  static constexpr bool value = HashableKey<K>;
};
}  // namespace detail

// The worker that owns a key hash among `workers` workers: floor(hash * workers / 2^64).
// (A multiply-shift reduction: as uniform as hash % workers, without a division.)
constexpr std::uint32_t route(std::uint64_t hash, std::uint32_t workers) noexcept {
  return static_cast<std::uint32_t>((static_cast<unsigned __int128>(hash) * workers) >> 64);
}

}  // namespace sluice
