// Sources on event-time epochs, and system-time stamping.
//
//   window::event_time_input(flow, id, source, clock, time_of [, resume])
//     -> Stream<Timed<U>>
//   Reads a FixedPartitionedSource<T> like op::input, but each partition keeps its own
//   Watermark (clock.epoch_length, clock.max_delay). `time_of` gives a record's time:
//     EventTime time_of(const T&)            -> Timed<T>{record, time}
//     Timed<U>  time_of(T&&)                 -> that (parse and time in one call)
//     std::pair<K, Timed<U>> time_of(T&&)    -> that: a keyed stream, ready for the
//                                               window operators (parse, key and time
//                                               in one call; no key_on step)
//   A time_of whose one parameter is a std::string_view is given a line source's
//   lines (FileSource, DirSource, StdInSource) as views into the read buffer, valid
//   during the call: no copy of the line unless it keeps one.
//   A record travels at epoch(time); a record behind its partition's watermark is
//   marked late and travels at the partition's current epoch epoch(watermark). The
//   step holds its capability at the least epoch(watermark) over its open partitions
//   (so windows close as event time advances, whatever the wall clock does), and never
//   below the resume epoch (records of earlier epochs travel at it).
//   Partitions are aligned (clock.max_lead): one whose epoch(watermark) is more than
//   max_lead epochs past the step's output frontier over all workers (its slowest
//   partition's) is not read until that frontier moves.
//   An exception from time_of stops the run with a StepError naming the step, the
//   worker, the epoch and the record.
//
//   window::system_time(id, stream) -> Stream<Timed<T>>
//   Stamps each record with the start of its (ingestion) epoch, SystemClock's time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/io/detail/source_driver.hpp>
#include <sluice/io/source.hpp>
#include <sluice/operators/detail/each_item.hpp>
#include <sluice/windowing/clock.hpp>
#include <sluice/windowing/watermark.hpp>

namespace sluice::window {
namespace detail {

template <class T, class F>
struct TimedOf {
  using R = std::invoke_result_t<F&, T&&>;
  // time_of gives the time alone (else it made the record: a Timed<U>, which may be a
  // Timed<T> too, or a keyed pair).
  static constexpr bool kTimeOnly = std::is_convertible_v<R, EventTime>;
  using type = std::conditional_t<kTimeOnly, Timed<T>, R>;
  // time_of makes the record from a line given as a std::string_view (its one
  // parameter, spelled out): a line source then hands it views, not strings.
  static constexpr bool kLineViews = !kTimeOnly && io::detail::takes_line_view<T, F>();
};

// The Timed part of a record the stamp emits: itself, or the value of a keyed pair.
template <class U>
Timed<U>& timed_part(Timed<U>& t) {
  return t;
}
template <class K, class U>
Timed<U>& timed_part(std::pair<K, Timed<U>>& kv) {
  return kv.second;
}

// The Stamp (io/detail/source_driver.hpp) of event-time epochs.
template <class T, class F>
class EventTimeStamp {
 public:
  using Out = typename TimedOf<T, F>::type;
  static_assert(
      requires(Out & o) { timed_part(o); },
      "event_time_input: time_of must return an EventTime, a Timed<U> or a "
      "std::pair<K, Timed<U>>");
  struct Part {
    Watermark watermark;
  };
  // A line source's lines reach time_of as views (io/detail/source_driver.hpp).
  static constexpr bool kLineViews = TimedOf<T, F>::kLineViews;

  EventTimeStamp(EventClock clock, F time_of) : clock_(clock), time_of_(std::move(time_of)) {}
  Part make_part() const { return Part{Watermark(clock_)}; }

  Epoch before_read(auto, Epoch held) const { return held; }

  // R: T, or std::string_view for a line source read as views (kLineViews).
  template <class R>
  void emit(OutputHandle<Out>& output, const Capability& cap, Part& part, std::vector<R>& batch,
            const io::detail::PartContext&) {
    // Pass 1: every record stamped and made, in read order, with its epoch.
    staged_.clear();
    epochs_.clear();
    const Epoch floor = cap.epoch();
    Epoch lo = std::numeric_limits<Epoch>::max(), hi = 0;
    sluice::detail::each_item(batch, [&](R& record) {
      Watermark::Stamp s;
      if constexpr (TimedOf<T, F>::kTimeOnly) {
        static_assert(std::is_same_v<R, T>);
        const EventTime t = sluice::detail::call_user(time_of_, record);
        s = part.watermark.stamp(t);
        staged_.emplace_back(std::move(record), t, s.late);
      } else {
        staged_.push_back(sluice::detail::call_user(time_of_, record));  // a by-value
        auto& t = timed_part(staged_.back());                            // parameter copies
        s = part.watermark.stamp(t.time);
        t.late = s.late;
      }
      const Epoch e = std::max(s.epoch, floor);
      epochs_.push_back(e);
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    });
    if (staged_.empty()) return;
    if (lo == hi) {
      // The usual dense batch: one epoch, handed over whole; the next batch's room.
      const std::size_t n = staged_.size();
      give(output, cap, lo, staged_);
      staged_.reserve(n);
      return;
    }
    // Pass 2: one exactly sized vector per epoch, in epoch order.
    group(lo, hi);
    for (std::size_t b = 0; b < bucket_epochs_.size(); ++b) {
      give(output, cap, bucket_epochs_[b], buckets_[b]);
    }
  }

  Epoch after_read(const std::vector<Part*>& parts, Epoch held) const {
    Epoch least = parts.front()->watermark.hold_epoch();
    for (const Part* p : parts) least = std::min(least, p->watermark.hold_epoch());
    return std::max(least, held);
  }
  std::optional<std::chrono::steady_clock::time_point> tick(Epoch) const { return std::nullopt; }
  bool aligned() const { return clock_.max_lead.has_value(); }
  bool may_read(const Part& part, const Frontier& out) const {
    if (!clock_.max_lead || out.empty()) return true;
    const Epoch at = part.watermark.hold_epoch();
    return at <= out.least() || at - out.least() <= *clock_.max_lead;
  }

 private:
  // Under the partition's capability: no capability (progress change) per epoch.
  static void give(OutputHandle<Out>& output, const Capability& cap, Epoch epoch,
                   std::vector<Out>& items) {
    output.session(cap, epoch).give_vector(items);
  }

  // Moves staged_ into buckets_ (one per distinct epoch in [lo, hi], increasing, each
  // reserving exactly its records; bucket_epochs_ their epochs), keeping read order
  // within an epoch. A batch over a narrow range of epochs (the usual) is counted in a
  // table indexed by epoch - lo; a batch with outlying times sorts its distinct epochs.
  void group(Epoch lo, Epoch hi) {
    const std::size_t n = staged_.size();
    bucket_epochs_.clear();
    slot_.clear();
    if (hi - lo < 4 * n + 64) {
      slot_.assign(hi - lo + 1, 0);
      for (const Epoch e : epochs_) ++slot_[e - lo];
      for (std::size_t k = 0; k < slot_.size(); ++k) {
        if (slot_[k] == 0) continue;
        bucket_epochs_.push_back(lo + k);
        make_bucket(bucket_epochs_.size() - 1, slot_[k]);
        slot_[k] = static_cast<std::uint32_t>(bucket_epochs_.size() - 1);
      }
      for (std::size_t i = 0; i < n; ++i) {
        buckets_[slot_[epochs_[i] - lo]].push_back(std::move(staged_[i]));
      }
      return;
    }
    bucket_epochs_.assign(epochs_.begin(), epochs_.end());
    std::sort(bucket_epochs_.begin(), bucket_epochs_.end());
    bucket_epochs_.erase(std::unique(bucket_epochs_.begin(), bucket_epochs_.end()),
                         bucket_epochs_.end());
    slot_.resize(n);
    std::vector<std::uint32_t> count(bucket_epochs_.size(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      slot_[i] = static_cast<std::uint32_t>(
          std::lower_bound(bucket_epochs_.begin(), bucket_epochs_.end(), epochs_[i]) -
          bucket_epochs_.begin());
      ++count[slot_[i]];
    }
    for (std::size_t b = 0; b < bucket_epochs_.size(); ++b) make_bucket(b, count[b]);
    for (std::size_t i = 0; i < n; ++i) buckets_[slot_[i]].push_back(std::move(staged_[i]));
  }

  // Bucket b, empty, with room for `need` records. Buckets are kept from batch to
  // batch: one a pusher copied out of (an exchange's) keeps its room, so it costs no
  // allocation next time; one moved downstream (a pipeline's) is allocated again. A
  // bucket much larger than needed is freed, so what is kept stays within a few
  // times one batch's records.
  void make_bucket(std::size_t b, std::size_t need) {
    if (b == buckets_.size()) buckets_.emplace_back();
    std::vector<Out>& v = buckets_[b];
    v.clear();
    if (v.capacity() > 4 * need + 16) std::vector<Out>().swap(v);
    v.reserve(need);
  }

  EventClock clock_;
  F time_of_;
  // Per-batch scratch, reused: the records made and their epochs; the per-epoch
  // buckets (the first bucket_epochs_.size() of buckets_; a pipeline takes their
  // storage downstream, see make_bucket); the counting table.
  std::vector<Out> staged_;
  std::vector<Epoch> epochs_;
  std::vector<std::vector<Out>> buckets_;
  std::vector<Epoch> bucket_epochs_;
  std::vector<std::uint32_t> slot_;
};

}  // namespace detail

template <class S, class F>
requires std::derived_from<S, io::FixedPartitionedSource<typename S::value_type>>
auto event_time_input(const Dataflow& flow, std::string id, std::shared_ptr<S> source,
                      EventClock clock, F time_of, io::InputResume resume = {}) {
  using T = typename S::value_type;
  clock.validate_for(flow.name() + "." + id);
  return io::detail::fixed_input_stamped<T>(
      flow, std::move(id), std::shared_ptr<io::FixedPartitionedSource<T>>(std::move(source)),
      std::move(resume), [clock, time_of](const RunConfig&, Epoch) {
        return detail::EventTimeStamp<T, F>(clock, time_of);
      });
}
template <class S, class F>
requires std::derived_from<S, io::FixedPartitionedSource<typename S::value_type>>
auto event_time_input(const Dataflow& flow, std::string id, S source, EventClock clock, F time_of,
                      io::InputResume resume = {}) {
  return event_time_input(flow, std::move(id), std::make_shared<S>(std::move(source)), clock,
                          std::move(time_of), std::move(resume));
}

// Stamps each record with the start of its epoch (SystemClock): never late.
template <class T, class Id>
Stream<Timed<T>> system_time(Id id, const Stream<T>& up) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.template add_output<Timed<T>>();
  b.build([in, out](OperatorContext& ctx) {
    const EpochMap epochs = SystemClock{}.epochs(ctx.config());
    return [in, out, epochs](OperatorContext& ctx) {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto session = output.session(batch);
        const EventTime t = epochs.start_of(batch.epoch());
        for (T& record : batch) session.give(Timed<T>{std::move(record), t, false});
      });
    };
  });
  return down;
}

}  // namespace sluice::window
