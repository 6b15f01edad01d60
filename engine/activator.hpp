// Activator: a handle that schedules one operator instance to run again, from any
// thread (an I/O thread, a timer owner, another operator).
#pragma once

namespace sluice {

namespace detail {
class OperatorBase;
}

// Copyable. Valid until the run that created it returns; activating a finished
// operator does nothing harmful as long as the run is still alive.
class Activator {
 public:
  explicit Activator(detail::OperatorBase& op) : op_(&op) {}
  // Thread-safe. The operator runs soon after; several calls may coalesce into one run.
  void activate() const;

 private:
  detail::OperatorBase* op_;
};

}  // namespace sluice
