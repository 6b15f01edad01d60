// InputQueue<T>: the runtime input port of type T: batches from this worker (moved
// in directly) and from other workers (pulled from channels), and the -1 count of
// every batch taken.
#pragma once

#include <deque>
#include <vector>

#include <sluice/engine/batch.hpp>
#include <sluice/engine/channel.hpp>
#include <sluice/engine/detail/operator_base.hpp>
#include <sluice/engine/detail/port.hpp>

namespace sluice::detail {

template <class T>
class InputQueue final : public InputPortBase {
 public:
  InputQueue(OperatorBase& op, std::uint32_t port)
      : InputPortBase(op, port),
        target_(progress::Location::of(progress::Target{op.node(), port})) {}

  progress::Location location() const { return target_; }

  // Same worker: hands over a batch and activates the operator.
  void push_local(Batch<T>&& batch) {
    local_.push_back(std::move(batch));
    op().activate();
  }
  void add_remote(Puller<Batch<T>>* puller) { remote_.push_back(puller); }

  // Takes the next batch, local ones first, then remote peers round-robin.
  bool pull(Batch<T>& out) {
    if (!local_.empty()) {
      out = std::move(local_.front());
      local_.pop_front();
    } else if (!pull_remote(out)) {
      return false;
    }
    op().record(target_, out.epoch, -1);
    return true;
  }

  bool has_remote_data() const override {
    for (auto* p : remote_) {
      if (p->has_data()) return true;
    }
    return false;
  }

 private:
  bool pull_remote(Batch<T>& out) {
    const std::size_t n = remote_.size();
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = next_ + k < n ? next_ + k : next_ + k - n;
      if (remote_[i]->pull(out)) {
        next_ = i + 1 == n ? 0 : i + 1;
        return true;
      }
    }
    return false;
  }

  progress::Location target_;
  std::deque<Batch<T>> local_;
  std::vector<Puller<Batch<T>>*> remote_;
  std::size_t next_ = 0;
};

}  // namespace sluice::detail
