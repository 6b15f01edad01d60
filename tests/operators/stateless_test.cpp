// Tests for map, filter, flat_map and inspect: over random multi-partition inputs
// with several epochs, at 1, 2 and 3 workers, each matches a plain reference, keeps
// every record's epoch and leaves records on the worker that read them.
#include <sluice/operators/stateless.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

using Parts = std::vector<TestingSource<std::uint64_t>::Partition>;
constexpr std::uint64_t kFlip = 0x00ff00ff00ff00ffULL;

// Five partitions (the last one empty), eight epochs.
Parts input_parts(std::uint64_t seed) {
  Parts parts = random_partitions(seed, 4, 20'000, 8);
  parts.emplace_back();
  return parts;
}

// value -> the worker that reads its partition.
std::map<std::uint64_t, std::uint32_t> reader_of(const Parts& parts, std::uint32_t workers) {
  std::map<std::uint64_t, std::uint32_t> owner;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    for (const auto& item : parts[p]) owner[item.value] = static_cast<std::uint32_t>(p % workers);
  }
  return owner;
}

// Applies `step` to a fresh dataflow reading `parts` and runs it at `workers` workers.
template <class U, class Build>
TestingSink<U> run_step(const Parts& parts, std::uint32_t workers, Build step) {
  Dataflow flow("stateless");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  TestingSink<U> sink;
  op::output("out", step(in), sink);
  RunConfig config;
  config.workers = workers;
  config.batch_size = 100;
  run(flow, config);
  return sink;
}

template <class U>
std::vector<std::pair<Epoch, U>> sorted(std::vector<std::pair<Epoch, U>> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("map transforms every record and keeps its epoch and worker") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = input_parts(seed);
  std::vector<std::pair<Epoch, std::uint64_t>> expected;
  for (const auto& part : parts) {
    for (const auto& item : part) expected.emplace_back(item.epoch, item.value ^ kFlip);
  }
  expected = sorted(expected);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = run_step<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
      return op::map("flip", s, [](const std::uint64_t& x) { return x ^ kFlip; });
    });
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
    const auto owner = reader_of(parts, workers);
    std::size_t moved = 0;
    for (const auto& r : sink.records()) moved += owner.at(r.value ^ kFlip) != r.worker;
    CHECK(moved == 0);
  }
}

TEST_CASE("map may change the record type") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = input_parts(seed);
  std::vector<std::pair<Epoch, std::string>> expected;
  for (const auto& part : parts) {
    for (const auto& item : part) expected.emplace_back(item.epoch, std::to_string(item.value));
  }
  expected = sorted(expected);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = run_step<std::string>(parts, workers, [](const Stream<std::uint64_t>& s) {
      return op::map("text", s, [](std::uint64_t x) { return std::to_string(x); });
    });
    CHECK(sorted_items<std::string>(sink) == expected);
  }
}

TEST_CASE("map may move from a record it takes by reference or by value") {
  std::vector<std::string> words;
  for (int i = 0; i < 500; ++i) words.push_back("word-" + std::to_string(i) + std::string(40, 'x'));
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("moves");
    auto in = op::input(flow, "in", TestingSource<std::string>::of(words));
    auto taken = op::map("take", in, [](std::string& s) { return std::move(s); });
    auto copied = op::map("copy", taken, [](std::string s) { return s + "!"; });
    TestingSink<std::string> sink;
    op::output("out", copied, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::vector<std::string> expected;
    for (const auto& w : words) expected.push_back(w + "!");
    // One partition, read by worker 0, in order.
    CHECK(sink.values() == expected);
  }
}

TEST_CASE("filter keeps exactly the records its predicate accepts, at their epochs") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = input_parts(seed);
  auto keep = [](const std::uint64_t& x) { return x % 3 == 0; };
  std::vector<std::pair<Epoch, std::uint64_t>> expected;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      if (keep(item.value)) expected.emplace_back(item.epoch, item.value);
    }
  }
  expected = sorted(expected);
  REQUIRE(!expected.empty());
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = run_step<std::uint64_t>(parts, workers, [&](const Stream<std::uint64_t>& s) {
      return op::filter("thirds", s, keep);
    });
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
    const auto owner = reader_of(parts, workers);
    std::size_t moved = 0;
    for (const auto& r : sink.records()) moved += owner.at(r.value) != r.worker;
    CHECK(moved == 0);
  }
}

TEST_CASE("flat_map emits zero or more records per input, all at the input's epoch") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = input_parts(seed);
  // x % 4 copies of (x, k): some records vanish, others multiply.
  auto explode = [](const std::uint64_t& x) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::uint64_t k = 0; k < x % 4; ++k) out.emplace_back(x, k);
    return out;
  };
  using Out = std::pair<std::uint64_t, std::uint64_t>;
  std::vector<std::pair<Epoch, Out>> expected;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      for (auto& o : explode(item.value)) expected.emplace_back(item.epoch, o);
    }
  }
  expected = sorted(expected);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = run_step<Out>(parts, workers, [&](const Stream<std::uint64_t>& s) {
      return op::flat_map("explode", s, explode);
    });
    CHECK(sorted_items<Out>(sink) == expected);
    const auto owner = reader_of(parts, workers);
    std::size_t moved = 0;
    for (const auto& r : sink.records()) moved += owner.at(r.value.first) != r.worker;
    CHECK(moved == 0);
  }
}

TEST_CASE("inspect sees every record, with or without its epoch, and passes it on unchanged") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = input_parts(seed);
  const auto expected = sorted_items<std::uint64_t>(parts);
  struct Seen {
    std::mutex mutex;
    std::vector<std::uint64_t> values;
    std::vector<std::pair<Epoch, std::uint64_t>> stamped;
  };
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto seen = std::make_shared<Seen>();
    auto sink = run_step<std::uint64_t>(parts, workers, [&](const Stream<std::uint64_t>& s) {
      auto a = op::inspect("look", s, [seen](const std::uint64_t& x) {
        std::lock_guard<std::mutex> lock(seen->mutex);
        seen->values.push_back(x);
      });
      return op::inspect("look_at_epoch", a, [seen](const std::uint64_t& x, Epoch e) {
        std::lock_guard<std::mutex> lock(seen->mutex);
        seen->stamped.emplace_back(e, x);
      });
    });
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
    CHECK(sorted(seen->stamped) == expected);
    std::vector<std::uint64_t> values;
    for (const auto& [e, x] : expected) values.push_back(x);
    std::sort(values.begin(), values.end());
    std::sort(seen->values.begin(), seen->values.end());
    CHECK(seen->values == values);
  }
}

TEST_CASE("a chain of stateless steps equals the composition of their functions") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const Parts parts = input_parts(seed ^ 0xabc);
  std::vector<std::pair<Epoch, std::uint64_t>> expected;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      const std::uint64_t y = item.value >> 3;
      if (y % 2 == 0) {
        expected.emplace_back(item.epoch, y);
        expected.emplace_back(item.epoch, y + 1);
      }
    }
  }
  expected = sorted(expected);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = run_step<std::uint64_t>(parts, workers, [](const Stream<std::uint64_t>& s) {
      auto shifted = op::map("shift", s, [](std::uint64_t x) { return x >> 3; });
      auto even = op::filter("even", shifted, [](const std::uint64_t& y) { return y % 2 == 0; });
      return op::flat_map("pair", even, [](std::uint64_t y) {
        return std::vector<std::uint64_t>{y, y + 1};
      });
    });
    CHECK(sorted_items<std::uint64_t>(sink) == expected);
  }
}

TEST_CASE("a filter predicate that throws names the step, worker, epoch and record") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Parts parts(3);
    for (std::uint64_t i = 0; i < 300; ++i) parts[i % 3].push_back({i / 30, i});
    // Record 151 sits in partition 1 (worker 1 % W) at epoch 5.
    Dataflow flow("preds");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto kept = op::filter("picky", in, [](const std::uint64_t& x) {
      if (x == 151) throw std::invalid_argument("unexpected value");
      return true;
    });
    op::output("out", kept, TestingSink<std::uint64_t>());
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "preds.picky");
      CHECK(e.worker() == std::optional<std::uint32_t>(1 % workers));
      CHECK(e.epoch() == std::optional<Epoch>(5));
      CHECK(e.item() == "151");
      CHECK(e.reason() == "unexpected value");
    }
  }
}
