// WorkerSnapshots: one worker's side of recovery (snapshot_run.hpp): its contributors
// (the stateful operators, sources and sinks built on it), their writes, and its copy
// of the announced snapshot epochs. StepSnapshots: the handle one contributor keeps.
//
// A contributor's rule (what makes the committed state exact): before it applies
// anything of an epoch e, it writes its changes if a snapshot epoch S lies in
// [the latest epoch its unwritten changes reflect, e); each change is tagged with
// that latest epoch (so it is in the snapshot of S and of every later one, and in
// none before). Then passed(f) says everything before f is written: its input
// frontier, or a source's capability, or kComplete when it is finished. The worker
// hands its writes to the run when its contributors' least passed epoch moves past a
// snapshot epoch (or reaches kComplete).
//
// Thread safety: the worker's thread only. Costs: nothing per record; a contributor
// asks crossing() per epoch it applies, a binary search over the announced epochs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/engine/epoch.hpp>
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/snapshot_run.hpp>

namespace sluice::recovery {

class WorkerSnapshots {
 public:
  WorkerSnapshots(SnapshotRun& run, std::uint32_t worker);

  SnapshotRun& run() const { return run_; }
  std::uint32_t worker() const { return worker_; }
  Epoch first_epoch() const { return first_; }

  // A new contributor (build time); returns its index.
  std::uint32_t enroll();
  // Called once every operator is built (no enroll after it): hand-overs start, and a
  // worker with no contributor has passed everything.
  void built();
  // Takes the announcements the run has made since the last call (the worker calls
  // it before it delivers frontier changes, so a contributor whose frontier passed a
  // snapshot epoch knows it).
  void refresh();

  // A snapshot epoch S with from <= S < to, if any was announced.
  bool crossing(Epoch from, Epoch to) const {
    auto it = std::lower_bound(announced_.begin(), announced_.end(), from);
    return it != announced_.end() && *it < to;
  }

  // A contributor that passed everything, with changes reflecting epochs up to
  // `from`, must write them: unless no snapshot epoch will be announced any more and
  // none announced is at `from` or after (only a snapshot at or after `from` holds
  // them; the run's end, kComplete, holds no state: a finished store is never read).
  bool final_write_needed(Epoch from) {
    if (!run_.announcements_closed()) return true;
    refresh();
    return crossing(from, layout::kComplete);
  }

  void put(std::uint32_t node, std::uint64_t hash, std::string_view key, Epoch tag,
           std::optional<std::string_view> value);
  void passed(std::uint32_t contributor, Epoch f);

  // Calls f(hash, key, value) for the latest version of every live key of `node` in
  // the store (routed: only keys whose hash routes to this worker among `workers`).
  void restore(
      std::uint32_t node, std::optional<std::uint32_t> workers,
      const std::function<void(std::uint64_t, std::string_view, std::string_view)>& f) const;

 private:
  void hand_over_if_due();

  SnapshotRun& run_;
  std::uint32_t worker_;
  Epoch first_;
  std::vector<Epoch> announced_;
  std::vector<Epoch> passed_;  // per contributor
  Epoch least_ = 0;            // min of passed_
  Epoch handed_ = 0;           // least_ at the last hand-over
  bool handed_any_ = false;
  bool built_ = false;          // every contributor enrolled: hand-overs may start
  std::vector<Batch> batches_;  // per partition
};

// The handle of one contributor; default-constructed: recovery is off (every call
// then does nothing: a contributor asks on() first where it costs anything).
class StepSnapshots {
 public:
  StepSnapshots() = default;
  StepSnapshots(WorkerSnapshots& worker, std::uint32_t node)
      : worker_(&worker), node_(node), index_(worker.enroll()) {}

  bool on() const { return worker_ != nullptr; }
  WorkerSnapshots& worker() const { return *worker_; }
  std::uint32_t node() const { return node_; }
  Epoch first_epoch() const { return worker_ ? worker_->first_epoch() : 0; }
  bool crossing(Epoch from, Epoch to) const { return worker_ && worker_->crossing(from, to); }
  bool final_write_needed(Epoch from) const { return worker_ && worker_->final_write_needed(from); }
  void put(std::uint64_t hash, std::string_view key, Epoch tag, std::string_view value) {
    worker_->put(node_, hash, key, tag, value);
  }
  void erase(std::uint64_t hash, std::string_view key, Epoch tag) {
    worker_->put(node_, hash, key, tag, std::nullopt);
  }
  void passed(Epoch f) {
    if (worker_) worker_->passed(index_, f);
  }
  void restore(
      std::optional<std::uint32_t> workers,
      const std::function<void(std::uint64_t, std::string_view, std::string_view)>& f) const {
    if (worker_) worker_->restore(node_, workers, f);
  }

 private:
  WorkerSnapshots* worker_ = nullptr;
  std::uint32_t node_ = 0;
  std::uint32_t index_ = 0;
};

}  // namespace sluice::recovery
