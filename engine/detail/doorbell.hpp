// Doorbell: the one way anything on another thread (a peer's channel, an Activator,
// a consumer freeing channel space) wakes a worker. A ring sets a flag, and only
// takes a lock when the worker's thread is parked. The worker clears the flag,
// checks every source of work, and only then waits, so no ring is lost.
//
// Cross-thread wake-ups deliberately use std:: atomics, mutex and condition variable,
// never Boost.Fiber's mutex/condition variable: those spin on a TTAS spinlock that
// does not yield, and collapse when workers outnumber free cores.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace sluice::detail {

class Doorbell {
 public:
  // How long a worker with nothing to do spins before it parks its thread. We
  // measured ~0.7 µs per cross-thread round trip with a ~20 µs spin against ~72 µs
  // when parking at once. Decision: 200 µs, not 20: waking a parked thread costs the
  // ringing worker a futex call, ~10 µs on this machine kind (a VM), and a reader
  // feeding a peer a bundle every ~170 µs (bench/windowed_sum, -w 2, one partition)
  // woke it ~1,850 times a run, 18 ms of the reader's 160; with 200 µs ~100 times.
  // Decision: only while every worker can have a core of its own: with more workers
  // than hardware threads a spinning worker takes the core a peer needs to make the
  // progress it waits for (at -w 256 on 2 cores, a quarter of the run was spinning),
  // so an oversubscribed run parks at once.
  static constexpr std::chrono::microseconds kSpin{200};

  explicit Doorbell(std::chrono::microseconds spin = kSpin) : spin_(spin) {}

  // Any thread. Call after publishing whatever the worker should notice.
  void ring() {
    rung_.store(true, std::memory_order_seq_cst);
    if (parked_.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_.notify_one();
    }
  }

  // Owner only: forget earlier rings; call before checking the sources of work.
  void clear() { rung_.exchange(false, std::memory_order_seq_cst); }

  // Owner only: returns once rung (since the last clear) or at `deadline`. Spins
  // briefly, then parks the thread.
  void wait_until(std::chrono::steady_clock::time_point deadline);

 private:
  const std::chrono::microseconds spin_;
  std::atomic<bool> rung_{false};
  std::atomic<bool> parked_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace sluice::detail
