// Batch: the writes to one partition of a recovery Store (store.hpp), applied in
// order and atomically by Store::commit. Not thread-safe: one owner at a time (a
// worker builds one, then hands it to the snapshot writer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::recovery {

// How a versioned put (class Batch, below) applies under a horizon h. `stored` are the
// versions of its identity at or before h, oldest first, each with whether it is a
// tombstone; the put is of version v. Erase the first `erase` of them, then write the
// put if `write`. One rule for every store.
struct Superseding {
  std::size_t erase;
  bool write;
};
struct StoredVersion {
  std::uint64_t version;
  bool tombstone;
};
Superseding supersede(const std::vector<StoredVersion>& stored, std::uint64_t v, bool tombstone,
                      std::uint64_t h);
// The version a versioned key ends in.
std::uint64_t key_version(std::string_view versioned_key);

// Writes to one partition, applied in order, atomically, by Store::commit (a later op
// on the same key wins). The ops' bytes live in one buffer: a put costs no allocation
// of its own once the buffer has grown (put_with builds a key and value in place), and
// append() moves the other batch's buffers in without copying their bytes.
//
// Versioned puts (superseding). A versioned put's key ends in an 8-byte big-endian
// version; the bytes before it are the key's identity, and a value whose first byte is
// not Horizon::live is a tombstone. In a batch given a horizon h (set_horizon), a
// versioned put also erases the versions of its identity that no read at a version
// >= h needs (a read sees the latest version at or before it, none after a
// tombstone): of the versions at or before h, the stored ones and the put, every one
// but the latest, and the latest too if it is a tombstone (a tombstone put is then not
// written). So a store's garbage collection happens in the commit that supersedes,
// with no scan of its own. Without a horizon a versioned put is a plain put.
class Batch {
 public:
  struct Op {
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt: erase the key
    bool versioned = false;
  };
  struct Horizon {
    std::uint64_t at;  // h
    char live;         // the first byte of a value that is not a tombstone
  };

  void put(std::string_view key, std::string_view value) {
    put_with([&](std::string& out) { out.append(key); },
             [&](std::string& out) { out.append(value); });
  }
  void put_versioned(std::string_view key, std::string_view value) {
    put_with([&](std::string& out) { out.append(key); },
             [&](std::string& out) { out.append(value); }, true);
  }
  void erase(std::string_view key) {
    erase_with([&](std::string& out) { out.append(key); });
  }
  // key(out) and value(out) append the key's and the value's bytes to `out`.
  // versioned: the key ends in its version (see above; at least 8 bytes).
  template <class KeyBytes, class ValueBytes>
  void put_with(KeyBytes&& key, ValueBytes&& value, bool versioned = false) {
    std::string& bytes = writable();
    const std::size_t k = bytes.size();
    key(bytes);
    const std::size_t v = bytes.size();
    value(bytes);
    if (bytes.size() - v >= kErase) too_long(bytes.size() - v);
    if (v - k >= kVersioned || (versioned && v - k < 8)) bad_key(v - k, versioned);
    refs_.push_back(Ref{at(k), static_cast<std::uint32_t>(v - k) | (versioned ? kVersioned : 0u),
                        static_cast<std::uint32_t>(bytes.size() - v)});
  }
  template <class KeyBytes>
  void erase_with(KeyBytes&& key) {
    std::string& bytes = writable();
    const std::size_t k = bytes.size();
    key(bytes);
    if (bytes.size() - k >= kVersioned) bad_key(bytes.size() - k, false);
    refs_.push_back(Ref{at(k), static_cast<std::uint32_t>(bytes.size() - k), kErase});
  }
  // Versioned puts supersede older versions at `h` (see above); the horizon is the
  // batch's own (append() and clear() keep it).
  void set_horizon(std::optional<Horizon> h) { horizon_ = h; }
  const std::optional<Horizon>& horizon() const { return horizon_; }
  // Appends `other`'s ops after this batch's; `other` is left empty.
  void append(Batch&& other);

  std::size_t size() const { return refs_.size(); }
  bool empty() const { return refs_.empty(); }
  Op op(std::size_t i) const {
    const Ref& r = refs_[i];
    const std::uint32_t length = r.key & ~kVersioned;
    const char* data = segments_[r.at >> kSegmentShift].data() + (r.at & kOffsetMask);
    const std::string_view key(data, length);
    if (r.value == kErase) return Op{key, std::nullopt};
    return Op{key, std::string_view(data + length, r.value), (r.key & kVersioned) != 0};
  }
  // The ops in order: for (const Batch::Op op : batch.ops()).
  class Ops {
   public:
    class iterator {
     public:
      using value_type = Op;
      using difference_type = std::ptrdiff_t;
      iterator() = default;
      iterator(const Batch* b, std::size_t i) : b_(b), i_(i) {}
      Op operator*() const { return b_->op(i_); }
      iterator& operator++() {
        ++i_;
        return *this;
      }
      iterator operator++(int) {
        iterator old = *this;
        ++i_;
        return old;
      }
      bool operator==(const iterator& o) const { return i_ == o.i_; }

     private:
      const Batch* b_ = nullptr;
      std::size_t i_ = 0;
    };
    explicit Ops(const Batch& b) : b_(&b) {}
    iterator begin() const { return {b_, 0}; }
    iterator end() const { return {b_, b_->size()}; }

   private:
    const Batch* b_;
  };
  Ops ops() const { return Ops(*this); }
  // The op indexes in key order, ops on one key in batch order (a stable sort): a store
  // inserting in this order touches each page once. Decision: sorted on the keys' first
  // 16 bytes as two integers (a state key's step and hash), bytes only on a tie.
  std::vector<std::uint32_t> key_order() const;
  // The bytes the batch holds (its memory, roughly).
  std::size_t bytes() const {
    std::size_t n = refs_.size() * sizeof(Ref);
    for (const std::string& s : segments_) n += s.size();
    return n;
  }
  // Empties the batch, keeping its first buffer's memory.
  void clear() {
    refs_.clear();
    if (segments_.size() > 1) segments_.resize(1);
    if (!segments_.empty()) segments_[0].clear();
  }
  // Recycling: empties the batch, moving its buffers (emptied, their memory kept) to
  // `pool`; and gives an empty batch `buffer` to write into.
  void release_buffers(std::vector<std::string>& pool);
  void adopt_buffer(std::string&& buffer);

 private:
  static constexpr std::uint32_t kErase = 0xFFFFFFFFu;
  static constexpr std::uint32_t kVersioned = 0x80000000u;
  [[noreturn]] static void too_long(std::size_t bytes);
  [[noreturn]] static void bad_key(std::size_t bytes, bool versioned);
  // The ops' bytes are in segments (append() moves another batch's in, no copy); a
  // Ref's `at` is segment << kSegmentShift | offset.
  static constexpr int kSegmentShift = 48;
  static constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << kSegmentShift) - 1;
  std::string& writable() {
    if (segments_.empty()) segments_.emplace_back();
    return segments_.back();
  }
  std::uint64_t at(std::size_t offset) const {
    return (static_cast<std::uint64_t>(segments_.size() - 1) << kSegmentShift) | offset;
  }
  struct Ref {
    std::uint64_t at;     // the key's first byte (segment, offset); the value follows it
    std::uint32_t key;    // the key's length, | kVersioned for a versioned put
    std::uint32_t value;  // the value's length, or kErase
  };
  std::vector<std::string> segments_;
  std::vector<Ref> refs_;
  std::optional<Horizon> horizon_;
};

}  // namespace sluice::recovery
