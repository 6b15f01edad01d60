// The versions of one state key (key_versions.hpp).
#include <sluice/recovery/key_versions.hpp>

#include <sluice/recovery/layout.hpp>

namespace sluice::recovery {

std::uint64_t scan_key_versions(const Store& store, std::uint32_t p, std::string_view prefix,
                                const std::function<void(const KeyVersions&)>& f) {
  std::uint64_t malformed = 0;
  KeyVersions versions;
  store.scan(p, prefix, [&](std::string_view key, std::string_view stored) {
    const auto parsed = layout::parse_state_key(key);
    if (!parsed) {
      ++malformed;
      return;
    }
    if (!versions.empty() && layout::without_tag(versions.back().key) != layout::without_tag(key)) {
      f(versions);
      versions.clear();
    }
    const bool tombstone = layout::is_tombstone(stored);
    versions.push_back(
        Version{std::string(key), parsed->tag, tombstone, tombstone ? 0 : stored.size() - 1});
  });
  if (!versions.empty()) f(versions);
  return malformed;
}

namespace {

// The index one past the latest version with tag <= epoch.
std::size_t end_at(const KeyVersions& versions, Epoch epoch) {
  std::size_t i = versions.size();
  while (i > 0 && versions[i - 1].tag > epoch) --i;
  return i;
}

}  // namespace

const Version* visible(const KeyVersions& versions, Epoch epoch) {
  const std::size_t end = end_at(versions, epoch);
  if (end == 0 || versions[end - 1].tombstone) return nullptr;
  return &versions[end - 1];
}

std::size_t superseded(const KeyVersions& versions, Epoch horizon) {
  const std::size_t end = end_at(versions, horizon);
  if (end == 0) return 0;
  return versions[end - 1].tombstone ? end : end - 1;
}

}  // namespace sluice::recovery
