// TestingSource<T> and op::input: an in-memory source whose items carry their own
// epochs, for tests and examples. Partition p is read by worker p % W, in order.
//
// As Bytewax's TestingSource, a partition may also hold markers:
//   Item::eof()   ends the partition for this run; the items after it are for a
//                 resumed run.
//   Item::abort() stops the run with a StepError ("aborted by the testing source's
//                 abort marker ...": a simulated crash); with a recovery directory
//                 only the first time a copy of the source reaches it, so that the
//                 resumed run reads past it. With a recovery directory a run that
//                 reads every partition to its end or to an eof marker is finished.
// positions() tells, per partition, the index of the next item the latest run would
// have read (past a marker it hit); resume_from(positions) makes later runs of every
// copy of the source start there, so a resumed run skips what came before.
//
// With a recovery directory (RunConfig::recovery_dir) the run's own snapshots give
// the positions instead: a resumed run starts each partition where the committed
// epoch left it, at any worker count, and resume_from is not used.
//
// Copies share the items and the positions. Thread-safe: workers record positions
// under a lock, once per partition per activation.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <sluice/operators/operator_builder.hpp>
#include <sluice/recovery/layout.hpp>

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
  // Whether the abort marker at item i of partition p is reached for the first time
  // by a copy of this source.
  bool fire_abort(std::size_t p, std::size_t i) const {
    std::lock_guard<std::mutex> lock(progress_->mutex);
    return progress_->fired.emplace(p, i).second;
  }

 private:
  struct Progress {
    std::mutex mutex;
    std::vector<std::size_t> start;
    std::vector<std::size_t> position;
    std::set<std::pair<std::size_t, std::size_t>> fired;  // abort markers reached
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

// The input step of a TestingSource on one worker. With a recovery directory it is a
// root of the snapshot agreement (it reports the greatest epoch of its partitions'
// capabilities and, until the answer, reads no item of a later epoch) and a
// contributor: a partition's next index is written before its capability moves past a
// snapshot epoch, and a resumed run starts each partition there (named by its index:
// partition p is read by worker p % W at any W).
template <class T>
class TestingReader {
  using Marker = typename TestingSource<T>::Marker;
  struct Cursor {
    std::size_t partition;
    const typename TestingSource<T>::Partition* items;
    std::size_t next;
    Capability cap;
    bool dirty = false;  // read since its position was last written, at epochs to dirty_at
    Epoch dirty_at = 0;
    bool ended = false;  // at an eof marker (its capability held for the agreement)
  };

 public:
  TestingReader(OperatorContext& ctx, OutputPort<T> out, TestingSource<T> source)
      : out_(out), source_(std::move(source)), snap_(ctx.enroll_snapshots()) {
    run_ = ctx.snapshot_run();
    if (run_) root_ = run_->enroll_root(ctx.activator());
    const auto& partitions = source_.partitions();
    std::vector<std::optional<std::size_t>> restored(partitions.size());
    if (snap_.on()) {
      snap_.restore(std::nullopt, [&](std::uint64_t, std::string_view name, std::string_view v) {
        const auto pos = recovery::layout::parse_source_position(v);
        const std::size_t p = index_of(name, partitions.size());
        std::size_t next = 0;
        const char* end = pos ? pos->at.data() + pos->at.size() : nullptr;
        if (!pos || p >= partitions.size() ||
            std::from_chars(pos->at.data(), end, next).ptr != end || next > partitions[p].size()) {
          throw ConfigError("step '" + ctx.step_path() + "': the recovery store's position of "
                            "testing partition '" + std::string(name) +
                            "' does not fit this source (a damaged store, or other items)");
        }
        restored[p] = next;
      });
    }
    Capability initial = ctx.take_initial_capability();
    for (std::size_t p = ctx.worker_index(); p < partitions.size(); p += ctx.workers()) {
      const std::size_t start = snap_.on() ? restored[p].value_or(0) : source_.start_of(p);
      source_.record_position(p, start);
      if (start >= partitions[p].size()) continue;
      Epoch epoch = first_epoch<T>(partitions[p], start);
      if (snap_.on()) epoch = std::max(epoch, snap_.first_epoch());
      cursors_.push_back(Cursor{p, &partitions[p], start, initial.delayed(epoch)});
      cursors_.back().dirty_at = epoch;
    }
  }

  // Emits a bounded number of items per activation, then yields.
  void operator()(OperatorContext& ctx) {
    if (run_) agree();
    auto output = ctx.output(out_);
    constexpr std::size_t kBudget = 64 * 1024;
    bool more = false;
    Epoch least = recovery::layout::kComplete;
    for (Cursor& c : cursors_) {
      if (!c.cap) continue;
      const auto& items = *c.items;
      const std::size_t stop = c.ended ? c.next : std::min(items.size(), c.next + kBudget);
      bool held = false;
      for (; c.next < stop && !c.ended; ++c.next) {
        const auto& item = items[c.next];
        if (item.marker == Marker::eof) {
          c.ended = true;
        } else if (item.marker == Marker::abort) {
          source_.record_position(c.partition, c.next + 1);
          // With recovery, once per source: a resumed run reads past it.
          if (snap_.on() && !source_.fire_abort(c.partition, c.next)) continue;
          throw StepError(ctx.step_path(), ctx.worker_index(), c.cap.epoch(),
                          "aborted by the testing source's abort marker (item " +
                              std::to_string(c.next) + " of partition " +
                              std::to_string(c.partition) + "): a simulated crash");
        } else {
          if (item.epoch > c.cap.epoch()) {
            if (holding_) {  // the answer activates it again
              held = true;
              break;
            }
            if (c.dirty && snap_.crossing(c.dirty_at, item.epoch)) write(c);
            c.cap.downgrade(item.epoch);
          }
          output.session(c.cap).give(item.value);
          if (snap_.on()) {
            c.dirty = true;
            c.dirty_at = c.cap.epoch();
          }
        }
      }
      source_.record_position(c.partition, c.next);
      if (c.next == items.size()) c.ended = true;
      if (c.ended && !holding_) {
        if (c.dirty) write(c);  // its final position: a resumed run goes on after it
        c.cap.drop();
        continue;
      }
      // Held for the agreement (the answer activates it), or more to read.
      if (!held && !c.ended) more = true;
      least = std::min(least, c.cap.epoch());
    }
    snap_.passed(least);
    if (run_ && least == recovery::layout::kComplete && !finished_) {
      finished_ = true;
      run_->finish(root_, reached_);
    }
    if (more) ctx.activate();
  }

 private:
  static std::string name_of(std::size_t p) { return "partition " + std::to_string(p); }
  static std::size_t index_of(std::string_view name, std::size_t parts) {
    std::size_t p = parts;
    constexpr std::string_view kPrefix = "partition ";
    if (name.substr(0, kPrefix.size()) == kPrefix) {
      const char* end = name.data() + name.size();
      if (std::from_chars(name.data() + kPrefix.size(), end, p).ptr != end) p = parts;
    }
    return p;
  }
  void write(Cursor& c) {
    reached_ = std::max(reached_, c.dirty_at);
    const std::string name = name_of(c.partition);
    snap_.put(hash_key(name), name, c.dirty_at,
              recovery::layout::source_position(std::to_string(c.next), {}));
    c.dirty = false;
  }
  void agree() {
    const std::uint64_t request = run_->requested();
    if (request > seen_) {
      seen_ = request;
      // The greatest epoch its partitions reached, finished ones included (their
      // positions are written at that epoch).
      std::optional<Epoch> at;
      for (const Cursor& c : cursors_) {
        if (c.cap) at = std::max(at.value_or(reached_), c.cap.epoch());
      }
      if (at) {
        run_->report(root_, request, at);
      } else if (!finished_) {
        finished_ = true;
        run_->finish(root_, reached_);
      }
    }
    holding_ = run_->answered() < seen_;
    if (!holding_ && snap_.on()) snap_.worker().refresh();
  }

  OutputPort<T> out_;
  TestingSource<T> source_;
  std::vector<Cursor> cursors_;
  recovery::StepSnapshots snap_;
  recovery::SnapshotRun* run_ = nullptr;
  std::uint32_t root_ = 0;
  std::uint64_t seen_ = 0;
  bool holding_ = false;
  bool finished_ = false;  // told the run
  Epoch reached_ = 0;      // the greatest epoch of a position written
};

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
    return detail::TestingReader<T>(ctx, out, source);
  });
  return down;
}

}  // namespace op
}  // namespace sluice
