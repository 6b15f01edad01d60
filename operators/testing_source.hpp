// TestingSource<T> and op::input: an in-memory source whose items carry their own
// epochs, for tests and examples. Partition p is read by worker p % W, in order.
//
// As Bytewax's TestingSource, a partition may also hold markers:
//   Item::eof()   ends the partition for this run; the items after it are for a
//                 resumed run.
//   Item::abort() stops the run with a StepError ("aborted by the testing source's
//                 abort marker ...": a simulated crash).
// positions() tells, per partition, the index of the next item the latest run would
// have read (past a marker it hit); resume_from(positions) makes later runs of every
// copy of the source start there, so a resumed run skips what came before.
//
// Copies share the items and the positions. Thread-safe: workers record positions
// under a lock, once per partition per activation.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sluice/operators/operator_builder.hpp>

namespace sluice {

template <class T>
class TestingSource {
 public:
  enum class Marker : std::uint8_t { none, eof, abort };
  struct Item {
    Epoch epoch;
    T value;
    Marker marker = Marker::none;

    // Markers carry no value; their epoch is not used.
    static Item eof() requires std::default_initializable<T> { return Item{0, T{}, Marker::eof}; }
    static Item abort() requires std::default_initializable<T> {
      return Item{0, T{}, Marker::abort};
    }
  };
  using Partition = std::vector<Item>;

  // One partition (read by worker 0). Epochs must not decrease within a partition.
  explicit TestingSource(Partition items)
      : TestingSource(std::make_shared<std::vector<Partition>>(1, std::move(items))) {}
  // Several partitions; partition p is read by worker p % W.
  static TestingSource partitioned(std::vector<Partition> partitions) {
    return TestingSource(std::make_shared<std::vector<Partition>>(std::move(partitions)));
  }
  // All items at epoch 0, one partition.
  static TestingSource of(std::vector<T> values) {
    Partition items;
    items.reserve(values.size());
    for (auto& v : values) items.push_back(Item{0, std::move(v)});
    return TestingSource(std::move(items));
  }

  const std::vector<Partition>& partitions() const { return *partitions_; }

  // Per partition, the index of the next item to read, as the latest run left it
  // (the start of the next run until a run has read the partition).
  std::vector<std::size_t> positions() const {
    std::lock_guard<std::mutex> lock(progress_->mutex);
    return progress_->position;
  }
  // Later runs start partition p at item next[p]. Throws ConfigError unless `next`
  // has one index per partition, each at most the partition's size.
  void resume_from(std::vector<std::size_t> next) const {
    const auto& parts = partitions();
    bool fits = next.size() == parts.size();
    for (std::size_t p = 0; fits && p < next.size(); ++p) fits = next[p] <= parts[p].size();
    if (!fits) {
      throw ConfigError("TestingSource::resume_from needs one index per partition (" +
                        std::to_string(parts.size()) +
                        "), each at most the partition's size; pass positions()");
    }
    std::lock_guard<std::mutex> lock(progress_->mutex);
    progress_->start = next;
    progress_->position = std::move(next);
  }

  // --- used by op::input ---
  std::size_t start_of(std::size_t p) const {
    std::lock_guard<std::mutex> lock(progress_->mutex);
    return progress_->start[p];
  }
  void record_position(std::size_t p, std::size_t next) const {
    std::lock_guard<std::mutex> lock(progress_->mutex);
    progress_->position[p] = next;
  }

 private:
  struct Progress {
    std::mutex mutex;
    std::vector<std::size_t> start;
    std::vector<std::size_t> position;
  };

  explicit TestingSource(std::shared_ptr<std::vector<Partition>> p)
      : partitions_(std::move(p)), progress_(std::make_shared<Progress>()) {
    progress_->start.assign(partitions_->size(), 0);
    progress_->position.assign(partitions_->size(), 0);
  }

  std::shared_ptr<const std::vector<Partition>> partitions_;
  std::shared_ptr<Progress> progress_;
};

namespace op {

namespace detail {
// The epoch a partition's capability starts at when read from item `start`: the
// first item's (markers aside), else the last one's before it, else 0.
template <class T>
Epoch first_epoch(const typename TestingSource<T>::Partition& items, std::size_t start) {
  using Marker = typename TestingSource<T>::Marker;
  for (std::size_t i = start; i < items.size(); ++i) {
    if (items[i].marker == Marker::none) return items[i].epoch;
  }
  for (std::size_t i = start; i-- > 0;) {
    if (items[i].marker == Marker::none) return items[i].epoch;
  }
  return 0;
}
}  // namespace detail

// input: the records of `source`, each at its epoch, from the positions set by
// resume_from. Throws ConfigError (before any data moves) if a partition's epochs
// decrease (markers aside).
template <class T>
Stream<T> input(const Dataflow& flow, std::string id, TestingSource<T> source) {
  using Marker = typename TestingSource<T>::Marker;
  OperatorBuilder b(flow, std::move(id));
  const auto& parts = source.partitions();
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const typename TestingSource<T>::Item* last = nullptr;
    for (std::size_t i = 0; i < parts[p].size(); ++i) {
      const auto& item = parts[p][i];
      if (item.marker != Marker::none) continue;
      if (last && item.epoch < last->epoch) {
        throw ConfigError("step '" + b.step_path() + "': item " + std::to_string(i) +
                          " of partition " + std::to_string(p) + " has epoch " +
                          std::to_string(item.epoch) + ", earlier than the epoch " +
                          std::to_string(last->epoch) +
                          " before it; epochs in a testing source must not decrease");
      }
      last = &item;
    }
  }
  auto [out, down] = b.add_output<T>();
  b.build([out, source](OperatorContext& ctx) {
    struct Cursor {
      std::size_t partition;
      const typename TestingSource<T>::Partition* items;
      std::size_t next;
      Capability cap;
    };
    std::vector<Cursor> cursors;
    Capability initial = ctx.take_initial_capability();
    const auto& partitions = source.partitions();
    for (std::size_t p = ctx.worker_index(); p < partitions.size(); p += ctx.workers()) {
      const std::size_t start = source.start_of(p);
      source.record_position(p, start);
      if (start >= partitions[p].size()) continue;
      const Epoch epoch = detail::first_epoch<T>(partitions[p], start);
      cursors.push_back(Cursor{p, &partitions[p], start, initial.delayed(epoch)});
    }
    // Emits a bounded number of items per activation, then yields.
    return [out, cursors = std::move(cursors), source](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      constexpr std::size_t kBudget = 64 * 1024;
      bool more = false;
      for (Cursor& c : cursors) {
        if (!c.cap) continue;
        const auto& items = *c.items;
        const std::size_t stop = std::min(items.size(), c.next + kBudget);
        bool eof = false;
        for (; c.next < stop && !eof; ++c.next) {
          const auto& item = items[c.next];
          if (item.marker == Marker::eof) {
            eof = true;
          } else if (item.marker == Marker::abort) {
            source.record_position(c.partition, c.next + 1);
            throw StepError(ctx.step_path(), ctx.worker_index(), c.cap.epoch(),
                            "aborted by the testing source's abort marker (item " +
                                std::to_string(c.next) + " of partition " +
                                std::to_string(c.partition) + "): a simulated crash");
          } else {
            if (item.epoch != c.cap.epoch()) c.cap.downgrade(item.epoch);
            output.session(c.cap).give(item.value);
          }
        }
        source.record_position(c.partition, c.next);
        if (eof || c.next == items.size()) {
          c.cap.drop();
        } else {
          more = true;
        }
      }
      if (more) ctx.activate();
    };
  });
  return down;
}

}  // namespace op
}  // namespace sluice
