// The EdgePusher of each pact, and how an input port's edge is wired on a worker.
// A batch leaves in storage sized to its records (take_exact): a pusher's buffers
// keep their room, so sparse epochs cost an exact allocation, not a batch's room.
// Batches go in bundles (bundle.hpp): a pusher collects the batches it is given for
// one target worker until they hold a batch's worth of records, or the producer's
// activation ends (flush), and sends them as one message counted once, so an epoch
// holding few records costs no message, progress update or wake-up of its own.
// An exchange packs its records for one worker, of whatever epochs, into the
// bundle's one vector (Bundle::add_record): splitting sparse epochs by key then
// costs the sender no allocation per epoch and worker. A pipeline hands a source's
// runs (EpochRuns: records of many epochs in one vector) on as one packed bundle.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include <sluice/engine/batch.hpp>
#include <sluice/engine/detail/bundle.hpp>
#include <sluice/engine/detail/graph.hpp>
#include <sluice/engine/detail/input_queue.hpp>
#include <sluice/engine/detail/output_buffer.hpp>
#include <sluice/engine/detail/run_shared.hpp>
#include <sluice/engine/detail/worker.hpp>
#include <sluice/engine/key_hash.hpp>
#include <sluice/engine/pact.hpp>

namespace sluice::detail {

// The channels of one exchange or broadcast edge between this process's workers:
// channel[from][to], none on the diagonal (a worker delivers to itself directly).
template <class T>
struct Mesh {
  std::vector<std::vector<std::unique_ptr<QueueChannel<Bundle<T>>>>> channel;
};

template <class T>
std::shared_ptr<void> make_mesh(RunShared& shared) {
  auto mesh = std::make_shared<Mesh<T>>();
  mesh->channel.resize(shared.workers);
  for (std::uint32_t from = 0; from < shared.workers; ++from) {
    mesh->channel[from].resize(shared.workers);
    for (std::uint32_t to = 0; to < shared.workers; ++to) {
      if (from != to) mesh->channel[from][to] = shared.make_queue<Bundle<T>>(from, to);
    }
  }
  return mesh;
}

template <class T>
class PipelinePusher final : public EdgePusher<T> {
 public:
  PipelinePusher(OperatorBase& producer, InputQueue<T>& target, std::size_t batch_size)
      : producer_(producer), target_(target), batch_size_(batch_size) {}

  void push(Epoch epoch, std::vector<T>& items) override {
    bundle_.add(epoch, take_exact(items));
    if (bundle_.records >= batch_size_) send();
  }
  // Runs go on as one packed bundle (no vector per epoch), after what is buffered.
  void push_runs(std::vector<T>& items, const EpochRuns& runs) override {
    if (!bundle_.empty()) send();
    bundle_.packed = take_exact(items);
    bundle_.records = bundle_.packed.size();
    bundle_.runs = runs;
    bundle_.batches = runs.size();
    bundle_.counted = runs.front().first;
    for (const auto& run : runs) bundle_.counted = std::min(bundle_.counted, run.first);
    send();
  }
  void flush() override {
    if (!bundle_.empty()) send();
  }

 private:
  void send() {
    producer_.record(target_.location(), bundle_.counted, +1);
    target_.push_local(std::move(bundle_));
    bundle_ = Bundle<T>{};
  }

  OperatorBase& producer_;
  InputQueue<T>& target_;
  std::size_t batch_size_;
  Bundle<T> bundle_;
};

// Sends a bundle to one worker: locally by move, remotely through its channel.
template <class T>
class Fanout {
 public:
  Fanout(OperatorBase& producer, InputQueue<T>& local, std::vector<Pusher<Bundle<T>>*> remote)
      : producer_(producer), local_(local), remote_(std::move(remote)) {}

  // Leaves `bundle` empty.
  void send(std::uint32_t worker, Bundle<T>& bundle) {
    producer_.record(local_.location(), bundle.counted, +1);
    if (worker == producer_.worker_index()) {
      local_.push_local(std::move(bundle));
    } else {
      remote_[worker]->push(std::move(bundle));
    }
    bundle = Bundle<T>{};
  }
  void send(std::uint32_t worker, Epoch epoch, std::vector<T>&& items) {
    Bundle<T> one;
    one.add(epoch, std::move(items));
    send(worker, one);
  }
  std::uint32_t workers() const { return static_cast<std::uint32_t>(remote_.size()); }

 private:
  OperatorBase& producer_;
  InputQueue<T>& local_;
  std::vector<Pusher<Bundle<T>>*> remote_;  // indexed by worker; null for this worker
};

template <class T, class KeyFn>
class ExchangePusher final : public EdgePusher<T> {
 public:
  ExchangePusher(Fanout<T> fanout, KeyFn key, std::size_t batch_size)
      : fanout_(std::move(fanout)), key_(std::move(key)), batch_size_(batch_size) {
    bundles_.resize(fanout_.workers());  // each reserved on first use (W * W of them)
  }

  void push(Epoch epoch, std::vector<T>& items) override {
    route_all(epoch, items.data(), items.data() + items.size());
    items.clear();
  }
  void push_runs(std::vector<T>& items, const EpochRuns& runs) override {
    std::size_t start = 0;
    for (const auto& [epoch, end] : runs) {
      route_all(epoch, items.data() + start, items.data() + end);
      start = end;
    }
    items.clear();
  }

  void flush() override {
    for (std::uint32_t w = 0; w < bundles_.size(); ++w) {
      if (!bundles_[w].empty()) send(w);
    }
  }

 private:
  // Moves the records [first, last), at `epoch`, into their workers' bundles.
  void route_all(Epoch epoch, T* first, T* last) {
    const std::uint32_t workers = fanout_.workers();
    for (T* record = first; record != last; ++record) {
      const std::uint32_t w = route(hash_key(key_(std::as_const(*record))), workers);
      Bundle<T>& bundle = bundles_[w];
      if (bundle.packed.capacity() == 0) [[unlikely]]
        bundle.packed.reserve(batch_size_);
      bundle.add_record(epoch, std::move(*record));
      if (bundle.records >= batch_size_) send(w);
    }
  }

  // Worker w's records, of any epochs, go as one packed bundle once they are a
  // batch's worth or the activation ends (flush). A bundle under a quarter of a batch
  // goes as an exact copy and the pusher keeps its room (take_exact); a fuller one is
  // moved out (its consumer holds at most 4x its records' room) and the room is
  // reserved again on next use. Decision: a quarter, not half: a read batch split
  // over two workers fills each bundle about half, and copying those cost the
  // reader of bench/windowed_sum at -w 2 ~9 ms of 160.
  void send(std::uint32_t w) {
    Bundle<T>& bundle = bundles_[w];
    if (bundle.packed.size() * 4 < bundle.packed.capacity()) {
      std::vector<T> room = std::move(bundle.packed);
      bundle.packed = take_exact(room);
      fanout_.send(w, bundle);
      bundle.packed = std::move(room);  // empty, with its capacity
      return;
    }
    fanout_.send(w, bundle);
  }

  Fanout<T> fanout_;
  KeyFn key_;
  std::size_t batch_size_;
  std::vector<Bundle<T>> bundles_;  // per worker: packed records not sent yet
};

template <class T>
class BroadcastPusher final : public EdgePusher<T> {
 public:
  explicit BroadcastPusher(Fanout<T> fanout) : fanout_(std::move(fanout)) {}

  void push(Epoch epoch, std::vector<T>& items) override {
    const std::uint32_t workers = fanout_.workers();
    for (std::uint32_t w = 0; w + 1 < workers; ++w) {
      fanout_.send(w, epoch, std::vector<T>(items));
    }
    fanout_.send(workers - 1, epoch, take_exact(items));
  }

 private:
  Fanout<T> fanout_;
};

// Wires one worker's end of a mesh into a Fanout, and registers the incoming side.
template <class T>
Fanout<T> wire_mesh(Worker& worker, OperatorBase& from, InputQueue<T>& in, void* mesh_ptr) {
  auto& mesh = *static_cast<Mesh<T>*>(mesh_ptr);
  const std::uint32_t me = worker.index();
  std::vector<Pusher<Bundle<T>>*> remote(worker.peers(), nullptr);
  for (std::uint32_t w = 0; w < worker.peers(); ++w) {
    if (w == me) continue;
    remote[w] = mesh.channel[me][w].get();
    in.add_remote(mesh.channel[w][me].get());
  }
  if (worker.peers() > 1) worker.watch_remote_input(in);
  return Fanout<T>(from, in, std::move(remote));
}

// The InputDesc of an input port of type T fed from `from` under `pact`.
template <class T, class Pact>
InputDesc input_desc(progress::Source from, Pact pact, std::uint32_t edge) {
  InputDesc desc;
  desc.from = from;
  desc.edge = edge;
  desc.make_port = [](OperatorBase& op, std::uint32_t port) -> std::unique_ptr<InputPortBase> {
    return std::make_unique<InputQueue<T>>(op, port);
  };
  const std::uint32_t out_port = from.port;
  auto ports = [out_port](OperatorBase& producer, OperatorBase& consumer,
                          std::uint32_t port) -> std::pair<OutputBuffer<T>&, InputQueue<T>&> {
    return {static_cast<OutputBuffer<T>&>(producer.output(out_port)),
            static_cast<InputQueue<T>&>(consumer.input(port))};
  };
  if constexpr (std::is_same_v<Pact, Pipeline>) {
    desc.pact = PactKind::Pipeline;
    desc.connect = [ports](Worker& worker, OperatorBase& producer, OperatorBase& consumer,
                           std::uint32_t port, void*) {
      auto [out, in] = ports(producer, consumer, port);
      out.add_edge(std::make_unique<PipelinePusher<T>>(producer, in, worker.config().batch_size));
    };
  } else if constexpr (std::is_same_v<Pact, Broadcast>) {
    desc.pact = PactKind::Broadcast;
    desc.make_mesh = make_mesh<T>;
    desc.connect = [ports](Worker& worker, OperatorBase& producer, OperatorBase& consumer,
                           std::uint32_t port, void* mesh) {
      auto [out, in] = ports(producer, consumer, port);
      out.add_edge(std::make_unique<BroadcastPusher<T>>(wire_mesh(worker, producer, in, mesh)));
    };
  } else {
    desc.pact = PactKind::Exchange;
    desc.make_mesh = make_mesh<T>;
    desc.connect = [ports, key = std::move(pact.key)](Worker& worker, OperatorBase& producer,
                                                      OperatorBase& consumer, std::uint32_t port,
                                                      void* mesh) {
      auto [out, in] = ports(producer, consumer, port);
      if (worker.peers() == 1) {
        out.add_edge(std::make_unique<PipelinePusher<T>>(producer, in, worker.config().batch_size));
        return;
      }
      using Key = decltype(key);
      out.add_edge(std::make_unique<ExchangePusher<T, Key>>(wire_mesh(worker, producer, in, mesh),
                                                            key, worker.config().batch_size));
    };
  }
  return desc;
}

}  // namespace sluice::detail
