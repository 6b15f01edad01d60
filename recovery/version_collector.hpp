// VersionCollector: the garbage collection of superseded state versions (-b,
// --backup-interval) for the writer of a SnapshotRun. A version superseded at epoch
// C stays readable for `keep` of wall time after C was committed, then is erased, so
// a long run over a fixed set of keys keeps a store of flat size.
//
// The horizon at time t is the committed epoch as of t - keep (with keep 0: the
// committed epoch at t). Every read at an epoch at or after the horizon (a resume at
// the committed epoch among them) sees what it saw before a collection: only versions
// older than a key's latest version at or before the horizon are erased, and that
// one too if it is a tombstone (key_versions.hpp).
//
// Mostly in the commits themselves: the writer gives each commit's batches a horizon
// (commit_horizon, Batch::set_horizon), so a key's put erases the versions it
// supersedes there, with no scan of its own. What a commit could not finish, its keys
// tagged after its horizon, is remembered here by tag (per partition, without the
// tag); once the horizon reaches that tag, collect() scans those keys' versions and
// erases what they supersede. Decision: with one partition and keep 0 (the default)
// the horizon is the commit's own epoch, so only the keys of workers already past it
// are remembered, a few per commit; with more partitions or a backup interval a
// commit's horizon is behind its tags and every key written is remembered and
// scanned after (the cost of several files or of backups). A resumed store is swept
// whole once its committed epoch is at the horizon (keys written before this run are
// not remembered). Memory: the keys remembered within the last `keep`, plus those not
// yet committed up to their tag.
//
// Thread safety: none (the writer thread only). Time is passed in, so that tests
// need not sleep.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <sluice/engine/epoch.hpp>
#include <sluice/recovery/store.hpp>

namespace sluice::recovery {

class VersionCollector {
 public:
  using Clock = std::chrono::steady_clock;

  VersionCollector(std::chrono::milliseconds keep, std::uint32_t partitions);

  // The store held committed epoch `committed` when this run opened it at `now`.
  void resumed(Clock::time_point now, Epoch committed);
  // `batches` (one per partition, the writes of a commit) were made durable at `now`,
  // committing epoch `committed`, superseding at `superseded_at` (their horizon, if
  // they had one: batch.hpp).
  void committed(Clock::time_point now, Epoch committed, const std::vector<Batch>& batches,
                 std::optional<Epoch> superseded_at = std::nullopt);

  // The horizon a commit of `target` made at `now` supersedes at (Batch::set_horizon):
  // the horizon, or, with one partition and keep 0, `target` itself (that commit is
  // what makes it the committed epoch, atomically; with more partitions the others may
  // not have it yet).
  std::optional<Epoch> commit_horizon(Clock::time_point now, Epoch target) const;
  // The horizon at `now` (nullopt: no epoch was committed `keep` ago).
  std::optional<Epoch> horizon(Clock::time_point now) const;
  // When the horizon moves next without another commit (time_point::max(): never).
  Clock::time_point next_move(Clock::time_point now) const;
  // Whether collect(store, now) has anything to look at.
  bool due(Clock::time_point now) const;

  // The erasures due at `now`, one batch per partition (most of them empty), found by
  // scanning `store`; the keys they cover are forgotten. Throws StoreError as
  // Store::scan does, forgetting nothing.
  std::vector<Batch> collect(const Store& store, Clock::time_point now);

  // How many keys are remembered for a later collection.
  std::size_t remembered_keys() const;

 private:
  struct Mark {
    Clock::time_point at;
    Epoch committed;
  };
  struct Written {
    Epoch due;                                   // the tag its keys were written with
    std::vector<std::vector<std::string>> keys;  // per partition, sorted, without tags
  };
  void forget_old_marks(Clock::time_point now);

  std::chrono::milliseconds keep_;
  std::uint32_t partitions_;
  std::deque<Mark> marks_;  // commit order; only the latest one at least `keep` old is kept
  std::vector<Written> written_;
  std::optional<Epoch> sweep_;  // sweep every key once the horizon reaches it
};

}  // namespace sluice::recovery
