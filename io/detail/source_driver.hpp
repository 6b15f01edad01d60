// SourceDriver: the logic of a source step on one worker: reads its partitions one
// batch per activation each, gives records their epochs through a Stamp policy,
// sleeps until the next wake-up (or epoch boundary) when no partition is ready.
// Internal to io/ and windowing/ (event-time epochs).
//
// A Stamp decides the epochs; its calls are per batch:
//   struct Stamp {
//     using Out = ...;                        // what the step emits
//     struct Part { ... };                    // per-partition state
//     Part make_part();
//     // The epoch the capability may move to before reading (ingestion: the clock's).
//     Epoch before_read(Clock::time_point now, Epoch held);
//     // Emits `batch` (records of `part`) with the capability `cap`; may move from it.
//     void emit(OutputHandle<Out>&, const Capability& cap, Part&, std::vector<T>& batch,
//               const PartContext& where);
//     // The epoch the capability can move to once `parts` (still open) were read.
//     Epoch after_read(const std::vector<Part*>& parts, Epoch held);
//     // When to run again at the latest, if no partition asks earlier (or never).
//     std::optional<Clock::time_point> tick(Epoch held);
//     // Source alignment: whether the step's output frontier over all workers matters
//     // (the driver then watches it and is activated when it moves), and whether `part`
//     // may be read while that frontier is `out`. A part held back is read again once
//     // the frontier moves; the part at the least epoch is never held back, so the
//     // slowest worker always makes progress and alignment cannot deadlock.
//     bool aligned() const;
//     bool may_read(const Part&, const Frontier& out) const;
//     // Optional: true when emit also takes a std::vector<std::string_view>& batch
//     // (T = std::string): a partition that is LineViews (line_views.hpp) is then
//     // read as views into its buffer, each line copied only if the stamp keeps it.
//     static constexpr bool kLineViews;
//     // Optional (event-time epochs): true when emit may give records epochs past the
//     // capability's; then Part has `Epoch last_max` (the latest epoch the last emit
//     // gave, 0 if it gave nothing), and for recovery:
//     static constexpr bool kAhead;
//     std::string save(const Part&) const;                 // what epochs depend on
//     void load(Part&, std::string_view saved, Epoch first);  // resume: and drop records
//                                                          // of epochs before `first`
//   };
//
// Recovery (sluice/recovery/snapshot_run.hpp): every source step instance is a root
// of the snapshot agreement: asked, it reports its capability's epoch and holds the
// capability there until the answer (it keeps reading). With `snap` on it is also a
// contributor: before its capability moves past a snapshot epoch it writes the
// position (snapshot()) of every partition that emitted since the last write, and
// the final position of a partition it finished; a stateless partition (a
// DynamicSource's) has no position and is not resumed.
//
// Event-time epochs (Stamp::kAhead): a batch may hold records of epochs past the
// capability, which a snapshot at S must not include when they are past S. The
// driver keeps, per partition, where it was (its position and the Stamp's part state)
// before each batch that went past the capability, until the capability passes that
// batch's latest epoch; the position written is the earliest such batch's (or the
// current one). A resumed part re-reads from there with the Stamp's state restored,
// so every record gets the epoch it had, and those of epochs up to the committed one
// (already in the snapshot) are dropped. Memory: one entry per batch ahead of the
// capability (alignment, clock.max_lead, bounds how far a part runs ahead).
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/io/detail/line_views.hpp>
#include <sluice/io/detail/part_error.hpp>
#include <sluice/io/detail/part_list.hpp>
#include <sluice/io/source_partition.hpp>
#include <sluice/operators/detail/callable_traits.hpp>
#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/operator_builder.hpp>
#include <sluice/recovery/layout.hpp>

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

// Whether f, called on records of type T, takes a line as a std::string_view (its one
// parameter, spelled out: a generic lambda is given strings), so that a line source
// may hand it views into its buffer (kLineViews).
template <class T, class F>
constexpr bool takes_line_view() {
  if constexpr (std::is_same_v<T, std::string> && sluice::detail::HasSignature<F>) {
    if constexpr (sluice::detail::arity_v<F> == 1) {
      return std::is_same_v<sluice::detail::arg_t<F, 0>, std::string_view>;
    }
  }
  return false;
}

template <class T>
struct OpenPart {
  std::string name;
  std::unique_ptr<StatelessSourcePartition<T>> part;
  std::optional<std::chrono::system_clock::time_point> awake;  // not before this
  std::optional<std::string> stamp_state;  // resumed: the Stamp's saved part state
};

// Where a partition was before one of its batches (Stamp::kAhead), and that batch's
// latest epoch.
struct Before {
  std::string at;     // the partition's snapshot()
  std::string stamp;  // the Stamp's save()
  Epoch max;
};

// Ingestion epochs: every batch at the capability's epoch, which follows the clock.
template <class T>
class IngestionStamp {
 public:
  using Out = T;
  struct Part {};
  Part make_part() const { return {}; }
  IngestionStamp(const RunConfig& config, Epoch first) : clock_(first, config.epoch_interval) {}

  Epoch before_read(IngestionClock::Clock::time_point now, Epoch held) const {
    return std::max(held, clock_.epoch_at(now));
  }
  // Hands the batch over whole (no per-record move); a partition bounds its batches.
  void emit(OutputHandle<T>& output, const Capability& cap, Part&, std::vector<T>& batch,
            const PartContext&) {
    output.session(cap).give_vector(batch);
  }
  Epoch after_read(const std::vector<Part*>&, Epoch held) const { return held; }
  std::optional<IngestionClock::Clock::time_point> tick(Epoch held) const {
    return clock_.end_of(held);
  }
  // Ingestion epochs follow the wall clock on every worker alike: nothing to align.
  bool aligned() const { return false; }
  bool may_read(const Part&, const Frontier&) const { return true; }

 private:
  IngestionClock clock_;
};

// Ingestion epochs, each record made by `parse` in the source step (op::input with a
// parse function): a record it throws on is located in its partition.
template <class T, class F>
class ParsingStamp : public IngestionStamp<T> {
 public:
  using Out =
      std::decay_t<decltype(sluice::detail::call_user(std::declval<F&>(), std::declval<T&>()))>;
  // A parse whose one parameter is a std::string_view gets a line source's lines as
  // views (no copy).
  static constexpr bool kLineViews = takes_line_view<T, F>();
  ParsingStamp(const RunConfig& config, Epoch first, F parse)
      : IngestionStamp<T>(config, first), parse_(std::move(parse)) {}
  // R: T, or std::string_view (kLineViews).
  template <class R>
  void emit(OutputHandle<Out>& output, const Capability& cap, typename IngestionStamp<T>::Part&,
            std::vector<R>& batch, const PartContext&) {
    made_.reserve(batch.size());
    sluice::detail::each_item(
        batch, [&](R& record) { made_.push_back(sluice::detail::call_user(parse_, record)); });
    output.session(cap).give_vector(made_);
  }

 private:
  F parse_;
  std::vector<Out> made_;
};

template <class T, class Stamp = IngestionStamp<T>>
class SourceDriver {
  using Out = typename Stamp::Out;
  static constexpr bool kViews = [] {
    if constexpr (requires { Stamp::kLineViews; }) {
      return Stamp::kLineViews && std::is_same_v<T, std::string>;
    } else {
      return false;
    }
  }();
  static constexpr bool kAhead = [] {
    if constexpr (requires { Stamp::kAhead; }) {
      return Stamp::kAhead;
    } else {
      return false;
    }
  }();

 public:
  // Holds a capability at `first` while any of `parts` is unfinished.
  // `snap`: the step's recovery handle (off: positions are not written).
  SourceDriver(OperatorContext& ctx, OutputPort<Out> out, std::vector<OpenPart<T>> parts,
               Epoch first, std::optional<PartList::Lease> lease, Stamp stamp,
               recovery::StepSnapshots snap = {})
      : out_(out), stamp_(std::move(stamp)), lease_(std::move(lease)), snap_(std::move(snap)) {
    for (auto& p : parts) {
      LineViews* views = nullptr;
      if constexpr (kViews) views = dynamic_cast<LineViews*>(p.part.get());
      auto* stateful = dynamic_cast<SourcePartition<T>*>(p.part.get());
      Reading r{std::move(p), stamp_.make_part(), views, stateful, false, {}, {}, {}};
      if constexpr (kAhead) {
        if (r.open.stamp_state) stamp_.load(r.stamp, *r.open.stamp_state, first);
        if (snap_.on() && stateful != nullptr) {
          r.at = stateful->snapshot();
          r.at_stamp = stamp_.save(r.stamp);
        }
      }
      parts_.push_back(std::move(r));
    }
    run_ = ctx.snapshot_run();
    if (run_) root_ = run_->enroll_root(ctx.activator());
    if (parts_.empty()) {
      // Nothing to read here, ever: this contributor has passed everything (else its
      // worker never hands kComplete over and the run's last snapshot never commits).
      snap_.passed(recovery::layout::kComplete);
      if (run_) run_->finish(root_, first);
      return;
    }
    cap_ = ctx.take_initial_capability();
    cap_.downgrade(first);
    dirty_at_ = first;
    if (stamp_.aligned()) ctx.watch_output(out_);
  }
  SourceDriver(OperatorContext& ctx, OutputPort<Out> out, std::vector<OpenPart<T>> parts,
               Epoch first, std::optional<PartList::Lease> lease,
               recovery::StepSnapshots snap = {})
      : SourceDriver(ctx, out, std::move(parts), first, std::move(lease),
                     Stamp(ctx.config(), first), std::move(snap)) {}

  void operator()(OperatorContext& ctx) {
    if (run_) agree();
    if (!cap_) return;
    const auto now = IngestionClock::Clock::now();
    advance(stamp_.before_read(now, cap_.epoch()));
    auto output = ctx.output(out_);
    const auto wall = std::chrono::system_clock::now();
    bool ready = false;
    std::optional<IngestionClock::Clock::time_point> wake = stamp_.tick(cap_.epoch());
    const Frontier& aligned_to = ctx.output_frontier(out_);
    for (Reading& r : parts_) {
      OpenPart<T>& p = r.open;
      if (!stamp_.may_read(r.stamp, aligned_to)) continue;  // woken when the frontier moves
      if (!(p.awake && wall < *p.awake) && !read(ctx, output, r)) continue;  // finished
      if (p.awake) {
        const auto at =
            now + std::chrono::duration_cast<IngestionClock::Clock::duration>(*p.awake - wall);
        wake = wake ? std::min(*wake, at) : at;
      } else {
        ready = true;
      }
    }
    std::erase_if(parts_, [](const Reading& r) { return !r.open.part; });
    if (parts_.empty()) {
      // A capability held for the agreement stays until the answer (activated then):
      // dropping it could let a frontier pass the snapshot epoch before it is known.
      if (holding_) return;
      if (snap_.on()) write_positions();
      cap_.drop();
      if (run_) run_->finish(root_, dirty_at_);
      snap_.passed(recovery::layout::kComplete);
      return;
    }
    open_.clear();
    for (Reading& r : parts_) open_.push_back(&r.stamp);
    advance(stamp_.after_read(open_, cap_.epoch()));
    snap_.passed(cap_.epoch());
    if (ready) {
      ctx.activate();
    } else if (wake) {
      ctx.activate_at(*wake);
    }
  }

 private:
  struct Reading {
    OpenPart<T> open;
    typename Stamp::Part stamp;
    LineViews* views;             // the part read as views (kViews), or null
    SourcePartition<T>* stateful;  // the part, if it has a position; else null
    bool emitted = false;          // since its position was last written
    // kAhead with recovery on: where the part is (after its last batch), and where it
    // was before each batch still ahead of the capability, oldest first.
    std::string at, at_stamp;
    std::deque<Before> ahead;
  };
  // A part that finished: its final position, written once the capability has passed
  // every batch of it that was ahead (until then, the earliest of those).
  struct Finished {
    std::string name;
    std::string at, at_stamp;
    std::deque<Before> ahead;
  };

  // The agreement: answers a new request with the capability's epoch; holds it (see
  // advance) until the request is answered.
  void agree() {
    const std::uint64_t request = run_->requested();
    if (request > seen_) {
      seen_ = request;
      run_->report(root_, request,
                   cap_ ? std::optional<Epoch>(cap_.epoch()) : std::optional<Epoch>());
    }
    holding_ = run_->answered() < seen_;
    // The answer may be newer than the worker's copy of the announcements (taken at
    // the start of its round): this root is the one that must not pass it unseen.
    if (!holding_ && snap_.on()) snap_.worker().refresh();
  }
  // Moves the capability to `to` (unless held for the agreement), writing the
  // positions first if that passes a snapshot epoch.
  void advance(Epoch to) {
    if (holding_ || to <= cap_.epoch()) return;
    if (snap_.on() && dirty_ && snap_.crossing(dirty_at_, to)) write_positions();
    cap_.downgrade(to);
    if constexpr (kAhead) {
      // Every later snapshot epoch is at `to` or after: batches up to it are whole
      // in it.
      for (Reading& r : parts_) prune(r.ahead, to);
      for (Finished& f : finished_) prune(f.ahead, to);
    }
  }
  static void prune(std::deque<Before>& ahead, Epoch to) {
    while (!ahead.empty() && ahead.front().max <= to) ahead.pop_front();
  }
  void put_position(const std::string& name, std::string_view at, std::string_view stamp) {
    snap_.put(hash_key(name), name, dirty_at_, recovery::layout::source_position(at, stamp));
  }
  void write_positions() {
    for (Reading& r : parts_) {
      if (!r.emitted || r.stateful == nullptr || !r.open.part) continue;
      r.emitted = false;
      if constexpr (kAhead) {
        if (!r.ahead.empty()) {
          put_position(r.open.name, r.ahead.front().at, r.ahead.front().stamp);
          r.emitted = true;  // written again at the next snapshot, nearer
        } else {
          put_position(r.open.name, r.at, r.at_stamp);
        }
      } else {
        put_position(r.open.name, r.stateful->snapshot(), {});
      }
    }
    bool waiting = false;
    for (const Finished& f : finished_) {
      if (f.ahead.empty()) {
        put_position(f.name, f.at, f.at_stamp);
      } else {
        put_position(f.name, f.ahead.front().at, f.ahead.front().stamp);
        waiting = true;
      }
    }
    std::erase_if(finished_, [](const Finished& f) { return f.ahead.empty(); });
    dirty_ = waiting || std::any_of(parts_.begin(), parts_.end(),
                                    [](const Reading& r) { return r.emitted; });
  }

  // One batch of `r`; false (and its part closed and released) once exhausted. The
  // records of the previous batch stay in batch_ for the partition to reuse (a Stamp
  // that hands the batch over whole leaves it empty).
  bool read(OperatorContext& ctx, OutputHandle<Out>& output, Reading& r) {
    OpenPart<T>& p = r.open;
    const PartContext where{ctx.step_path(), ctx.worker_index(), cap_.epoch(), p.name};
    const auto emit = [&](auto& batch) {
      if (batch.empty()) return;
      if (snap_.on()) {
        r.emitted = true;
        dirty_ = true;
        dirty_at_ = cap_.epoch();
      }
      ctx.at_epoch(cap_.epoch(), [&] {
        try {
          stamp_.emit(output, cap_, r.stamp, batch, where);
        } catch (const ItemError& e) {  // the step's function failed on a record
          rethrow_located(where, e, *p.part);
        }
      });
      if constexpr (kAhead) {
        if (snap_.on() && r.stateful != nullptr && r.stamp.last_max > cap_.epoch()) {
          r.ahead.push_back(Before{r.at, r.at_stamp, r.stamp.last_max});
        }
      }
    };
    bool more;
    if (kViews && r.views != nullptr) {
      more = in_part(where, [&] { return r.views->next_views(views_); });
      if constexpr (kViews) emit(views_);
    } else {
      more = in_part(where, [&] { return p.part->refill_batch(batch_); });
      emit(batch_);
    }
    if constexpr (kAhead) {
      if (snap_.on() && r.stateful != nullptr && more) {
        r.at = in_part(where, [&] { return r.stateful->snapshot(); });
        r.at_stamp = stamp_.save(r.stamp);
      }
    }
    if (!more) {
      if (snap_.on() && r.stateful != nullptr) {
        // Its final position, so that a resumed run does not read it again.
        std::string state = in_part(where, [&] { return r.stateful->snapshot(); });
        std::string stamp;
        if constexpr (kAhead) stamp = stamp_.save(r.stamp);
        finished_.push_back(Finished{p.name, std::move(state), std::move(stamp),
                                     std::move(r.ahead)});
        dirty_ = true;
        dirty_at_ = cap_.epoch();
      }
      in_part(
          where, [&] { p.part->close(); }, "closing");
      p.part.reset();
      return false;
    }
    p.awake = in_part(where, [&] { return p.part->next_awake(); });
    return true;
  }

  OutputPort<Out> out_;
  Stamp stamp_;
  std::vector<Reading> parts_;
  std::vector<typename Stamp::Part*> open_;
  std::optional<PartList::Lease> lease_;
  Capability cap_;
  recovery::StepSnapshots snap_;
  recovery::SnapshotRun* run_ = nullptr;
  std::uint32_t root_ = 0;
  std::uint64_t seen_ = 0;  // the latest request answered
  bool holding_ = false;
  bool dirty_ = false;  // positions moved since written, at epochs up to dirty_at_
  Epoch dirty_at_ = 0;
  std::vector<Finished> finished_;  // parts closed, not yet written for good
  std::vector<T> batch_;
  std::vector<std::string_view> views_;  // the batch, read as views (kViews)
};

}  // namespace sluice::io::detail
