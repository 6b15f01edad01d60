// The progress messages workers broadcast to each other (pointstamp count changes), and a check
// that messages from each sender arrive in FIFO order, which the protocol's safety relies on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sluice/progress/location.hpp>

namespace sluice::progress {

// A change of `delta` to the count of pointstamp (location, time).
template <class T>
struct ProgressUpdate {
  Location location;
  T time;
  int64_t delta;
  bool operator==(const ProgressUpdate&) const = default;
};

// One flushed batch of a worker's changes. `sequence` counts the sender's messages from 0; every
// receiver (the sender included) must apply them in that order.
template <class T>
struct ProgressMessage {
  uint32_t sender = 0;
  uint64_t sequence = 0;
  std::vector<ProgressUpdate<T>> updates;
};

// Checks, at one receiver, that each sender's messages arrive with sequence 0, 1, 2, ... A gap or
// a repeat is a protocol bug: accept() returns false and describe() says what was expected.
class SequenceChecker {
 public:
  explicit SequenceChecker(uint32_t senders) : next_(senders, 0) {}

  // True, and expects sequence + 1 next, if `sequence` is the next one from `sender`.
  // False (and no state change) for an unknown sender or an out-of-order sequence.
  bool accept(uint32_t sender, uint64_t sequence) {
    if (sender >= next_.size() || sequence != next_[sender]) return false;
    ++next_[sender];
    return true;
  }

  // The sequence number `sender` is expected to send next.
  uint64_t expected(uint32_t sender) const { return sender < next_.size() ? next_[sender] : 0; }

  // Explains why accept(sender, got) failed (or would fail).
  std::string describe(uint32_t sender, uint64_t got) const {
    if (sender >= next_.size()) {
      return "progress message from unknown worker " + std::to_string(sender) + " (there are " +
             std::to_string(next_.size()) + " workers)";
    }
    std::string what = "progress message from worker " + std::to_string(sender) + " has sequence " +
                       std::to_string(got) + ", expected " + std::to_string(next_[sender]);
    if (got < next_[sender]) return what + " (a repeat of an applied message)";
    if (got > next_[sender]) return what + " (a gap: messages were lost or reordered)";
    return what + " (in order)";
  }

 private:
  std::vector<uint64_t> next_;
};

}  // namespace sluice::progress
