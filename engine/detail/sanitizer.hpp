// AddressSanitizer support for code running on fiber stacks. ASan does not know the
// bounds of a Boost.Context fiber stack (Debian's Boost is built without its ASan
// hooks), so it cannot clear the stack poison of frames an exception unwinds, and a
// freed fiber stack keeps its poison when the same memory becomes another fiber's
// stack. Both leave stale redzones that later trip false reports. These helpers clear
// them; they compile to nothing without ASan.
#pragma once

#include <cstddef>

#include <boost/context/stack_context.hpp>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace sluice::detail {

// Clears poison left below the caller by unwound frames. Call in a catch block on a
// fiber stack before throwing again.
[[gnu::noinline]] inline void forget_unwound_frames() {
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t kDepth = 64 * 1024;
  char* frame = static_cast<char*>(__builtin_frame_address(0));
  ASAN_UNPOISON_MEMORY_REGION(frame - kDepth, kDepth - 256);
#endif
}

// A fiber stack allocator that hands out stacks free of stale poison.
template <class Inner>
class CleanStack {
 public:
  explicit CleanStack(Inner inner) : inner_(std::move(inner)) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context sc = inner_.allocate();
    unpoison(sc);
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) noexcept {
    unpoison(sc);
    inner_.deallocate(sc);
  }

 private:
  static void unpoison([[maybe_unused]] const boost::context::stack_context& sc) {
#if defined(__SANITIZE_ADDRESS__)
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(sc.sp) - sc.size, sc.size);
#endif
  }
  Inner inner_;
};

}  // namespace sluice::detail
