// Tests for ChangeBatch: consolidation, laziness bounds, draining.
#include <sluice/progress/change_batch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using sluice::progress::ChangeBatch;
using Entries = std::vector<std::pair<uint64_t, int64_t>>;

namespace {

Entries entries(ChangeBatch<uint64_t>& batch) {
  auto span = batch.updates();
  return Entries(span.begin(), span.end());
}

}  // namespace

TEST_CASE("updates to one key are summed and zero totals disappear") {
  ChangeBatch<uint64_t> batch;
  batch.update(5, 2);
  batch.update(3, 1);
  batch.update(5, -1);
  batch.update(3, -1);
  CHECK(entries(batch) == Entries{{5, 1}});
  batch.update(5, -1);
  CHECK(batch.empty());
}

TEST_CASE("a zero delta is not recorded") {
  ChangeBatch<uint64_t> batch;
  batch.update(7, 0);
  CHECK(batch.unstable_size() == 0);
  CHECK(batch.empty());
}

TEST_CASE("consolidated updates are sorted by key") {
  ChangeBatch<uint64_t> batch;
  for (uint64_t k : {9, 1, 8, 2, 7, 3}) batch.update(k, static_cast<int64_t>(k));
  CHECK(entries(batch) == Entries{{1, 1}, {2, 2}, {3, 3}, {7, 7}, {8, 8}, {9, 9}});
}

TEST_CASE("extend records every pair and skips zero deltas") {
  ChangeBatch<uint64_t> batch;
  Entries input{{4, 1}, {2, 0}, {4, 2}, {1, -3}};
  batch.extend(input.begin(), input.end());
  CHECK(batch.unstable_size() == 3);
  CHECK(entries(batch) == Entries{{1, -3}, {4, 3}});
}

TEST_CASE("drain moves the consolidated updates out and leaves the batch empty") {
  ChangeBatch<uint64_t> batch;
  batch.update(2, 1);
  batch.update(1, 1);
  batch.update(2, 1);
  CHECK(batch.drain() == Entries{{1, 1}, {2, 2}});
  CHECK(batch.unstable_size() == 0);
  CHECK(batch.empty());
  batch.update(3, 1);
  CHECK(entries(batch) == Entries{{3, 1}});
}

TEST_CASE("drain_into an empty batch hands over the updates") {
  ChangeBatch<uint64_t> from;
  ChangeBatch<uint64_t> to;
  from.update(2, 1);
  from.update(1, -1);
  from.drain_into(to);
  CHECK(from.empty());
  CHECK(from.unstable_size() == 0);
  CHECK(entries(to) == Entries{{1, -1}, {2, 1}});
}

TEST_CASE("drain_into a non-empty batch adds to its counts") {
  ChangeBatch<uint64_t> from;
  ChangeBatch<uint64_t> to;
  to.update(1, 1);
  to.update(2, 1);
  from.update(2, -1);
  from.update(3, 4);
  from.drain_into(to);
  CHECK(from.empty());
  CHECK(entries(to) == Entries{{1, 1}, {3, 4}});
}

TEST_CASE("repeated updates to a few keys keep the raw length bounded") {
  ChangeBatch<uint64_t> batch;
  std::size_t longest = 0;
  for (int i = 0; i < 10000; ++i) {
    batch.update(static_cast<uint64_t>(i % 3), i % 2 == 0 ? 1 : -1);
    longest = std::max(longest, batch.unstable_size());
  }
  CHECK(longest <= 66);
  CHECK(entries(batch).size() <= 3);
}

TEST_CASE("pair keys are consolidated like any totally ordered key") {
  ChangeBatch<std::pair<uint32_t, uint64_t>> batch;
  batch.update({1, 5}, 1);
  batch.update({0, 9}, 1);
  batch.update({1, 5}, 1);
  batch.update({0, 9}, -1);
  auto span = batch.updates();
  REQUIRE(span.size() == 1);
  CHECK(span[0].first == std::pair<uint32_t, uint64_t>{1, 5});
  CHECK(span[0].second == 2);
}

TEST_CASE("random updates agree with a reference map") {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    ChangeBatch<uint64_t> batch;
    std::map<uint64_t, int64_t> reference;
    int steps = static_cast<int>(rng() % 200);
    for (int i = 0; i < steps; ++i) {
      uint64_t key = rng() % 10;
      int64_t delta = static_cast<int64_t>(rng() % 5) - 2;
      batch.update(key, delta);
      reference[key] += delta;
      if (rng() % 16 == 0) batch.compact();
    }
    std::erase_if(reference, [](const auto& kv) { return kv.second == 0; });
    CHECK(entries(batch) == Entries(reference.begin(), reference.end()));
  }
}
