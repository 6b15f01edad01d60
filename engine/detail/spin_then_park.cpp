// SpinThenPark: see the header.
#include <sluice/engine/detail/spin_then_park.hpp>

#include <boost/fiber/context.hpp>

namespace sluice::detail {

namespace {
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

void SpinThenPark::awakened(boost::fibers::context* ctx) noexcept {
  ctx->ready_link(ready_);
}

boost::fibers::context* SpinThenPark::pick_next() noexcept {
  if (ready_.empty()) return nullptr;
  boost::fibers::context* ctx = &ready_.front();
  ready_.pop_front();
  return ctx;
}

bool SpinThenPark::has_ready_fibers() const noexcept {
  return !ready_.empty();
}

void SpinThenPark::suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept {
  using Clock = std::chrono::steady_clock;
  const auto spin_end = std::min(deadline, Clock::now() + kSpin);
  for (unsigned i = 0;; ++i) {
    if (notified_.exchange(false, std::memory_order_acq_rel)) return;
    if ((i & 63) == 63 && Clock::now() >= spin_end) break;
    spin_pause();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  auto woken = [this] { return notified_.exchange(false, std::memory_order_acq_rel); };
  if (deadline == Clock::time_point::max()) {
    parked_.wait(lock, woken);
  } else {
    parked_.wait_until(lock, deadline, woken);
  }
}

void SpinThenPark::notify() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notified_.store(true, std::memory_order_release);
  }
  parked_.notify_all();
}

}  // namespace sluice::detail
