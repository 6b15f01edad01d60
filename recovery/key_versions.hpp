// KeyVersions: the versions of one state key (layout.hpp), oldest first, as a scan of a
// partition yields them; which one a read at an epoch sees, and which ones no read at
// or after an epoch needs. Shared by the writer's garbage collection and the store's
// description (store_info.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/engine/epoch.hpp>
#include <sluice/recovery/store.hpp>

namespace sluice::recovery {

struct Version {
  std::string key;  // the whole state key, tag included
  Epoch tag = 0;
  bool tombstone = false;
  std::size_t value_bytes = 0;  // 0 for a tombstone
};
// One key's versions, oldest (least tag) first.
using KeyVersions = std::vector<Version>;

// Calls f once per state key of partition p that starts with `prefix` (a step prefix, a
// key's identity or layout::kStatePrefix), with its versions, in key order. Returns how
// many keys under the prefix are not state keys (malformed); f never sees them.
// Throws StoreError as Store::scan does.
std::uint64_t scan_key_versions(const Store& store, std::uint32_t p, std::string_view prefix,
                                const std::function<void(const KeyVersions&)>& f);

// The version a read at `epoch` sees: the latest with tag <= epoch (nullptr: none, or a
// tombstone, which reads as no value).
const Version* visible(const KeyVersions& versions, Epoch epoch);

// How many of the oldest versions no read at an epoch >= horizon needs: every version
// older than the latest one with tag <= horizon, and that one as well if it is a
// tombstone. Erasing them changes no such read.
std::size_t superseded(const KeyVersions& versions, Epoch horizon);

}  // namespace sluice::recovery
