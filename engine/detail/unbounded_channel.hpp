// In-process FIFO channel that never blocks the sender, for progress messages: a
// worker must never stall while broadcasting progress. One lock per message. An empty
// channel holds no heap memory (a run has W * (W - 1) of them): the queue is a vector
// read from `head_`, cleared when drained and compacted when half read.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

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
      size_.store(queue_.size() - head_, std::memory_order_release);
    }
    consumer_.ring();
  }

  bool pull(M& out) override {
    if (size_.load(std::memory_order_acquire) == 0) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (head_ == queue_.size()) return false;
    out = std::move(queue_[head_++]);
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= queue_.size()) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    size_.store(queue_.size() - head_, std::memory_order_release);
    return true;
  }

  bool has_data() const override { return size_.load(std::memory_order_acquire) != 0; }

 private:
  Doorbell& consumer_;
  std::mutex mutex_;
  std::vector<M> queue_;
  std::size_t head_ = 0;  // queue_[head_..] are unread
  std::atomic<std::size_t> size_{0};
};

}  // namespace sluice::detail
