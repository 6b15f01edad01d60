// Tests for timestamp traits: uint64_t epochs and componentwise Product times.
#include <sluice/progress/timestamp.hpp>

#include <cstdint>
#include <limits>

#include <doctest/doctest.h>

using namespace sluice::progress;
using P = Product<uint64_t, uint64_t>;
using U = TimestampTraits<uint64_t>;
using PT = TimestampTraits<P>;

static_assert(Timestamp<uint64_t>);
static_assert(Timestamp<P>);
static_assert(Timestamp<Product<P, uint64_t>>);

TEST_CASE("an epoch summary adds its delta and overflow yields no time") {
  CHECK(U::results_in(3, 4) == 7u);
  CHECK(U::results_in(U::identity(), 9) == 9u);
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  CHECK(U::results_in(1, max) == std::nullopt);
  CHECK(U::results_in(0, max) == max);
}

TEST_CASE("epoch summaries compose by addition and saturate") {
  CHECK(U::followed_by(2, 3) == 5u);
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  CHECK(U::followed_by(max, 1) == max);
}

TEST_CASE("product times are ordered componentwise") {
  CHECK(less_equal(P{1, 2}, P{1, 2}));
  CHECK(less_equal(P{1, 2}, P{2, 2}));
  CHECK(less_than(P{1, 2}, P{2, 3}));
  CHECK_FALSE(less_than(P{1, 2}, P{1, 2}));
  CHECK_FALSE(less_equal(P{1, 2}, P{2, 1}));
  CHECK_FALSE(less_equal(P{2, 1}, P{1, 2}));
  CHECK(PT::minimum() == P{0, 0});
}

TEST_CASE("the lexicographic order of products extends the partial order") {
  for (uint64_t a = 0; a < 4; ++a)
    for (uint64_t b = 0; b < 4; ++b)
      for (uint64_t c = 0; c < 4; ++c)
        for (uint64_t d = 0; d < 4; ++d) {
          P x{a, b}, y{c, d};
          if (less_equal(x, y)) CHECK_FALSE(y < x);
        }
}

TEST_CASE("a product summary applies componentwise and fails if a component overflows") {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  CHECK(PT::results_in(P{0, 1}, P{5, 5}) == P{5, 6});
  CHECK(PT::results_in(P{1, 0}, P{max, 0}) == std::nullopt);
  CHECK(PT::results_in(P{0, 1}, P{0, max}) == std::nullopt);
  CHECK(PT::followed_by(P{1, 0}, P{0, 2}) == P{1, 2});
  CHECK(PT::identity() == P{0, 0});
}
