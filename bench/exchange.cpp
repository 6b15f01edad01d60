// exchange: records per second through an exchange edge. Every worker generates its
// share of the u64 records 0..N-1, exchanges them by value into a counting sink on
// every worker, and the totals are checked against N and N(N-1)/2.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include <sluice/sluice.hpp>

#include "bench_util.hpp"

namespace {

// One sink's totals, on its own cache line (written by one worker only).
struct alignas(64) Totals {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
};

// Worker w emits i = w, w + W, w + 2W, ... < records, `chunk` records per activation,
// all at epoch 0, then drops its capability. It asks for its next activation with
// ctx.activate(), or with a zero-delay timer when `via_timer` (see README.md).
sluice::Stream<std::uint64_t> generate(const sluice::Dataflow& flow, std::uint64_t records,
                                       std::uint64_t chunk, bool via_timer) {
  sluice::OperatorBuilder b(flow, "generate");
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([out, records, chunk, via_timer](sluice::OperatorContext& ctx) {
    return [out, records, chunk, via_timer, next = std::uint64_t{ctx.worker_index()},
            step = std::uint64_t{ctx.workers()},
            cap = ctx.take_initial_capability()](sluice::OperatorContext& ctx) mutable {
      if (!cap) return;
      auto session = ctx.output(out).session(cap);
      const std::uint64_t left = next < records ? records - next : 0;
      const std::uint64_t stop = left > chunk * step ? next + chunk * step : records;
      // Locals: `next` and `step` could otherwise alias the records being written.
      const std::uint64_t stride = step;
      std::uint64_t i = next;
      for (; i < stop; i += stride) session.give(i);
      next = i;
      if (next >= records) {
        cap.drop();
      } else if (via_timer) {
        ctx.activate_after(std::chrono::seconds(0));
      } else {
        ctx.activate();
      }
    };
  });
  return stream;
}

// Counts and sums the records that reach each worker.
void count(const sluice::Stream<std::uint64_t>& up, std::shared_ptr<std::vector<Totals>> totals) {
  sluice::OperatorBuilder b(up, "count");
  auto in = b.add_input(up, sluice::exchange([](const std::uint64_t& x) { return x; }));
  b.build([in, totals](sluice::OperatorContext& ctx) {
    return [in, &mine = (*totals)[ctx.worker_index()]](sluice::OperatorContext& ctx) {
      ctx.input(in).for_each([&](sluice::InputBatch<std::uint64_t>& batch) {
        std::uint64_t sum = 0;
        for (std::uint64_t x : batch.items()) sum += x;
        mine.count += batch.size();
        mine.sum += sum;
      });
    };
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("exchange: records per second through an exchange edge into a counting sink");
  std::uint32_t workers = 1;
  std::uint64_t records = 100'000'000;
  std::uint64_t chunk = 64 * 1024;
  bench::add_workers(app, workers, "worker threads");
  app.add_option("--records", records, "records in total, 0..N-1 (1..10^12)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000'000}))
      ->capture_default_str();
  app.add_option("--chunk", chunk, "records a generator emits per activation (1..2^30)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30))
      ->capture_default_str();
  bool via_timer = false;
  app.add_flag("--resume-via-timer", via_timer,
               "re-activate the generator with a zero-delay timer instead of ctx.activate()");
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  auto totals = std::make_shared<std::vector<Totals>>(workers);
  sluice::RunConfig config;
  config.workers = workers;
  double seconds = 0;
  try {
    sluice::Dataflow flow("exchange");
    count(generate(flow, records, chunk, via_timer), totals);
    bench::Stopwatch watch;
    sluice::run(flow, config);
    seconds = watch.seconds();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }

  std::uint64_t total_count = 0;
  std::uint64_t total_sum = 0;
  for (const Totals& t : *totals) {
    total_count += t.count;
    total_sum += t.sum;
  }
  if (total_count != records || total_sum != bench::sum_below(records)) {
    std::fprintf(stderr,
                 "error: the sinks saw %llu records summing to %llu; expected %llu summing to "
                 "%llu (mod 2^64)\n",
                 static_cast<unsigned long long>(total_count),
                 static_cast<unsigned long long>(total_sum),
                 static_cast<unsigned long long>(records),
                 static_cast<unsigned long long>(bench::sum_below(records)));
    return 1;
  }
  const double rate = static_cast<double>(records) / seconds;
  bench::JsonLine()
      .add("bench", "exchange")
      .add("workers", workers)
      .add("records", records)
      .add("seconds", seconds)
      .add("records_per_second", rate)
      .add("records_per_second_per_worker", rate / workers)
      .add("resume", via_timer ? "timer" : "activate")
      .add("checksum", total_sum)
      .print();
  return 0;
}
