// Sink interfaces (the Bytewax shape) and op::output for them.
//
// - FixedPartitionedSink: a fixed, named list of partitions (files of a directory,
//   Kafka partitions), each resumable from its committed position. The part list is
//   sorted; part i of it is owned by worker i % W: only that worker builds and
//   writes it. A record goes to part part_of(record, parts) % parts and is exchanged
//   to that part's owner (an exchange whose key names the owner), so each part has
//   exactly one writer and keeps the arrival order of its records.
// - DynamicSink: one stateless partition per worker, written with the records of
//   that worker (no exchange).
//
// Files: a sink that writes files declares them (files(), file_use.hpp) and op::output
// claims them for the step: a file that is one of the run's inputs or another sink's
// is refused with a ConfigError naming both steps and both paths, before any data
// moves (and again when run() starts, before any worker does).
//
// Partitions are closed when the sink's input ends. list_parts runs once on the
// graph-building thread when op::output is called (workers = 1), so its ConfigError
// ("step '<path>': ...") surfaces before any data moves, and once per run with the
// real worker count. An exception from a partition stops the run with a StepError
// naming the step, the worker, the epoch and "partition '<part>': ...".
//
// Cost per record: part_of is called twice (once to route, once on the owner when it
// owns several parts; never when there is one part); it is a direct, inlinable call
// when the sink's class is final, a virtual call otherwise.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/engine/key_hash.hpp>
#include <sluice/engine/pact.hpp>
#include <sluice/io/detail/owned_parts.hpp>
#include <sluice/io/detail/owner_key.hpp>
#include <sluice/io/detail/sink_driver.hpp>
#include <sluice/io/file_use.hpp>
#include <sluice/io/sink_partition.hpp>

namespace sluice::io {

// A sink with a fixed list of partitions. Thread safety as FixedPartitionedSource:
// list_parts of a run happens before its build_part calls, which may be concurrent;
// part_of is called concurrently from every worker and must not modify anything.
template <class T>
class FixedPartitionedSink {
 public:
  using value_type = T;
  virtual ~FixedPartitionedSink() = default;

  // The names of all partitions (at least one), for `workers` workers. Deterministic.
  // Throws ConfigError (what to fix) for a bad configuration.
  virtual std::vector<std::string> list_parts(std::uint32_t workers) = 0;

  // The part `item` belongs to, as an index into the sorted part list (taken modulo
  // `parts`). Deterministic. The default hashes the item (a std::pair: its first
  // member) with hash_key; it throws std::logic_error for a type it cannot hash.
  virtual std::size_t part_of(const T& item, std::size_t parts) const {
    // A pair's first member first: pairs are HashableKey too (key_hash.hpp).
    if constexpr (requires { requires HashableKey<std::decay_t<decltype(item.first)>>; }) {
      return static_cast<std::size_t>(hash_key(item.first) % parts);
    } else if constexpr (HashableKey<T>) {
      return static_cast<std::size_t>(hash_key(item) % parts);
    } else {
      throw std::logic_error("a partitioned sink of this record type must override part_of");
    }
  }

  // Opens `part`, continuing after `resume_state` (a string its snapshot() returned)
  // or empty. `step_path` is for error messages.
  virtual std::unique_ptr<SinkPartition<T>> build_part(const std::string& step_path,
                                                       const std::string& part,
                                                       std::optional<std::string> resume_state) = 0;

  // The files this sink writes (file_use.hpp), asked once when op::output adds the
  // step, after list_parts. The default: none.
  virtual std::vector<FileUse> files() const { return {}; }
};

// A sink with one stateless partition per worker.
template <class T>
class DynamicSink {
 public:
  using value_type = T;
  virtual ~DynamicSink() = default;

  // The partition of worker `worker_index` of `workers`, from that worker's thread.
  virtual std::unique_ptr<StatelessSinkPartition<T>> build(const std::string& step_path,
                                                           std::uint32_t worker_index,
                                                           std::uint32_t workers) = 0;

  // The files this sink writes (file_use.hpp), asked once by op::output. Default: none.
  virtual std::vector<FileUse> files() const { return {}; }
};

// Per part, the committed position (a snapshot) to resume a FixedPartitionedSink at.
struct OutputResume {
  std::map<std::string, std::string> states;
};

namespace detail {

// part_of, called directly (no virtual dispatch) when S is final.
template <class S, class T>
std::size_t part_index(const S& sink, const T& record, std::size_t parts) {
  if (parts == 1) return 0;
  if constexpr (std::is_final_v<S>) {
    return sink.S::part_of(record, parts) % parts;
  } else {
    return sink.part_of(record, parts) % parts;
  }
}

template <class T, class S>
void partitioned_output(std::string id, const Stream<T>& up, std::shared_ptr<S> sink,
                        OutputResume resume) {
  OperatorBuilder b(up, std::move(id));
  if (!sink) throw ConfigError("step '" + b.step_path() + "': the sink is null");
  auto lister = [sink](std::uint32_t workers) { return sink->list_parts(workers); };
  checked_parts(b.step_path(), 1, lister, true);
  claim_files(up.graph(), b.step_path(), sink->files());
  auto list = std::make_shared<PartList>();
  auto in = b.add_input(up, exchange([sink, list](const T& record) {
                          const std::uint32_t workers = list->workers();
                          const auto part = part_index(*sink, record, list->count());
                          return OwnerKey{static_cast<std::uint32_t>(part % workers), workers};
                        }));
  auto states = std::make_shared<const OutputResume>(std::move(resume));
  b.build([in, sink, lister, list, states](OperatorContext& ctx) {
    PartList::Lease lease(list, ctx.step_path(), ctx.workers(), lister, true);
    const std::uint32_t me = ctx.worker_index(), workers = ctx.workers();
    // With a recovery directory its committed positions replace `resume`.
    recovery::StepSnapshots snap = ctx.enroll_snapshots();
    std::map<std::string, std::string> restored;
    if (snap.on()) {
      snap.restore(std::nullopt, [&](std::uint64_t, std::string_view part, std::string_view at) {
        restored.emplace(part, at);
      });
    }
    auto owned =
        build_owned_parts(ctx, lease.parts(), snap.on() ? restored : states->states, std::nullopt,
                          [&](const std::string& part, std::optional<std::string> state) {
                            return sink->build_part(ctx.step_path(), part, std::move(state));
                          });
    std::vector<OwnedPart<T>> mine;
    for (auto& [name, part] : owned) mine.push_back(OwnedPart<T>{name, std::move(part), {}});
    auto slot_of = [sink, list, me, workers](const T& record) -> std::size_t {
      const std::size_t part = part_index(*sink, record, list->count());
      if (part % workers != me) throw std::logic_error("part_of is not deterministic");
      return part / workers;
    };
    return SinkDriver<T, decltype(slot_of)>(in, std::move(mine), std::move(slot_of),
                                            std::move(lease), std::move(snap));
  });
}

template <class T, class S>
void dynamic_output(std::string id, const Stream<T>& up, std::shared_ptr<S> sink) {
  OperatorBuilder b(up, std::move(id));
  if (!sink) throw ConfigError("step '" + b.step_path() + "': the sink is null");
  claim_files(up.graph(), b.step_path(), sink->files());
  auto in = b.add_input(up);
  b.build([in, sink](OperatorContext& ctx) {
    const std::string name = "worker " + std::to_string(ctx.worker_index());
    const PartContext where{ctx.step_path(), ctx.worker_index(), std::nullopt, name};
    auto part = in_part(
        where, [&] { return sink->build(ctx.step_path(), ctx.worker_index(), ctx.workers()); },
        "building");
    if (!part) {
      throw StepError(ctx.step_path(), ctx.worker_index(), std::nullopt,
                      "building partition '" + name + "': build returned null");
    }
    std::vector<OwnedPart<T>> mine;
    mine.push_back(OwnedPart<T>{name, std::move(part), {}});
    auto slot_of = [](const T&) -> std::size_t { return 0; };
    return SinkDriver<T, decltype(slot_of)>(in, std::move(mine), slot_of, std::nullopt);
  });
}

}  // namespace detail
}  // namespace sluice::io

namespace sluice::op {

// output: writes every record of `up` to its part of `sink` (see the top of this
// file), resuming each part from `resume`. Throws ConfigError if list_parts does.
template <class T, class S>
requires std::derived_from<S, io::FixedPartitionedSink<T>>
void output(std::string id, const Stream<T>& up, std::shared_ptr<S> sink,
            io::OutputResume resume = {}) {
  io::detail::partitioned_output<T, S>(std::move(id), up, std::move(sink), std::move(resume));
}
template <class T, class S>
requires std::derived_from<S, io::FixedPartitionedSink<T>>
void output(std::string id, const Stream<T>& up, S sink, io::OutputResume resume = {}) {
  output(std::move(id), up, std::make_shared<S>(std::move(sink)), std::move(resume));
}

// output: writes the records of each worker to that worker's partition of `sink`.
template <class T, class S>
requires std::derived_from<S, io::DynamicSink<T>>
void output(std::string id, const Stream<T>& up, std::shared_ptr<S> sink) {
  io::detail::dynamic_output<T, S>(std::move(id), up, std::move(sink));
}
template <class T, class S>
requires std::derived_from<S, io::DynamicSink<T>>
void output(std::string id, const Stream<T>& up, S sink) {
  output(std::move(id), up, std::make_shared<S>(std::move(sink)));
}

}  // namespace sluice::op
