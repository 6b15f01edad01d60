// Tests for Probe and op::probe: frontiers per worker (0 before a run, empty after),
// and subscribe(), which wakes an operator whenever the probed frontier moves.
#include <sluice/operators/probe.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <thread>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("a probe reads 0 before the run and empty on every worker after it") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("probe");
    std::vector<TestingSource<int>::Partition> parts(2);
    parts[0] = {{0, 1}, {3, 2}};
    parts[1] = {{1, 3}, {8, 4}};
    auto in = op::input(flow, "in", TestingSource<int>::partitioned(parts));
    Probe probe;
    op::probe("probe", in, probe);
    for (std::uint32_t w = 0; w < workers; ++w) CHECK(probe.frontier(w) == Frontier{0});
    CHECK(probe.less_than(0, 1));
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    for (std::uint32_t w = 0; w < workers; ++w) {
      CAPTURE(w);
      CHECK(probe.frontier(w).empty());
      CHECK_FALSE(probe.less_than(w, 1'000'000));
    }
  }
}

namespace {
// Shared between the test, the paced source and the counting step.
struct Pacing {
  std::atomic<std::uint64_t> inspected{0};  // records the counting step has seen
  std::atomic<std::uint64_t> emitted{0};
  std::atomic<std::uint64_t> early{0};  // epoch e emitted before all earlier records were seen
  std::atomic<bool> give_up{false};     // set by the test if the run stalls
};

// On every worker, emits one record at epoch e only once the probe shows that
// everything before e has passed; it is woken only through its probe subscription.
Stream<std::uint64_t> paced_source(const Dataflow& flow, Probe probe, Epoch epochs,
                                   std::shared_ptr<Pacing> pacing, std::shared_ptr<Gate> gate) {
  OperatorBuilder b(flow, "paced");
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([=](OperatorContext& ctx) {
    Probe(probe).subscribe(ctx.worker_index(), ctx.activator());
    return [=, cap = ctx.take_initial_capability(), next = Epoch{0},
            enrolled = Enrollment(gate, ctx.activator())](OperatorContext& ctx) mutable {
      if (!cap) return;
      if (pacing->give_up.load()) {
        cap.drop();
        return;
      }
      if (probe.less_than(ctx.worker_index(), next)) return;  // wait for the probe
      if (pacing->inspected.load() < next * ctx.workers()) ++pacing->early;
      ctx.output(out).session(cap).give(next);
      ++pacing->emitted;
      if (++next == epochs) {
        cap.drop();
      } else {
        cap.downgrade(next);
      }
    };
  });
  return stream;
}
}  // namespace

TEST_CASE("subscribe wakes an operator whenever the probed frontier moves") {
  constexpr Epoch kEpochs = 25;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("paced");
    Probe probe;
    auto pacing = std::make_shared<Pacing>();
    auto gate = std::make_shared<Gate>();
    auto source = paced_source(flow, probe, kEpochs, pacing, gate);
    auto routed = pass("route", source, exchange([](const std::uint64_t& x) { return x; }));
    auto counted =
        op::inspect("count", routed, [pacing](const std::uint64_t&) { ++pacing->inspected; });
    TestingSink<std::uint64_t> sink;
    op::output("out", counted, sink);
    op::probe("probe", counted, probe);
    RunConfig config;
    config.workers = workers;

    BackgroundRun background(flow, config);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!background.done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const bool finished = background.done();
    CHECK_MESSAGE(finished, "the paced source was not woken by its probe subscription");
    if (!finished) {
      pacing->give_up.store(true);
      gate->poke();
    }
    background.join();
    CHECK(pacing->emitted.load() == kEpochs * workers);
    CHECK(pacing->early.load() == 0);
    CHECK(sink.values().size() == kEpochs * workers);
    for (std::uint32_t w = 0; w < workers; ++w) CHECK(probe.frontier(w).empty());
  }
}

TEST_CASE("a probe reads the largest epoch as an epoch, not as completion") {
  constexpr Epoch kLast = std::numeric_limits<Epoch>::max();
  auto gate = std::make_shared<Gate>();
  Dataflow flow("last");
  auto held = held_source(flow, "hold", gate, kLast, 1);
  Probe probe;
  op::probe("probe", held, probe);
  BackgroundRun background(flow, RunConfig{}, gate);
  REQUIRE(gate->wait_for_waiting(1, std::chrono::seconds(30)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (probe.frontier(0) == Frontier{0} && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // The source still holds a capability at kLast: data may still arrive there.
  CHECK(probe.frontier(0) == Frontier{kLast});
  CHECK_FALSE(background.done());
  gate->open();
  background.join();
  CHECK(probe.frontier(0).empty());
}

// A Probe forgets the Activators of an earlier run (their operators are gone) and starts
// again at 0 when the next run's operators are built.
TEST_CASE("a probe and its subscribers work again when the dataflow runs a second time") {
  constexpr Epoch kEpochs = 10;
  constexpr std::uint32_t kWorkers = 2;
  Dataflow flow("rerun");
  Probe probe;
  auto pacing = std::make_shared<Pacing>();
  auto gate = std::make_shared<Gate>();
  auto source = paced_source(flow, probe, kEpochs, pacing, gate);
  auto counted =
      op::inspect("count", source, [pacing](const std::uint64_t&) { ++pacing->inspected; });
  op::probe("probe", counted, probe);
  RunConfig config;
  config.workers = kWorkers;
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    pacing->inspected.store(0);
    pacing->emitted.store(0);
    run(flow, config);
    CHECK(pacing->emitted.load() == kEpochs * kWorkers);
    CHECK(pacing->early.load() == 0);
    for (std::uint32_t w = 0; w < kWorkers; ++w) CHECK(probe.frontier(w).empty());
  }
}
