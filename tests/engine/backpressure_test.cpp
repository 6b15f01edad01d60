// Backpressure: with one-batch channels and small batches, a fast source that
// exchanges 200,000 records still delivers every one exactly once (no deadlock).
#include <algorithm>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

TEST_CASE("one-batch channels deliver 200,000 exchanged records exactly once without deadlock") {
  constexpr std::uint64_t kTotal = 200'000;
  for (std::uint32_t workers : {2u, 3u}) {
    CAPTURE(workers);
    const std::uint64_t per_worker = kTotal / workers + 1;
    Dataflow flow("pressure");
    // Worker w generates w, w + W, w + 2W, ...; values >= kTotal are dropped below.
    auto numbers = generate(
        flow, "generate", per_worker, 10'000,
        [workers](std::uint32_t w, std::uint64_t i) { return i * workers + w; }, 4096);
    auto kept = op::filter("trim", numbers, [](const std::uint64_t& x) { return x < kTotal; });
    auto routed = pass("route", kept, exchange([](const std::uint64_t& x) { return x; }));
    TestingSink<std::uint64_t> sink;
    op::output("out", routed, sink);
    RunConfig config;
    config.workers = workers;
    config.channel_capacity = 1;
    config.batch_size = 16;
    run(flow, config);

    std::vector<std::uint64_t> got = sink.values();
    CHECK(got.size() == kTotal);
    std::sort(got.begin(), got.end());
    bool exact = got.size() == kTotal;
    for (std::uint64_t i = 0; exact && i < kTotal; ++i) exact = got[i] == i;
    CHECK(exact);
    std::uint64_t misrouted = 0;
    for (const auto& r : sink.records()) misrouted += r.worker != route(hash_key(r.value), workers);
    CHECK(misrouted == 0);
  }
}

TEST_CASE("a consumer taking one batch per activation behind one-batch channels gets everything") {
  constexpr std::uint64_t kPerWorker = 5'000;
  constexpr std::uint64_t kKey = 7;
  struct Seen {
    std::uint64_t count = 0;
    std::uint64_t sum = 0;
  };
  for (std::uint32_t workers : {2u, 3u}) {
    CAPTURE(workers);
    Dataflow flow("slow");
    auto numbers = generate(flow, "generate", kPerWorker, 1'000,
                            [](std::uint32_t w, std::uint64_t i) { return w * kPerWorker + i; });
    // Every record goes to one worker, whose consumer takes a single batch per activation.
    auto slots = make_slots<Seen>(workers);
    OperatorBuilder b(numbers, "sip");
    auto in = b.add_input(numbers, exchange([](const std::uint64_t&) { return kKey; }));
    b.build([in, slots](OperatorContext&) {
      return [in, slots](OperatorContext& ctx) {
        Batch<std::uint64_t> batch;
        if (!ctx.input(in).pull(batch)) return;
        Seen& seen = (*slots)[ctx.worker_index()].value;
        for (const std::uint64_t x : batch.items) {
          ++seen.count;
          seen.sum += x;
        }
        ctx.activate();
      };
    });
    RunConfig config;
    config.workers = workers;
    config.channel_capacity = 1;
    config.batch_size = 16;
    run(flow, config);

    const std::uint64_t total = workers * kPerWorker;
    const std::uint32_t owner = route(hash_key(kKey), workers);
    for (std::uint32_t w = 0; w < workers; ++w) {
      CAPTURE(w);
      CHECK((*slots)[w].value.count == (w == owner ? total : 0));
    }
    CHECK((*slots)[owner].value.sum == total * (total - 1) / 2);
  }
}
