// In-process channel from one worker to another: a bounded SPSC ring whose full
// state blocks the producing fiber (backpressure) and whose pushes ring the
// consumer's doorbell.
#pragma once

#include <atomic>
#include <mutex>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

#include <sluice/engine/channel.hpp>
#include <sluice/engine/detail/aborted.hpp>
#include <sluice/engine/detail/doorbell.hpp>
#include <sluice/engine/detail/spsc_ring.hpp>

namespace sluice::detail {

// Wakes blocked producers when the run aborts.
class Wakeable {
 public:
  virtual ~Wakeable() = default;
  virtual void wake_producer() = 0;
};

template <class M>
class QueueChannel final : public Pusher<M>, public Puller<M>, public Wakeable {
 public:
  QueueChannel(std::size_t capacity, Doorbell& consumer, const std::atomic<bool>& aborted)
      : ring_(capacity), consumer_(consumer), aborted_(aborted) {}

  void push(M&& message) override {
    while (!ring_.try_push(std::move(message))) wait_for_space();
    consumer_.ring();
  }

  bool pull(M& out) override {
    if (!ring_.try_pop(out)) return false;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (producer_waiting_.load(std::memory_order_relaxed)) wake_producer();
    return true;
  }

  bool has_data() const override { return !ring_.empty(); }

  void wake_producer() override {
    {
      std::lock_guard<boost::fibers::mutex> lock(mutex_);
      producer_waiting_.store(false, std::memory_order_relaxed);
    }
    space_.notify_all();
  }

 private:
  void wait_for_space() {
    std::unique_lock<boost::fibers::mutex> lock(mutex_);
    producer_waiting_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    while (ring_.full() && producer_waiting_.load(std::memory_order_relaxed)) {
      if (aborted_.load(std::memory_order_acquire)) throw Aborted{};
      consumer_.ring();  // the consumer may be parked with our earlier messages unseen
      space_.wait(lock);
    }
    producer_waiting_.store(false, std::memory_order_relaxed);
    if (aborted_.load(std::memory_order_acquire)) throw Aborted{};
  }

  SpscRing<M> ring_;
  Doorbell& consumer_;
  const std::atomic<bool>& aborted_;
  std::atomic<bool> producer_waiting_{false};
  boost::fibers::mutex mutex_;
  boost::fibers::condition_variable space_;
};

}  // namespace sluice::detail
