// Tests for the exchange pact: every record reaches exactly the worker its key
// routes to, exactly once, at its epoch, with integer and string keys.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("exchange delivers every record exactly once to the worker its key routes to") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const auto parts = random_partitions(seed, 5, 20'000, 10);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("xchg");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto routed = pass("route", in, exchange([](const std::uint64_t& x) { return x; }));
    TestingSink<std::uint64_t> sink;
    op::output("out", routed, sink);
    RunConfig config;
    config.workers = workers;
    config.batch_size = 64;
    run(flow, config);

    std::size_t misrouted = 0;
    for (const auto& r : sink.records()) {
      if (r.worker != route(hash_key(r.value), workers)) ++misrouted;
    }
    CHECK(misrouted == 0);
    CHECK(sorted_items<std::uint64_t>(sink) == sorted_items<std::uint64_t>(parts));
  }
}

TEST_CASE("exchange by a string key brings all records of one key to one worker") {
  using Rec = std::pair<std::string, std::uint64_t>;
  std::vector<TestingSource<Rec>::Partition> parts(4);
  std::map<std::string, std::uint64_t> expected_count;
  for (std::uint64_t i = 0; i < 6'000; ++i) {
    const std::string key = "key-" + std::to_string(i % 97);
    parts[i % 4].push_back({i / 1000, Rec{key, i}});
    ++expected_count[key];
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("strings");
    auto in = op::input(flow, "in", TestingSource<Rec>::partitioned(parts));
    auto routed = pass("route", in, exchange([](const Rec& r) { return r.first; }));
    TestingSink<Rec> sink;
    op::output("out", routed, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);

    std::map<std::string, std::set<std::uint32_t>> workers_of_key;
    std::map<std::string, std::uint64_t> count;
    std::set<std::uint64_t> seen;
    bool epochs_kept = true;
    std::size_t misrouted = 0;
    for (const auto& r : sink.records()) {
      workers_of_key[r.value.first].insert(r.worker);
      ++count[r.value.first];
      seen.insert(r.value.second);
      epochs_kept &= r.epoch == r.value.second / 1000;
      if (r.worker != route(hash_key(r.value.first), workers)) ++misrouted;
    }
    CHECK(misrouted == 0);
    CHECK(epochs_kept);
    CHECK(count == expected_count);
    CHECK(seen.size() == 6'000);
    for (const auto& [key, ws] : workers_of_key) CHECK(ws.size() == 1);
  }
}

TEST_CASE("one stream read under exchange, broadcast and pipeline gives each reader a full copy") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const auto parts = random_partitions(seed ^ 0x7ee, 3, 3'000, 4);
  const auto expected = sorted_items<std::uint64_t>(parts);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("tee");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    TestingSink<std::uint64_t> routed, everywhere, local;
    op::output("routed_out", pass("route", in, exchange([](const std::uint64_t& x) { return x; })),
               routed);
    op::output("everywhere_out", pass("everywhere", in, Broadcast{}), everywhere);
    op::output("local_out", in, local);
    RunConfig config;
    config.workers = workers;
    config.batch_size = 3;
    config.channel_capacity = 2;
    run(flow, config);

    CHECK(sorted_items<std::uint64_t>(routed) == expected);
    CHECK(sorted_items<std::uint64_t>(local) == expected);
    CHECK(everywhere.records().size() == expected.size() * workers);
    std::size_t misrouted = 0;
    for (const auto& r : routed.records())
      misrouted += r.worker != route(hash_key(r.value), workers);
    CHECK(misrouted == 0);
  }
}

TEST_CASE("two exchanges in a row with one-record batches and one-batch channels lose nothing") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const auto parts = random_partitions(seed ^ 0x51, 3, 5'000, 5);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("twice");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto first = pass("by_value", in, exchange([](const std::uint64_t& x) { return x; }));
    auto second = pass("by_high_bits", first,
                       exchange([](const std::uint64_t& x) { return std::to_string(x >> 32); }));
    TestingSink<std::uint64_t> sink;
    op::output("out", second, sink);
    RunConfig config;
    config.workers = workers;
    config.batch_size = 1;
    config.channel_capacity = 1;
    run(flow, config);
    CHECK(sorted_items<std::uint64_t>(sink) == sorted_items<std::uint64_t>(parts));
    std::size_t misrouted = 0;
    for (const auto& r : sink.records()) {
      misrouted += r.worker != route(hash_key(std::to_string(r.value >> 32)), workers);
    }
    CHECK(misrouted == 0);
  }
}
