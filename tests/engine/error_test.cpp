// Errors: a throwing user function stops the run with a StepError naming the step
// path, worker, epoch and item, at any worker count and without hanging; bad graphs
// and configurations are refused with a ConfigError before any data moves.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("a map that throws stops the run with a StepError naming step, worker, epoch, item") {
  constexpr std::uint64_t kBad = 4242;
  constexpr std::size_t kBadPartition = 2;
  constexpr Epoch kBadEpoch = 3;
  // Plenty of data after the bad record, and tiny channels, so other workers are
  // blocked on full channels when the error happens.
  std::vector<TestingSource<std::uint64_t>::Partition> parts(3);
  for (std::uint64_t i = 0; i < 60'000; ++i) {
    const std::size_t p = i % 3;
    const std::uint64_t x = i == 3 * 1000 + kBadPartition ? kBad : i + 1'000'000;
    parts[p].push_back({i < 3 * 1000 ? i / 3 / 300 : kBadEpoch + i / 20'000, x});
  }
  REQUIRE(parts[kBadPartition][1000].value == kBad);
  REQUIRE(parts[kBadPartition][1000].epoch == kBadEpoch);

  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("errs");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto mapped = op::map("explode", in, [](const std::uint64_t& x) {
      if (x == kBad) throw std::runtime_error("boom");
      return x;
    });
    auto routed = pass("route", mapped, exchange([](const std::uint64_t& x) { return x; }));
    op::output("out", routed, TestingSink<std::uint64_t>());
    RunConfig config;
    config.workers = workers;
    config.batch_size = 4;
    config.channel_capacity = 1;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      const std::uint32_t owner = kBadPartition % workers;
      CHECK(e.step() == "errs.explode");
      CHECK(e.worker() == std::optional<std::uint32_t>(owner));
      CHECK(e.epoch() == std::optional<Epoch>(kBadEpoch));
      CHECK(e.item() == "4242");
      CHECK(e.reason() == "boom");
      const std::string what = e.what();
      CAPTURE(what);
      CHECK(contains(what, "errs.explode"));
      // std::string("worker ") +, not "worker " +: GCC 12 warns -Wrestrict (a false
      // positive, PR 105329).
      CHECK(contains(what, std::string("worker ") + std::to_string(owner)));
      CHECK(contains(what, std::string("epoch ") + std::to_string(kBadEpoch)));
      CHECK(contains(what, "boom"));
      CHECK(contains(what, "4242"));
    }
  }
}

TEST_CASE("an operator that throws a non-standard exception still reports a StepError") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("odd");
    auto in = op::input(flow, "in", TestingSource<int>::of({1, 2, 3}));
    op::output("out", op::map("throw_int", in, [](int x) -> int { throw x; }), TestingSink<int>());
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "odd.throw_int");
      CHECK(e.worker() == std::optional<std::uint32_t>(0));
      CHECK(e.epoch() == std::optional<Epoch>(0));
      CHECK(e.item() == "1");
    }
  }
}

TEST_CASE("a step id used twice is refused with a ConfigError naming it") {
  Dataflow flow("dup");
  op::input(flow, "numbers", TestingSource<int>::of({1}));
  try {
    op::input(flow, "numbers", TestingSource<int>::of({2}));
    FAIL("the duplicate step was accepted");
  } catch (const ConfigError& e) {
    CHECK(contains(e.what(), "'numbers'"));
    CHECK(contains(e.what(), "dup"));
  }
  CHECK(flow.step_count() == 1);
}

TEST_CASE("a step id containing a dot is refused with a ConfigError") {
  Dataflow flow("dots");
  CHECK_THROWS_AS(op::input(flow, "a.b", TestingSource<int>::of({1})), ConfigError);
  CHECK_THROWS_AS(op::input(flow, "", TestingSource<int>::of({1})), ConfigError);
  CHECK_THROWS_AS(Dataflow("x.y"), ConfigError);
  CHECK_THROWS_AS(Dataflow(""), ConfigError);
}

TEST_CASE("run refuses zero workers and other bad configurations with a ConfigError") {
  Dataflow flow("cfg");
  TestingSink<int> sink;
  op::output("out", op::input(flow, "in", TestingSource<int>::of({1, 2})), sink);
  auto with = [](auto change) {
    RunConfig c;
    change(c);
    return c;
  };
  try {
    run(flow, with([](RunConfig& c) { c.workers = 0; }));
    FAIL("workers = 0 was accepted");
  } catch (const ConfigError& e) {
    CHECK(contains(e.what(), "workers"));
  }
  CHECK_THROWS_AS(run(flow, with([](RunConfig& c) { c.batch_size = 0; })), ConfigError);
  CHECK_THROWS_AS(run(flow, with([](RunConfig& c) { c.channel_capacity = 0; })), ConfigError);
  CHECK_THROWS_AS(
      run(flow, with([](RunConfig& c) { c.epoch_interval = std::chrono::milliseconds(0); })),
      ConfigError);
  CHECK(sink.values().empty());  // nothing ran
}

TEST_CASE("an empty dataflow and an unbuilt step are refused with a ConfigError") {
  CHECK_THROWS_AS(run(Dataflow("empty")), ConfigError);
  Dataflow flow("unbuilt");
  OperatorBuilder b(flow, "half");
  b.add_output<int>();
  try {
    run(flow);
    FAIL("an unbuilt step was accepted");
  } catch (const ConfigError& e) {
    CHECK(contains(e.what(), "unbuilt.half"));
  }
}

TEST_CASE("a testing source whose epochs decrease is refused with a ConfigError naming it") {
  Dataflow flow("epochs");
  TestingSource<int>::Partition items{{0, 1}, {2, 2}, {1, 3}};
  try {
    op::input(flow, "backwards", TestingSource<int>(items));
    FAIL("decreasing epochs were accepted");
  } catch (const ConfigError& e) {
    CHECK(contains(e.what(), "epochs.backwards"));
    CHECK(contains(e.what(), "item 2"));
  }
}

TEST_CASE("a constructor that throws stops the run with a StepError naming the step") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("ctor");
    auto in = op::input(flow, "in", TestingSource<int>::of({1, 2, 3}));
    OperatorBuilder b(in, "fragile");
    b.add_input(in);
    b.build([](OperatorContext& ctx) {
      if (ctx.worker_index() + 1 == ctx.workers()) throw std::runtime_error("no resources");
      return [](OperatorContext&) {};
    });
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "ctor.fragile");
      CHECK(e.worker() == std::optional<std::uint32_t>(workers - 1));
      CHECK(contains(e.reason(), "no resources"));
    }
  }
}

TEST_CASE("a failure stops the run even while other sources wait holding capabilities") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto gate = std::make_shared<Gate>();  // never opened before the run ends
    Dataflow flow("stuck");
    auto held = held_source(flow, "hold", gate, 2, 5);
    auto data = op::input(flow, "data", TestingSource<std::uint64_t>::of({1, 2, 3}));
    auto bad = op::map("bad", data, [](std::uint64_t x) -> std::uint64_t {
      if (x == 3) throw std::runtime_error("late failure");
      return x;
    });
    op::output("held_out", held, TestingSink<std::uint64_t>());
    op::output("bad_out", bad, TestingSink<std::uint64_t>());
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "stuck.bad");
      CHECK(e.item() == "3");
    }
    CHECK_FALSE(gate->is_open());
  }
}
