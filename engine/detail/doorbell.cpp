// Doorbell: spin, then park.
#include <sluice/engine/detail/doorbell.hpp>

namespace sluice::detail {

namespace {
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

void Doorbell::wait_until(std::chrono::steady_clock::time_point deadline) {
  using Clock = std::chrono::steady_clock;
  const auto spin_end = std::min(deadline, Clock::now() + spin_);
  for (unsigned i = 1; spin_.count() > 0; ++i) {
    if (rung_.load(std::memory_order_seq_cst)) return;
    if ((i & 63) == 0 && Clock::now() >= spin_end) break;
    spin_pause();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  parked_.store(true, std::memory_order_seq_cst);
  while (!rung_.load(std::memory_order_seq_cst)) {
    if (deadline == Clock::time_point::max()) {
      wake_.wait(lock);
    } else if (wake_.wait_until(lock, deadline) == std::cv_status::timeout) {
      break;
    }
  }
  parked_.store(false, std::memory_order_relaxed);
}

}  // namespace sluice::detail
