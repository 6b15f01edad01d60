// In-process channel from one worker to another: a bounded SPSC ring. A full ring
// parks the producing fiber (backpressure) until the consumer frees a slot; every
// push rings the consumer's doorbell, and a pop that frees a waiting producer rings
// the producer's.
#pragma once

#include <atomic>
#include <vector>

#include <sluice/engine/channel.hpp>
#include <sluice/engine/detail/aborted.hpp>
#include <sluice/engine/detail/doorbell.hpp>
#include <sluice/engine/detail/spsc_ring.hpp>
#include <sluice/engine/detail/waiter.hpp>

namespace sluice::detail {

// The producing worker's side of a channel: where a blocked producer parks.
struct ProducerSide {
  Doorbell& doorbell;
  std::vector<Waiter*>& waiters;
};

template <class M>
class QueueChannel final : public Pusher<M>, public Puller<M>, private Waiter {
 public:
  QueueChannel(std::size_t capacity, ProducerSide producer, Doorbell& consumer,
               const std::atomic<bool>& aborted)
      : ring_(capacity), producer_(producer), consumer_(consumer), aborted_(aborted) {}

  void push(M&& message) override {
    while (!ring_.try_push(std::move(message))) {
      producer_waiting_.store(true, std::memory_order_seq_cst);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (ring_.try_push(std::move(message))) break;
      if (aborted_.load(std::memory_order_acquire)) throw Aborted{};
      park(producer_.waiters);
      if (aborted_.load(std::memory_order_acquire)) throw Aborted{};
    }
    producer_waiting_.store(false, std::memory_order_relaxed);
    consumer_.ring();
  }

  bool pull(M& out) override {
    if (!ring_.try_pop(out)) return false;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (producer_waiting_.load(std::memory_order_relaxed)) {
      producer_waiting_.store(false, std::memory_order_relaxed);
      producer_.doorbell.ring();
    }
    return true;
  }

  bool has_data() const override { return !ring_.empty(); }

 private:
  bool ready() const override { return !ring_.full(); }

  SpscRing<M> ring_;
  ProducerSide producer_;
  Doorbell& consumer_;
  const std::atomic<bool>& aborted_;
  std::atomic<bool> producer_waiting_{false};
};

}  // namespace sluice::detail
