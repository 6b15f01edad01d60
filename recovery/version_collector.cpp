// The garbage collection of superseded state versions (version_collector.hpp).
#include <sluice/recovery/version_collector.hpp>

#include <algorithm>
#include <map>

#include <sluice/recovery/key_versions.hpp>
#include <sluice/recovery/layout.hpp>

namespace sluice::recovery {

VersionCollector::VersionCollector(std::chrono::milliseconds keep, std::uint32_t partitions)
    : keep_(keep), partitions_(partitions) {}

void VersionCollector::resumed(Clock::time_point now, Epoch committed) {
  marks_.push_back(Mark{now, committed});
  sweep_ = committed;
}

void VersionCollector::committed(Clock::time_point now, Epoch committed,
                                 const std::vector<Batch>& batches,
                                 std::optional<Epoch> superseded_at) {
  forget_old_marks(now);
  marks_.push_back(Mark{now, committed});
  // One entry per tag written (a commit holds a few: its snapshot epochs, and those of
  // workers already past it), so each is looked at as soon as the horizon reaches it.
  // Only the keys the commit's own superseding could not finish: those tagged after
  // its horizon (what a later horizon will supersede).
  std::map<Epoch, Written> by_tag;
  for (std::uint32_t p = 0; p < partitions_ && p < batches.size(); ++p) {
    for (const Batch::Op op : batches[p].ops()) {
      if (!op.value) continue;  // erasures supersede nothing
      const auto parsed = layout::parse_state_key(op.key);
      if (parsed && superseded_at && parsed->tag <= *superseded_at) continue;
      if (!parsed) continue;
      Written& w = by_tag[parsed->tag];
      if (w.keys.empty())
        w = Written{parsed->tag, std::vector<std::vector<std::string>>(partitions_)};
      w.keys[p].emplace_back(layout::without_tag(op.key));
    }
  }
  for (auto& [tag, w] : by_tag) {
    for (auto& keys : w.keys) {
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    }
    written_.push_back(std::move(w));
  }
}

std::optional<Epoch> VersionCollector::commit_horizon(Clock::time_point now, Epoch target) const {
  if (partitions_ == 1 && keep_.count() == 0) return target;
  return horizon(now);
}

std::optional<Epoch> VersionCollector::horizon(Clock::time_point now) const {
  std::optional<Epoch> h;
  for (const Mark& m : marks_) {
    if (m.at + keep_ > now) break;
    h = m.committed;
  }
  return h;
}

VersionCollector::Clock::time_point VersionCollector::next_move(Clock::time_point now) const {
  for (const Mark& m : marks_) {
    if (m.at + keep_ > now) return m.at + keep_;
  }
  return Clock::time_point::max();
}

bool VersionCollector::due(Clock::time_point now) const {
  const auto h = horizon(now);
  if (!h) return false;
  if (sweep_ && *sweep_ <= *h) return true;
  return std::any_of(written_.begin(), written_.end(),
                     [&](const Written& w) { return w.due <= *h; });
}

void VersionCollector::forget_old_marks(Clock::time_point now) {
  // Only the latest mark at least `keep` old is the horizon; older ones never are again.
  while (marks_.size() >= 2 && marks_[1].at + keep_ <= now) marks_.pop_front();
}

std::vector<Batch> VersionCollector::collect(const Store& store, Clock::time_point now) {
  std::vector<Batch> out(partitions_);
  const auto h = horizon(now);
  if (!h) return out;
  const auto erase_superseded = [&](std::uint32_t p) {
    return [&out, &h, p](const KeyVersions& versions) {
      const std::size_t n = superseded(versions, *h);
      for (std::size_t i = 0; i < n; ++i) out[p].erase(versions[i].key);
    };
  };
  const bool sweep = sweep_ && *sweep_ <= *h;
  auto is_due = [&](const Written& w) { return w.due <= *h; };
  if (sweep) {
    for (std::uint32_t p = 0; p < partitions_; ++p) {
      scan_key_versions(store, p, layout::kStatePrefix, erase_superseded(p));
    }
  } else {
    for (std::uint32_t p = 0; p < partitions_; ++p) {
      std::vector<std::string> keys;
      for (const Written& w : written_) {
        if (is_due(w)) keys.insert(keys.end(), w.keys[p].begin(), w.keys[p].end());
      }
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (const std::string& key : keys) scan_key_versions(store, p, key, erase_superseded(p));
    }
  }
  // Nothing thrown: what was looked at is done.
  if (sweep) sweep_.reset();
  std::erase_if(written_, is_due);
  forget_old_marks(now);
  return out;
}

std::size_t VersionCollector::remembered_keys() const {
  std::size_t n = 0;
  for (const Written& w : written_) {
    for (const auto& keys : w.keys) n += keys.size();
  }
  return n;
}

}  // namespace sluice::recovery
