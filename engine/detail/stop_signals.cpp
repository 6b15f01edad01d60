// StopSignals (stop_signals.hpp).
#include <sluice/engine/detail/stop_signals.hpp>

#include <cerrno>
#include <ctime>

namespace sluice::detail {

namespace {

bool default_disposition(int signo) {
  struct sigaction now {};
  if (::sigaction(signo, nullptr, &now) != 0) return false;
  return (now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == SIG_DFL;
}

}  // namespace

StopSignals::StopSignals(std::function<void(int, int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  if (!default_disposition(SIGINT) || !default_disposition(SIGTERM)) return;
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &set_, &old_mask_) != 0) return;
  installed_ = true;
  watcher_ = std::thread([this] { watch(); });
}

StopSignals::~StopSignals() {
  if (!installed_) return;
  done_.store(true, std::memory_order_release);
  watcher_.join();
  // Signals that came after the watcher's last look are taken here, not left pending
  // (unblocking would deliver them with the default action: death).
  const timespec zero{0, 0};
  while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void StopSignals::watch() {
  // Polls for the end of the run every 50 ms (the bound on a stop's latency is the
  // signal's arrival: sigtimedwait returns at once then).
  const timespec step{0, 50'000'000};
  while (!done_.load(std::memory_order_acquire)) {
    const int signo = ::sigtimedwait(&set_, nullptr, &step);
    if (signo > 0) on_signal_(signo, ++count_);
  }
}

}  // namespace sluice::detail
