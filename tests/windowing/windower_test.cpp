// Tests for the windowers against brute-force references: tumbling and sliding
// window assignment for random times, alignments and lengths (gaps included), and
// session merging for times added in random order. Failures print the seed.
#include <sluice/windowing/windower.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::window;

namespace {
std::uint64_t seed_from_env() {
  if (const char* s = std::getenv("SLUICE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}
EventTime at(std::int64_t ms) {
  return EventTime(Millis(ms));
}
}  // namespace

TEST_CASE("tumbling and sliding windowers match a brute-force search over windows") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 2000; ++round) {
    const std::int64_t length = 1 + static_cast<std::int64_t>(rng() % 50);
    const std::int64_t offset = 1 + static_cast<std::int64_t>(rng() % 80);  // gaps when > length
    const std::int64_t align = static_cast<std::int64_t>(rng() % 200) - 100;
    const std::int64_t t = static_cast<std::int64_t>(rng() % 2000) - 1000;
    CAPTURE(length);
    CAPTURE(offset);
    CAPTURE(align);
    CAPTURE(t);

    const Window w = TumblingWindower(Millis(length), at(align)).window_of(at(t));
    CHECK(w.contains(at(t)));
    CHECK((w.end - w.start).count() == length);
    CHECK(((w.start - at(align)).count() % length) == 0);

    std::vector<Window> want;
    for (std::int64_t k = -3000; k <= 3000; ++k) {
      const Window c{at(align + k * offset), at(align + k * offset + length)};
      if (c.contains(at(t))) want.push_back(c);
    }
    CHECK(SlidingWindower(Millis(length), Millis(offset), at(align)).windows_of(at(t)) == want);
  }
}

TEST_CASE("the division-free floor divider equals integer floor division everywhere") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  for (int round = 0; round < 2000; ++round) {
    // Divisors from 1 ms to years, odd ones, and ones past 2^52 (where the estimate is
    // not used); dividends near multiples, near 2^52 (where the estimate stops being
    // trusted), and at the ends of int64.
    const std::int64_t d = round % 7 == 0
                               ? (std::int64_t{1} << 52) + static_cast<std::int64_t>(rng() >> 2)
                           : round % 3 == 0 ? 1 + static_cast<std::int64_t>(rng() % 1000)
                                            : 1 + static_cast<std::int64_t>(rng() % 40'000'000'000);
    const window::detail::FloorDivider divide(d);
    CAPTURE(d);
    for (int i = 0; i < 200; ++i) {
      std::int64_t a;
      switch (rng() % 5) {
        case 0:
          a = static_cast<std::int64_t>(rng());
          break;
        case 1: {
          // Near a multiple k * d, with |k * d| well inside int64.
          const std::int64_t k_max = std::min<std::int64_t>(1'000'000, big / d / 2);
          const auto k =
              static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * k_max + 1));
          a = (k - k_max) * d + static_cast<std::int64_t>(rng() % 3) - 1;
          break;
        }
        case 2:
          a = (std::int64_t{1} << 52) + static_cast<std::int64_t>(rng() % 4096) - 2048;
          break;
        case 3:
          a = (i % 2 ? big : -big - 1) + (i % 2 ? -1 : 1) * static_cast<std::int64_t>(rng() % 5);
          break;
        default:
          a = static_cast<std::int64_t>(rng() % 4'000'000'000'000) - 2'000'000'000'000;
      }
      CAPTURE(a);
      REQUIRE(divide(a) == window::detail::floor_div(a, d));
    }
  }
}

TEST_CASE("session sets merge times closer than the gap, in any insertion order") {
  const std::uint64_t seed = seed_from_env();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 500; ++round) {
    const std::int64_t gap = 1 + static_cast<std::int64_t>(rng() % 20);
    std::vector<std::int64_t> times(1 + rng() % 60);
    for (auto& t : times) t = static_cast<std::int64_t>(rng() % 400);
    CAPTURE(gap);
    SessionSet set{Millis(gap)};
    for (std::int64_t t : times) {
      const std::size_t i = set.add(at(t));
      CHECK(set.window(i).contains(at(t)));
    }
    // Reference: sorted times, split where consecutive times differ by gap or more.
    std::vector<std::int64_t> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    std::vector<SessionSet::Session> want;
    for (std::int64_t t : sorted) {
      if (!want.empty() && t - want.back().last.time_since_epoch().count() < gap) {
        want.back().last = at(t);
      } else {
        want.push_back({at(t), at(t)});
      }
    }
    CHECK(set.sessions() == want);
  }
}

TEST_CASE("a zero or negative length, slide or gap is refused with a clear error") {
  CHECK_THROWS_WITH_AS(TumblingWindower(Millis(0)), doctest::Contains("length must be positive"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(SlidingWindower(Millis(10), Millis(-5)),
                       "a sliding window's slide must be positive (got -5 ms)", ConfigError);
  CHECK_THROWS_WITH_AS(SessionSet(Millis(0)), doctest::Contains("gap must be positive"),
                       ConfigError);
}

TEST_CASE("a time that bridges two sessions merges them and reports the merged one") {
  SessionSet set{Millis(10)};
  CHECK(set.add(at(0)) == 0);
  CHECK(set.add(at(18)) == 1);
  std::vector<std::size_t> merged;
  CHECK(set.add(at(9), &merged) == 0);
  CHECK(merged == std::vector<std::size_t>{1});
  REQUIRE(set.sessions().size() == 1);
  CHECK(set.window(0) == Window{at(0), at(28)});
}

TEST_CASE("a length, slide or gap above the largest duration is refused naming the limit") {
  const Millis huge(std::numeric_limits<std::int64_t>::max());
  CHECK_THROWS_WITH_AS(TumblingWindower{huge},
                       "a tumbling window's length must be at most 2305843009213693951 ms (got "
                       "9223372036854775807 ms)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(SlidingWindower(Millis(10), kMaxDuration + Millis(1)),
                       "a sliding window's slide must be at most 2305843009213693951 ms (got "
                       "2305843009213693952 ms)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(SessionWindower{huge},
                       "a session window's gap must be at most 2305843009213693951 ms (got "
                       "9223372036854775807 ms)",
                       ConfigError);
  CHECK_NOTHROW(TumblingWindower{kMaxDuration});
  CHECK_NOTHROW(SessionWindower{kMaxDuration});
}

TEST_CASE("an alignment outside the supported times is refused naming the range") {
  const EventTime lowest = at(std::numeric_limits<std::int64_t>::min());
  CHECK_THROWS_WITH_AS(TumblingWindower(Millis(10), lowest),
                       "a tumbling window's alignment must be from -2305843009213693951 to "
                       "2305843009213693951 ms (got -9223372036854775808 ms)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(SlidingWindower(Millis(10), Millis(5), kMaxTime + Millis(1)),
                       "a sliding window's alignment must be from -2305843009213693951 to "
                       "2305843009213693951 ms (got 2305843009213693952 ms)",
                       ConfigError);
}

TEST_CASE("windows of the extreme supported times and lengths are exact") {
  // The largest length aligned at the bottom: the top time is in the second window.
  const TumblingWindower wide(kMaxDuration, kMinTime);
  CHECK(wide.window_of(kMinTime) == Window{kMinTime, at(0)});
  CHECK(wide.window_of(at(-1)) == Window{kMinTime, at(0)});
  CHECK(wide.window_of(at(0)) == Window{at(0), kMaxTime});
  CHECK(wide.window_of(kMaxTime) == Window{kMaxTime, kMaxTime + kMaxDuration});
  CHECK(wide.id_of(wide.window_of(kMaxTime)) == 2);
  // Aligned at the top, the bottom time's window starts a length below it.
  const TumblingWindower top(Millis(1000), kMaxTime);
  CHECK(top.window_of(kMinTime) ==
        Window{at(-kMaxTimeMs - 98), at(-kMaxTimeMs + 902)});  // 2^62 - 2 = 1000k + 902
  const SlidingWindower sliding(kMaxDuration, Millis(kMaxTimeMs / 2 + 1), kMaxTime);
  CHECK(sliding.windows_of(kMinTime) ==
        std::vector<Window>{{at(-3458764513820540929), at(-1152921504606846978)},
                            {at(-2305843009213693953), at(-2)}});
}

TEST_CASE("a windower refuses a time outside the supported range naming it") {
  const TumblingWindower tumbling(Millis(10));
  CHECK_THROWS_WITH_AS(tumbling.window_of(at(std::numeric_limits<std::int64_t>::max())),
                       "event time 9223372036854775807 ms is outside the supported range, "
                       "-2305843009213693951 to 2305843009213693951 ms",
                       std::out_of_range);
  const SlidingWindower sliding(Millis(10), Millis(5));
  CHECK_THROWS_WITH_AS(sliding.windows_of(kMinTime - Millis(1)),
                       "event time -2305843009213693952 ms is outside the supported range, "
                       "-2305843009213693951 to 2305843009213693951 ms",
                       std::out_of_range);
}

TEST_CASE("a sliding windower counts the windows per time and checks them against its limit") {
  CHECK(SlidingWindower(Millis(10), Millis(3)).windows_per_time() == 4);
  CHECK(SlidingWindower(Millis(9), Millis(3)).windows_per_time() == 3);
  CHECK(SlidingWindower(Millis(2), Millis(3)).windows_per_time() == 1);
  CHECK(SlidingWindower(kMaxDuration, Millis(1)).windows_per_time() == kMaxTimeMs);
  CHECK_NOTHROW(SlidingWindower(Millis(10'000), Millis(1)).validate_for("f.s"));
  CHECK_THROWS_WITH_AS(SlidingWindower(Millis(10'001), Millis(1)).validate_for("f.s"),
                       "step 'f.s': a sliding window of length 10001 ms and slide 1 ms puts each "
                       "record in up to 10001 windows, more than the limit of 10000: make the "
                       "slide at least 2 ms or the length at most 10000 ms",
                       ConfigError);
  CHECK_THROWS_WITH_AS(SlidingWindower(kMaxDuration, Millis(1)).validate_for("f.s"),
                       doctest::Contains("up to 2305843009213693951 windows"), ConfigError);
  CHECK_NOTHROW(SlidingWindower(Millis(100), Millis(1), EventTime{}, 100).validate_for("f.s"));
  CHECK_THROWS_WITH_AS(SlidingWindower(Millis(10), Millis(1), EventTime{}, 0),
                       "a sliding window's max_windows_per_time must be at least 1 (got 0)",
                       ConfigError);
}
