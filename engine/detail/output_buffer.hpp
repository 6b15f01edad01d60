// OutputBuffer<T>: the runtime output port of type T. It buffers records of one
// epoch up to the batch size and hands each full batch to every edge reading the
// port (a tee), through one EdgePusher per edge; a pusher is called per batch.
// Memory follows records, not batches: the buffer reserves a batch's room when it
// starts filling, and a batch that leaves well short of it goes as an exactly sized
// copy (take_exact) while the buffer keeps its room, so sparse epochs (a few records
// each) neither allocate a whole batch per epoch nor carry one downstream.
#pragma once

#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include <sluice/engine/batch.hpp>
#include <sluice/engine/detail/operator_base.hpp>
#include <sluice/engine/detail/port.hpp>
#include <sluice/engine/detail/worker.hpp>

namespace sluice::detail {

// Delivers batches of one edge according to its pact, counting +1 per batch sent.
template <class T>
class EdgePusher {
 public:
  virtual ~EdgePusher() = default;
  // Consumes every record of `items` (leaves it empty; its capacity may be kept).
  virtual void push(Epoch epoch, std::vector<T>& items) = 0;
  // Consumes `items`, records of several epochs described by `runs` (EpochRuns, at
  // least one run). By default a batch per run; a pipeline hands them on packed, an
  // exchange routes them as it does single batches.
  virtual void push_runs(std::vector<T>& items, const EpochRuns& runs) {
    std::size_t start = 0;
    for (const auto& [epoch, end] : runs) {
      std::vector<T> run(
          std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(start)),
          std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(end)));
      push(epoch, run);
      start = end;
    }
    items.clear();
  }
  // Sends anything the pusher still buffers.
  virtual void flush() {}
};

// The records of `items` as a vector to hand downstream, leaving `items` empty: its
// storage when mostly used (no copy), else an exactly sized copy (and `items` keeps
// its capacity for reuse).
template <class T>
std::vector<T> take_exact(std::vector<T>& items) {
  if (items.size() * 2 >= items.capacity()) {
    std::vector<T> out = std::move(items);
    items.clear();
    return out;
  }
  std::vector<T> out(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  items.clear();
  return out;
}

template <class T>
class OutputBuffer final : public OutputPortBase {
 public:
  OutputBuffer(OperatorBase& op, std::uint32_t port)
      : OutputPortBase(op, port), batch_size_(op.worker().config().batch_size) {}

  void add_edge(std::unique_ptr<EdgePusher<T>> pusher) { edges_.push_back(std::move(pusher)); }
  // Whether any step reads this output (edges are wired before the first activation).
  bool connected() const { return !edges_.empty(); }

  // Per record: inlined, no virtual call, no allocation (buffers are reused or
  // reserved once per batch).
  template <class U>
  void give(Epoch epoch, U&& record) {
    if (buffer_.empty() || epoch != epoch_) start(epoch);
    buffer_.push_back(std::forward<U>(record));
    if (buffer_.size() >= batch_size_) send();
  }

  // give(), the record made in place from `args`.
  template <class... Args>
  void emplace(Epoch epoch, Args&&... args) {
    if (buffer_.empty() || epoch != epoch_) start(epoch);
    buffer_.emplace_back(std::forward<Args>(args)...);
    if (buffer_.size() >= batch_size_) send();
  }

  // Hands over a whole vector of records at `epoch` (empties it; its storage goes
  // downstream when mostly used, see take_exact).
  void give_vector(Epoch epoch, std::vector<T>& records) {
    if (records.empty()) return;
    if (!buffer_.empty()) send();
    epoch_ = epoch;
    send(records);
  }

  // Hands over records of several epochs at once (EpochRuns; every epoch at or after
  // the producer's capability): one call per edge, not one per epoch.
  void give_runs(std::vector<T>& records, const EpochRuns& runs) {
    if (records.empty()) return;
    if (!buffer_.empty()) send();
    tee(records, [&](EdgePusher<T>& edge, std::vector<T>& items) { edge.push_runs(items, runs); });
  }

  void flush() override {
    if (!buffer_.empty()) send();
    for (auto& edge : edges_) edge->flush();
  }

 private:
  // A record at `epoch` is next: sends what is buffered at another epoch, and makes
  // room for a batch.
  void start(Epoch epoch) {
    if (!buffer_.empty()) send();
    epoch_ = epoch;
    if (buffer_.capacity() < batch_size_) buffer_.reserve(batch_size_);
  }
  void send() { send(buffer_); }
  // Tees `items` (at epoch_) to every edge and leaves it empty.
  void send(std::vector<T>& items) {
    tee(items, [&](EdgePusher<T>& edge, std::vector<T>& v) { edge.push(epoch_, v); });
  }
  // Calls push(edge, records) for every edge, the last with `items` and the others with
  // a copy; leaves `items` empty.
  template <class Push>
  void tee(std::vector<T>& items, Push&& push) {
    if (edges_.empty()) {
      items.clear();  // nobody reads this stream
      return;
    }
    for (std::size_t i = 0; i + 1 < edges_.size(); ++i) {
      std::vector<T> copy(items);
      push(*edges_[i], copy);
    }
    push(*edges_.back(), items);
    items.clear();
  }

  std::size_t batch_size_;
  Epoch epoch_ = 0;
  std::vector<T> buffer_;
  std::vector<std::unique_ptr<EdgePusher<T>>> edges_;
};

}  // namespace sluice::detail
