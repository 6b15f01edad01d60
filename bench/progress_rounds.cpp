// progress_rounds: the latency of one progress round, as in Timely's `barrier`
// example. A data-free source on every worker advances its capability one epoch at a
// time, each time waiting until a probe shows that every worker has advanced.
#include <cstdint>
#include <cstdio>
#include <exception>

#include <sluice/sluice.hpp>

#include "bench_util.hpp"

namespace {

// The source holds its capability at epoch r. Once the probe on its worker shows the
// frontier at r or later (nothing before r can arrive, i.e. every worker holds r),
// it moves to r + 1; after epoch `rounds` it drops the capability. It sleeps between
// steps: the probe activates it whenever the frontier on its worker moves.
sluice::Dataflow make_flow(std::uint64_t rounds, const sluice::Probe& probe) {
  sluice::Dataflow flow("progress_rounds");
  sluice::OperatorBuilder b(flow, "source");
  auto [out, stream] = b.add_output<std::uint64_t>();
  b.build([rounds, probe](sluice::OperatorContext& ctx) {
    sluice::Probe(probe).subscribe(ctx.worker_index(), ctx.activator());
    return
        [rounds, probe, cap = ctx.take_initial_capability()](sluice::OperatorContext& ctx) mutable {
          if (!cap || probe.less_than(ctx.worker_index(), cap.epoch())) return;
          if (cap.epoch() == rounds) {
            cap.drop();
          } else {
            cap.downgrade(cap.epoch() + 1);
          }
        };
  });
  sluice::op::probe("probe", stream, probe);
  return flow;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("progress_rounds: microseconds per global progress round (Timely's barrier)");
  std::uint32_t workers = 1;
  std::uint64_t rounds = 500'000;
  bench::add_workers(app, workers, "worker threads");
  app.add_option("--rounds", rounds, "epochs to advance through (1..10^10)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000'000}))
      ->capture_default_str();
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  sluice::Probe probe;
  sluice::RunConfig config;
  config.workers = workers;
  double seconds = 0;
  try {
    sluice::Dataflow flow = make_flow(rounds, probe);
    bench::Stopwatch watch;
    sluice::run(flow, config);
    seconds = watch.seconds();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  for (std::uint32_t w = 0; w < workers; ++w) {
    if (!probe.frontier(w).empty()) {
      std::fprintf(stderr, "error: the run ended with worker %u's probe frontier not empty\n", w);
      return 1;
    }
  }
  bench::JsonLine()
      .add("bench", "progress_rounds")
      .add("workers", workers)
      .add("rounds", rounds)
      .add("seconds", seconds)
      .add("rounds_per_second", static_cast<double>(rounds) / seconds)
      .add("us_per_round", seconds * 1e6 / static_cast<double>(rounds))
      .print();
  return 0;
}
