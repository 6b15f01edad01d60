// Epochs (the engine's timestamps) and the frontier of one input port.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace sluice {

// The logical timestamp carried by every record; totally ordered.
using Epoch = std::uint64_t;

// The frontier of one input port, for totally ordered epochs: the least epoch at
// which data may still arrive, or empty when no more data will ever arrive.
class Frontier {
 public:
  Frontier() = default;  // empty: nothing more will arrive
  explicit Frontier(Epoch least) : least_(least) {}

  bool empty() const { return !least_.has_value(); }
  // The least epoch that may still arrive. Precondition: !empty().
  Epoch least() const { return *least_; }
  // True while data at epoch `e` may still arrive ("the frontier has not passed e").
  bool less_equal(Epoch e) const { return least_ && *least_ <= e; }
  // True while data at some epoch earlier than `e` may still arrive.
  bool less_than(Epoch e) const { return least_ && *least_ < e; }
  // True once the frontier is past `e`: no more data at or before `e`.
  bool passed(Epoch e) const { return !less_equal(e); }

  bool operator==(const Frontier&) const = default;

 private:
  std::optional<Epoch> least_;
};

}  // namespace sluice
