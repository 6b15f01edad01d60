// The exchange volume test: two workers generate 10,000,000 distinct records in
// bounded chunks and exchange them by value; every record arrives exactly once,
// at the worker its value routes to.
#include <sys/resource.h>

#include <cstdint>

#include <doctest/doctest.h>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

// Peak resident set size of the process so far, in MiB.
long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

struct Tally {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::uint64_t xor_mix = 0;  // xor of mix64(x): order-free, detects a lost or doubled record
  std::uint64_t sum_mix = 0;  // sum of mix64(x): detects a record replaced by another
  std::uint64_t misrouted = 0;
};

// Counts what arrives on each worker into its slot; emits nothing.
void tally(const Stream<std::uint64_t>& up, Slots<Tally> slots) {
  OperatorBuilder b(up, "tally");
  auto in = b.add_input(up, exchange([](const std::uint64_t& x) { return x; }));
  b.build([in, slots](OperatorContext&) {
    return [in, slots, t = Tally{}](OperatorContext& ctx) mutable {
      const std::uint32_t me = ctx.worker_index();
      const std::uint32_t workers = ctx.workers();
      ctx.input(in).for_each([&](InputBatch<std::uint64_t>& batch) {
        for (const std::uint64_t x : batch) {
          ++t.count;
          t.sum += x;
          t.xor_mix ^= mix64(x);
          t.sum_mix += mix64(x);
          t.misrouted += route(hash_key(x), workers) != me;
        }
      });
      (*slots)[me].value = t;
    };
  });
}

}  // namespace

TEST_CASE("two workers exchange 10 million generated records, each delivered exactly once") {
  constexpr std::uint32_t kWorkers = 2;
  constexpr std::uint64_t kPerWorker = 5'000'000;
  constexpr std::uint64_t kTotal = kWorkers * kPerWorker;

  Dataflow flow("ten_million");
  // Worker w generates w * 5M + i: 0 .. 10M-1 over both workers, ten epochs each.
  auto numbers = generate(flow, "generate", kPerWorker, kPerWorker / 10,
                          [](std::uint32_t w, std::uint64_t i) { return w * kPerWorker + i; });
  auto slots = make_slots<Tally>(kWorkers);
  tally(numbers, slots);
  RunConfig config;
  config.workers = kWorkers;
  const long peak_before = peak_rss_mib();
  run(flow, config);
  const long peak_after = peak_rss_mib();
  CAPTURE(peak_before);
  CAPTURE(peak_after);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine keeps freed batches resident
  // Bounded by channels and chunks, far below the 80 MiB the records would take.
  CHECK(peak_after - peak_before < 40);
#endif

  Tally expected;
  for (std::uint64_t x = 0; x < kTotal; ++x) {
    expected.xor_mix ^= mix64(x);
    expected.sum_mix += mix64(x);
  }
  Tally total;
  for (const auto& slot : *slots) {
    const Tally& t = slot.value;
    total.count += t.count;
    total.sum += t.sum;
    total.xor_mix ^= t.xor_mix;
    total.sum_mix += t.sum_mix;
    total.misrouted += t.misrouted;
    // A uniform hash gives each worker about half of the records.
    CHECK(t.count > kTotal * 45 / 100);
    CHECK(t.count < kTotal * 55 / 100);
  }
  CHECK(total.count == kTotal);
  CHECK(total.sum == kTotal * (kTotal - 1) / 2);
  CHECK(total.xor_mix == expected.xor_mix);
  CHECK(total.sum_mix == expected.sum_mix);
  CHECK(total.misrouted == 0);
}
