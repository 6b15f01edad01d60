// SourceDriver: the logic of a source step on one worker: reads its partitions one
// batch per activation each, stamps records with ingestion epochs, sleeps until the
// next wake-up or epoch boundary when no partition is ready. Internal to io/.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/detail/part_error.hpp>
#include <sluice/io/detail/part_list.hpp>
#include <sluice/io/source_partition.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice::io::detail {

// Ingestion epochs: epoch(now) = first + floor((now - start) / interval), where start is
// when the worker built the step.
class IngestionClock {
 public:
  using Clock = std::chrono::steady_clock;
  IngestionClock(Epoch first, std::chrono::milliseconds interval)
      : first_(first), interval_(interval), start_(Clock::now()) {}
  Epoch epoch_at(Clock::time_point now) const {
    return first_ + static_cast<Epoch>((now - start_) / interval_);
  }
  // When epoch `e` ends and the next begins.
  Clock::time_point end_of(Epoch e) const {
    return start_ + interval_ * static_cast<std::int64_t>(e - first_ + 1);
  }

 private:
  Epoch first_;
  std::chrono::milliseconds interval_;
  Clock::time_point start_;
};

template <class T>
struct OpenPart {
  std::string name;
  std::unique_ptr<StatelessSourcePartition<T>> part;
  std::optional<std::chrono::system_clock::time_point> awake;  // not before this
};

template <class T>
class SourceDriver {
 public:
  // Holds a capability at `first` while any of `parts` is unfinished.
  SourceDriver(OperatorContext& ctx, OutputPort<T> out, std::vector<OpenPart<T>> parts, Epoch first,
               std::optional<PartList::Lease> lease)
      : out_(out),
        parts_(std::move(parts)),
        clock_(first, ctx.config().epoch_interval),
        lease_(std::move(lease)) {
    if (parts_.empty()) return;
    cap_ = ctx.take_initial_capability();
    cap_.downgrade(first);
  }

  void operator()(OperatorContext& ctx) {
    if (!cap_) return;
    const auto now = IngestionClock::Clock::now();
    const Epoch epoch = clock_.epoch_at(now);
    if (epoch > cap_.epoch()) cap_.downgrade(epoch);
    auto output = ctx.output(out_);
    const auto wall = std::chrono::system_clock::now();
    bool ready = false;
    auto wake = clock_.end_of(cap_.epoch());
    for (OpenPart<T>& p : parts_) {
      if (!(p.awake && wall < *p.awake) && !read(ctx, output, p)) continue;  // finished
      if (p.awake) {
        const auto wait =
            std::chrono::duration_cast<IngestionClock::Clock::duration>(*p.awake - wall);
        wake = std::min(wake, now + wait);
      } else {
        ready = true;
      }
    }
    std::erase_if(parts_, [](const OpenPart<T>& p) { return !p.part; });
    if (parts_.empty()) {
      cap_.drop();
    } else if (ready) {
      ctx.activate();
    } else {
      ctx.activate_at(wake);
    }
  }

 private:
  // One next_batch of `p`; false (and `p` closed and released) once it is exhausted.
  bool read(OperatorContext& ctx, OutputHandle<T>& output, OpenPart<T>& p) {
    const PartContext where{ctx.step_path(), ctx.worker_index(), cap_.epoch(), p.name};
    batch_.clear();
    const bool more = in_part(where, [&] { return p.part->next_batch(batch_); });
    emit(output);
    if (!more) {
      in_part(
          where, [&] { p.part->close(); }, "closing");
      p.part.reset();
      return false;
    }
    p.awake = in_part(where, [&] { return p.part->next_awake(); });
    return true;
  }

  // Hands the batch over whole (no per-record move); a partition bounds its batches.
  void emit(OutputHandle<T>& output) {
    if (batch_.empty()) return;
    output.session(cap_).give_vector(batch_);
  }

  OutputPort<T> out_;
  std::vector<OpenPart<T>> parts_;
  IngestionClock clock_;
  std::optional<PartList::Lease> lease_;
  Capability cap_;
  std::vector<T> batch_;
};

}  // namespace sluice::io::detail
