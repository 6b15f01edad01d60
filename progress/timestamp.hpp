// Timestamps and path summaries: the partial order progress tracking is built on.
// A timestamp type T is described by TimestampTraits<T>; uint64_t epochs and Product<A, B>
// (componentwise order, for nested scopes) are provided.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>

namespace sluice::progress {

// Specialize per timestamp type. Required members:
//   using Summary = ...;   how a path (edges and operators) advances a time
//   static T minimum();    the least time; every time t satisfies less_equal(minimum(), t)
//   static bool less_equal(const T& a, const T& b);   the partial order
//   static std::optional<T> results_in(const Summary& s, const T& t);   nullopt: no time results
//   static Summary identity();                        the summary of an edge
//   static Summary followed_by(const Summary& a, const Summary& b);   path a, then path b
template <class T>
struct TimestampTraits;

// std::totally_ordered (operator<) is used only for sorting and storage; it must extend the
// partial order: less_equal(a, b) implies !(b < a).
template <class T>
concept Timestamp = std::regular<T> && std::totally_ordered<T> &&
    requires(const T& t, const typename TimestampTraits<T>::Summary& s) {
  typename TimestampTraits<T>::Summary;
  { TimestampTraits<T>::minimum() } -> std::same_as<T>;
  { TimestampTraits<T>::less_equal(t, t) } -> std::same_as<bool>;
  { TimestampTraits<T>::results_in(s, t) } -> std::same_as<std::optional<T>>;
  { TimestampTraits<T>::identity() } -> std::same_as<typename TimestampTraits<T>::Summary>;
  { TimestampTraits<T>::followed_by(s, s) } -> std::same_as<typename TimestampTraits<T>::Summary>;
};

template <class T>
bool less_equal(const T& a, const T& b) {
  return TimestampTraits<T>::less_equal(a, b);
}

// a <= b in the partial order and a != b.
template <class T>
bool less_than(const T& a, const T& b) {
  return TimestampTraits<T>::less_equal(a, b) && !(a == b);
}

// Epochs: totally ordered; a summary is a non-negative delta.
template <>
struct TimestampTraits<uint64_t> {
  using Summary = uint64_t;
  static uint64_t minimum() { return 0; }
  static bool less_equal(uint64_t a, uint64_t b) { return a <= b; }
  // nullopt when t + s overflows.
  static std::optional<uint64_t> results_in(uint64_t s, uint64_t t) {
    if (t > std::numeric_limits<uint64_t>::max() - s) return std::nullopt;
    return t + s;
  }
  static uint64_t identity() { return 0; }
  // Saturates at the maximum delta instead of wrapping.
  static uint64_t followed_by(uint64_t a, uint64_t b) {
    if (a > std::numeric_limits<uint64_t>::max() - b) return std::numeric_limits<uint64_t>::max();
    return a + b;
  }
};

// A pair of times ordered componentwise (both components <=); operator<=> is lexicographic,
// which extends that partial order.
template <class A, class B>
struct Product {
  A outer{};
  B inner{};
  auto operator<=>(const Product&) const = default;
  bool operator==(const Product&) const = default;
};

// A Product summary is a Product of the components' summaries, applied componentwise.
template <class A, class B>
requires Timestamp<A> && Timestamp<B>
struct TimestampTraits<Product<A, B>> {
  using Summary =
      Product<typename TimestampTraits<A>::Summary, typename TimestampTraits<B>::Summary>;
  static Product<A, B> minimum() {
    return {TimestampTraits<A>::minimum(), TimestampTraits<B>::minimum()};
  }
  static bool less_equal(const Product<A, B>& a, const Product<A, B>& b) {
    return TimestampTraits<A>::less_equal(a.outer, b.outer) &&
           TimestampTraits<B>::less_equal(a.inner, b.inner);
  }
  static std::optional<Product<A, B>> results_in(const Summary& s, const Product<A, B>& t) {
    std::optional<A> outer = TimestampTraits<A>::results_in(s.outer, t.outer);
    if (!outer) return std::nullopt;
    std::optional<B> inner = TimestampTraits<B>::results_in(s.inner, t.inner);
    if (!inner) return std::nullopt;
    return Product<A, B>{std::move(*outer), std::move(*inner)};
  }
  static Summary identity() {
    return {TimestampTraits<A>::identity(), TimestampTraits<B>::identity()};
  }
  static Summary followed_by(const Summary& a, const Summary& b) {
    return {TimestampTraits<A>::followed_by(a.outer, b.outer),
            TimestampTraits<B>::followed_by(a.inner, b.inner)};
  }
};

}  // namespace sluice::progress
