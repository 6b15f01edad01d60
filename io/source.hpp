// Source interfaces (the Bytewax shape) and op::input for them.
//
// - FixedPartitionedSource: a fixed, named list of partitions (files, byte ranges of
//   a file, Kafka partitions), each resumable from a snapshot. The part list is
//   sorted; part i of it is read by worker i % W, and only by it.
// - DynamicSource: one stateless partition per worker (e.g. a socket per worker);
//   nothing to resume.
//
// Time: ingestion epochs. On each worker the source holds one
// capability, at epoch first + floor(wall time since the worker built the step /
// epoch_interval); every batch is emitted at the current epoch. The capability is
// dropped once all of the worker's partitions are exhausted.
//
// Work per activation is bounded: one next_batch per partition, then the step asks
// to run again at once (some partition is ready) or sleeps until the earliest
// next_awake or the next epoch boundary (it never spins on a sleeping partition).
//
// Files: a source that reads files declares them (files(), file_use.hpp) and op::input
// claims them for the step, so that no sink of the dataflow may write them.
//
// With a parse function (op::input(flow, id, source, parse)), records are parsed in the
// source step, and a record the function throws on is reported with the file and line
// it was read from (the partition's locate), not only the record. A parse whose one
// parameter is a std::string_view is given the lines of FileSource, DirSource and
// StdInSource as views into the read buffer (valid during the call): no copy and no
// allocation per line unless it keeps one.
//
// Errors: list_parts runs once on the graph-building thread when op::input is
// called (with workers = 1), so its ConfigError ("step '<path>': ...") surfaces
// before any data moves; it runs again once per run with the real worker count, on
// the first worker to build the step. An exception from build_part, next_batch,
// next_awake or close stops the run with a StepError naming the step, the worker, the
// epoch and "partition '<part>': ...".
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/detail/owned_parts.hpp>
#include <sluice/io/detail/source_driver.hpp>
#include <sluice/io/file_use.hpp>
#include <sluice/io/source_partition.hpp>

namespace sluice::io {

// A source with a fixed list of partitions. Thread safety: list_parts and build_part
// may be called from different threads, but the caller orders them (list_parts of a
// run happens before its build_part calls); build_part calls of one run may run
// concurrently, so build_part must only read state list_parts wrote.
template <class T>
class FixedPartitionedSource {
 public:
  using value_type = T;
  virtual ~FixedPartitionedSource() = default;

  // The names of all partitions, for `workers` workers. Deterministic: the same
  // inputs give the same list. Throws ConfigError (what to fix) for a bad
  // configuration: a missing file, an unreadable directory.
  virtual std::vector<std::string> list_parts(std::uint32_t workers) = 0;

  // Opens `part`, at `resume_state` (a string its snapshot() returned) or at its
  // beginning. `step_path` is for error messages.
  virtual std::unique_ptr<SourcePartition<T>> build_part(
      const std::string& step_path, const std::string& part,
      std::optional<std::string> resume_state) = 0;

  // The files this source reads (file_use.hpp), asked once when op::input adds the
  // step, after list_parts. The default: none.
  virtual std::vector<FileUse> files() const { return {}; }
};

// A source with one stateless partition per worker.
template <class T>
class DynamicSource {
 public:
  using value_type = T;
  virtual ~DynamicSource() = default;

  // The partition worker `worker_index` of `workers` reads; null: none on this worker.
  // Called on every worker, from that worker's thread.
  virtual std::unique_ptr<StatelessSourcePartition<T>> build(const std::string& step_path,
                                                             std::uint32_t worker_index,
                                                             std::uint32_t workers) = 0;

  // The files this source reads (file_use.hpp), asked once by op::input. Default: none.
  virtual std::vector<FileUse> files() const { return {}; }
};

// Where a FixedPartitionedSource starts: its first epoch and, per part, the snapshot
// to resume it from. Parts without a state start at their beginning; states of parts
// the source no longer lists are not used.
struct InputResume {
  Epoch epoch = 0;
  std::map<std::string, std::string> states;
};

namespace detail {

// The input step of a FixedPartitionedSource<T>; make_stamp(const RunConfig&, Epoch
// first) builds each worker's Stamp (source_driver.hpp), which decides the epochs and
// what the step emits. windowing/ uses this for event-time epochs.
template <class T, class MakeStamp>
auto fixed_input_stamped(const Dataflow& flow, std::string id,
                         std::shared_ptr<FixedPartitionedSource<T>> source, InputResume resume,
                         MakeStamp make_stamp) {
  using Stamp = decltype(make_stamp(std::declval<const RunConfig&>(), Epoch{}));
  OperatorBuilder b(flow, std::move(id));
  if (!source) throw ConfigError("step '" + b.step_path() + "': the source is null");
  auto lister = [source](std::uint32_t workers) { return source->list_parts(workers); };
  checked_parts(b.step_path(), 1, lister, false);
  claim_files(flow.graph(), b.step_path(), source->files());
  auto [out, stream] = b.template add_output<typename Stamp::Out>();
  auto list = std::make_shared<PartList>();
  auto from = std::make_shared<const InputResume>(std::move(resume));
  b.build([out, source, lister, list, from, make_stamp](OperatorContext& ctx) {
    PartList::Lease lease(list, ctx.step_path(), ctx.workers(), lister, false);
    // With a recovery directory its committed positions and epoch replace `resume`.
    recovery::StepSnapshots snap = ctx.enroll_snapshots();
    InputResume restored;
    std::map<std::string, std::string> stamps;  // the Stamp's part states
    if (snap.on()) {
      restored.epoch = snap.first_epoch();
      snap.restore(std::nullopt, [&](std::uint64_t, std::string_view part, std::string_view v) {
        const auto pos = recovery::layout::parse_source_position(v);
        if (!pos) {
          throw ConfigError("step '" + ctx.step_path() + "': the recovery store's position of " +
                            "partition '" + std::string(part) +
                            "' is malformed (a damaged store); use a new directory");
        }
        restored.states.emplace(part, pos->at);
        if (!pos->stamp.empty()) stamps.emplace(part, pos->stamp);
      });
    }
    const InputResume& at = snap.on() ? restored : *from;
    auto owned =
        build_owned_parts(ctx, lease.parts(), at.states, at.epoch,
                          [&](const std::string& part, std::optional<std::string> state) {
                            return source->build_part(ctx.step_path(), part, std::move(state));
                          });
    std::vector<OpenPart<T>> mine;
    for (auto& [name, part] : owned) {
      std::optional<std::string> stamp;
      if (auto it = stamps.find(name); it != stamps.end()) stamp = std::move(it->second);
      mine.push_back(OpenPart<T>{name, std::move(part), {}, std::move(stamp)});
    }
    return SourceDriver<T, Stamp>(ctx, out, std::move(mine), at.epoch, std::move(lease),
                                  make_stamp(ctx.config(), at.epoch), std::move(snap));
  });
  return stream;
}

template <class T>
Stream<T> fixed_input(const Dataflow& flow, std::string id,
                      std::shared_ptr<FixedPartitionedSource<T>> source, InputResume resume) {
  return fixed_input_stamped<T>(
      flow, std::move(id), std::move(source), std::move(resume),
      [](const RunConfig& config, Epoch first) { return IngestionStamp<T>(config, first); });
}

template <class T, class F>
auto parsed_input(const Dataflow& flow, std::string id,
                  std::shared_ptr<FixedPartitionedSource<T>> source, F parse, InputResume resume) {
  return fixed_input_stamped<T>(flow, std::move(id), std::move(source), std::move(resume),
                                [parse](const RunConfig& config, Epoch first) {
                                  return ParsingStamp<T, F>(config, first, parse);
                                });
}

template <class T>
Stream<T> dynamic_input(const Dataflow& flow, std::string id,
                        std::shared_ptr<DynamicSource<T>> source) {
  OperatorBuilder b(flow, std::move(id));
  if (!source) throw ConfigError("step '" + b.step_path() + "': the source is null");
  claim_files(flow.graph(), b.step_path(), source->files());
  auto [out, stream] = b.add_output<T>();
  b.build([out, source](OperatorContext& ctx) {
    const std::string name = "worker " + std::to_string(ctx.worker_index());
    const PartContext where{ctx.step_path(), ctx.worker_index(), Epoch{0}, name};
    auto part = in_part(
        where, [&] { return source->build(ctx.step_path(), ctx.worker_index(), ctx.workers()); },
        "building");
    std::vector<OpenPart<T>> mine;
    if (part) mine.push_back(OpenPart<T>{name, std::move(part), std::nullopt, std::nullopt});
    // A resumed run's epochs continue after the committed one (nothing is resumed).
    const Epoch first = ctx.snapshot_run() ? ctx.snapshot_run()->first_epoch() : Epoch{0};
    return SourceDriver<T>(ctx, out, std::move(mine), first, std::nullopt);
  });
  return stream;
}

}  // namespace detail
}  // namespace sluice::io

namespace sluice::op {

// input: the records of a partitioned source's partitions (see the top of this file),
// resumed from `resume`. Throws ConfigError if list_parts does.
template <class S>
requires std::derived_from<S, io::FixedPartitionedSource<typename S::value_type>>
    Stream<typename S::value_type> input(const Dataflow& flow, std::string id,
                                         std::shared_ptr<S> source, io::InputResume resume = {}) {
  return io::detail::fixed_input<typename S::value_type>(flow, std::move(id), std::move(source),
                                                         std::move(resume));
}
template <class S>
requires std::derived_from<S, io::FixedPartitionedSource<typename S::value_type>>
    Stream<typename S::value_type> input(const Dataflow& flow, std::string id, S source,
                                         io::InputResume resume = {}) {
  return input(flow, std::move(id), std::make_shared<S>(std::move(source)), std::move(resume));
}

// input: as above, each record made by `parse` (T& or T -> U) in the source step itself,
// in read order, so a record `parse` throws on is reported where it was read: "step
// '<path>' failed on worker 0 at epoch 0: '<file>' line 7: <what parse threw>; item:
// <the record>" (FileSource, DirSource and CsvSource name the file and line; other
// sources as a step's function: the step, worker, epoch and record).
template <class S, class F>
requires std::derived_from<S, io::FixedPartitionedSource<typename S::value_type>> &&
    std::invocable<F&, typename S::value_type&&>
auto input(const Dataflow& flow, std::string id, S source, F parse, io::InputResume resume = {}) {
  using T = typename S::value_type;
  return io::detail::parsed_input<T>(
      flow, std::move(id),
      std::shared_ptr<io::FixedPartitionedSource<T>>(std::make_shared<S>(std::move(source))),
      std::move(parse), std::move(resume));
}

// input: the records of each worker's partition of a dynamic source.
template <class S>
requires std::derived_from<S, io::DynamicSource<typename S::value_type>>
    Stream<typename S::value_type> input(const Dataflow& flow, std::string id,
                                         std::shared_ptr<S> source) {
  return io::detail::dynamic_input<typename S::value_type>(flow, std::move(id), std::move(source));
}
template <class S>
requires std::derived_from<S, io::DynamicSource<typename S::value_type>>
    Stream<typename S::value_type> input(const Dataflow& flow, std::string id, S source) {
  return input(flow, std::move(id), std::make_shared<S>(std::move(source)));
}

}  // namespace sluice::op
