// Clocks: how records get a time and how times map to epochs.
//
//   Timed<T>     a record with its time and the late mark its source gave it. The
//                window operators take keyed streams of Timed values.
//   EventClock   event time: a user function gives each record's time; the source
//                (event_time_input) makes epochs of length `epoch_length`, keeps a
//                watermark `max_delay` behind the latest time per partition, and marks
//                records behind it late.
//   SystemClock  processing time on ingestion epochs: a record's time is the start of
//                the ingestion epoch it was read in, e * epoch_interval after the run's
//                epoch 0 (system_time() stamps a stream so). Windows are then measured
//                from the run's start, and no record is ever late.
//
// Both give an EpochMap, the time <-> epoch mapping the window operators use to decide
// when the frontier has passed a window. Pure value types.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include <sluice/engine/epoch.hpp>
#include <sluice/engine/error.hpp>
#include <sluice/engine/run_config.hpp>
#include <sluice/windowing/windower.hpp>

namespace sluice::window {

template <class T>
struct Timed {
  T value;
  EventTime time{};
  bool late = false;

  template <class Archive>
  void serialize(Archive& a) {
    std::int64_t ms = time.time_since_epoch().count();
    a(value, ms, late);
    time = EventTime(Millis(ms));
  }
  // For error reports: "<value> @<ms>" (and " late").
  friend std::ostream& operator<<(std::ostream& os, const Timed& t) {
    os << render(t.value) << " @" << t.time.time_since_epoch().count();
    if (t.late) os << " late";
    return os;
  }
};

// epoch(t) = floor(t / length); times before the Unix epoch are in epoch 0. Exact for
// the supported times and lengths (windower.hpp): start_of(epoch_of(t) + 1) is at
// most t + length.
struct EpochMap {
  Millis length;
  Epoch epoch_of(EventTime t) const {
    const auto ms = t.time_since_epoch().count();
    return ms <= 0 ? 0 : static_cast<Epoch>(ms / length.count());
  }
  EventTime start_of(Epoch e) const { return EventTime(length * static_cast<std::int64_t>(e)); }
};

struct EventClock {
  Millis epoch_length{1000};
  Millis max_delay{0};
  // Source alignment, as Flink's watermark alignment: a partition is not read while
  // its last batch began more than max_lead epochs past the least epoch(watermark)
  // over all the step's partitions on all workers (event_time_input.hpp: one batch of
  // slack, so sparse batches do not wait a progress round trip each). Without it a
  // partition that reads faster (its worker less loaded) runs ahead in event time,
  // and its records wait, in memory, in every windowed step until the slowest
  // partition's watermark catches up; with it that memory is bounded by max_lead
  // epochs of input and one batch per partition. nullopt: no alignment.
  // Decision: on by default, a few epochs, so memory does not grow with the input.
  std::optional<Epoch> max_lead{kDefaultMaxLead};
  static constexpr Epoch kDefaultMaxLead = 4;
  // Throws ConfigError for an epoch_length or max_delay outside the supported range
  // (windower.hpp: epoch_length from 1, max_delay from 0, both to kMaxTimeMs ms).
  void validate() const;
  // validate(), with the error prefixed by "step '<step_path>': ".
  void validate_for(const std::string& step_path) const;
  EpochMap epochs(const RunConfig&) const { return EpochMap{epoch_length}; }
};

struct SystemClock {
  EpochMap epochs(const RunConfig& config) const { return EpochMap{config.epoch_interval}; }
};

inline void EventClock::validate() const {
  detail::require_positive(epoch_length, "an event clock's epoch_length");
  if (max_delay.count() < 0) {
    throw ConfigError("an event clock's max_delay must not be negative (got " +
                      std::to_string(max_delay.count()) + " ms)");
  }
  if (max_delay > kMaxDuration) {
    throw ConfigError("an event clock's max_delay must be at most " + std::to_string(kMaxTimeMs) +
                      " ms (got " + std::to_string(max_delay.count()) + " ms)");
  }
}

inline void EventClock::validate_for(const std::string& step_path) const {
  try {
    validate();
  } catch (const ConfigError& e) {
    throw ConfigError("step '" + step_path + "': " + e.what());
  }
}

}  // namespace sluice::window
