// Helpers shared by the engine and operators test suites: the seed, per-worker slots, a
// bounded generator source, a source that holds its capability until a Gate opens,
// and a run on a background thread.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <sluice/sluice.hpp>

namespace doctest {
template <>
struct StringMaker<sluice::Frontier> {
  static String convert(const sluice::Frontier& f) {
    if (f.empty()) return String("{}");
    std::string text = std::to_string(f.least());
    text.insert(text.begin(), '{');
    text.push_back('}');
    return String(text.c_str());
  }
};
}  // namespace doctest

namespace sluice_test {

using namespace sluice;

// The seed of randomized tests: SLUICE_SEED if set, else a fixed default.
inline std::uint64_t test_seed() {
  const char* s = std::getenv("SLUICE_SEED");
  return s ? std::strtoull(s, nullptr, 0) : 20261121;
}

// One result slot per worker; worker w writes only slot w, the test reads after run().
template <class T>
struct alignas(64) Padded {
  T value{};
};
template <class T>
using Slots = std::shared_ptr<std::vector<Padded<T>>>;
template <class T>
Slots<T> make_slots(std::uint32_t workers) {
  return std::make_shared<std::vector<Padded<T>>>(workers);
}

// A source emitting `per_worker` records on every worker, value(worker, i) for
// i = 0.., record i at epoch i / per_epoch, at most `chunk` records per activation
// (it activates itself to continue), so memory stays bounded by the channels.
template <class F>
Stream<std::uint64_t> generate(const Dataflow& flow, std::string id, std::uint64_t per_worker,
                               std::uint64_t per_epoch, F value, std::uint64_t chunk = 16 * 1024) {
  OperatorBuilder b(flow, std::move(id));
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([=](OperatorContext& ctx) {
    return [=, cap = ctx.take_initial_capability(),
            next = std::uint64_t{0}](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      const std::uint64_t stop = std::min(per_worker, next + chunk);
      const std::uint32_t w = ctx.worker_index();
      for (; next < stop; ++next) {
        const Epoch e = next / per_epoch;
        if (e != cap.epoch()) cap.downgrade(e);
        output.session(cap).give(value(w, next));
      }
      if (next == per_worker) {
        cap.drop();
      } else {
        ctx.activate();
      }
    };
  });
  return stream;
}

// How many records each worker's epoch_source emits at each epoch.
struct EpochPlan {
  std::vector<std::vector<std::uint32_t>> counts;  // [worker][epoch]

  // Random counts in [0, max_per_epoch] (an epoch may be empty on a worker).
  static std::shared_ptr<const EpochPlan> random(std::uint64_t seed, std::uint32_t workers,
                                                 Epoch epochs, std::uint32_t max_per_epoch) {
    std::mt19937_64 rng(seed);
    auto plan = std::make_shared<EpochPlan>();
    plan->counts.assign(workers, std::vector<std::uint32_t>(epochs));
    for (auto& row : plan->counts) {
      for (auto& c : row) c = static_cast<std::uint32_t>(rng() % (max_per_epoch + 1));
    }
    return plan;
  }
  // Record i of worker w at epoch e; distinct, and the epoch can be read back.
  static std::uint64_t value(std::uint32_t w, Epoch e, std::uint64_t i) {
    return (std::uint64_t{w} << 48) | (e << 24) | i;
  }
  static Epoch epoch_of(std::uint64_t value) { return (value >> 24) & 0xFFFFFF; }
};

// On every worker, emits the plan's records one epoch per activation, moving its
// capability forward after each epoch.
inline Stream<std::uint64_t> epoch_source(const Dataflow& flow, std::string id,
                                          std::shared_ptr<const EpochPlan> plan) {
  OperatorBuilder b(flow, std::move(id));
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([out, plan](OperatorContext& ctx) {
    return [out, plan, cap = ctx.take_initial_capability()](OperatorContext& ctx) mutable {
      const auto& mine = plan->counts.at(ctx.worker_index());
      const Epoch e = cap.epoch();
      auto session = ctx.output(out).session(cap);
      for (std::uint64_t i = 0; i < mine[e]; ++i) {
        session.give(EpochPlan::value(ctx.worker_index(), e, i));
      }
      if (e + 1 < mine.size()) {
        cap.downgrade(e + 1);
        ctx.activate();
      } else {
        cap.drop();
      }
    };
  });
  return stream;
}

// A step that passes every record on unchanged, reading `up` under `pact`.
template <class T, class Pact>
Stream<T> pass(std::string id, const Stream<T>& up, Pact pact) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up, pact);
  auto [out, stream] = b.add_output<T>();
  b.build([in, out](OperatorContext&) {
    return [in, out](OperatorContext& ctx) {
      auto output = ctx.output(out);
      ctx.input(in).for_each(
          [&](InputBatch<T>& batch) { output.session(batch).give_vector(batch.items()); });
    };
  });
  return stream;
}

// `partitions` partitions holding `items` distinct values in total (a bijection of
// the item number), each partition with random non-decreasing epochs in [0, epochs).
inline std::vector<TestingSource<std::uint64_t>::Partition> random_partitions(
    std::uint64_t seed, std::size_t partitions, std::size_t items, Epoch epochs) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Epoch>> stamps(partitions);
  std::vector<TestingSource<std::uint64_t>::Partition> parts(partitions);
  for (std::size_t i = 0; i < items; ++i) {
    const std::size_t p = rng() % partitions;
    stamps[p].push_back(rng() % epochs);
    parts[p].push_back({0, mix64(i) ^ seed});
  }
  for (std::size_t p = 0; p < partitions; ++p) {
    std::sort(stamps[p].begin(), stamps[p].end());
    for (std::size_t i = 0; i < parts[p].size(); ++i) parts[p][i].epoch = stamps[p][i];
  }
  return parts;
}

// (epoch, value) pairs, sorted: the multiset of what a stream carried.
template <class T>
std::vector<std::pair<Epoch, T>> sorted_items(
    const std::vector<typename TestingSource<T>::Partition>& parts) {
  std::vector<std::pair<Epoch, T>> out;
  for (const auto& part : parts) {
    for (const auto& item : part) out.emplace_back(item.epoch, item.value);
  }
  std::sort(out.begin(), out.end());
  return out;
}
template <class T>
std::vector<std::pair<Epoch, T>> sorted_items(const TestingSink<T>& sink) {
  std::vector<std::pair<Epoch, T>> out;
  for (const auto& r : sink.records()) out.emplace_back(r.epoch, r.value);
  std::sort(out.begin(), out.end());
  return out;
}

// Lets a test thread release sources that wait (holding a capability) without using
// CPU. Registered activators are removed when their operator is destroyed.
class Gate {
 public:
  // Blocks (polling) until `n` sources have reached their waiting state, at most `limit`.
  bool wait_for_waiting(std::uint32_t n, std::chrono::seconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (waiting_.load() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  void open() {
    open_.store(true);
    poke();
  }
  // Activates every enrolled operator without opening the gate.
  void poke() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& a : activators_) {
      if (a) a->activate();
    }
  }
  bool is_open() const { return open_.load(); }

  // --- used by the waiting operator ---
  std::size_t enroll(Activator a) {
    std::lock_guard<std::mutex> lock(mutex_);
    activators_.emplace_back(a);
    return activators_.size() - 1;
  }
  void withdraw(std::size_t slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    activators_[slot].reset();
  }
  void arrived() { waiting_.fetch_add(1); }

 private:
  std::atomic<bool> open_{false};
  std::atomic<std::uint32_t> waiting_{0};
  std::mutex mutex_;
  std::vector<std::optional<Activator>> activators_;
};

// Keeps an Activator enrolled in a Gate for as long as the operator's logic lives.
class Enrollment {
 public:
  Enrollment(std::shared_ptr<Gate> gate, Activator a)
      : gate_(std::move(gate)), slot_(gate_->enroll(a)) {}
  Enrollment(Enrollment&& other) noexcept : gate_(std::move(other.gate_)), slot_(other.slot_) {}
  Enrollment(const Enrollment&) = delete;
  ~Enrollment() {
    if (gate_) gate_->withdraw(slot_);
  }
  Gate& gate() const { return *gate_; }

 private:
  std::shared_ptr<Gate> gate_;
  std::size_t slot_;
};

// A source that, on every worker, moves its capability to `hold_at`, emits
// `records` values (worker * 1000 + i) there, then waits without being activated
// until `gate` opens, and finishes.
inline Stream<std::uint64_t> held_source(const Dataflow& flow, std::string id,
                                         std::shared_ptr<Gate> gate, Epoch hold_at,
                                         std::uint64_t records = 0) {
  OperatorBuilder b(flow, std::move(id));
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([=](OperatorContext& ctx) {
    return [=, cap = ctx.take_initial_capability(), enrolled = Enrollment(gate, ctx.activator()),
            first = true](OperatorContext& ctx) mutable {
      if (first) {
        first = false;
        cap.downgrade(hold_at);
        auto session = ctx.output(out).session(cap);
        for (std::uint64_t i = 0; i < records; ++i) session.give(ctx.worker_index() * 1000 + i);
        enrolled.gate().arrived();
      }
      if (enrolled.gate().is_open()) cap.drop();
    };
  });
  return stream;
}

// run() on a background thread; the destructor opens `gate` (if any) and joins, so a
// failed assertion never leaves a run waiting forever.
class BackgroundRun {
 public:
  BackgroundRun(const Dataflow& flow, RunConfig config, std::shared_ptr<Gate> gate = nullptr)
      : gate_(std::move(gate)), thread_([this, &flow, config] {
          try {
            run(flow, config);
          } catch (...) {
            error_ = std::current_exception();
          }
          done_.store(true);
        }) {}
  BackgroundRun(const BackgroundRun&) = delete;
  ~BackgroundRun() {
    if (thread_.joinable()) {
      if (gate_) gate_->open();
      thread_.join();
    }
  }
  bool done() const { return done_.load(); }
  // Waits for the run to end and rethrows its error, if any.
  void join() {
    thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::shared_ptr<Gate> gate_;
  std::exception_ptr error_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Runs `flow` and returns the StepError it must stop with (fails the test when the run
// succeeds or stops with another error).
inline StepError run_expecting_step_error(const Dataflow& flow, const RunConfig& config) {
  try {
    run(flow, config);
  } catch (const StepError& e) {
    return e;
  }
  FAIL("run() returned normally; a StepError was expected");
  return StepError("", std::nullopt, std::nullopt, "");
}

// User plus system CPU time this process has used so far.
inline std::chrono::microseconds process_cpu_time() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto us = [](const timeval& tv) {
    return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

}  // namespace sluice_test
