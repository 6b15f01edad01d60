// StopSignals: SIGINT and SIGTERM during a run (run.cpp), turned into calls on a
// watcher thread instead of the default (the process dies mid-write).
//
// While a StopSignals lives, the two signals are blocked in the thread that made it
// and in every thread it starts afterwards (the workers, the snapshot writer), and a
// watcher thread takes them (sigtimedwait) and calls on_signal(signo, n) with n = 1
// for the first, 2 for the second, and so on. Decision: only when both signals have
// their default disposition, so that a program with its own handlers keeps them
// (installed() says whether it took them). Destroying it stops the watcher and
// restores the thread's signal mask; a signal that came after the run's last call
// is still taken by the watcher, not left pending to kill the process.
//
// Internal to the engine; not installed.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include <signal.h>

namespace sluice::detail {

class StopSignals {
 public:
  explicit StopSignals(std::function<void(int signo, int count)> on_signal);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  bool installed() const { return installed_; }

 private:
  void watch();

  std::function<void(int, int)> on_signal_;
  bool installed_ = false;
  sigset_t set_{};
  sigset_t old_mask_{};
  std::atomic<bool> done_{false};
  int count_ = 0;
  std::thread watcher_;
};

}  // namespace sluice::detail
