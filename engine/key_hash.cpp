// xxHash lives here so public headers need not include <xxhash.h>. It is compiled
// inline into hash_bytes (XXH_INLINE_ALL: the same function, so the same hashes), so a
// key costs one call, not a second one into libxxhash, and short keys take XXH3's
// short-input path directly.
#include <sluice/engine/key_hash.hpp>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sluice::detail {

std::uint64_t hash_bytes(const void* data, std::size_t size) noexcept {
  return XXH3_64bits(data, size);
}

}  // namespace sluice::detail
