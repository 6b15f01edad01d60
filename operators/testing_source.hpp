// TestingSource<T> and op::input: an in-memory source whose items carry their own
// epochs, for tests and examples. Partition p is read by worker p % W, in order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sluice/operators/operator_builder.hpp>

namespace sluice {

template <class T>
class TestingSource {
 public:
  struct Item {
    Epoch epoch;
    T value;
  };
  using Partition = std::vector<Item>;

  // One partition (read by worker 0). Epochs must not decrease within a partition.
  explicit TestingSource(Partition items)
      : partitions_(std::make_shared<std::vector<Partition>>(1, std::move(items))) {}
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

 private:
  explicit TestingSource(std::shared_ptr<std::vector<Partition>> p) : partitions_(std::move(p)) {}
  std::shared_ptr<const std::vector<Partition>> partitions_;
};

namespace op {

// input: the records of `source`, each at its epoch. Throws ConfigError (before any
// data moves) if a partition's epochs decrease.
template <class T>
Stream<T> input(const Dataflow& flow, std::string id, TestingSource<T> source) {
  OperatorBuilder b(flow, std::move(id));
  const auto& parts = source.partitions();
  for (std::size_t p = 0; p < parts.size(); ++p) {
    for (std::size_t i = 1; i < parts[p].size(); ++i) {
      if (parts[p][i].epoch < parts[p][i - 1].epoch) {
        throw ConfigError("step '" + b.step_path() + "': item " + std::to_string(i) +
                          " of partition " + std::to_string(p) + " has epoch " +
                          std::to_string(parts[p][i].epoch) + ", earlier than the epoch " +
                          std::to_string(parts[p][i - 1].epoch) +
                          " before it; epochs in a testing source must not decrease");
      }
    }
  }
  auto [out, down] = b.add_output<T>();
  b.build([out, source](OperatorContext& ctx) {
    struct Cursor {
      const typename TestingSource<T>::Partition* items;
      std::size_t next;
      Capability cap;
    };
    std::vector<Cursor> cursors;
    Capability initial = ctx.take_initial_capability();
    const auto& partitions = source.partitions();
    for (std::size_t p = ctx.worker_index(); p < partitions.size(); p += ctx.workers()) {
      if (partitions[p].empty()) continue;
      cursors.push_back(Cursor{&partitions[p], 0, initial.delayed(partitions[p][0].epoch)});
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
        for (; c.next < stop; ++c.next) {
          const auto& item = items[c.next];
          if (item.epoch != c.cap.epoch()) c.cap.downgrade(item.epoch);
          output.session(c.cap).give(item.value);
        }
        if (c.next == items.size()) {
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
