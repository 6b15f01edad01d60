// Doorbell: how anything (another worker's channel, a timer owner, another thread)
// wakes a worker's driver that may be parked. Ringing an awake driver costs one fence
// and one load; ringing a parked one takes a fiber mutex and notifies.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

namespace sluice::detail {

class Doorbell {
 public:
  // Any thread. Call after publishing whatever the driver should notice.
  void ring() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!waiting_.load(std::memory_order_relaxed)) return;
    {
      std::lock_guard<boost::fibers::mutex> lock(mutex_);
      rung_ = true;
    }
    ready_.notify_one();
  }

  // Driver only. Protocol: prepare(); re-check every source of work; if any has work,
  // cancel(); otherwise wait_until(deadline).
  void prepare() {
    waiting_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  void cancel() { waiting_.store(false, std::memory_order_relaxed); }
  void wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<boost::fibers::mutex> lock(mutex_);
    while (!rung_) {
      if (deadline == std::chrono::steady_clock::time_point::max()) {
        ready_.wait(lock);
      } else if (ready_.wait_until(lock, deadline) == boost::fibers::cv_status::timeout) {
        break;
      }
    }
    rung_ = false;
    waiting_.store(false, std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> waiting_{false};
  boost::fibers::mutex mutex_;
  boost::fibers::condition_variable ready_;
  bool rung_ = false;
};

}  // namespace sluice::detail
