// HugePageAllocator<T>: std::allocator, except that an array of at least 2 MiB is
// aligned to 2 MiB and marked MADV_HUGEPAGE, so Linux backs it with transparent huge
// pages (where /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always").
// For the big, randomly probed arrays of KeyedState: with 4 KiB pages nearly every
// lookup in a state of 100,000 keys also misses the TLB, and a prefetch cannot hide a
// page walk; with 2 MiB pages the whole state fits the TLB. Where madvise fails, the
// memory is used as it is.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace sluice::detail {

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>().allocate(n);
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure leaves 4 KiB pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      std::allocator<T>().deallocate(p, n);
    } else {
      std::free(p);
    }
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace sluice::detail
