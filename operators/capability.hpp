// Capability: the right of one operator instance to produce output at an epoch.
// A move-only value: dropping it releases the right; downgrade() and delayed() are
// the only ways to change or copy it, and both only move forward in time.
#pragma once

#include <stdexcept>
#include <string>

#include <sluice/engine/detail/operator_base.hpp>
#include <sluice/engine/epoch.hpp>

namespace sluice {

class OperatorContext;
template <class T>
class InputBatch;

class Capability {
 public:
  Capability() = default;  // holds nothing
  Capability(Capability&& other) noexcept : op_(other.op_), epoch_(other.epoch_) {
    other.op_ = nullptr;
  }
  Capability& operator=(Capability&& other) noexcept {
    if (this != &other) {
      release();
      op_ = other.op_;
      epoch_ = other.epoch_;
      other.op_ = nullptr;
    }
    return *this;
  }
  Capability(const Capability&) = delete;
  Capability& operator=(const Capability&) = delete;
  ~Capability() { release(); }

  bool valid() const { return op_ != nullptr; }
  explicit operator bool() const { return valid(); }
  // Precondition: valid().
  Epoch epoch() const { return epoch_; }

  // Moves this capability to a later (or the same) epoch. Throws std::logic_error if
  // `epoch` is earlier or the capability is empty.
  void downgrade(Epoch epoch) {
    check(epoch, "downgrade");
    if (epoch == epoch_) return;
    op_->record_capability(epoch, +1);
    op_->record_capability(epoch_, -1);
    epoch_ = epoch;
  }

  // A new capability at a later (or the same) epoch; this one is kept.
  Capability delayed(Epoch epoch) const {
    check(epoch, "delay");
    op_->record_capability(epoch, +1);
    return Capability(op_, epoch);
  }

  // Releases the capability now (the destructor does the same).
  void drop() { release(); }

  // Internal: true if this capability belongs to `op`.
  bool belongs_to(const detail::OperatorBase& op) const { return op_ == &op; }

 private:
  friend class OperatorContext;
  template <class T>
  friend class InputBatch;
  template <class T>
  friend class InputRuns;
  template <class Ctor>
  friend class LogicOperator;

  // Wraps a capability whose +1 is already counted.
  Capability(detail::OperatorBase* op, Epoch epoch) : op_(op), epoch_(epoch) {}

  void check(Epoch epoch, const char* what) const {
    if (!op_) throw std::logic_error(std::string("cannot ") + what + " an empty capability");
    if (epoch < epoch_) {
      throw std::logic_error(std::string("cannot ") + what + " a capability from epoch " +
                             std::to_string(epoch_) + " back to epoch " + std::to_string(epoch));
    }
  }
  void release() {
    if (op_) {
      op_->record_capability(epoch_, -1);
      op_ = nullptr;
    }
  }

  detail::OperatorBase* op_ = nullptr;
  Epoch epoch_ = 0;
};

}  // namespace sluice
