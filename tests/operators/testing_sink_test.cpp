// Tests for TestingSink and op::output: records carry their epoch and worker,
// copies share one store, and clear() empties it.
#include <sluice/operators/testing_sink.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("a sink records every value with the epoch and worker it arrived at") {
  std::vector<TestingSource<std::string>::Partition> parts(3);
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 10; ++i)
      parts[p].push_back({static_cast<Epoch>(i), std::to_string(p * 100 + i)});
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("sink");
    TestingSink<std::string> sink;
    op::output("out", op::input(flow, "in", TestingSource<std::string>::partitioned(parts)), sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    const auto records = sink.records();
    REQUIRE(records.size() == 30);
    for (const auto& r : records) {
      const int n = std::stoi(r.value);
      CHECK(r.epoch == static_cast<Epoch>(n % 100));
      CHECK(r.worker == static_cast<std::uint32_t>(n / 100) % workers);
    }
    CHECK(sink.values().size() == 30);
  }
}

TEST_CASE("copies of a sink share one store and clear empties it for all of them") {
  TestingSink<int> a;
  TestingSink<int> b = a;
  std::vector<int> values{1, 2, 3};
  a.append(4, 1, values);
  CHECK(b.values() == std::vector<int>{1, 2, 3});
  REQUIRE(b.records().size() == 3);
  CHECK(b.records()[0].epoch == 4);
  CHECK(b.records()[0].worker == 1);
  b.clear();
  CHECK(a.values().empty());
  TestingSink<int> other;
  other.append(0, 0, values);
  CHECK(a.values().empty());
  CHECK(other.values().size() == 3);
}

TEST_CASE("a single-worker sink keeps arrival order") {
  std::vector<int> values;
  for (int i = 0; i < 5000; ++i) values.push_back(5000 - i);
  Dataflow flow("order");
  TestingSink<int> sink;
  op::output("out", op::input(flow, "in", TestingSource<int>::of(values)), sink);
  run(flow);
  CHECK(sink.values() == values);
}

TEST_CASE("two sinks on one stream each receive every record") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("tee");
    auto in = op::input(flow, "in", TestingSource<int>::of({1, 2, 3, 4}));
    TestingSink<int> left, right;
    op::output("left", in, left);
    op::output("right", in, right);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    CHECK(left.values() == std::vector<int>{1, 2, 3, 4});
    CHECK(right.values() == std::vector<int>{1, 2, 3, 4});
  }
}
