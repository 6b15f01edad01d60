// OwnerKey: an exchange key that routes a record to one chosen worker (the owner of
// the sink part it belongs to). Internal to io/.
#pragma once

#include <cstdint>

#include <sluice/engine/key_hash.hpp>

namespace sluice::io::detail {

// Routes to `worker` among `workers` (worker < workers).
struct OwnerKey {
  std::uint32_t worker;
  std::uint32_t workers;
};

}  // namespace sluice::io::detail

namespace sluice {

// The middle of the hash interval route() maps to `worker`: route(h, workers) =
// floor(h * workers / 2^64) = worker. Depends only on the key, as KeyHash must.
template <>
struct KeyHash<io::detail::OwnerKey> {
  std::uint64_t operator()(const io::detail::OwnerKey& k) const noexcept {
    const unsigned __int128 middle = static_cast<unsigned __int128>(2 * k.worker + 1) << 64;
    return static_cast<std::uint64_t>(middle / (2 * static_cast<unsigned __int128>(k.workers)));
  }
};

}  // namespace sluice
