// Tests for Watermark: lateness and epochs of shuffled event times against the
// windowed_sum contract's definition, and the capability epoch never passing a record.
#include <sluice/windowing/watermark.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::window;

namespace {
// A fresh random seed, or SLUICE_SEED's (to rerun a failure).
std::uint64_t seed_from_env() {
  if (const char* s = std::getenv("SLUICE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}
}  // namespace

TEST_CASE("records behind the largest earlier time minus max_delay are late") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 300; ++round) {
    const std::int64_t delay = static_cast<std::int64_t>(rng() % 50);
    const std::int64_t length = 1 + static_cast<std::int64_t>(rng() % 30);
    Watermark wm{Millis(length), Millis(delay)};
    std::int64_t max_non_late = -1;
    Epoch held = wm.hold_epoch();
    CHECK(held == 0);
    for (int i = 0; i < 200; ++i) {
      const std::int64_t t = i * 3 + static_cast<std::int64_t>(rng() % 120);  // out of order
      const auto stamp = wm.stamp(EventTime(Millis(t)));
      const bool want_late = max_non_late >= 0 && t < max_non_late - delay;
      CHECK(stamp.late == want_late);
      if (!want_late) max_non_late = std::max(max_non_late, t);
      if (!stamp.late) CHECK(stamp.epoch == static_cast<Epoch>(t / length));
      CHECK(stamp.epoch >= held);      // a record never travels behind the capability
      CHECK(wm.hold_epoch() >= held);  // the capability only moves forward
      held = wm.hold_epoch();
      if (stamp.late) CHECK(stamp.epoch == held);
    }
  }
}

TEST_CASE("a watermark refuses a zero epoch length and a negative max_delay") {
  CHECK_THROWS_WITH_AS(Watermark(Millis(0), Millis(5)), doctest::Contains("must be positive"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(Watermark(Millis(10), Millis(-1)),
                       doctest::Contains("max_delay must not be negative"), ConfigError);
}

TEST_CASE("epochs and stamps of present-day and pre-1970 times equal the epoch map's") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 500; ++round) {
    // Epoch lengths from 1 ms to about a year; no max_delay, so nothing is late.
    const std::int64_t length = round % 2 == 0
                                    ? 1 + static_cast<std::int64_t>(rng() % 5000)
                                    : 1 + static_cast<std::int64_t>(rng() % 31'536'000'000);
    CAPTURE(length);
    const EpochMap reference{Millis(length)};
    Watermark wm{Millis(length), Millis(0)};
    // Nothing is late to this one: every stamp carries its time's own epoch (stamp()
    // remembers the last epoch's range; times jump between and within epochs).
    Watermark never_late{Millis(length), Millis(1'000'000'000'000'000)};
    for (int i = 0; i < 100; ++i) {
      // Around 2023 (to the millisecond, multiples of the length included), or before 1970.
      std::int64_t t = 1'700'000'000'000 + static_cast<std::int64_t>(rng() % 100'000'000'000);
      if (i % 10 == 0) t -= t % length;
      if (i % 17 == 0) t = -static_cast<std::int64_t>(rng() % 1'000'000'000);
      CAPTURE(t);
      CHECK(wm.epoch_of(EventTime(Millis(t))) == reference.epoch_of(EventTime(Millis(t))));
      const auto stamp = never_late.stamp(EventTime(Millis(t)));
      CHECK_FALSE(stamp.late);
      CHECK(stamp.epoch == reference.epoch_of(EventTime(Millis(t))));
      // The next millisecond, often in the same epoch (the remembered range's edges).
      CHECK(never_late.stamp(EventTime(Millis(t + 1))).epoch ==
            reference.epoch_of(EventTime(Millis(t + 1))));
    }
  }
}

TEST_CASE("a watermark refuses an epoch length or max_delay above the largest duration") {
  CHECK_THROWS_WITH_AS(Watermark(kMaxDuration + Millis(1), Millis(0)),
                       "an event clock's epoch_length must be at most 2305843009213693951 ms (got "
                       "2305843009213693952 ms)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(Watermark(Millis(10), Millis(std::numeric_limits<std::int64_t>::max())),
                       "an event clock's max_delay must be at most 2305843009213693951 ms (got "
                       "9223372036854775807 ms)",
                       ConfigError);
  CHECK_NOTHROW(Watermark(kMaxDuration, kMaxDuration));
}

TEST_CASE("stamps at the edges of the supported times are exact, and times past them refused") {
  const std::string range =
      " ms is outside the supported range, -2305843009213693951 to "
      "2305843009213693951 ms";
  for (const std::int64_t length : {std::int64_t{1}, std::int64_t{1000}, kMaxTimeMs}) {
    CAPTURE(length);
    Watermark wm{Millis(length), kMaxDuration};
    // The lowest time, with the largest delay: the watermark is 2^62 - 2 below 0.
    Watermark::Stamp s = wm.stamp(kMinTime);
    CHECK(!s.late);
    CHECK(s.epoch == 0);
    CHECK(wm.watermark() == kMinTime - kMaxDuration);
    CHECK(wm.hold_epoch() == 0);
    s = wm.stamp(kMaxTime);
    CHECK(!s.late);
    CHECK(s.epoch == static_cast<Epoch>(kMaxTimeMs / length));
    CHECK(wm.hold_epoch() == 0);  // the watermark is 0
    CHECK(wm.stamp(kMaxTime - Millis(1)).epoch == static_cast<Epoch>((kMaxTimeMs - 1) / length));
    CHECK_THROWS_WITH_AS(wm.stamp(kMaxTime + Millis(1)),
                         ("event time 2305843009213693952" + range).c_str(), std::out_of_range);
    CHECK_THROWS_WITH_AS(wm.stamp(EventTime(Millis(std::numeric_limits<std::int64_t>::max()))),
                         ("event time 9223372036854775807" + range).c_str(), std::out_of_range);
    // Below the range: late (behind the watermark 0) and refused all the same.
    CHECK_THROWS_WITH_AS(wm.stamp(kMinTime - Millis(1)),
                         ("event time -2305843009213693952" + range).c_str(), std::out_of_range);
  }
  Watermark fresh{Millis(1000), Millis(0)};  // the first record, in epoch 0's range
  CHECK_THROWS_WITH_AS(fresh.stamp(EventTime(Millis(std::numeric_limits<std::int64_t>::min()))),
                       ("event time -9223372036854775808" + range).c_str(), std::out_of_range);
}
