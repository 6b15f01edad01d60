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

// Writes to one partition, applied in order, atomically, by Store::commit (a later op
// on the same key wins). The ops' bytes live in one buffer: a put costs no allocation
// of its own once the buffer has grown (put_with builds a key and value in place).
class Batch {
 public:
  struct Op {
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt: erase the key
  };

  void put(std::string_view key, std::string_view value) {
    put_with([&](std::string& out) { out.append(key); },
             [&](std::string& out) { out.append(value); });
  }
  void erase(std::string_view key) {
    erase_with([&](std::string& out) { out.append(key); });
  }
  // key(out) and value(out) append the key's and the value's bytes to `out`.
  template <class KeyBytes, class ValueBytes>
  void put_with(KeyBytes&& key, ValueBytes&& value) {
    const std::size_t k = bytes_.size();
    key(bytes_);
    const std::size_t v = bytes_.size();
    value(bytes_);
    if (bytes_.size() - v >= kErase) too_long(bytes_.size() - v);
    refs_.push_back(
        Ref{k, static_cast<std::uint32_t>(v - k), static_cast<std::uint32_t>(bytes_.size() - v)});
  }
  template <class KeyBytes>
  void erase_with(KeyBytes&& key) {
    const std::size_t k = bytes_.size();
    key(bytes_);
    refs_.push_back(Ref{k, static_cast<std::uint32_t>(bytes_.size() - k), kErase});
  }
  // Appends `other`'s ops after this batch's; `other` is left empty.
  void append(Batch&& other);

  std::size_t size() const { return refs_.size(); }
  bool empty() const { return refs_.empty(); }
  Op op(std::size_t i) const {
    const Ref& r = refs_[i];
    const std::string_view key(bytes_.data() + r.at, r.key);
    if (r.value == kErase) return Op{key, std::nullopt};
    return Op{key, std::string_view(bytes_.data() + r.at + r.key, r.value)};
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
  // inserting in this order touches each page once.
  std::vector<std::uint32_t> key_order() const;
  // The bytes the batch holds (its memory, roughly).
  std::size_t bytes() const { return bytes_.size() + refs_.size() * sizeof(Ref); }
  void clear() {
    bytes_.clear();
    refs_.clear();
  }

 private:
  static constexpr std::uint32_t kErase = 0xFFFFFFFFu;
  [[noreturn]] static void too_long(std::size_t bytes);
  struct Ref {
    std::size_t at;       // the key's first byte in bytes_; the value follows it
    std::uint32_t key;    // the key's length
    std::uint32_t value;  // the value's length, or kErase
  };
  std::string bytes_;
  std::vector<Ref> refs_;
};

}  // namespace sluice::recovery
