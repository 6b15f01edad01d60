// Tests for TestingSource and op::input: partition p is read by worker p % W in
// order, at the epochs its items carry; empty partitions and sources finish.
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {
using Parts = std::vector<TestingSource<std::uint64_t>::Partition>;

TestingSink<std::uint64_t> read_all(const TestingSource<std::uint64_t>& source,
                                    std::uint32_t workers) {
  Dataflow flow("source");
  TestingSink<std::uint64_t> sink;
  op::output("out", op::input(flow, "in", source), sink);
  RunConfig config;
  config.workers = workers;
  config.batch_size = 7;
  run(flow, config);
  return sink;
}

constexpr std::uint64_t kStride = 1'000'000;  // value = partition * kStride + index
}  // namespace

TEST_CASE("partition p is read by worker p % W, in order, at its items' epochs") {
  Parts parts(5);
  for (std::uint64_t p = 0; p < 5; ++p) {
    for (std::uint64_t i = 0; i < 200 + 50 * p; ++i) parts[p].push_back({i / 40, p * kStride + i});
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto sink = read_all(TestingSource<std::uint64_t>::partitioned(parts), workers);
    std::map<std::uint64_t, std::vector<std::uint64_t>> order;  // partition -> indexes seen
    std::size_t wrong_worker = 0, wrong_epoch = 0;
    for (const auto& r : sink.records()) {
      const std::uint64_t p = r.value / kStride, i = r.value % kStride;
      wrong_worker += r.worker != p % workers;
      wrong_epoch += r.epoch != i / 40;
      order[p].push_back(i);
    }
    CHECK(wrong_worker == 0);
    CHECK(wrong_epoch == 0);
    for (std::uint64_t p = 0; p < 5; ++p) {
      CAPTURE(p);
      std::vector<std::uint64_t> expected(parts[p].size());
      for (std::uint64_t i = 0; i < expected.size(); ++i) expected[i] = i;
      CHECK(order[p] == expected);  // per worker, arrival order keeps partition order
    }
  }
}

TEST_CASE("a source with only empty partitions, or none, finishes with no records") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    CHECK(read_all(TestingSource<std::uint64_t>::partitioned(Parts(4)), workers).values().empty());
    CHECK(read_all(TestingSource<std::uint64_t>::partitioned(Parts{}), workers).values().empty());
    CHECK(read_all(TestingSource<std::uint64_t>(TestingSource<std::uint64_t>::Partition{}), workers)
              .values()
              .empty());
  }
}

TEST_CASE("empty partitions next to full ones leave the others' records intact") {
  Parts parts(6);
  parts[1] = {{0, 10}, {1, 11}, {1, 12}};
  parts[4] = {{2, 40}, {9, 41}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto sink = read_all(TestingSource<std::uint64_t>::partitioned(parts), workers);
    const std::vector<std::pair<Epoch, std::uint64_t>> expected = {
        {0, 10}, {1, 11}, {1, 12}, {2, 40}, {9, 41}};
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
    for (const auto& r : sink.records()) CHECK(r.worker == (r.value < 40 ? 1 : 4) % workers);
  }
}

TEST_CASE("a source whose items share one epoch delivers them all at that epoch") {
  std::vector<std::uint64_t> values(1000);
  for (std::uint64_t i = 0; i < values.size(); ++i) values[i] = i;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto at_zero = read_all(TestingSource<std::uint64_t>::of(values), workers);
    CHECK(at_zero.values() == values);  // one partition: worker 0, in order
    for (const auto& r : at_zero.records()) CHECK((r.epoch == 0 && r.worker == 0));

    TestingSource<std::uint64_t>::Partition late;
    for (std::uint64_t v : values) late.push_back({42, v});
    const auto at_42 = read_all(TestingSource<std::uint64_t>(late), workers);
    CHECK(at_42.values() == values);
    std::size_t wrong_epoch = 0;
    for (const auto& r : at_42.records()) wrong_epoch += r.epoch != 42;
    CHECK(wrong_epoch == 0);
  }
}

TEST_CASE("a partition larger than one activation's budget is read completely and in order") {
  TestingSource<std::uint64_t>::Partition big;
  for (std::uint64_t i = 0; i < 150'000; ++i) big.push_back({i / 50'000, i});
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto sink = read_all(TestingSource<std::uint64_t>(big), workers);
    const auto records = sink.records();
    REQUIRE(records.size() == big.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      mismatches += records[i].value != i || records[i].epoch != i / 50'000;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("epochs may repeat and jump within a partition") {
  TestingSource<std::uint64_t>::Partition items{{0, 1}, {0, 2}, {5, 3}, {5, 4}, {1000, 5}};
  const auto sink = read_all(TestingSource<std::uint64_t>(items), 2);
  const std::vector<std::pair<Epoch, std::uint64_t>> expected = {
      {0, 1}, {0, 2}, {5, 3}, {5, 4}, {1000, 5}};
  CHECK(sorted_items<std::uint64_t>(sink) == expected);
}

TEST_CASE("a source keeps its items, so a dataflow reading it can run again") {
  Dataflow flow("twice");
  TestingSink<std::uint64_t> sink;
  op::output("out", op::input(flow, "in", TestingSource<std::uint64_t>::of({1, 2, 3})), sink);
  run(flow);
  run(flow);
  CHECK(sink.values() == std::vector<std::uint64_t>{1, 2, 3, 1, 2, 3});
}

namespace {
using Source = TestingSource<std::uint64_t>;
using Item = Source::Item;

std::vector<std::pair<Epoch, std::uint64_t>> run_sorted(const Dataflow& flow,
                                                        TestingSink<std::uint64_t> sink,
                                                        std::uint32_t workers) {
  sink.clear();
  RunConfig config;
  config.workers = workers;
  run(flow, config);
  return sorted_items<std::uint64_t>(sink);
}
}  // namespace

TEST_CASE("an eof marker ends its partition for this run; a resumed run reads what follows") {
  const std::vector<Source::Partition> parts = {
      {{0, 1}, {0, 2}, Item::eof(), {1, 3}, {2, 4}},
      {{0, 10}, {3, 11}, Item::eof(), {4, 12}},  // a marker's epoch takes no part in the order
      {{0, 20}},
  };
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto source = Source::partitioned(parts);
    Dataflow flow("flow");
    TestingSink<std::uint64_t> sink;
    op::output("out", op::input(flow, "in", source), sink);
    using Got = std::vector<std::pair<Epoch, std::uint64_t>>;
    CHECK(run_sorted(flow, sink, workers) == Got{{0, 1}, {0, 2}, {0, 10}, {0, 20}, {3, 11}});
    CHECK(source.positions() == std::vector<std::size_t>{3, 3, 1});
    source.resume_from(source.positions());
    CHECK(run_sorted(flow, sink, workers) == Got{{1, 3}, {2, 4}, {4, 12}});
    CHECK(source.positions() == std::vector<std::size_t>{5, 4, 1});
    // Runs start where resume_from said until it is called again.
    CHECK(run_sorted(flow, sink, workers) == Got{{1, 3}, {2, 4}, {4, 12}});
    source.resume_from(source.positions());
    CHECK(run_sorted(flow, sink, workers).empty());
  }
}

TEST_CASE("an abort marker stops the run with a StepError; a resumed run continues after it") {
  const std::vector<Source::Partition> parts = {
      {{0, 1}, {1, 2}, Item::abort(), {2, 3}, {2, 4}},
      {{0, 10}, {0, 11}},
  };
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto source = Source::partitioned(parts);
    Dataflow flow("flow");
    TestingSink<std::uint64_t> sink;
    op::output("out", op::input(flow, "in", source), sink);
    std::optional<StepError> error;
    try {
      RunConfig config;
      config.workers = workers;
      run(flow, config);
    } catch (const StepError& e) {
      error = e;
    }
    REQUIRE(error.has_value());
    CHECK(error->step() == "flow.in");
    CHECK(error->worker() == std::optional<std::uint32_t>(0));
    CHECK(error->epoch() == std::optional<Epoch>(1));
    CHECK(error->reason().find("aborted by the testing source's abort marker") !=
          std::string::npos);
    CHECK(source.positions()[0] == 3);
    source.resume_from({3, 2});
    using Got = std::vector<std::pair<Epoch, std::uint64_t>>;
    CHECK(run_sorted(flow, sink, workers) == Got{{2, 3}, {2, 4}});
  }
}

TEST_CASE("resume_from needs one index per partition, within the partition") {
  const auto source = Source::partitioned({{{0, 1}, {0, 2}}, {}});
  CHECK_THROWS_AS(source.resume_from({1}), ConfigError);
  CHECK_THROWS_AS(source.resume_from({3, 0}), ConfigError);
  CHECK_THROWS_AS(source.resume_from({0, 1}), ConfigError);
  CHECK_NOTHROW(source.resume_from({2, 0}));
  CHECK(source.positions() == std::vector<std::size_t>{2, 0});
}
