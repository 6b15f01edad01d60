// Watermark: event-time epochs for one source partition:
//   epoch(t)   = floor(t / epoch_length)  (event times before the Unix epoch: epoch 0)
//   watermark  = the largest event time read so far - max_delay (none before the
//                first record)
//   a record is late when t < the watermark before it was read; it travels at the
//   partition's current epoch, epoch(watermark), marked late; every other record
//   travels at epoch(t), which is never earlier.
// The partition holds its capability at hold_epoch() = epoch(watermark) (0 before any
// record). A time outside the supported range (windower.hpp: kMinTime..kMaxTime) is
// refused: stamp() throws std::out_of_range naming it, which event_time_input turns
// into an error naming the step, the worker and the record. The check costs nothing
// per record: the current epoch's range never reaches outside the supported one, so
// such a time always takes the rare path (or the late one). Pure value type; one per
// partition.
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

  // Throws ConfigError for an epoch_length or max_delay outside the supported range.
  explicit Watermark(EventClock clock)
      : max_delay_(clock.max_delay), per_epoch_(clock.epoch_length.count()) {
    clock.validate();
  }
  Watermark(Millis epoch_length, Millis max_delay)
      : Watermark(EventClock{epoch_length, max_delay}) {}

  // Classifies a record with event time t and advances the watermark.
  // Inlined into the per-record loop; the rare paths are calls.
  [[gnu::always_inline]] Stamp stamp(EventTime t) {
    if (seen_ && t < max_seen_ - max_delay_) {
      if (t < kMinTime) detail::time_out_of_range(t);
      return Stamp{hold_epoch(), true};
    }
    // Most records fall in the epoch of the one before them: one range check then.
    if (t < epoch_from_ || t >= epoch_until_) enter_epoch_of(t);
    if (!seen_ || t > max_seen_) max_seen_ = t;
    seen_ = true;
    return Stamp{last_epoch_, false};
  }

  // The largest time read so far (none before the first record), and a watermark
  // resumed from it (recovery): the same decisions follow as if it had read them.
  std::optional<EventTime> max_seen() const {
    if (!seen_) return std::nullopt;
    return max_seen_;
  }
  void resume(std::optional<EventTime> max_seen) {
    seen_ = max_seen.has_value();
    max_seen_ = max_seen.value_or(EventTime{});
    epoch_from_ = EventTime::max();  // the next stamp finds its epoch
    epoch_until_ = EventTime::min();
  }

  std::optional<EventTime> watermark() const {
    if (!seen_) return std::nullopt;
    return max_seen_ - max_delay_;
  }
  Epoch hold_epoch() const { return seen_ ? epoch_of(max_seen_ - max_delay_) : 0; }
  // EpochMap::epoch_of(t), by multiplication (FloorDivider): records of one batch
  // straddle epochs, so a division would be paid on many of them.
  Epoch epoch_of(EventTime t) const {
    const auto ms = t.time_since_epoch().count();
    return ms <= 0 ? 0 : static_cast<Epoch>(per_epoch_(ms));
  }

 private:
  // EpochMap::start_of for this watermark's epoch length.
  EventTime start_of(Epoch e) const { return EpochMap{Millis(per_epoch_.divisor())}.start_of(e); }
  // The epoch of t and its range, within [kMinTime, kMaxTime] (epoch 0 also holds the
  // earlier times; the last epoch may end past kMaxTime).
  [[gnu::noinline]] void enter_epoch_of(EventTime t) {
    detail::check_time(t);
    last_epoch_ = epoch_of(t);
    epoch_from_ = last_epoch_ == 0 ? kMinTime : start_of(last_epoch_);
    epoch_until_ = std::min(start_of(last_epoch_ + 1), kMaxTime + Millis(1));
  }

  Millis max_delay_;
  detail::FloorDivider per_epoch_;
  // The largest time read so far, once seen_ (a plain pair rather than an optional,
  // which GCC 12 warns about as maybe-uninitialized).
  EventTime max_seen_{};
  bool seen_ = false;
  // The epoch of the last stamped time, and its range [epoch_from_, epoch_until_)
  // (empty before the first).
  Epoch last_epoch_ = 0;
  EventTime epoch_from_ = EventTime::max();
  EventTime epoch_until_ = EventTime::min();
};

}  // namespace sluice::window
