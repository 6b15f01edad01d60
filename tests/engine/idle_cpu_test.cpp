// An idle dataflow parks its workers: while a source holds its capability and waits
// for an Activator, the process uses (almost) no CPU; firing it finishes the run.
#include <chrono>
#include <cstdint>
#include <thread>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("a waiting source leaves two workers parked, using under 2% of one CPU") {
  constexpr std::uint32_t kWorkers = 2;
  auto gate = std::make_shared<Gate>();
  Dataflow flow("idle");
  auto held = held_source(flow, "wait", gate, 1, 10);
  auto routed = pass("route", held, exchange([](const std::uint64_t& x) { return x; }));
  TestingSink<std::uint64_t> sink;
  op::output("out", routed, sink);
  RunConfig config;
  config.workers = kWorkers;

  BackgroundRun background(flow, config, gate);
  REQUIRE(gate->wait_for_waiting(kWorkers, std::chrono::seconds(30)));

  // The measurement window: 3 s of wall time with nothing to do.
  const auto wall_start = std::chrono::steady_clock::now();
  const auto cpu_start = process_cpu_time();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto cpu_used = process_cpu_time() - cpu_start;
  const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - wall_start);
  CAPTURE(cpu_used.count());
  CAPTURE(wall.count());
  CHECK(cpu_used * 50 < wall);  // < 2%
  CHECK_FALSE(background.done());

  gate->open();
  background.join();
  CHECK(sink.values().size() == 2 * 10);
}
