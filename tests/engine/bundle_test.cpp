// Bundle<T> (engine/detail/bundle.hpp): what a pusher hands an input port gives its
// batches back in the order they were made, each of one epoch, counted at the least.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <sluice/engine/detail/bundle.hpp>

using sluice::Batch;
using sluice::Epoch;
using sluice::detail::Bundle;

namespace {

struct Taken {
  std::vector<std::pair<Epoch, std::vector<int>>> batches;
  std::vector<bool> last;
};

Taken take(Bundle<int>& bundle) {
  Taken t;
  bundle.take_batches([&](Batch<int>&& b, bool last) {
    t.batches.emplace_back(b.epoch, std::move(b.items));
    t.last.push_back(last);
  });
  return t;
}

}  // namespace

TEST_CASE("a packed bundle gives back one batch per run of one epoch, in the order given") {
  Bundle<int> bundle;
  const std::vector<std::pair<Epoch, int>> given{{5, 1}, {5, 2}, {3, 3}, {7, 4}, {7, 5}, {5, 6}};
  for (const auto& [e, x] : given) bundle.add_record(e, x);
  CHECK(bundle.counted == 3);
  CHECK(bundle.records == 6);
  CHECK(bundle.batches == 4);
  const Taken t = take(bundle);
  using Batches = std::vector<std::pair<Epoch, std::vector<int>>>;
  CHECK(t.batches == Batches{{5, {1, 2}}, {3, {3}}, {7, {4, 5}}, {5, {6}}});
  CHECK(t.last == std::vector<bool>{false, false, false, true});
}

TEST_CASE("a packed bundle of one epoch hands its vector over without copying it") {
  Bundle<int> bundle;
  for (int x = 0; x < 100; ++x) bundle.add_record(9, x);
  const int* storage = bundle.packed.data();
  const int* handed = nullptr;
  bundle.take_batches([&](Batch<int>&& b, bool last) {
    CHECK(b.epoch == 9);
    CHECK(last);
    CHECK(b.items.size() == 100);
    handed = b.items.data();
  });
  CHECK(handed == storage);
}

TEST_CASE("a bundle of whole batches gives them back in order, counted at the least epoch") {
  Bundle<int> bundle;
  bundle.add(4, {1, 2});
  bundle.add(2, {3});
  bundle.add(6, {4});
  CHECK(bundle.counted == 2);
  CHECK(bundle.records == 4);
  const Taken t = take(bundle);
  using Batches = std::vector<std::pair<Epoch, std::vector<int>>>;
  CHECK(t.batches == Batches{{4, {1, 2}}, {2, {3}}, {6, {4}}});
  CHECK(t.last == std::vector<bool>{false, false, true});
}

TEST_CASE("packed bundles of random records match splitting them into runs of one epoch") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed: ", seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    Bundle<int> bundle;
    std::vector<std::pair<Epoch, std::vector<int>>> reference;
    const int n = 1 + static_cast<int>(rng() % 300);
    Epoch least = ~Epoch{0};
    for (int x = 0; x < n; ++x) {
      const Epoch e = rng() % 6;  // few epochs: runs of several records
      bundle.add_record(e, x);
      if (reference.empty() || reference.back().first != e)
        reference.emplace_back(e, std::vector<int>{});
      reference.back().second.push_back(x);
      least = std::min(least, e);
    }
    REQUIRE(bundle.counted == least);
    REQUIRE(bundle.records == static_cast<std::size_t>(n));
    REQUIRE(bundle.batches == reference.size());
    const Taken t = take(bundle);
    REQUIRE(t.batches == reference);
    for (std::size_t i = 0; i < t.last.size(); ++i) REQUIRE(t.last[i] == (i + 1 == t.last.size()));
  }
}
