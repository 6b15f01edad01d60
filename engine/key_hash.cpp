// xxHash lives here so public headers need not include <xxhash.h>.
#include <sluice/engine/key_hash.hpp>

#include <xxhash.h>

namespace sluice::detail {

std::uint64_t hash_bytes(const void* data, std::size_t size) noexcept {
  return XXH3_64bits(data, size);
}

}  // namespace sluice::detail
