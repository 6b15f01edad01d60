// The `event_ms,key,value` lines of the windowed_sum contract, parsed. Shared by
// examples/windowed_sum.cpp and the windowed_sum benchmarks (bench/), so all of them
// accept and refuse the same lines.
#pragma once

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

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
  return EventLine{parse_int(line.substr(0, c1), "event_ms"), line.substr(c1 + 1, c2 - c1 - 1),
                   parse_int(line.substr(c2 + 1), "value")};
}

// A window's count and sum of values: what windowed_sum keeps per key and window.
struct CountSum {
  std::uint64_t count = 0;
  std::int64_t sum = 0;
  template <class A>
  void serialize(A& a) {
    a(count, sum);
  }
};

}  // namespace windowed_sum
