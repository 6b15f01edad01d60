// start_workers: one OS thread per worker of a run, started all-or-nothing. Every
// thread waits at a gate until all have started; if one cannot start (a thread or
// address-space limit), none builds its dataflow, the started ones exit, and the run
// fails with one error saying which thread failed and what to change. Internal.
#pragma once

#include <functional>
#include <thread>

#include <sluice/engine/detail/run_shared.hpp>

namespace sluice::detail {

// Starts a thread running `body`; throws std::system_error when it cannot.
using SpawnThread = std::thread (*)(std::function<void()> body);

inline std::thread spawn_std_thread(std::function<void()> body) {
  return std::thread(std::move(body));
}

// Runs worker 0 .. shared.workers - 1, one thread each (started with `spawn`), and
// returns when all have finished. Failures, including a thread that could not start,
// are recorded in `shared` (shared.error()).
void start_workers(RunShared& shared, SpawnThread spawn = &spawn_std_thread);

}  // namespace sluice::detail
