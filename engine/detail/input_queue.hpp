// InputQueue<T>: the runtime input port of type T: bundles of batches from this worker
// (moved in directly) and from other workers (pulled from channels), handed to the
// operator a batch at a time, and the -1 count of every bundle, recorded when its last
// batch is taken (engine/detail/bundle.hpp says why that is safe).
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include <sluice/engine/batch.hpp>
#include <sluice/engine/channel.hpp>
#include <sluice/engine/detail/bundle.hpp>
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

  // Same worker: hands over a bundle and activates the operator.
  void push_local(Bundle<T>&& bundle) {
    unpack(bundle);
    op().activate();
  }
  void add_remote(Puller<Bundle<T>>* puller) { remote_.push_back(puller); }

  // Takes the next batch: local ones first, then remote peers' bundles round-robin.
  bool pull(Batch<T>& out) {
    while (ready_.empty()) {
      if (!pull_remote()) return false;
    }
    Entry& next = ready_.front();
    out = std::move(next.batch);
    if (next.last) op().record(target_, next.counted, -1);
    ready_.pop_front();
    return true;
  }

  bool has_remote_data() const override {
    for (auto* p : remote_) {
      if (p->has_data()) return true;
    }
    return false;
  }

 private:
  // A batch waiting to be taken; taking a bundle's last one records the bundle's -1.
  struct Entry {
    Batch<T> batch;
    Epoch counted;
    bool last;
  };

  void unpack(Bundle<T>& bundle) {
    const Epoch counted = bundle.counted;
    bundle.take_batches([&](Batch<T>&& batch, bool last) {
      ready_.push_back(Entry{std::move(batch), counted, last});
    });
  }

  bool pull_remote() {
    const std::size_t n = remote_.size();
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = next_ + k < n ? next_ + k : next_ + k - n;
      if (remote_[i]->pull(incoming_)) {
        next_ = i + 1 == n ? 0 : i + 1;
        unpack(incoming_);
        incoming_ = Bundle<T>{};
        return true;
      }
    }
    return false;
  }

  progress::Location target_;
  std::deque<Entry> ready_;
  std::vector<Puller<Bundle<T>>*> remote_;
  std::size_t next_ = 0;
  Bundle<T> incoming_;
};

}  // namespace sluice::detail
