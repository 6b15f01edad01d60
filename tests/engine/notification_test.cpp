// Frontier notifications: an operator that counts records per epoch and emits the
// count when notified gets exactly one notification per epoch it saw, in epoch
// order, only after every record of that epoch has arrived.
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

using Count = std::pair<Epoch, std::uint64_t>;

struct Violations {
  std::uint64_t after_notification = 0;  // a batch at an epoch already notified
  std::uint64_t early = 0;               // notified while the frontier had not passed it
};

Stream<Count> count_per_epoch(const Stream<std::uint64_t>& up, Slots<Violations> slots) {
  OperatorBuilder b(up, "count");
  auto in = b.add_input(up, exchange([](const std::uint64_t& x) { return x; }));
  auto [out, counts] = b.add_output<Count>();
  b.build([=](OperatorContext&) {
    return [=, open = std::map<Epoch, std::uint64_t>{},
            done = std::set<Epoch>{}](OperatorContext& ctx) mutable {
      Violations& v = (*slots)[ctx.worker_index()].value;
      ctx.input(in).for_each([&](InputBatch<std::uint64_t>& batch) {
        if (done.count(batch.epoch())) ++v.after_notification;
        auto [it, first] = open.try_emplace(batch.epoch(), 0);
        if (first) ctx.notify_at(batch.retain());
        it->second += batch.size();
      });
      ctx.for_each_notification([&](Capability& cap) {
        const Epoch e = cap.epoch();
        if (!ctx.frontiers_passed(e) || !ctx.frontier(0).passed(e)) ++v.early;
        ctx.output(out).session(cap).give(Count{e, open.at(e)});
        open.erase(e);
        done.insert(e);
      });
    };
  });
  return counts;
}

}  // namespace

TEST_CASE("notify_at delivers one count per epoch, in epoch order, after all its records") {
  const std::uint64_t seed = test_seed();
  INFO("SLUICE_SEED=" << seed);
  constexpr Epoch kEpochs = 30;
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto plan = EpochPlan::random(seed + workers, workers, kEpochs, 500);
    Dataflow flow("notify");
    auto slots = make_slots<Violations>(workers);
    TestingSink<Count> sink;
    op::output("out", count_per_epoch(epoch_source(flow, "source", plan), slots), sink);
    RunConfig config;
    config.workers = workers;
    config.batch_size = 16;
    run(flow, config);

    // Expected: per (worker, epoch), the records routed there.
    std::map<std::pair<std::uint32_t, Epoch>, std::uint64_t> expected;
    for (std::uint32_t u = 0; u < workers; ++u) {
      for (Epoch e = 0; e < kEpochs; ++e) {
        for (std::uint64_t i = 0; i < plan->counts[u][e]; ++i) {
          ++expected[{route(hash_key(EpochPlan::value(u, e, i)), workers), e}];
        }
      }
    }
    std::map<std::pair<std::uint32_t, Epoch>, std::uint64_t> got;
    std::vector<Epoch> last(workers, 0);
    std::vector<bool> any(workers, false);
    std::uint64_t out_of_order = 0, duplicates = 0, wrong_epoch = 0;
    for (const auto& r : sink.records()) {
      const auto [e, n] = r.value;
      if (any[r.worker] && e <= last[r.worker]) ++out_of_order;
      any[r.worker] = true;
      last[r.worker] = e;
      wrong_epoch += r.epoch != e;
      duplicates += !got.emplace(std::pair{r.worker, e}, n).second;
    }
    CHECK(out_of_order == 0);
    CHECK(duplicates == 0);
    CHECK(wrong_epoch == 0);
    CHECK(got == expected);
    for (std::uint32_t w = 0; w < workers; ++w) {
      CHECK((*slots)[w].value.after_notification == 0);
      CHECK((*slots)[w].value.early == 0);
    }
  }
}

TEST_CASE("an error inside a notification names the notified epoch") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("notify_fail");
    std::vector<TestingSource<int>::Partition> parts(2);
    parts[0] = {{1, 1}, {4, 2}};
    parts[1] = {{6, 3}};
    auto in = op::input(flow, "in", TestingSource<int>::partitioned(parts));
    OperatorBuilder b(in, "on_close");
    auto port = b.add_input(in);
    b.build([port](OperatorContext&) {
      return [port](OperatorContext& ctx) {
        ctx.input(port).for_each([&](InputBatch<int>& batch) { ctx.notify_at(batch.retain()); });
        ctx.for_each_notification([](Capability& cap) {
          if (cap.epoch() == 4) throw std::runtime_error("cannot close epoch 4");
        });
      };
    });
    RunConfig config;
    config.workers = workers;
    try {
      run(flow, config);
      FAIL("run() returned normally");
    } catch (const StepError& e) {
      CHECK(e.step() == "notify_fail.on_close");
      CHECK(e.epoch() == std::optional<Epoch>(4));
      CHECK(e.worker() == std::optional<std::uint32_t>(0));
      CHECK(e.item().empty());
    }
  }
}
