// WorkerSnapshots: a worker's writes and hand-overs (worker_snapshots.hpp).
#include <sluice/recovery/worker_snapshots.hpp>

#include <sluice/engine/key_hash.hpp>

#include <algorithm>
#include <stdexcept>

namespace sluice::recovery {

WorkerSnapshots::WorkerSnapshots(SnapshotRun& run, std::uint32_t worker)
    : run_(run), worker_(worker), first_(run.first_epoch()) {
  batches_.resize(run.partitions());
  least_ = first_;
  handed_ = first_;
}

std::uint32_t WorkerSnapshots::enroll() {
  if (built_) throw std::logic_error("WorkerSnapshots::enroll after the worker was built");
  passed_.push_back(first_);
  least_ = std::min(least_, first_);
  return static_cast<std::uint32_t>(passed_.size() - 1);
}

void WorkerSnapshots::built() {
  built_ = true;
  least_ = passed_.empty() ? layout::kComplete : *std::min_element(passed_.begin(), passed_.end());
  refresh();
  hand_over_if_due();
}

void WorkerSnapshots::refresh() {
  const std::size_t n = run_.announced_count();
  if (n <= announced_.size()) return;
  run_.announced(announced_.size(), announced_);
  if (handed_any_ || passed_.empty()) hand_over_if_due();
}

void WorkerSnapshots::put(std::uint32_t node, std::uint64_t hash, std::string_view key, Epoch tag,
                          std::optional<std::string_view> value) {
  const std::uint32_t p = layout::partition_of(node, hash, run_.partitions());
  // Built in the batch's buffer: no allocation per put.
  const auto state_key = [&](std::string& out) {
    layout::append_state_key(out, node, hash, key, tag);
  };
  // Versioned (the tag ends the key): the commit erases what the put supersedes.
  if (value) {
    batches_[p].put_with(
        state_key, [&](std::string& out) { layout::append_value(out, *value); }, true);
  } else {
    batches_[p].put_with(
        state_key, [](std::string& out) { layout::append_tombstone(out); }, true);
  }
}

void WorkerSnapshots::passed(std::uint32_t contributor, Epoch f) {
  Epoch& mine = passed_[contributor];
  if (f <= mine) return;
  const bool was_least = mine == least_;
  mine = f;
  if (!was_least) return;
  least_ = *std::min_element(passed_.begin(), passed_.end());
  hand_over_if_due();
}

void WorkerSnapshots::hand_over_if_due() {
  // Not before every contributor enrolled: one that passed everything while it was
  // built (a source with nothing to read) must not hand the worker's kComplete over.
  if (!built_) return;
  if (handed_any_ && handed_ == layout::kComplete) return;
  // Due when the least passed epoch moved past a snapshot epoch, or finished.
  if (least_ != layout::kComplete && !crossing(handed_, least_)) return;
  handed_ = least_;
  handed_any_ = true;
  run_.hand_over(worker_, least_, batches_);
}

void WorkerSnapshots::restore(
    std::uint32_t node, std::optional<std::uint32_t> workers,
    const std::function<void(std::uint64_t, std::string_view, std::string_view)>& f) const {
  const std::string prefix = layout::step_prefix(node);
  for (std::uint32_t p = 0; p < run_.partitions(); ++p) {
    // Versions of one key are adjacent, oldest first: the last one counts.
    std::string key;
    std::string value;
    std::uint64_t hash = 0;
    bool have = false;
    const auto emit = [&] {
      if (have && !layout::is_tombstone(value)) {
        const auto k = layout::parse_state_key(key);
        f(hash, k->key, layout::value_bytes(value));
      }
      have = false;
    };
    run_.store().scan(p, prefix, [&](std::string_view k, std::string_view v) {
      const auto parsed = layout::parse_state_key(k);
      if (!parsed) return;
      if (workers && route(parsed->hash, *workers) != worker_) return;
      if (have && layout::without_tag(k) != layout::without_tag(key)) emit();
      key.assign(k);
      value.assign(v);
      hash = parsed->hash;
      have = true;
    });
    emit();
  }
}

}  // namespace sluice::recovery
