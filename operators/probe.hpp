// Probe and op::probe: observe how far a stream's frontier has advanced, per worker,
// and wake chosen operators when it moves (as Timely's probe handles do).
#pragma once

#include <array>
#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <sluice/operators/operator_builder.hpp>

namespace sluice {

// Copies share state. frontier() is thread-safe; subscribe() is called from the
// subscribing operator's worker while it is being constructed. A Probe may be reused
// by later runs of its dataflow: each run starts it at 0 and forgets the previous
// run's subscribers.
class Probe {
 public:
  Probe() : state_(std::make_shared<State>()) {}

  // The frontier last seen on `worker` (at 0 before the run starts; empty once the
  // stream is complete).
  Frontier frontier(std::uint32_t worker) const {
    Slot* slot = state_->slot(worker);
    if (slot->done.load(std::memory_order_acquire)) return Frontier{};
    return Frontier{slot->least.load(std::memory_order_acquire)};
  }
  // True while data at an epoch earlier than `e` may still arrive on `worker`.
  bool less_than(std::uint32_t worker, Epoch e) const { return frontier(worker).less_than(e); }

  // Activates `who` whenever the frontier seen on `worker` changes.
  void subscribe(std::uint32_t worker, Activator who) {
    Slot* slot = state_->slot(worker);
    std::lock_guard<std::mutex> lock(slot->mutex);
    slot->subscribers.push_back(who);
  }

  // Internal, called by the probe operator: a run starts (every operator of the run is
  // built before any runs), and a run ends (its operators, and so the activators
  // subscribed during it, are gone).
  void begin_run(std::uint32_t worker) const {
    Slot* slot = state_->slot(worker);
    slot->least.store(0, std::memory_order_release);
    slot->done.store(false, std::memory_order_release);
  }
  void end_run(std::uint32_t worker) const {
    Slot* slot = state_->slot(worker);
    std::lock_guard<std::mutex> lock(slot->mutex);
    slot->subscribers.clear();
  }

  // Internal: called by the probe operator.
  void publish(std::uint32_t worker, const Frontier& f) {
    Slot* slot = state_->slot(worker);
    if (f.empty()) {
      slot->done.store(true, std::memory_order_release);
    } else {
      slot->least.store(f.least(), std::memory_order_release);
    }
    std::lock_guard<std::mutex> lock(slot->mutex);
    for (const auto& a : slot->subscribers) a.activate();
  }

 private:
  struct Slot {
    std::atomic<Epoch> least{0};
    std::atomic<bool> done{false};  // the stream is complete
    std::mutex mutex;
    std::vector<Activator> subscribers;
  };
  static constexpr std::uint32_t kMaxWorkers = 1024;  // RunConfig's limit
  // Slots are created on first use and never move; lookups are one atomic load.
  struct State {
    std::mutex mutex;
    std::vector<std::unique_ptr<Slot>> owned;
    std::array<std::atomic<Slot*>, kMaxWorkers> index{};
    Slot* slot(std::uint32_t worker) {
      if (worker >= kMaxWorkers) throw std::out_of_range("probe: worker index out of range");
      if (Slot* s = index[worker].load(std::memory_order_acquire)) return s;
      std::lock_guard<std::mutex> lock(mutex);
      if (Slot* s = index[worker].load(std::memory_order_acquire)) return s;
      owned.push_back(std::make_unique<Slot>());
      index[worker].store(owned.back().get(), std::memory_order_release);
      return owned.back().get();
    }
  };
  std::shared_ptr<State> state_;
};

namespace op {

// probe: consumes `up` (discarding its records) and publishes its frontier to `probe`.
template <class T>
void probe(std::string id, const Stream<T>& up, Probe probe) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  b.build([in, probe](OperatorContext& ctx) {
    const std::uint32_t worker = ctx.worker_index();
    probe.begin_run(worker);
    // Unsubscribes this run's activators when the operator is destroyed.
    std::shared_ptr<void> end_run(nullptr,
                                  [probe, worker](void*) mutable { probe.end_run(worker); });
    return [in, probe, end_run, seen = Frontier{0}](OperatorContext& ctx) mutable {
      Batch<T> batch;
      auto input = ctx.input(in);
      while (input.pull(batch)) {
      }
      if (input.frontier() != seen) {
        seen = input.frontier();
        probe.publish(ctx.worker_index(), seen);
      }
    };
  });
}

}  // namespace op
}  // namespace sluice
