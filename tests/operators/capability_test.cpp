// Tests for Capability: a move-only right to emit at an epoch that only moves
// forward (downgrade, delayed), is released when dropped, and holds back the
// frontier of everything downstream while held.
#include <sluice/operators/capability.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {
bool throws_logic_error(const std::function<void()>& f, const std::string& part) {
  try {
    f();
  } catch (const std::logic_error& e) {
    return std::string(e.what()).find(part) != std::string::npos;
  }
  return false;
}

// What an operator constructor observed about its capabilities (written on worker 0).
struct Observed {
  bool initial_valid = false;
  Epoch initial_epoch = 99;
  bool second_take_empty = false;
  bool delayed_keeps_original = false;
  bool delayed_backwards_throws = false;
  bool downgrade_same_epoch_ok = false;
  bool downgrade_backwards_throws = false;
  bool moved_from_empty = false;
  bool dropped_empty = false;
  bool empty_downgrade_throws = false;
  bool empty_delay_throws = false;
};
}  // namespace

TEST_CASE("capabilities move only forward, move like values and are empty once dropped") {
  auto seen = std::make_shared<Observed>();
  Dataflow flow("caps");
  OperatorBuilder b(flow, "probe_caps");
  auto [out, stream] = b.add_output<int>();
  b.build([seen](OperatorContext& ctx) {
    Observed& o = *seen;
    Capability initial = ctx.take_initial_capability();
    o.initial_valid = initial.valid() && static_cast<bool>(initial);
    o.initial_epoch = initial.epoch();
    o.second_take_empty = !ctx.take_initial_capability().valid();

    Capability at5 = initial.delayed(5);
    o.delayed_keeps_original = initial.epoch() == 0 && at5.epoch() == 5;
    o.delayed_backwards_throws =
        throws_logic_error([&] { (void)at5.delayed(4); }, "from epoch 5 back to epoch 4");
    at5.downgrade(5);
    o.downgrade_same_epoch_ok = at5.epoch() == 5;
    o.downgrade_backwards_throws =
        throws_logic_error([&] { at5.downgrade(1); }, "from epoch 5 back to epoch 1");

    Capability moved = std::move(at5);
    o.moved_from_empty = !at5.valid() && moved.valid() && moved.epoch() == 5;
    moved.drop();
    o.dropped_empty = !moved.valid();
    o.empty_downgrade_throws = throws_logic_error([&] { moved.downgrade(7); }, "empty");
    o.empty_delay_throws = throws_logic_error([&] { (void)moved.delayed(7); }, "empty");
    return [](OperatorContext&) {};
  });
  TestingSink<int> sink;
  op::output("out", stream, sink);
  run(flow);
  CHECK(seen->initial_valid);
  CHECK(seen->initial_epoch == 0);
  CHECK(seen->second_take_empty);
  CHECK(seen->delayed_keeps_original);
  CHECK(seen->delayed_backwards_throws);
  CHECK(seen->downgrade_same_epoch_ok);
  CHECK(seen->downgrade_backwards_throws);
  CHECK(seen->moved_from_empty);
  CHECK(seen->dropped_empty);
  CHECK(seen->empty_downgrade_throws);
  CHECK(seen->empty_delay_throws);
  CHECK(sink.values().empty());
}

TEST_CASE("dropping the earliest of several capabilities moves the frontier to the next") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto gate = std::make_shared<Gate>();
    auto stage = std::make_shared<std::atomic<int>>(0);
    Dataflow flow("stages");
    OperatorBuilder b(flow, "two_caps");
    auto [out, stream] = b.add_output<int>();
    b.build([gate, stage](OperatorContext& ctx) {
      Capability initial = ctx.take_initial_capability();
      return [stage, at2 = initial.delayed(2), at5 = initial.delayed(5), first = true,
              enrolled = Enrollment(gate, ctx.activator())](OperatorContext&) mutable {
        if (first) {
          first = false;
          enrolled.gate().arrived();
        }
        if (stage->load() >= 1) at2.drop();
        if (stage->load() >= 2) at5.drop();
      };
    });
    Probe probe;
    op::probe("probe", stream, probe);
    RunConfig config;
    config.workers = workers;
    BackgroundRun background(flow, config, gate);
    // The destructor of `background` opens the gate, which this operator ignores:
    // make sure a failed REQUIRE still ends the run.
    struct Finish {
      std::shared_ptr<std::atomic<int>> stage;
      std::shared_ptr<Gate> gate;
      ~Finish() {
        stage->store(2);
        gate->poke();
      }
    } finish{stage, gate};
    REQUIRE(gate->wait_for_waiting(workers, std::chrono::seconds(30)));

    auto wait_for = [&](Frontier want) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      for (std::uint32_t w = 0; w < workers; ++w) {
        while (probe.frontier(w) != want && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        CAPTURE(w);
        CHECK(probe.frontier(w) == want);
      }
    };
    wait_for(Frontier{2});
    stage->store(1);
    gate->poke();
    wait_for(Frontier{5});
    CHECK_FALSE(background.done());
    stage->store(2);
    gate->poke();
    background.join();
    for (std::uint32_t w = 0; w < workers; ++w) CHECK(probe.frontier(w).empty());
  }
}

TEST_CASE("output through an empty capability stops the run with a StepError") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("nocap");
    OperatorBuilder b(flow, "emit");
    auto [out, stream] = b.add_output<int>();
    b.build([out](OperatorContext&) {
      return [out](OperatorContext& ctx) {
        Capability none;
        ctx.output(out).session(none).give(1);
      };
    });
    op::output("out", stream, TestingSink<int>());
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "nocap.emit");
      CHECK(e.reason().find("capability") != std::string::npos);
    }
  }
}

TEST_CASE("a capability delayed from a batch emits at the later epoch") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("delay");
    std::vector<TestingSource<int>::Partition> parts(2);
    parts[0] = {{1, 10}, {4, 40}};
    parts[1] = {{2, 20}};
    auto in = op::input(flow, "in", TestingSource<int>::partitioned(parts));
    OperatorBuilder b(in, "plus_ten");
    auto input = b.add_input(in);
    auto [out, stream] = b.add_output<int>();
    b.build([=](OperatorContext&) {
      return [=](OperatorContext& ctx) {
        ctx.input(input).for_each([&](InputBatch<int>& batch) {
          Capability later = batch.retain().delayed(batch.epoch() + 10);
          ctx.output(out).session(later).give_vector(batch.items());
        });
      };
    });
    TestingSink<int> sink;
    op::output("out", stream, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    const std::vector<std::pair<Epoch, int>> expected = {{11, 10}, {12, 20}, {14, 40}};
    CHECK(sorted_items<int>(sink) == expected);
  }
}

TEST_CASE(
    "a session at a later epoch under a held capability emits there, and an earlier one is "
    "refused") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("later");
    OperatorBuilder b(flow, "emit");
    auto [out, stream] = b.add_output<int>();
    b.build([out](OperatorContext& ctx) {
      return [out, cap = ctx.take_initial_capability()](OperatorContext& ctx) mutable {
        if (ctx.worker_index() != 0) {
          cap.drop();
          return;
        }
        cap.downgrade(3);
        auto output = ctx.output(out);
        output.session(cap, 7).give(70);
        output.session(cap, 3).give(30);
        output.session(cap, 5).give(50);
        cap.drop();
      };
    });
    TestingSink<int> sink;
    op::output("out", stream, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    const std::vector<std::pair<Epoch, int>> expected = {{3, 30}, {5, 50}, {7, 70}};
    CHECK(sorted_items<int>(sink) == expected);

    Dataflow bad("early");
    OperatorBuilder c(bad, "emit");
    auto [bad_out, bad_stream] = c.add_output<int>();
    c.build([bad_out](OperatorContext& ctx) {
      return [bad_out, cap = ctx.take_initial_capability()](OperatorContext& ctx) mutable {
        cap.downgrade(4);
        ctx.output(bad_out).session(cap, 2).give(1);
      };
    });
    op::output("out", bad_stream, TestingSink<int>());
    try {
      run(bad, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "early.emit");
      CHECK(e.reason().find("cannot give output at epoch 2 under a capability at epoch 4") !=
            std::string::npos);
    }
  }
}
