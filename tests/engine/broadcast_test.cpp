// The broadcast pact: every worker receives every record, at its epoch.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("broadcast delivers every record to every worker at its epoch") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  const auto parts = random_partitions(seed, 4, 5'000, 6);
  const auto expected = sorted_items<std::uint64_t>(parts);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("bcast");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    TestingSink<std::uint64_t> sink;
    op::output("out", pass("everywhere", in, Broadcast{}), sink);
    RunConfig config;
    config.workers = workers;
    config.batch_size = 32;
    run(flow, config);

    std::vector<std::vector<std::pair<Epoch, std::uint64_t>>> per_worker(workers);
    for (const auto& r : sink.records()) per_worker.at(r.worker).emplace_back(r.epoch, r.value);
    for (std::uint32_t w = 0; w < workers; ++w) {
      CAPTURE(w);
      std::sort(per_worker[w].begin(), per_worker[w].end());
      CHECK(per_worker[w] == expected);
    }
  }
}

TEST_CASE("a broadcast input next to an exchange input sees every record on every worker") {
  // A lookup-table pattern: rules are broadcast, events are exchanged; each worker
  // must know every rule once the rule stream is complete.
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("rules");
    std::vector<TestingSource<std::uint64_t>::Partition> rule_parts(3), event_parts(3);
    for (std::uint64_t i = 0; i < 300; ++i) rule_parts[i % 3].push_back({0, i});
    for (std::uint64_t i = 0; i < 3000; ++i) event_parts[i % 3].push_back({1, i});
    auto rules = op::input(flow, "rules", TestingSource<std::uint64_t>::partitioned(rule_parts));
    auto events = op::input(flow, "events", TestingSource<std::uint64_t>::partitioned(event_parts));
    auto known = make_slots<std::uint64_t>(workers);
    auto events_seen = make_slots<std::uint64_t>(workers);
    OperatorBuilder b(rules, "join");
    auto r_in = b.add_input(rules, Broadcast{});
    auto e_in = b.add_input(events, exchange([](const std::uint64_t& x) { return x; }));
    b.build([=](OperatorContext&) {
      return [=](OperatorContext& ctx) {
        const auto me = ctx.worker_index();
        ctx.input(r_in).for_each(
            [&](InputBatch<std::uint64_t>& batch) { (*known)[me].value += batch.size(); });
        ctx.input(e_in).for_each(
            [&](InputBatch<std::uint64_t>& batch) { (*events_seen)[me].value += batch.size(); });
      };
    });
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::uint64_t events_total = 0;
    for (std::uint32_t w = 0; w < workers; ++w) {
      CHECK((*known)[w].value == 300);
      events_total += (*events_seen)[w].value;
    }
    CHECK(events_total == 3000);
  }
}
