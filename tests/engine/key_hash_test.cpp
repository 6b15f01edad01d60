// Tests for stable key hashing and key -> worker routing: pinned hash values (the
// contract between processes and runs) and the range and uniformity of route().
#include <sluice/engine/key_hash.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace sluice;

TEST_CASE("integer keys hash to pinned splitmix64 values") {
  // Computed once (splitmix64 finalizer of key + 0x9E3779B97F4A7C15); changing them
  // breaks routing agreement between processes and resumed runs.
  CHECK(hash_key(std::uint64_t{0}) == 0xe220a8397b1dcdafULL);
  CHECK(hash_key(std::uint64_t{1}) == 0x910a2dec89025cc1ULL);
  CHECK(hash_key(std::uint64_t{42}) == 0xbdd732262feb6e95ULL);
  CHECK(hash_key(std::numeric_limits<std::uint64_t>::max()) == 0xe4d971771b652c20ULL);
}

TEST_CASE("smaller integer types hash like the same value as uint64") {
  CHECK(hash_key(std::uint32_t{42}) == hash_key(std::uint64_t{42}));
  CHECK(hash_key(int{42}) == hash_key(std::uint64_t{42}));
  CHECK(hash_key(std::uint8_t{0}) == hash_key(std::uint64_t{0}));
}

TEST_CASE("string keys hash to pinned XXH3-64 values") {
  // XXH3_64bits with seed 0, computed once with libxxhash.
  CHECK(hash_key(std::string()) == 0x2d06800538d394c2ULL);
  CHECK(hash_key(std::string("hello")) == 0x9555e8555c62dcfdULL);
  CHECK(hash_key(std::string("sluice")) == 0x7e13095f1588691dULL);
  const std::string long_key =
      "a-much-longer-key-that-exceeds-sixteen-bytes-and-goes-on-for-a-while-past-128-bytes-"
      "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz!!";
  REQUIRE(long_key.size() == 158);
  CHECK(hash_key(long_key) == 0x5032087b607662f4ULL);
}

TEST_CASE("a string and its string_view hash alike") {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "hello", "key-12345", std::string(300, 'x')}) {
    CAPTURE(s);
    CHECK(hash_key(std::string_view(s)) == hash_key(s));
  }
}

TEST_CASE("route maps the extreme hashes to the first and last worker") {
  for (std::uint32_t w : {1u, 2u, 3u, 7u, 1024u}) {
    CAPTURE(w);
    CHECK(route(0, w) == 0);
    CHECK(route(std::numeric_limits<std::uint64_t>::max(), w) == w - 1);
  }
  CHECK(route(std::uint64_t{1} << 63, 2) == 1);
  CHECK(route((std::uint64_t{1} << 63) - 1, 2) == 0);
}

namespace {
// Routes 100,000 keys; every count must lie within 5% of the mean (hashes are fixed,
// so this is deterministic; a uniform hash stays within ~3 standard deviations).
template <class KeyOf>
void check_uniform(std::uint32_t workers, KeyOf key_of) {
  constexpr std::uint64_t kKeys = 100'000;
  std::vector<std::uint64_t> counts(workers, 0);
  std::uint64_t out_of_range = 0;
  for (std::uint64_t i = 0; i < kKeys; ++i) {
    const std::uint32_t w = route(hash_key(key_of(i)), workers);
    if (w < workers) {
      ++counts[w];
    } else {
      ++out_of_range;
    }
  }
  REQUIRE(out_of_range == 0);
  const double mean = static_cast<double>(kKeys) / workers;
  for (std::uint32_t w = 0; w < workers; ++w) {
    CAPTURE(w);
    CAPTURE(counts[w]);
    CHECK(static_cast<double>(counts[w]) > mean * 0.95);
    CHECK(static_cast<double>(counts[w]) < mean * 1.05);
  }
}
}  // namespace

TEST_CASE("route spreads sequential integer keys evenly over 2, 3 and 7 workers") {
  for (std::uint32_t w : {2u, 3u, 7u}) {
    CAPTURE(w);
    check_uniform(w, [](std::uint64_t i) { return i; });
  }
}

TEST_CASE("route spreads string keys evenly over 2, 3 and 7 workers") {
  for (std::uint32_t w : {2u, 3u, 7u}) {
    CAPTURE(w);
    check_uniform(w, [](std::uint64_t i) { return "user-" + std::to_string(i); });
  }
}

TEST_CASE("mix64 maps distinct integers to distinct hashes") {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 0; i < 10'000; ++i) out.push_back(mix64(i));
  std::sort(out.begin(), out.end());
  CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());
}

TEST_CASE("pair and tuple keys hash to pinned values") {
  // hash_combine over the elements' hashes, starting from the arity; pinned like the
  // integer and string hashes (routing must agree between processes and runs).
  CHECK(hash_key(std::pair<std::uint64_t, std::string>{1, "a"}) == 0x74a38131d5d5e7e0ULL);
  CHECK(hash_key(std::tuple<std::string, std::int32_t, std::uint8_t>{"sluice", -1, 7}) ==
        0x4f89c5a1a18e4147ULL);
  CHECK(hash_key(std::tuple<>{}) == 0);
}

TEST_CASE("a pair hashes as the tuple of its members, in order") {
  CHECK(hash_key(std::pair<std::uint64_t, std::string>{1, "a"}) ==
        hash_key(std::tuple<std::uint64_t, std::string>{1, "a"}));
  CHECK(hash_key(std::pair<int, int>{1, 2}) != hash_key(std::pair<int, int>{2, 1}));
  CHECK(hash_key(std::tuple<int>{5}) != hash_key(5));
  CHECK(hash_key(std::pair<std::pair<int, int>, int>{{1, 2}, 3}) !=
        hash_key(std::pair<int, std::pair<int, int>>{1, {2, 3}}));
}

TEST_CASE("pair keys spread over workers like integer keys") {
  // 3000 distinct pairs over 3 workers: each worker gets a third, within 10%.
  std::vector<int> per_worker(3);
  for (int a = 0; a < 30; ++a) {
    for (int b = 0; b < 100; ++b) ++per_worker[route(hash_key(std::pair<int, int>{a, b}), 3)];
  }
  for (int n : per_worker) {
    CAPTURE(n);
    CHECK(n > 900);
    CHECK(n < 1100);
  }
}
