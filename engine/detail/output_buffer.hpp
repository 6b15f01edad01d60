// OutputBuffer<T>: the runtime output port of type T. It buffers records of one
// epoch up to the batch size and hands each full batch to every edge reading the
// port (a tee), through one EdgePusher per edge; a pusher is called per batch.
#pragma once

#include <memory>
#include <vector>

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
  // Sends anything the pusher still buffers.
  virtual void flush() {}
};

template <class T>
class OutputBuffer final : public OutputPortBase {
 public:
  OutputBuffer(OperatorBase& op, std::uint32_t port)
      : OutputPortBase(op, port), batch_size_(op.worker().config().batch_size) {
    buffer_.reserve(batch_size_);
  }

  void add_edge(std::unique_ptr<EdgePusher<T>> pusher) { edges_.push_back(std::move(pusher)); }
  // Whether any step reads this output (edges are wired before the first activation).
  bool connected() const { return !edges_.empty(); }

  // Per record: inlined, no virtual call, no allocation (buffers are reused or
  // reserved once per batch).
  template <class U>
  void give(Epoch epoch, U&& record) {
    if (epoch != epoch_ && !buffer_.empty()) send();
    epoch_ = epoch;
    buffer_.push_back(std::forward<U>(record));
    if (buffer_.size() >= batch_size_) send();
  }

  // Hands over a whole vector of records at `epoch` (empties it).
  void give_vector(Epoch epoch, std::vector<T>& records) {
    if (records.empty()) return;
    if (!buffer_.empty()) send();
    epoch_ = epoch;
    buffer_.swap(records);
    send();
  }

  void flush() override {
    if (!buffer_.empty()) send();
    for (auto& edge : edges_) edge->flush();
  }

 private:
  void send() {
    if (edges_.empty()) {
      buffer_.clear();  // nobody reads this stream
      return;
    }
    for (std::size_t i = 0; i + 1 < edges_.size(); ++i) {
      std::vector<T> copy(buffer_);
      edges_[i]->push(epoch_, copy);
    }
    edges_.back()->push(epoch_, buffer_);
    buffer_.clear();
    if (buffer_.capacity() < batch_size_) buffer_.reserve(batch_size_);
  }

  std::size_t batch_size_;
  Epoch epoch_ = 0;
  std::vector<T> buffer_;
  std::vector<std::unique_ptr<EdgePusher<T>>> edges_;
};

}  // namespace sluice::detail
