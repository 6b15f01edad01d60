// Tests for OperatorBuilder: constructors run once per worker, operators with two
// inputs and two outputs, and set_summary's effect on downstream frontiers.
#include <sluice/operators/operator_builder.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {
using Parts = std::vector<TestingSource<std::uint64_t>::Partition>;

// Waits (bounded) until `probe` on worker `w` reads `e` or later, and returns it.
Frontier wait_reach(const Probe& probe, std::uint32_t w, Epoch e) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (probe.less_than(w, e) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return probe.frontier(w);
}
}  // namespace

TEST_CASE("a constructor runs once on every worker with that worker's context") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    struct Seen {
      std::mutex mutex;
      std::multiset<std::uint32_t> indexes;
      std::set<std::uint32_t> counts;
      std::set<std::string> paths;
    };
    auto seen = std::make_shared<Seen>();
    Dataflow flow("ctors");
    auto in = op::input(flow, "in", TestingSource<int>::of({1}));
    OperatorBuilder b(in, "watch");
    auto port = b.add_input(in);
    CHECK(b.step_path() == "ctors.watch");
    b.build([seen, port](OperatorContext& ctx) {
      std::lock_guard<std::mutex> lock(seen->mutex);
      seen->indexes.insert(ctx.worker_index());
      seen->counts.insert(ctx.workers());
      seen->paths.insert(ctx.step_path());
      return [port](OperatorContext& ctx) { ctx.input(port).for_each([](InputBatch<int>&) {}); };
    });
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::multiset<std::uint32_t> expected;
    for (std::uint32_t w = 0; w < workers; ++w) expected.insert(w);
    CHECK(seen->indexes == expected);
    CHECK(seen->counts == std::set<std::uint32_t>{workers});
    CHECK(seen->paths == std::set<std::string>{"ctors.watch"});
  }
}

TEST_CASE("an operator with two inputs merges both streams, keeping epochs") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts left = random_partitions(seed, 3, 5'000, 5);
  const Parts right = random_partitions(seed + 1, 2, 4'000, 7);
  auto expected = sorted_items<std::uint64_t>(left);
  for (const auto& x : sorted_items<std::uint64_t>(right)) expected.push_back(x);
  std::sort(expected.begin(), expected.end());
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("merge");
    auto l = op::input(flow, "left", TestingSource<std::uint64_t>::partitioned(left));
    auto r = op::input(flow, "right", TestingSource<std::uint64_t>::partitioned(right));
    OperatorBuilder b(l, "union");
    auto in_l = b.add_input(l);
    auto in_r = b.add_input(r, exchange([](const std::uint64_t& x) { return x; }));
    auto [out, merged] = b.add_output<std::uint64_t>();
    b.build([=](OperatorContext&) {
      return [=](OperatorContext& ctx) {
        auto output = ctx.output(out);
        auto forward = [&](InputBatch<std::uint64_t>& batch) {
          output.session(batch).give_vector(batch.items());
        };
        ctx.input(in_l).for_each(forward);
        ctx.input(in_r).for_each(forward);
      };
    });
    TestingSink<std::uint64_t> sink;
    op::output("out", merged, sink);
    RunConfig config;
    config.workers = workers;
    config.batch_size = 50;
    run(flow, config);
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
  }
}

TEST_CASE("an operator with two outputs sends each record to the output it chooses") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = random_partitions(seed, 4, 10'000, 6);
  std::vector<std::pair<Epoch, std::uint64_t>> evens, odds;
  for (const auto& item : sorted_items<std::uint64_t>(parts)) {
    (item.second % 2 == 0 ? evens : odds).push_back(item);
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("branch");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    OperatorBuilder b(in, "split");
    auto input = b.add_input(in);
    auto [even_port, even] = b.add_output<std::uint64_t>();
    auto [odd_port, odd] = b.add_output<std::uint64_t>();
    b.build([=, even_port = even_port, odd_port = odd_port](OperatorContext&) {
      return [=](OperatorContext& ctx) {
        auto to_even = ctx.output(even_port);
        auto to_odd = ctx.output(odd_port);
        ctx.input(input).for_each([&](InputBatch<std::uint64_t>& batch) {
          auto e = to_even.session(batch);
          auto o = to_odd.session(batch);
          for (const std::uint64_t x : batch) (x % 2 == 0 ? e : o).give(x);
        });
      };
    });
    TestingSink<std::uint64_t> even_sink, odd_sink;
    op::output("even_out", even, even_sink);
    op::output("odd_out", odd, odd_sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    CHECK(sorted_items<std::uint64_t>(even_sink) == evens);
    CHECK(sorted_items<std::uint64_t>(odd_sink) == odds);
  }
}

namespace {
// Re-emits every record one epoch later: the declared summary (delay 1) is what it does.
Stream<std::uint64_t> delay_one(const Stream<std::uint64_t>& up, bool declare) {
  OperatorBuilder b(up, "delay");
  auto in = b.add_input(up);
  auto [out, stream] = b.add_output<std::uint64_t>();
  if (declare) b.set_summary(0, 0, Epoch{1});
  b.build([in, out](OperatorContext&) {
    return [in, out](OperatorContext& ctx) {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<std::uint64_t>& batch) {
        Capability later = batch.retain().delayed(batch.epoch() + 1);
        output.session(later).give_vector(batch.items());
      });
    };
  });
  return stream;
}
}  // namespace

TEST_CASE("set_summary with a delay of one epoch makes the downstream frontier lag by one") {
  for (bool declare : {true, false}) {
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(declare);
      CAPTURE(workers);
      auto gate = std::make_shared<Gate>();
      Dataflow flow("summary");
      auto held = held_source(flow, "hold", gate, 3, 2);
      Probe probe;
      TestingSink<std::uint64_t> sink;
      auto delayed = delay_one(held, declare);
      op::output("out", delayed, sink);
      op::probe("probe", delayed, probe);
      RunConfig config;
      config.workers = workers;
      BackgroundRun background(flow, config, gate);
      REQUIRE(gate->wait_for_waiting(workers, std::chrono::seconds(30)));
      // The sources hold epoch 3. With the summary declared, nothing before 4 can
      // come out of the delay step; without it, epoch 3 still might. (On the way
      // there, a source not yet at 3 holds the frontier at 0 or, declared, at 1.)
      const Epoch expected = declare ? 4 : 3;
      for (std::uint32_t w = 0; w < workers; ++w) {
        CAPTURE(w);
        CHECK(wait_reach(probe, w, expected) == Frontier{expected});
      }
      gate->open();
      background.join();
      const auto records = sink.records();
      CHECK(records.size() == 2 * workers);
      for (const auto& r : records) CHECK(r.epoch == 4);
    }
  }
}

TEST_CASE("set_summary with no path lets the frontier pass an input that is still held") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto gate = std::make_shared<Gate>();
    Dataflow flow("nopath");
    auto held = held_source(flow, "hold", gate, 2);
    auto data = op::input(flow, "data", TestingSource<std::uint64_t>::of({10, 20}));
    OperatorBuilder b(data, "ignore_held");
    auto in_data = b.add_input(data);
    auto in_held = b.add_input(held);
    auto [out, stream] = b.add_output<std::uint64_t>();
    b.set_summary(1, 0, std::nullopt);  // the held input never causes output
    b.build([=](OperatorContext&) {
      return [=](OperatorContext& ctx) {
        auto output = ctx.output(out);
        ctx.input(in_data).for_each([&](InputBatch<std::uint64_t>& batch) {
          output.session(batch).give_vector(batch.items());
        });
        ctx.input(in_held).for_each([](InputBatch<std::uint64_t>&) {});
      };
    });
    Probe probe;
    op::probe("probe", stream, probe);
    RunConfig config;
    config.workers = workers;
    BackgroundRun background(flow, config, gate);
    REQUIRE(gate->wait_for_waiting(workers, std::chrono::seconds(30)));
    for (std::uint32_t w = 0; w < workers; ++w) {
      CAPTURE(w);
      CHECK(wait_reach(probe, w, 1'000'000).empty());
    }
    CHECK_FALSE(background.done());
    gate->open();
    background.join();
  }
}

TEST_CASE("set_summary naming a missing port and an input from another dataflow are refused") {
  Dataflow flow("ports");
  auto in = op::input(flow, "in", TestingSource<int>::of({1}));
  OperatorBuilder b(in, "step");
  b.add_input(in);
  b.add_output<int>();
  CHECK_THROWS_AS(b.set_summary(1, 0, Epoch{0}), ConfigError);
  CHECK_THROWS_AS(b.set_summary(0, 1, Epoch{0}), ConfigError);
  CHECK_NOTHROW(b.set_summary(0, 0, Epoch{2}));

  Dataflow other("other");
  auto foreign = op::input(other, "in", TestingSource<int>::of({1}));
  try {
    b.add_input(foreign);
    FAIL("a stream from another dataflow was accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("ports.step") != std::string::npos);
  }
}

TEST_CASE("a retained capability lets an operator emit after its input batch is gone") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("retain");
    std::vector<TestingSource<std::uint64_t>::Partition> parts(3);
    for (std::uint64_t i = 0; i < 90; ++i) parts[i % 3].push_back({i / 10, i});
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    // Holds each batch's epoch and emits the batch's size there on a later activation.
    OperatorBuilder b(in, "later");
    auto input = b.add_input(in);
    auto [out, sizes] = b.add_output<std::uint64_t>();
    b.build([=](OperatorContext&) {
      return [=, held = std::vector<std::pair<Capability, std::uint64_t>>{}](
                 OperatorContext& ctx) mutable {
        for (auto& [cap, n] : held) ctx.output(out).session(cap).give(n);
        held.clear();  // releases the capabilities
        ctx.input(input).for_each([&](InputBatch<std::uint64_t>& batch) {
          held.emplace_back(batch.retain(), batch.size());
        });
        if (!held.empty()) ctx.activate();
      };
    });
    TestingSink<std::uint64_t> sink;
    op::output("out", sizes, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::map<Epoch, std::uint64_t> per_epoch;
    for (const auto& r : sink.records()) per_epoch[r.epoch] += r.value;
    std::map<Epoch, std::uint64_t> expected;
    for (Epoch e = 0; e < 9; ++e) expected[e] = 10;
    CHECK(per_epoch == expected);
  }
}
