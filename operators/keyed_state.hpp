// KeyedState<K, V>: the per-key state of a keyed operator on one worker, plus the
// change tracking the snapshot protocol needs: with track_changes() on, every key
// changed since the last take_changes() is reported there once with its value, and
// every key discarded since then that may have a stored version (one present when
// tracking started, or reported by an earlier take) is reported discarded. A key made
// and discarded between two takes is not reported at all (nothing of it was stored).
//
// Decision: entries present when track_changes() is called count as stored (a
// recovering operator restores its keys first, then starts tracking). Costs: one
// branch per update; the first change of a key per take appends its index to a list
// (no hashing, no copy of the key); a discarded stored key copies its key once.
//
// Layout: the entries {key, value} live in one dense vector;
// an open-addressing index of 8-byte slots (32 bits of the key's hash, the entry's
// position; linear probing, at most half full) finds them. 100,000 keys take a 2 MiB
// index, so a lookup usually misses the cache once, on the entry. A batch loop hides
// that miss too: for_each_prefetched hashes the batch's keys once and prefetches each
// key's slot and then its entry a few records ahead of the one it applies. Both arrays
// ask for transparent huge pages once they reach 2 MiB (HugePageAllocator).
//
// Keys are hashed with KeyHash<K> (the routing hash; every key type that can be
// exchanged can be stored). Iterators (and references to values) stay valid until the
// next insertion or erasure. Not thread-safe: one operator instance owns it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <sluice/engine/key_hash.hpp>
#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/detail/huge_page_allocator.hpp>

namespace sluice {

template <class K>
struct StateHash {
  std::size_t operator()(const K& key) const noexcept {
    return static_cast<std::size_t>(hash_key(key));
  }
};

template <class K, class V>
class KeyedState {
  static constexpr std::uint32_t kClean = std::numeric_limits<std::uint32_t>::max();

 public:
  struct Entry {
    K first;
    V second;
    std::uint64_t hash;
    // Its slot in the index, kept as slots move (growth, deletion's shifts), so an
    // erasure moving the last entry into the hole re-points that entry's slot with
    // one store instead of probing for it (a cache miss per erased key).
    std::uint32_t slot = 0;
    // Change tracking: its place in dirty_ (kClean: unchanged since the last take),
    // and whether a version of it may be stored (a discard is then reported).
    std::uint32_t dirty_pos = kClean;
    bool stored = false;

    // The value is made in place, from make()'s result (no move of V). Moving a value
    // here made GCC 12 report -Wstringop-overread in windowed programs, a false
    // positive: a moved boost small_vector copies its inline buffer for as many
    // elements as it holds, at most the buffer's size, which GCC cannot tell.
    template <class Make>
    Entry(const K& k, Make&& make, std::uint64_t h)
        : first(k), second(std::forward<Make>(make)()), hash(h) {}
    // Moved, never copied, when the vector grows (a value may be move-only in fact
    // while its type claims a copy constructor, as a small_vector of logics does).
    Entry(const Entry&) = delete;
    Entry(Entry&&) = default;
    Entry& operator=(const Entry&) = delete;
  };
  // A position in the state: it->first is the key, value(it) the value.
  class iterator {
   public:
    iterator() = default;
    Entry* operator->() const { return e_; }
    Entry& operator*() const { return *e_; }
    bool operator==(const iterator&) const = default;

   private:
    friend class KeyedState;
    explicit iterator(Entry* e) : e_(e) {}
    Entry* e_ = nullptr;
  };

  KeyedState() { rebuild(kMinSlots); }

  static std::uint64_t hash(const K& key) noexcept { return hash_key(key); }

  // The entry of `key` (whose hash() is `h`); make() builds its value when the key has
  // none.
  template <class Make>
  [[gnu::always_inline]] iterator find_or_make(const K& key, std::uint64_t h, Make&& make) {
    std::size_t s = home(h);
    for (;; s = (s + 1) & mask_) {
      const Slot slot = slots_[s];
      if (slot.index == kEmpty) break;
      if (slot.tag == tag(h) && entries_[slot.index].first == key) {
        return iterator(&entries_[slot.index]);
      }
    }
    return insert(key, h, s, std::forward<Make>(make));
  }
  template <class Make>
  iterator find_or_make(const K& key, Make&& make) {
    return find_or_make(key, hash(key), std::forward<Make>(make));
  }
  iterator find(const K& key, std::uint64_t h) {
    const std::size_t s = slot_of(key, h);
    return s == kNone ? end() : iterator(&entries_[slots_[s].index]);
  }
  iterator find(const K& key) { return find(key, hash(key)); }
  // Calls f(iterator) for every entry whose key's hash() is `h` (distinct keys share
  // a 64-bit hash almost never; when they do, each is visited), in probe order. f may
  // erase the entry it is given and nothing else, and returns whether it did. Lets a
  // caller that kept only a key's hash (a window's close list) find the key again.
  template <class F>
  void for_each_of_hash(std::uint64_t h, F&& f) {
    for (std::size_t s = home(h); slots_[s].index != kEmpty;) {
      const Slot slot = slots_[s];
      if (slot.tag == tag(h) && entries_[slot.index].hash == h &&
          f(iterator(&entries_[slot.index]))) {
        // Erased: later slots of the run may have shifted back into s (never before
        // it), so s is looked at again.
        continue;
      }
      s = (s + 1) & mask_;
    }
  }
  iterator end() { return iterator(); }
  static V& value(iterator it) { return it->second; }

 private:
  // find_or_make's insertion, out of the lookup's inlined path: `s` is the free slot
  // that ended the probe.
  template <class Make>
  [[gnu::noinline]] iterator insert(const K& key, std::uint64_t h, std::size_t s, Make&& make) {
    if ((entries_.size() + 1) * 2 > slots_.size()) {
      if (entries_.size() >= kEmpty / 2)
        throw std::length_error("more than 2^31 keys on one worker");
      grow();
      s = free_slot(h);
    }
    entries_.emplace_back(key, std::forward<Make>(make), h);
    slots_[s] = Slot{tag(h), static_cast<std::uint32_t>(entries_.size() - 1)};
    entries_.back().slot = static_cast<std::uint32_t>(s);
    return iterator(&entries_.back());
  }

 public:
  // Marks the entry's value as changed (for the next take_changes()).
  void changed(iterator it) {
    if (tracking_ && it->dirty_pos == kClean) {
      it->dirty_pos = static_cast<std::uint32_t>(dirty_.size());
      dirty_.push_back(static_cast<std::uint32_t>(it.e_ - entries_.data()));
    }
  }
  // Removes the entry; reported as discarded by the next take_changes() if it may
  // have a stored version. The last entry moves into its place.
  void erase(iterator it) {
    if (tracking_) {
      if (it->dirty_pos != kClean) {
        const std::uint32_t moved = dirty_.back();
        dirty_[it->dirty_pos] = moved;
        entries_[moved].dirty_pos = it->dirty_pos;
        dirty_.pop_back();
        it->dirty_pos = kClean;
      }
      if (it->stored) discarded_.emplace_back(it->first, it->hash);
    }
    erase_at(static_cast<std::size_t>(it.e_ - entries_.data()));
  }
  // Calls f(iterator) for every entry; removes those for which it returns true.
  template <class F>
  void erase_if(F&& f) {
    // Backwards: erase() moves the last entry, already visited, into the hole.
    for (std::size_t i = entries_.size(); i-- > 0;) {
      iterator it(&entries_[i]);
      if (f(it)) erase(it);
    }
  }

  // Calls f(item, hash of key_of(item)) for every item of `items` in order, with the
  // state of the item kAhead places later already being fetched into the cache. One
  // pass: each key is hashed 2 * kAhead items ahead of its turn (into a small ring),
  // when its slot is prefetched. A throw from f names the item (as detail::each_item).
  // Items: a std::vector or a std::span.
  template <class Items, class KeyOf, class F>
  void for_each_prefetched(Items& items, KeyOf&& key_of, F&& f) {
    for_each_prefetched_hashed(
        items, [&](const auto& item) { return hash(key_of(item)); }, f);
  }
  // The same for items that carry their key's hash: hash_of(item) gives it.
  template <class Items, class HashOf, class F>
  void for_each_prefetched_hashed(Items& items, HashOf&& hash_of, F&& f) {
    using T = std::remove_reference_t<decltype(items[0])>;
    const std::size_t n = items.size();
    std::uint64_t ring[kRing];
    const auto fetch_slot = [&](std::size_t j) {
      ring[j % kRing] = hash_of(std::as_const(items[j]));
      prefetch_slot(ring[j % kRing]);
    };
    for (std::size_t j = 0; j < n && j < 2 * kAhead; ++j) fetch_slot(j);
    for (std::size_t j = 0; j < n && j < kAhead; ++j) prefetch_entry(ring[j % kRing]);
    const T* base = items.data();
    detail::each_item(items, [&](T& item) {
      const auto i = static_cast<std::size_t>(&item - base);
      if (i + 2 * kAhead < n) fetch_slot(i + 2 * kAhead);
      if (i + kAhead < n) prefetch_entry(ring[(i + kAhead) % kRing]);
      f(item, ring[i % kRing]);
    });
  }

  // for_each_prefetched over `spans` spans of items (span_of(k): a std::span<T>) as
  // one sequence: the prefetching runs on across span boundaries, so spans of a few
  // items each (sparse epochs) still overlap their cache misses. For span k,
  // around(k, body) is called and must call body() once; body calls f(item, hash of
  // key_of(item)) for the span's items in order. A throw from f names the item and its
  // index in its span (as detail::each_item).
  template <class SpanOf, class KeyOf, class Around, class F>
  void for_each_prefetched_spans(std::size_t spans, SpanOf&& span_of, KeyOf&& key_of,
                                 Around&& around, F&& f) {
    using Span = decltype(span_of(std::size_t{0}));
    using T = typename Span::element_type;
    std::uint64_t ring[kRing];  // the hash of the item at global position g: ring[g % kRing]
    // The slot cursor: the next item whose slot to fetch (global position, span, index).
    std::size_t slot_at = 0, slot_span = 0, slot_index = 0;
    Span slot_items = spans > 0 ? span_of(std::size_t{0}) : Span{};
    const auto fetch_slot = [&] {
      while (slot_index == slot_items.size()) {
        if (++slot_span >= spans) return;
        slot_items = span_of(slot_span);
        slot_index = 0;
      }
      const std::uint64_t h = hash(key_of(std::as_const(slot_items[slot_index++])));
      ring[slot_at++ % kRing] = h;
      prefetch_slot(h);
    };
    std::size_t entry_at = 0;  // the next item whose entry to fetch (its slot was)
    const auto fetch_entry = [&] {
      if (entry_at < slot_at) prefetch_entry(ring[entry_at++ % kRing]);
    };
    for (std::size_t j = 0; j < 2 * kAhead; ++j) fetch_slot();
    for (std::size_t j = 0; j < kAhead; ++j) fetch_entry();
    std::size_t at = 0;  // the item applied next
    for (std::size_t k = 0; k < spans; ++k) {
      Span items = span_of(k);
      around(k, [&] {
        detail::each_item(items, [&](T& item) {
          fetch_slot();
          fetch_entry();
          f(item, ring[at++ % kRing]);
        });
      });
    }
  }

  // Hints that the entry of a key with hash `h` is needed soon: its slot now, and its
  // entry if the slot is already cached (see for_each_prefetched). Both are forced
  // inline: GCC's pure-const analysis finds that a function whose only effect is a
  // prefetch has none, and deletes calls to it (the entry prefetch silently vanished).
  // The entry prefetch gives up after kProbe slots (rare at most half full).
  [[gnu::always_inline]] void prefetch_slot(std::uint64_t h) const {
    __builtin_prefetch(&slots_[home(h)]);
  }
  [[gnu::always_inline]] void prefetch_entry(std::uint64_t h) const {
    std::size_t s = home(h);
    for (std::size_t k = 0; k < kProbe; ++k, s = (s + 1) & mask_) {
      const Slot slot = slots_[s];
      if (slot.index == kEmpty) return;
      if (slot.tag == tag(h)) {
        // Every cache line the entry spans, up to three (its key and value), and
        // none past its last byte.
        const char* e = reinterpret_cast<const char*>(&entries_[slot.index]);
        __builtin_prefetch(e);
        if constexpr (sizeof(Entry) > 64) {
          __builtin_prefetch(e + 64);
          __builtin_prefetch(e + std::min<std::size_t>(sizeof(Entry), 192) - 1);
        }
        return;
      }
    }
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(std::size_t n) {
    entries_.reserve(n);
    if (n * 2 > slots_.size()) rebuild(capacity_for(n));
  }

  // Starts change tracking (recovery turns it on; it costs one branch per update).
  // Every entry present now counts as stored.
  void track_changes() {
    tracking_ = true;
    for (Entry& e : entries_) e.stored = true;
  }
  bool tracking() const { return tracking_; }

  // The keys changed since the last call, each with snapshot(value), and the stored
  // keys discarded since (nullopt), discarded ones first; clears the change marks.
  template <class Snapshot>
  auto take_changes(Snapshot&& snapshot) {
    using S = std::decay_t<decltype(snapshot(std::declval<const V&>()))>;
    std::vector<std::pair<K, std::optional<S>>> out;
    out.reserve(discarded_.size() + dirty_.size());
    for_each_change([&](const K& key, std::uint64_t, const V* value) {
      if (value == nullptr) {
        out.emplace_back(key, std::nullopt);
      } else {
        out.emplace_back(key, snapshot(*value));
      }
    });
    return out;
  }

  // Calls f(key, hash, const V* value) for every stored key discarded since the last
  // call (or take_changes; value null), then for every key changed since; clears the
  // change marks. A key discarded and made again is reported twice, in that order (the
  // later report wins). f must not change the state.
  template <class F>
  void for_each_change(F&& f) {
    for (const auto& [key, h] : discarded_) f(key, h, static_cast<const V*>(nullptr));
    discarded_.clear();
    for (const std::uint32_t i : dirty_) {
      Entry& e = entries_[i];
      e.dirty_pos = kClean;
      e.stored = true;
      f(std::as_const(e.first), e.hash, static_cast<const V*>(&e.second));
    }
    dirty_.clear();
  }

 private:
  // tag: the hash's high 32 bits; a key's home slot is its tag's low bits, so moving
  // slots (growth, erasure) never reads an entry.
  struct Slot {
    std::uint32_t tag;
    std::uint32_t index;  // in entries_; kEmpty for a free slot
  };
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t kAhead = 8;
  static constexpr std::size_t kRing = 32;  // > 2 * kAhead, a power of two
  static constexpr std::size_t kProbe = 4;
  static_assert(kRing > 2 * kAhead && (kRing & (kRing - 1)) == 0);
  static constexpr std::size_t kMinSlots = 16;

  static std::uint32_t tag(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }
  std::size_t home(std::uint64_t h) const { return tag(h) & mask_; }
  std::size_t home_of(Slot s) const { return s.tag & mask_; }

  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = kMinSlots;
    while (c < n * 2) c *= 2;
    return c;
  }

  // The slot holding `key`, or kNone.
  std::size_t slot_of(const K& key, std::uint64_t h) const {
    for (std::size_t s = home(h);; s = (s + 1) & mask_) {
      const Slot slot = slots_[s];
      if (slot.index == kEmpty) return kNone;
      if (slot.tag == tag(h) && entries_[slot.index].first == key) return s;
    }
  }
  std::size_t free_slot(std::uint64_t h) const {
    std::size_t s = home(h);
    while (slots_[s].index != kEmpty) s = (s + 1) & mask_;
    return s;
  }

  void grow() { rebuild(slots_.size() * 2); }
  void rebuild(std::size_t capacity) {
    slots_.assign(capacity, Slot{0, kEmpty});
    mask_ = capacity - 1;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const std::size_t s = free_slot(entries_[i].hash);
      slots_[s] = Slot{tag(entries_[i].hash), static_cast<std::uint32_t>(i)};
      entries_[i].slot = static_cast<std::uint32_t>(s);
    }
  }

  void erase_at(std::size_t index) {
    remove_slot(entries_[index].slot);
    const std::size_t last = entries_.size() - 1;
    if (index != last) {
      slots_[entries_[last].slot].index = static_cast<std::uint32_t>(index);
      if (entries_[last].dirty_pos != kClean) {
        dirty_[entries_[last].dirty_pos] = static_cast<std::uint32_t>(index);
      }
      // Rebuilt in place: a value need not be move-assignable (a logic with a lambda).
      std::destroy_at(&entries_[index]);
      std::construct_at(&entries_[index], std::move(entries_[last]));
    }
    entries_.pop_back();
  }
  // Frees slot `hole`, shifting back the slots after it that would no longer be found
  // (linear probing's deletion without tombstones).
  void remove_slot(std::size_t hole) {
    for (std::size_t s = (hole + 1) & mask_;; s = (s + 1) & mask_) {
      const Slot slot = slots_[s];
      if (slot.index == kEmpty) break;
      // The slot may fill the hole unless its home lies cyclically in (hole, s].
      const std::size_t h = home_of(slot);
      const bool stays = hole <= s ? (hole < h && h <= s) : (hole < h || h <= s);
      if (!stays) {
        slots_[hole] = slot;
        entries_[slot.index].slot = static_cast<std::uint32_t>(hole);
        hole = s;
      }
    }
    slots_[hole] = Slot{0, kEmpty};
  }

  std::vector<Entry, detail::HugePageAllocator<Entry>> entries_;
  std::vector<Slot, detail::HugePageAllocator<Slot>> slots_;
  std::size_t mask_ = 0;
  std::vector<std::uint32_t> dirty_;                    // entries changed since the last take
  std::vector<std::pair<K, std::uint64_t>> discarded_;  // stored keys erased since
  bool tracking_ = false;
};

}  // namespace sluice
