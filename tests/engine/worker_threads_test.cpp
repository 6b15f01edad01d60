// start_workers: a worker thread that cannot start fails the run with one error, and
// no record moves.
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>
#include <thread>

#include <doctest/doctest.h>

#include <sluice/engine/detail/worker_threads.hpp>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

// The spawner fails at its `fail_at`-th call (0-based), as std::thread does when the
// process is out of threads or address space.
std::atomic<std::uint32_t> spawned{0};
std::atomic<std::uint32_t> fail_at{0};

std::thread failing_spawn(std::function<void()> body) {
  if (spawned.fetch_add(1) == fail_at.load()) {
    throw std::system_error(EAGAIN, std::generic_category(), "thread");
  }
  return std::thread(std::move(body));
}

}  // namespace

TEST_CASE("a worker thread that cannot start fails the run naming it, and no record moves") {
  for (std::uint32_t workers : {1u, 2u, 3u}) {
    for (std::uint32_t at = 0; at < workers; ++at) {
      CAPTURE(workers);
      CAPTURE(at);
      std::atomic<std::uint32_t> moved{0};
      Dataflow flow("threads");
      auto in = op::input(flow, "in", TestingSource<int>::of({1, 2, 3}));
      auto seen = op::inspect("count", in, [&moved](const int&) { ++moved; });
      TestingSink<int> sink;
      op::output("out", seen, sink);
      RunConfig config;
      config.workers = workers;
      detail::RunShared shared(flow.graph(), config);
      spawned = 0;
      fail_at = at;
      detail::start_workers(shared, &failing_spawn);
      const auto error = shared.error();
      REQUIRE(error);
      try {
        std::rethrow_exception(error);
      } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              "cannot start worker thread " + std::to_string(at) + " of " +
                  std::to_string(workers) +
                  " (Resource temporarily unavailable); no worker has started the dataflow. Run "
                  "with fewer workers (-w) or raise the process's limits (ulimit -u for threads, "
                  "ulimit -v for address space)");
      }
      CHECK(moved == 0);
      CHECK(sink.records().empty());
    }
  }
}

TEST_CASE("every worker thread starting runs the dataflow to the end") {
  for (std::uint32_t workers : {1u, 2u, 3u}) {
    CAPTURE(workers);
    Dataflow flow("threads");
    TestingSink<int> sink;
    op::output("out", op::input(flow, "in", TestingSource<int>::of({1, 2, 3})), sink);
    RunConfig config;
    config.workers = workers;
    detail::RunShared shared(flow.graph(), config);
    spawned = 0;
    fail_at = workers;  // never
    detail::start_workers(shared, &failing_spawn);
    CHECK_FALSE(shared.error());
    CHECK(sink.records().size() == 3);
  }
}
