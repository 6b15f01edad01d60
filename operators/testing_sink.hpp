// TestingSink<T> and op::output: collects every record of a stream, from every
// worker, into memory, for tests and examples.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <sluice/operators/operator_builder.hpp>

namespace sluice {

// Copies share one store. Thread-safe: workers append under a lock, once per batch.
template <class T>
class TestingSink {
 public:
  struct Record {
    Epoch epoch;
    std::uint32_t worker;
    T value;
  };

  TestingSink() : state_(std::make_shared<State>()) {}

  // The values collected so far, in arrival order per worker.
  std::vector<T> values() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    std::vector<T> out;
    out.reserve(state_->records.size());
    for (const auto& r : state_->records) out.push_back(r.value);
    return out;
  }
  // The records with the epoch and worker they arrived at.
  std::vector<Record> records() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->records;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->records.clear();
  }

  void append(Epoch epoch, std::uint32_t worker, std::vector<T>& values) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    for (auto& v : values) state_->records.push_back(Record{epoch, worker, std::move(v)});
  }

 private:
  struct State {
    mutable std::mutex mutex;
    std::vector<Record> records;
  };
  std::shared_ptr<State> state_;
};

namespace op {

// output: writes every record of `up` into `sink`.
template <class T>
void output(std::string id, const Stream<T>& up, TestingSink<T> sink) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  b.build([in, sink](OperatorContext&) {
    return [in, sink](OperatorContext& ctx) mutable {
      const auto worker = ctx.worker_index();
      ctx.input(in).for_each(
          [&](InputBatch<T>& batch) { sink.append(batch.epoch(), worker, batch.items()); });
    };
  });
}

}  // namespace op
}  // namespace sluice
