// JavaRandom: java.util.Random's generator, bit for bit (its algorithm is part of the
// JDK specification), because the standard Nexmark generator seeds one per event and
// every field of an event is a fixed sequence of its draws. Header-only, no state
// beyond the 48-bit seed; not thread-safe (one per event).
#pragma once

#include <cstdint>

namespace sluice::nexmark {

class JavaRandom {
 public:
  explicit JavaRandom(std::int64_t seed)
      : seed_((static_cast<std::uint64_t>(seed) ^ kMultiplier) & kMask) {}

  // next(bits): the top `bits` of the advanced 48-bit seed, as a signed 32-bit int.
  std::int32_t next(int bits) {
    seed_ = (seed_ * kMultiplier + kAddend) & kMask;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(seed_ >> (48 - bits)));
  }
  std::int32_t next_int() { return next(32); }
  // Uniform in [0, bound), bound > 0, with Java's rejection of the biased tail (its
  // test wraps around in 32-bit arithmetic).
  std::int32_t next_int(std::int32_t bound) {
    if ((bound & -bound) == bound) {
      return static_cast<std::int32_t>((static_cast<std::int64_t>(bound) * next(31)) >> 31);
    }
    for (;;) {
      const std::int32_t bits = next(31);
      const std::int32_t val = bits % bound;
      const std::int64_t test = static_cast<std::int64_t>(bits) - val + (bound - 1);
      if (test <= INT32_MAX) return val;
    }
  }
  std::int64_t next_long() {
    const auto hi = static_cast<std::uint64_t>(static_cast<std::int64_t>(next(32))) << 32;
    const auto lo = static_cast<std::uint64_t>(static_cast<std::int64_t>(next(32)));
    return static_cast<std::int64_t>(hi + lo);
  }
  double next_double() {
    const auto hi = static_cast<std::int64_t>(next(26)) << 27;
    return static_cast<double>(hi + next(27)) * 0x1.0p-53;
  }

 private:
  static constexpr std::uint64_t kMultiplier = 0x5DEECE66DULL;
  static constexpr std::uint64_t kAddend = 0xBULL;
  static constexpr std::uint64_t kMask = (std::uint64_t{1} << 48) - 1;
  std::uint64_t seed_;
};

}  // namespace sluice::nexmark
