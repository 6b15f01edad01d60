// Progress safety as operators see it: no batch arrives at an epoch its input
// frontier (or any worker's downstream probe) has already passed, frontiers only
// advance, and every record of every epoch is delivered.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

struct Observed {
  std::map<Epoch, std::uint64_t> records;  // per epoch
  std::uint64_t late_batches = 0;          // a batch at an epoch the input frontier had passed
  std::uint64_t probe_passed = 0;          // a batch at an epoch some worker's probe had passed
  std::uint64_t regressions = 0;           // the input frontier moved backwards
  std::uint64_t wrong_epoch = 0;           // a record in a batch of another epoch
  std::uint64_t activations = 0;
};

bool before(const Frontier& a, const Frontier& b) {  // a is strictly behind b
  if (a.empty()) return false;
  return b.empty() || a.least() < b.least();
}

// Exchanges records and passes them on, recording what it saw into its worker's slot.
Stream<std::uint64_t> watch(const Stream<std::uint64_t>& up, Slots<Observed> slots, Probe probe) {
  OperatorBuilder b(up, "watch");
  auto in = b.add_input(up, exchange([](const std::uint64_t& x) { return x; }));
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([=](OperatorContext&) {
    return [=, last = Frontier{0}](OperatorContext& ctx) mutable {
      Observed& seen = (*slots)[ctx.worker_index()].value;
      ++seen.activations;
      auto input = ctx.input(in);
      const Frontier now = input.frontier();
      if (before(now, last)) ++seen.regressions;
      last = now;
      auto output = ctx.output(out);
      input.for_each([&](InputBatch<std::uint64_t>& batch) {
        const Epoch e = batch.epoch();
        if (now.passed(e)) ++seen.late_batches;
        for (std::uint32_t w = 0; w < ctx.workers(); ++w) {
          if (probe.frontier(w).passed(e)) ++seen.probe_passed;
        }
        for (const std::uint64_t x : batch) seen.wrong_epoch += EpochPlan::epoch_of(x) != e;
        seen.records[e] += batch.size();
        output.session(batch).give_vector(batch.items());
      });
    };
  });
  return stream;
}

// On every worker, emits the plan's records a random run of up to 64 epochs per
// activation, the epochs of a run in random order, each under the one capability at
// the run's first epoch (OutputHandle::session(cap, epoch)); so a batch's pusher gets
// many epochs per activation, out of order, and bundles them.
Stream<std::uint64_t> burst_source(const Dataflow& flow, std::string id,
                                   std::shared_ptr<const EpochPlan> plan, std::uint64_t seed) {
  OperatorBuilder b(flow, std::move(id));
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([out, plan, seed](OperatorContext& ctx) {
    return [out, plan, cap = ctx.take_initial_capability(),
            rng = std::mt19937_64(seed + ctx.worker_index())](OperatorContext& ctx) mutable {
      const auto& mine = plan->counts.at(ctx.worker_index());
      const Epoch first = cap.epoch();
      const Epoch end = std::min<Epoch>(mine.size(), first + 1 + rng() % 64);
      std::vector<Epoch> run;
      for (Epoch e = first; e < end; ++e) run.push_back(e);
      std::shuffle(run.begin(), run.end(), rng);
      auto output = ctx.output(out);
      for (const Epoch e : run) {
        auto session = output.session(cap, e);
        for (std::uint64_t i = 0; i < mine[e]; ++i) {
          session.give(EpochPlan::value(ctx.worker_index(), e, i));
        }
      }
      if (end < mine.size()) {
        cap.downgrade(end);
        ctx.activate();
      } else {
        cap.drop();
      }
    };
  });
  return stream;
}

// Runs `make_source(flow)` -> watch -> probe on `workers` workers (batches of 8,
// channels of 2) and checks the safety properties and that every record of `plan`
// arrived at its epoch.
template <class MakeSource>
void check_safe_delivery(std::shared_ptr<const EpochPlan> plan, std::uint32_t workers,
                         MakeSource make_source) {
  Dataflow flow("safety");
  auto source = make_source(flow);
  auto slots = make_slots<Observed>(workers);
  Probe probe;
  op::probe("probe", watch(source, slots, probe), probe);
  RunConfig config;
  config.workers = workers;
  config.batch_size = 8;
  config.channel_capacity = 2;
  run(flow, config);

  std::map<Epoch, std::uint64_t> expected;
  for (const auto& row : plan->counts) {
    for (Epoch e = 0; e < row.size(); ++e) {
      if (row[e] > 0) expected[e] += row[e];
    }
  }
  std::map<Epoch, std::uint64_t> delivered;
  for (std::uint32_t w = 0; w < workers; ++w) {
    CAPTURE(w);
    const Observed& seen = (*slots)[w].value;
    CHECK(seen.activations > 0);
    CHECK(seen.late_batches == 0);
    CHECK(seen.probe_passed == 0);
    CHECK(seen.regressions == 0);
    CHECK(seen.wrong_epoch == 0);
    for (const auto& [e, n] : seen.records) delivered[e] += n;
    CHECK(probe.frontier(w).empty());
  }
  CHECK(delivered == expected);
}

}  // namespace

TEST_CASE("no batch arrives at an epoch that its frontier or a downstream probe has passed") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  constexpr Epoch kEpochs = 40;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    for (std::uint64_t round = 0; round < 3; ++round) {
      CAPTURE(workers);
      CAPTURE(round);
      auto plan = EpochPlan::random(seed + round * 7 + workers, workers, kEpochs, 300);
      check_safe_delivery(plan, workers,
                          [&](Dataflow& flow) { return epoch_source(flow, "source", plan); });
    }
  }
}

TEST_CASE("epochs given many per activation, out of order, all arrive, never behind a frontier") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  constexpr Epoch kEpochs = 400;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    for (std::uint64_t round = 0; round < 3; ++round) {
      CAPTURE(workers);
      CAPTURE(round);
      // Sparse epochs (0 to 3 records each), batches of 8: bundles of many epochs.
      auto plan = EpochPlan::random(seed + round * 11 + workers, workers, kEpochs, 3);
      check_safe_delivery(plan, workers, [&](Dataflow& flow) {
        return burst_source(flow, "source", plan, seed + round);
      });
    }
  }
}
