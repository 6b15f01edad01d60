// baseline_exchange: the work of bench/exchange done by one plain loop: generate
// 0..N-1, route each with sluice's hash, buffer per destination (1024 records) and
// hand each full buffer to a consumer that counts and sums it.
#include <cstdint>
#include <cstdio>
#include <vector>

#include <sluice/engine/key_hash.hpp>

#include "bench_util.hpp"

namespace {

constexpr std::size_t kBatch = 1024;

struct Totals {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
};

// The consumer: what a counting sink does with one delivered batch.
void deliver(std::vector<std::uint64_t>& batch, Totals& totals) {
  std::uint64_t sum = 0;
  for (std::uint64_t x : batch) sum += x;
  totals.count += batch.size();
  totals.sum += sum;
  batch.clear();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("baseline_exchange: generate, route and partition records on one thread");
  std::uint32_t partitions = 2;
  std::uint64_t records = 100'000'000;
  bench::add_workers(app, partitions, "destinations to partition into (simulated workers)");
  app.add_option("--records", records, "records in total, 0..N-1 (1..10^12)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000'000}))
      ->capture_default_str();
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  std::vector<std::vector<std::uint64_t>> buffers(partitions);
  for (auto& b : buffers) b.reserve(kBatch);
  std::vector<Totals> totals(partitions);

  bench::Stopwatch watch;
  for (std::uint64_t i = 0; i < records; ++i) {
    const std::uint32_t w = sluice::route(sluice::hash_key(i), partitions);
    auto& buffer = buffers[w];
    buffer.push_back(i);
    if (buffer.size() == kBatch) deliver(buffer, totals[w]);
  }
  for (std::uint32_t w = 0; w < partitions; ++w) deliver(buffers[w], totals[w]);
  const double seconds = watch.seconds();

  Totals all;
  for (const Totals& t : totals) {
    all.count += t.count;
    all.sum += t.sum;
  }
  if (all.count != records || all.sum != bench::sum_below(records)) {
    std::fprintf(stderr, "error: counted %llu records summing to %llu; expected %llu and %llu\n",
                 static_cast<unsigned long long>(all.count),
                 static_cast<unsigned long long>(all.sum), static_cast<unsigned long long>(records),
                 static_cast<unsigned long long>(bench::sum_below(records)));
    return 1;
  }
  const double rate = static_cast<double>(records) / seconds;
  bench::JsonLine()
      .add("bench", "baseline_exchange")
      .add("workers", 1)
      .add("partitions", partitions)
      .add("records", records)
      .add("seconds", seconds)
      .add("records_per_second", rate)
      .add("records_per_second_per_worker", rate)
      .add("checksum", all.sum)
      .print();
  return 0;
}
