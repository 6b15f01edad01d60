// Tests for Antichain and MutableAntichain, with totally ordered epochs and partially ordered
// Product times.
#include <sluice/progress/antichain.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace sluice::progress;
using P = Product<uint64_t, uint64_t>;
using Changes = std::vector<std::pair<uint64_t, int64_t>>;

namespace {

template <class T>
std::vector<T> elements(std::span<const T> span) {
  return std::vector<T>(span.begin(), span.end());
}

Changes drained(ChangeBatch<uint64_t>& batch) {
  return batch.drain();
}

}  // namespace

TEST_CASE("an antichain refuses a time at or above one of its elements") {
  Antichain<uint64_t> a(3);
  CHECK_FALSE(a.insert(3));
  CHECK_FALSE(a.insert(7));
  CHECK(elements(a.elements()) == std::vector<uint64_t>{3});
}

TEST_CASE("inserting a smaller time removes the elements above it") {
  Antichain<P> a;
  CHECK(a.insert(P{2, 5}));
  CHECK(a.insert(P{5, 2}));
  CHECK(a.insert(P{1, 1}));
  CHECK(elements(a.elements()) == std::vector<P>{P{1, 1}});
}

TEST_CASE("incomparable product times coexist in an antichain") {
  Antichain<P> a;
  CHECK(a.insert(P{0, 3}));
  CHECK(a.insert(P{3, 0}));
  CHECK_FALSE(a.insert(P{3, 3}));
  CHECK(a.elements().size() == 2);
  CHECK(a.less_equal(P{0, 3}));
  CHECK(a.less_equal(P{4, 1}));
  CHECK_FALSE(a.less_equal(P{2, 2}));  // above neither element
  CHECK_FALSE(a.less_than(P{0, 3}));
  CHECK(a.less_than(P{0, 4}));
}

TEST_CASE("antichains compare as sets, whatever the insertion order") {
  Antichain<P> a, b;
  a.insert(P{0, 3});
  a.insert(P{3, 0});
  b.insert(P{3, 0});
  b.insert(P{4, 4});
  b.insert(P{0, 3});
  CHECK(a == b);
  b.insert(P{1, 1});
  CHECK_FALSE(a == b);
}

TEST_CASE("an empty antichain has passed every time") {
  Antichain<uint64_t> a;
  CHECK(a.empty());
  CHECK_FALSE(a.less_equal(0));
  CHECK_FALSE(a.less_than(5));
}

TEST_CASE("the frontier is the least time with a positive count") {
  MutableAntichain<uint64_t> m;
  ChangeBatch<uint64_t> changes;
  m.update(5, 1, &changes);
  m.update(3, 2, &changes);
  m.update(9, 1, &changes);
  CHECK(elements(m.frontier()) == std::vector<uint64_t>{3});
  CHECK(drained(changes) == Changes{{3, 1}});
  CHECK(m.less_equal(3));
  CHECK_FALSE(m.less_than(3));
  CHECK_FALSE(m.less_equal(2));
  CHECK(m.count_for(3) == 2);
  m.update(3, -2, &changes);
  CHECK(elements(m.frontier()) == std::vector<uint64_t>{5});
  CHECK(drained(changes) == Changes{{3, -1}, {5, 1}});
}

TEST_CASE("a negative count does not hold the frontier") {
  MutableAntichain<uint64_t> m;
  ChangeBatch<uint64_t> changes;
  m.update(2, -1, &changes);
  CHECK(m.empty());
  CHECK_FALSE(m.all_zero());
  CHECK(m.any_negative());
  CHECK(m.count_for(2) == -1);
  CHECK(changes.empty());
}

TEST_CASE("a consumer's -1 before the producer's +1 leaves no trace once both arrive") {
  MutableAntichain<uint64_t> m;
  ChangeBatch<uint64_t> changes;
  m.update(4, 1, &changes);  // a capability at 4
  m.update(6, -1, &changes);
  CHECK(elements(m.frontier()) == std::vector<uint64_t>{4});
  m.update(6, 1, &changes);
  CHECK(m.count_for(6) == 0);
  CHECK_FALSE(m.any_negative());
  m.update(4, -1, &changes);
  CHECK(m.empty());
  CHECK(m.all_zero());
  CHECK(drained(changes) == Changes{});  // +4 then -4 cancel
}

TEST_CASE("update_iter applies a batch and reports only the net frontier change") {
  MutableAntichain<uint64_t> m;
  ChangeBatch<uint64_t> changes;
  m.update(1, 1);
  Changes downgrade{{1, -1}, {2, 1}};
  m.update_iter(downgrade.begin(), downgrade.end(), changes);
  CHECK(drained(changes) == Changes{{1, -1}, {2, 1}});
  Changes unrelated{{7, 1}, {7, -1}, {3, 1}};
  m.update_iter(unrelated.begin(), unrelated.end(), changes);
  CHECK(changes.empty());
  CHECK(elements(m.frontier()) == std::vector<uint64_t>{2});
}

TEST_CASE("a count above zero at a frontier time keeps it until the last one is released") {
  MutableAntichain<uint64_t> m;
  ChangeBatch<uint64_t> changes;
  m.update(0, 3, &changes);
  m.update(0, -2, &changes);
  CHECK(elements(m.frontier()) == std::vector<uint64_t>{0});
  m.update(0, -1, &changes);
  CHECK(m.empty());
  CHECK(drained(changes) == Changes{});
}

TEST_CASE("incomparable product times both form the frontier") {
  MutableAntichain<P> m;
  ChangeBatch<P> changes;
  m.update(P{0, 5}, 1, &changes);
  m.update(P{5, 0}, 1, &changes);
  m.update(P{6, 6}, 1, &changes);
  CHECK(elements(m.frontier()) == std::vector<P>{P{0, 5}, P{5, 0}});
  CHECK(m.less_equal(P{6, 6}));
  CHECK_FALSE(m.less_equal(P{4, 4}));
  m.update(P{0, 5}, -1, &changes);
  CHECK(elements(m.frontier()) == std::vector<P>{P{5, 0}});
  m.update(P{5, 0}, -1, &changes);
  CHECK(elements(m.frontier()) == std::vector<P>{P{6, 6}});
  auto net = changes.drain();
  CHECK(net == std::vector<std::pair<P, int64_t>>{{P{6, 6}, 1}});
}

TEST_CASE("random product updates keep the frontier equal to the brute-force minimal set") {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 300; ++round) {
    CAPTURE(round);
    MutableAntichain<P> m;
    ChangeBatch<P> changes;
    std::map<P, int64_t> counts;
    Antichain<P> reported;  // frontier rebuilt from the reported changes
    std::map<P, int64_t> reported_counts;
    for (int step = 0; step < 60; ++step) {
      std::vector<std::pair<P, int64_t>> batch;
      int n = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) {
        P t{rng() % 4, rng() % 4};
        int64_t d = static_cast<int64_t>(rng() % 5) - 2;
        batch.emplace_back(t, d);
        counts[t] += d;
      }
      m.update_iter(batch.begin(), batch.end(), changes);
      Antichain<P> expected;
      for (const auto& [t, c] : counts)
        if (c > 0) expected.insert(t);
      REQUIRE(elements(m.frontier()) == elements(expected.elements()));
      for (const auto& [t, c] : changes.drain()) reported_counts[t] += c;
      std::vector<P> from_changes;
      for (const auto& [t, c] : reported_counts) {
        REQUIRE((c == 0 || c == 1));
        if (c == 1) from_changes.push_back(t);
      }
      CHECK(from_changes == elements(expected.elements()));
      bool any_negative = false;
      for (const auto& [t, c] : counts) any_negative |= c < 0;
      CHECK(m.any_negative() == any_negative);
      const P probe{rng() % 4, rng() % 4};
      CHECK(m.count_for(probe) == (counts.count(probe) ? counts[probe] : 0));
    }
  }
}
