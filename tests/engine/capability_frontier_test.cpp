// Capabilities as the runtime sees them: a held capability holds back downstream
// frontiers at its epoch; moving one backwards stops the run with a StepError; an
// operator watching its own output sees the least capability over all workers.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("a held capability keeps the downstream frontier at its epoch until released") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto gate = std::make_shared<Gate>();
    Dataflow flow("hold");
    auto held = held_source(flow, "wait", gate, 7, 3);
    auto routed = pass("route", held, exchange([](const std::uint64_t& x) { return x; }));
    Probe probe;
    op::probe("probe", routed, probe);
    RunConfig config;
    config.workers = workers;

    BackgroundRun background(flow, config, gate);
    REQUIRE(gate->wait_for_waiting(workers, std::chrono::seconds(30)));
    // While every source holds epoch 7 the probe can show only 0 (not yet updated)
    // or 7; wait until each worker's probe has moved, then it must read exactly 7.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (std::uint32_t w = 0; w < workers; ++w) {
      while (probe.frontier(w) == Frontier{0} && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      CAPTURE(w);
      CHECK(probe.frontier(w) == Frontier{7});
    }
    CHECK_FALSE(background.done());
    gate->open();
    background.join();
    for (std::uint32_t w = 0; w < workers; ++w) CHECK(probe.frontier(w).empty());
  }
}

TEST_CASE("downgrading a capability to an earlier epoch stops the run with a StepError") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("back");
    OperatorBuilder b(flow, "rewind");
    auto [out, stream] = b.add_output<std::uint64_t>();
    b.build([out](OperatorContext& ctx) {
      return [out, cap = ctx.take_initial_capability()](OperatorContext& ctx) mutable {
        cap.downgrade(5);
        ctx.output(out).session(cap).give(1);
        cap.downgrade(3);  // throws std::logic_error
      };
    });
    op::output("out", stream, TestingSink<std::uint64_t>());
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "back.rewind");
      REQUIRE(e.worker().has_value());
      CHECK(*e.worker() < workers);
      CHECK(std::string(e.what()).find("back.rewind") != std::string::npos);
      CHECK(e.reason().find("from epoch 5 back to epoch 3") != std::string::npos);
    }
  }
}

TEST_CASE("a watched output's frontier is the least capability over all workers, kept current") {
  // Worker w holds its output at epoch 10 * (w + 1) and releases it only once it sees
  // that frontier at its own epoch: the workers finish one by one, slowest first, and
  // only if each watch is activated as the frontier moves.
  struct Seen {
    std::vector<Epoch> leasts;  // the output frontier at each activation
  };
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto slots = make_slots<Seen>(workers);
    Dataflow flow("watch");
    OperatorBuilder b(flow, "source");
    auto [out, stream] = b.add_output<std::uint64_t>();
    b.build([out, slots](OperatorContext& ctx) {
      Capability cap = ctx.take_initial_capability();
      const Epoch mine = 10 * (ctx.worker_index() + 1);
      cap.downgrade(mine);
      ctx.watch_output(out);
      return [out, slots, mine, cap = std::move(cap)](OperatorContext& ctx) mutable {
        if (!cap) return;  // released: later frontiers are the other workers'
        const Frontier& f = ctx.output_frontier(out);
        REQUIRE_FALSE(f.empty());  // this worker's capability is still held
        (*slots)[ctx.worker_index()].value.leasts.push_back(f.least());
        if (f.least() == mine) cap.drop();
      };
    });
    op::probe("probe", stream, Probe());
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    for (std::uint32_t w = 0; w < workers; ++w) {
      CAPTURE(w);
      const auto& leasts = (*slots)[w].value.leasts;
      REQUIRE_FALSE(leasts.empty());
      CHECK(leasts.back() == 10 * (w + 1));  // released at its own epoch, once seen
      // Never above the least capability still held (its own), never backwards.
      CHECK(std::is_sorted(leasts.begin(), leasts.end()));
      for (Epoch e : leasts) CHECK(e <= 10 * (w + 1));
    }
  }
}
