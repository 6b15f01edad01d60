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
//   Partitions are aligned (clock.max_lead): one whose last batch began more than
//   max_lead epochs past the step's output frontier over all workers (its slowest
//   partition's) is not read until that frontier moves; a partition is at most one
//   batch past max_lead epochs ahead.
//   An exception from time_of stops the run with a StepError naming the step, the
//   worker, the epoch and the record.
//
//   window::system_time(id, stream) -> Stream<Timed<T>>
//   Stamps each record with the start of its (ingestion) epoch, SystemClock's time.
#pragma once

#include <algorithm>
#include <charconv>
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
    Epoch last_start = 0;  // epoch(watermark) when its last batch began: what may_read checks
    Epoch last_max = 0;    // the latest epoch the last batch gave (0: it gave nothing)
    Epoch skip_below = 0;  // resumed: records of earlier epochs are in the snapshot
  };
  // Records may travel past the capability (source_driver.hpp: recovery re-reads
  // them); a part's saved state is its watermark's largest time, in decimal ms ("" for
  // none).
  static constexpr bool kAhead = true;
  std::string save(const Part& part) const {
    const auto m = part.watermark.max_seen();
    return m ? std::to_string(m->time_since_epoch().count()) : std::string();
  }
  void load(Part& part, std::string_view saved, Epoch first) const {
    std::optional<EventTime> m;
    if (!saved.empty()) {
      std::int64_t ms = 0;
      const auto [end, ec] = std::from_chars(saved.data(), saved.data() + saved.size(), ms);
      if (ec != std::errc() || end != saved.data() + saved.size()) {
        throw ConfigError("the recovery store's watermark '" + std::string(saved) +
                          "' is malformed (a damaged store); use a new directory");
      }
      m = EventTime(Millis(ms));
    }
    part.watermark.resume(m);
    part.skip_below = first;
  }
  // A line source's lines reach time_of as views (io/detail/source_driver.hpp).
  static constexpr bool kLineViews = TimedOf<T, F>::kLineViews;

  EventTimeStamp(EventClock clock, F time_of) : clock_(clock), time_of_(std::move(time_of)) {}
  Part make_part() const { return Part{Watermark(clock_)}; }

  Epoch before_read(auto, Epoch held) const { return held; }

  // R: T, or std::string_view for a line source read as views (kLineViews).
  template <class R>
  void emit(OutputHandle<Out>& output, const Capability& cap, Part& part, std::vector<R>& batch,
            const io::detail::PartContext&) {
    part.last_start = part.watermark.hold_epoch();
    part.last_max = 0;
    // Pass 1: every record stamped and made, in read order, with its epoch. A resumed
    // part drops what the snapshot holds (records of epochs before skip_below: a
    // record keeps the epoch it had, source_driver.hpp).
    const Epoch skip = part.skip_below;
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
        if (s.epoch < skip) [[unlikely]] return;
        staged_.emplace_back(std::move(record), t, s.late);
      } else {
        staged_.push_back(sluice::detail::call_user(time_of_, record));  // a by-value
        auto& t = timed_part(staged_.back());                            // parameter copies
        s = part.watermark.stamp(t.time);
        if (s.epoch < skip) [[unlikely]] {
          staged_.pop_back();
          return;
        }
        t.late = s.late;
      }
      const Epoch e = std::max(s.epoch, floor);
      epochs_.push_back(e);
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    });
    if (staged_.empty()) return;
    part.last_max = hi;
    if (lo == hi) {
      // The usual dense batch: one epoch, handed over whole; the next batch's room.
      const std::size_t n = staged_.size();
      give(output, cap, lo, staged_);
      staged_.reserve(n);
      return;
    }
    // Pass 2: the records in epoch order in one exactly sized vector, with its runs
    // (EpochRuns), handed over at once: no vector per epoch.
    group(lo, hi);
    output.give_runs(cap, sorted_, runs_);
  }

  Epoch after_read(const std::vector<Part*>& parts, Epoch held) const {
    Epoch least = parts.front()->watermark.hold_epoch();
    for (const Part* p : parts) least = std::min(least, p->watermark.hold_epoch());
    return std::max(least, held);
  }
  std::optional<std::chrono::steady_clock::time_point> tick(Epoch) const { return std::nullopt; }
  bool aligned() const { return clock_.max_lead.has_value(); }
  // Decision: the lead is that of the last batch's start, not of the watermark now,
  // so a partition may be one batch past max_lead. A batch of sparse event time spans
  // hundreds of epochs (1,024 lines at 25 per second of event time: 410 epochs of
  // 100 ms); checked at the watermark, every partition past its first batch waited
  // for the others' progress to reach it, a round trip per batch, and two workers
  // reading a partition each took turns (bench/sparse_event_time, 2 partitions: half
  // the reads found their partition ahead, and a worker waited ~40 ms of 200). Memory
  // stays bounded: max_lead epochs and one batch per partition.
  bool may_read(const Part& part, const Frontier& out) const {
    if (!clock_.max_lead || out.empty()) return true;
    const Epoch at = part.last_start;
    return at <= out.least() || at - out.least() <= *clock_.max_lead;
  }

 private:
  // Under the partition's capability: no capability (progress change) per epoch.
  static void give(OutputHandle<Out>& output, const Capability& cap, Epoch epoch,
                   std::vector<Out>& items) {
    output.session(cap, epoch).give_vector(items);
  }

  // Moves staged_ into sorted_ (sized exactly; in epoch order, read order within an
  // epoch) and describes it in runs_ (one run per distinct epoch in [lo, hi]). A
  // batch over a narrow range of epochs (the usual) is counted in a table indexed by
  // epoch - lo; a batch with outlying times sorts its distinct epochs.
  void group(Epoch lo, Epoch hi) {
    const std::size_t n = staged_.size();
    runs_.clear();
    slot_.clear();
    if (hi - lo < 4 * n + 64) {
      slot_.assign(hi - lo + 1, 0);
      for (const Epoch e : epochs_) ++slot_[e - lo];
      starts([&](std::size_t k) { return lo + k; });
      place(n, [&](std::size_t i) -> std::uint32_t& { return slot_[epochs_[i] - lo]; });
      return;
    }
    distinct_.assign(epochs_.begin(), epochs_.end());
    std::sort(distinct_.begin(), distinct_.end());
    distinct_.erase(std::unique(distinct_.begin(), distinct_.end()), distinct_.end());
    const auto index = [&](Epoch e) {
      return static_cast<std::size_t>(std::lower_bound(distinct_.begin(), distinct_.end(), e) -
                                      distinct_.begin());
    };
    slot_.assign(distinct_.size(), 0);
    for (const Epoch e : epochs_) ++slot_[index(e)];
    starts([&](std::size_t k) { return distinct_[k]; });
    place(n, [&](std::size_t i) -> std::uint32_t& { return slot_[index(epochs_[i])]; });
  }
  // Turns the record counts in slot_ (slot k: epoch_of(k)) into where each slot's
  // records start in sorted_, and appends a run to runs_ per non-empty slot.
  template <class EpochOf>
  void starts(EpochOf&& epoch_of) {
    std::uint32_t at = 0;
    for (std::size_t k = 0; k < slot_.size(); ++k) {
      if (slot_[k] == 0) continue;
      const std::uint32_t count = slot_[k];
      slot_[k] = at;
      at += count;
      runs_.emplace_back(epoch_of(k), at);
    }
  }
  // Moves staged_[i] to sorted_[next(i)++] for every i: sorted_ made of n records.
  template <class Next>
  void place(std::size_t n, Next&& next) {
    sorted_ = std::vector<Out>();  // the last batch's went downstream
    sorted_.reserve(n);
    // Out need not be default-constructible: built in place in epoch order, by
    // moving each record into its position through an index permutation.
    order_.resize(n);
    for (std::size_t i = 0; i < n; ++i) order_[next(i)++] = static_cast<std::uint32_t>(i);
    for (std::size_t k = 0; k < n; ++k) sorted_.push_back(std::move(staged_[order_[k]]));
  }

  EventClock clock_;
  F time_of_;
  // Per-batch scratch, reused: the records made and their epochs; the counting
  // table; the distinct epochs of an outlying batch; the permutation into epoch order.
  // sorted_ and runs_: the batch in epoch order, given downstream (sorted_'s storage
  // goes with it).
  std::vector<Out> staged_;
  std::vector<Epoch> epochs_;
  std::vector<std::uint32_t> slot_;
  std::vector<Epoch> distinct_;
  std::vector<std::uint32_t> order_;
  std::vector<Out> sorted_;
  EpochRuns runs_;
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
