// Waiter: a fiber that waits for a condition another thread makes true (space in a
// full channel). The fiber parks on a same-thread condition; the other thread only
// rings the worker's Doorbell; the worker's driver then checks ready() and wakes it.
#pragma once

#include <vector>

#include <boost/fiber/condition_variable.hpp>

namespace sluice::detail {

class Waiter {
 public:
  virtual ~Waiter() = default;

  // Driver (owner thread): true once the awaited condition holds.
  virtual bool ready() const = 0;

  // Fiber (owner thread): registers in `registry` (the worker's list) and parks until
  // the driver calls wake().
  void park(std::vector<Waiter*>& registry) {
    registry.push_back(this);
    woken_ = false;
    NullLock lock;
    while (!woken_) wakeup_.wait(lock);
  }

  // Driver (owner thread).
  void wake() {
    woken_ = true;
    wakeup_.notify_one();
  }

 private:
  struct NullLock {  // everything here happens on one thread
    void lock() {}
    void unlock() {}
  };
  bool woken_ = false;
  boost::fibers::condition_variable_any wakeup_;
};

}  // namespace sluice::detail
