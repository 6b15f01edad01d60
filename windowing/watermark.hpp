// Watermark: event-time epochs for one source partition (DESIGN.md, "Time"):
//   epoch(t)   = floor(t / epoch_length)  (event times before the Unix epoch: epoch 0)
//   watermark  = the largest event time read so far - max_delay (none before the
//                first record)
//   a record is late when t < the watermark before it was read; it travels at the
//   partition's current epoch, epoch(watermark), marked late; every other record
//   travels at epoch(t), which is never earlier.
// The partition holds its capability at hold_epoch() = epoch(watermark) (0 before any
// record). Pure value type; one per partition.
#pragma once

#include <algorithm>
#include <optional>

#include <sluice/engine/epoch.hpp>
#include <sluice/windowing/clock.hpp>

namespace sluice::window {

class Watermark {
 public:
  struct Stamp {
    Epoch epoch;
    bool late;
  };

  // Throws ConfigError for a non-positive epoch_length or a negative max_delay.
  explicit Watermark(EventClock clock) : epochs_{clock.epoch_length}, max_delay_(clock.max_delay) {
    clock.validate();
  }
  Watermark(Millis epoch_length, Millis max_delay)
      : Watermark(EventClock{epoch_length, max_delay}) {}

  // Classifies a record with event time t and advances the watermark.
  Stamp stamp(EventTime t) {
    if (seen_ && t < max_seen_ - max_delay_) return Stamp{hold_epoch(), true};
    if (!seen_ || t > max_seen_) max_seen_ = t;
    seen_ = true;
    return Stamp{epoch_of(t), false};
  }

  std::optional<EventTime> watermark() const {
    if (!seen_) return std::nullopt;
    return max_seen_ - max_delay_;
  }
  Epoch hold_epoch() const { return seen_ ? epoch_of(max_seen_ - max_delay_) : 0; }
  // epochs_.epoch_of(t), without its division when t is in the epoch of the previous
  // call (consecutive records mostly are).
  Epoch epoch_of(EventTime t) const {
    if (t >= from_ && t < to_) return epoch_;
    epoch_ = epochs_.epoch_of(t);
    from_ = epoch_ == 0 ? EventTime::min() : epochs_.start_of(epoch_);
    to_ = epochs_.start_of(epoch_ + 1);
    return epoch_;
  }

 private:
  EpochMap epochs_;
  Millis max_delay_;
  // The last epoch epoch_of computed, and its times [from_, to_) (empty at first).
  mutable Epoch epoch_ = 0;
  mutable EventTime from_ = EventTime::max();
  mutable EventTime to_ = EventTime::min();
  // The largest time read so far, once seen_ (a plain pair rather than an optional,
  // which GCC 12 warns about as maybe-uninitialized).
  EventTime max_seen_{};
  bool seen_ = false;
};

}  // namespace sluice::window
