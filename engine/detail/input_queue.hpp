// InputQueue<T>: the runtime input port of type T: bundles of batches from this worker
// (moved in directly) and from other workers (pulled from channels), handed to the
// operator a batch at a time (or a packed bundle's runs at once: pull_runs), and the
// -1 count of every bundle, recorded when its last batch is taken
// (engine/detail/bundle.hpp says why that is safe).
#pragma once

#include <deque>
#include <iterator>
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
  // A packed bundle's batches are cut out one at a time.
  bool pull(Batch<T>& out) {
    while (ready_.empty()) {
      if (!pull_remote()) return false;
    }
    Entry& next = ready_.front();
    if (next.runs.empty()) {
      out = std::move(next.batch);
      finish_front();
      return true;
    }
    const std::size_t start = next.run == 0 ? 0 : next.runs[next.run - 1].second;
    const auto [epoch, end] = next.runs[next.run];
    const auto b = next.batch.items.begin();
    out.epoch = epoch;
    // A vector sized to the run (not `out`'s old storage: memory follows records).
    out.items = std::vector<T>(std::make_move_iterator(b + static_cast<std::ptrdiff_t>(start)),
                               std::make_move_iterator(b + static_cast<std::ptrdiff_t>(end)));
    if (++next.run == next.runs.size()) finish_front();
    return true;
  }
  // Takes the next arrival whole: a packed bundle's records and runs (EpochRuns), or
  // one batch as one run; `counted` is its least epoch. False if none is waiting.
  bool pull_runs(std::vector<T>& items, EpochRuns& runs, Epoch& counted) {
    while (ready_.empty()) {
      if (!pull_remote()) return false;
    }
    Entry& next = ready_.front();
    if (next.runs.empty() || next.run > 0) {
      Batch<T> batch;
      pull(batch);
      counted = batch.epoch;
      runs.assign(1, {batch.epoch, batch.items.size()});
      items = std::move(batch.items);
      return true;
    }
    items = std::move(next.batch.items);
    runs = std::move(next.runs);
    counted = next.counted;
    finish_front();
    return true;
  }

  bool has_remote_data() const override {
    for (auto* p : remote_) {
      if (p->has_data()) return true;
    }
    return false;
  }

 private:
  // A batch, or a packed bundle (runs non-empty: batch.items holds every run's
  // records, `run` is the next to cut out), waiting to be taken; taking a bundle's last
  // one records the bundle's -1.
  struct Entry {
    Batch<T> batch;
    Epoch counted;
    bool last;
    EpochRuns runs;
    std::size_t run = 0;
  };

  void finish_front() {
    Entry& front = ready_.front();
    if (front.last) op().record(target_, front.counted, -1);
    ready_.pop_front();
  }

  // Queues a bundle's batches; a packed one stays packed (cut when pulled).
  void unpack(Bundle<T>& bundle) {
    const Epoch counted = bundle.counted;
    if (bundle.batches == 0) return;
    if (!bundle.runs.empty()) {
      if (bundle.runs.size() == 1) {
        ready_.push_back(Entry{Batch<T>{bundle.runs[0].first, std::move(bundle.packed)}, counted,
                               true, EpochRuns{}, 0});
        return;
      }
      ready_.push_back(Entry{Batch<T>{counted, std::move(bundle.packed)}, counted, true,
                             std::move(bundle.runs), 0});
      return;
    }
    bundle.take_batches([&](Batch<T>&& batch, bool last) {
      ready_.push_back(Entry{std::move(batch), counted, last, EpochRuns{}, 0});
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
