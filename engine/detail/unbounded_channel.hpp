// In-process FIFO channel that never blocks the sender, for progress messages: a
// worker must never stall while broadcasting progress. One lock per message.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>

#include <sluice/engine/channel.hpp>
#include <sluice/engine/detail/doorbell.hpp>

namespace sluice::detail {

template <class M>
class UnboundedChannel final : public Pusher<M>, public Puller<M> {
 public:
  explicit UnboundedChannel(Doorbell& consumer) : consumer_(consumer) {}

  void push(M&& message) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(message));
      size_.store(queue_.size(), std::memory_order_release);
    }
    consumer_.ring();
  }

  bool pull(M& out) override {
    if (size_.load(std::memory_order_acquire) == 0) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    size_.store(queue_.size(), std::memory_order_release);
    return true;
  }

  bool has_data() const override { return size_.load(std::memory_order_acquire) != 0; }

 private:
  Doorbell& consumer_;
  std::mutex mutex_;
  std::deque<M> queue_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace sluice::detail
