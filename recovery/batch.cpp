// Batch: appending batches and the key order (batch.hpp).
#include <sluice/recovery/batch.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace sluice::recovery {

void Batch::append(Batch&& other) {
  if (refs_.empty()) {
    std::swap(segments_, other.segments_);
    std::swap(refs_, other.refs_);
  } else if (!other.refs_.empty()) {
    const std::uint64_t base = static_cast<std::uint64_t>(segments_.size()) << kSegmentShift;
    for (std::string& s : other.segments_) segments_.push_back(std::move(s));
    other.segments_.clear();
    refs_.reserve(refs_.size() + other.refs_.size());
    for (Ref r : other.refs_) {
      r.at += base;
      refs_.push_back(r);
    }
  }
  other.clear();
}

void Batch::release_buffers(std::vector<std::string>& pool) {
  for (std::string& s : segments_) {
    s.clear();
    pool.push_back(std::move(s));
  }
  segments_.clear();
  refs_.clear();
}

void Batch::adopt_buffer(std::string&& buffer) {
  refs_.clear();
  buffer.clear();
  segments_.clear();
  segments_.push_back(std::move(buffer));
}

namespace {

// The big-endian integer of bytes [from, from + 8) of `key`, zero-padded past its end:
// comparing two of them compares those bytes as memcmp does (a shorter key first).
std::uint64_t be_word(std::string_view key, std::size_t from) {
  std::uint64_t v = 0;
  if (from + 8 <= key.size()) {
    std::memcpy(&v, key.data() + from, 8);
    return __builtin_bswap64(v);
  }
  for (std::size_t i = 0; i < 8; ++i) {
    v = (v << 8) | (from + i < key.size() ? static_cast<unsigned char>(key[from + i]) : 0u);
  }
  return v;
}

}  // namespace

std::vector<std::uint32_t> Batch::key_order() const {
  const auto key = [this](std::uint32_t i) { return op(i).key; };
  struct Sortable {
    std::uint64_t hi, lo;
    std::uint32_t index;
  };
  std::vector<Sortable> keys(refs_.size());
  for (std::uint32_t i = 0; i < refs_.size(); ++i) {
    const std::string_view k = key(i);
    keys[i] = Sortable{be_word(k, 0), be_word(k, 8), i};
  }
  // Equal words with different lengths (a key that is a prefix of the other, zero
  // padding against zero bytes) and longer keys fall back to the bytes; the index
  // keeps ops on one key in batch order.
  std::sort(keys.begin(), keys.end(), [&](const Sortable& a, const Sortable& b) {
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    const std::string_view ka = key(a.index), kb = key(b.index);
    if (ka.size() > 16 || kb.size() > 16 || ka.size() != kb.size()) {
      const int c = ka.compare(kb);
      if (c != 0) return c < 0;
    }
    return a.index < b.index;
  });
  std::vector<std::uint32_t> order(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].index;
  return order;
}

std::uint64_t key_version(std::string_view versioned_key) {
  return be_word(versioned_key, versioned_key.size() - 8);
}

Superseding supersede(const std::vector<StoredVersion>& stored, std::uint64_t v, bool tombstone,
                      std::uint64_t h) {
  const std::size_t k = stored.size();
  if (v <= h && (k == 0 || v >= stored.back().version)) {
    // The put is the latest at or before h: every stored one goes (one at v itself is
    // overwritten anyway), and the put too if it is a tombstone.
    return Superseding{k, !tombstone};
  }
  if (k == 0) return Superseding{0, true};
  // The latest stored one at or before h stays, unless it is a tombstone.
  return Superseding{stored.back().tombstone ? k : k - 1, true};
}

void Batch::bad_key(std::size_t bytes, bool versioned) {
  throw std::length_error("a recovery store key of " + std::to_string(bytes) + " bytes" +
                          (versioned ? " (a versioned key has at least 8)" : " (at most 2 GiB)"));
}

void Batch::too_long(std::size_t bytes) {
  throw std::length_error("a recovery store value of " + std::to_string(bytes) +
                          " bytes (at most 4 GiB - 2 bytes)");
}

}  // namespace sluice::recovery
