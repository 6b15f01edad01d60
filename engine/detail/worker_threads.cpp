// start_workers: spawn every worker thread behind a gate, then release or abort them.
#include <sluice/engine/detail/worker_threads.hpp>

#include <future>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <sluice/engine/detail/worker.hpp>
#include <sluice/engine/error.hpp>

namespace sluice::detail {

namespace {
std::string cannot_start(std::uint32_t w, std::uint32_t workers, const std::string& why) {
  return "cannot start worker thread " + std::to_string(w) + " of " + std::to_string(workers) +
         " (" + why +
         "); no worker has started the dataflow. Run with fewer workers (-w) or raise the "
         "process's limits (ulimit -u for threads, ulimit -v for address space)";
}
}  // namespace

void start_workers(RunShared& shared, SpawnThread spawn) {
  const std::uint32_t workers = shared.workers;
  std::promise<bool> gate;
  const std::shared_future<bool> go = gate.get_future().share();
  std::vector<std::thread> threads;
  threads.reserve(workers);
  std::optional<std::string> failure;
  for (std::uint32_t w = 0; w < workers && !failure; ++w) {
    try {
      threads.push_back(spawn([&shared, go, w] {
        if (!go.get()) return;  // another thread could not start: build nothing
        try {
          Worker worker(shared, w);
          worker.run();
        } catch (...) {
          shared.fail(std::current_exception());
        }
      }));
    } catch (const std::system_error& e) {
      failure = cannot_start(w, workers, e.code().message());
    } catch (const std::bad_alloc&) {
      failure = cannot_start(w, workers, "out of memory");
    }
  }
  gate.set_value(!failure);
  for (auto& t : threads) t.join();
  if (failure) shared.fail(std::make_exception_ptr(ConfigError(*failure)));
}

}  // namespace sluice::detail
