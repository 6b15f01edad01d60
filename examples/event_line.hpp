// The `event_ms,key,value` lines of the windowed_sum contract, parsed. Shared by
// examples/windowed_sum.cpp and the windowed_sum benchmarks (bench/), so all of them
// accept and refuse the same lines: event_ms must be within the supported event times
// (windowing/windower.hpp, +-(2^61 - 1) ms), value any int64.
#pragma once

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sluice/windowing/windower.hpp>

namespace windowed_sum {

// One parsed line; the key views the line.
struct EventLine {
  std::int64_t ms = 0;
  std::string_view key;
  std::int64_t value = 0;
};

inline std::int64_t parse_int(std::string_view field, const char* what) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty()) {
    throw std::invalid_argument(std::string(what) + " is not an integer: '" + std::string(field) +
                                "' (lines are event_ms,key,value)");
  }
  return v;
}

// "event_ms,key,value" -> the event; throws std::invalid_argument naming what is wrong.
inline EventLine parse_event_line(std::string_view line) {
  const std::size_t c1 = line.find(',');
  const std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
  if (c2 == std::string_view::npos || line.find(',', c2 + 1) != std::string_view::npos) {
    throw std::invalid_argument("expected 3 comma-separated fields: event_ms,key,value");
  }
  if (c2 == c1 + 1) throw std::invalid_argument("the key is empty");
  const std::int64_t ms = parse_int(line.substr(0, c1), "event_ms");
  if (ms < -sluice::window::kMaxTimeMs || ms > sluice::window::kMaxTimeMs) {
    throw std::invalid_argument("event_ms " + std::to_string(ms) +
                                " is outside the supported event times, " +
                                std::to_string(-sluice::window::kMaxTimeMs) + " to " +
                                std::to_string(sluice::window::kMaxTimeMs));
  }
  return EventLine{ms, line.substr(c1 + 1, c2 - c1 - 1), parse_int(line.substr(c2 + 1), "value")};
}

// A window's sum: 128 bits, so that no count of int64 values below 2^64 can overflow
// it (decision: exact sums rather than a failed run).
__extension__ typedef __int128 Sum;  // __extension__: no -Wpedantic warning
__extension__ typedef unsigned __int128 UnsignedSum;

// The decimal text of a Sum.
inline std::string to_string(Sum v) {
  char text[48];
  char* p = text + sizeof text;
  const bool negative = v < 0;
  do {  // digits from the last, without negating v (-2^127 has no positive)
    const int digit = static_cast<int>(v % 10);  // -9..9, with the sign of v
    *--p = static_cast<char>('0' + (digit < 0 ? -digit : digit));
    v /= 10;
  } while (v != 0);
  if (negative) *--p = '-';
  return std::string(p, text + sizeof text);
}

// A window's count and sum of values: what windowed_sum keeps per key and window.
struct CountSum {
  std::uint64_t count = 0;
  Sum sum = 0;
  template <class A>
  void serialize(A& a) {
    // cereal has no 128-bit integers: the two halves.
    auto bits = static_cast<UnsignedSum>(sum);
    auto high = static_cast<std::uint64_t>(bits >> 64), low = static_cast<std::uint64_t>(bits);
    a(count, high, low);
    sum = static_cast<Sum>((static_cast<UnsignedSum>(high) << 64) | low);
  }
};

}  // namespace windowed_sum
