// baseline_progress_rounds: a lower bound for bench/progress_rounds: the bookkeeping
// of one round (every simulated worker moves its capability from r to r + 1, the
// counts are updated and the frontier recomputed) in a plain loop on one thread.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "bench_util.hpp"

namespace {

// Pointstamp counts at the source's output: (epoch, count), few entries.
class Counts {
 public:
  void update(std::uint64_t epoch, std::int64_t delta) {
    auto it = std::find_if(counts_.begin(), counts_.end(),
                           [epoch](const auto& c) { return c.first == epoch; });
    if (it == counts_.end()) {
      counts_.emplace_back(epoch, delta);
    } else if ((it->second += delta) == 0) {
      *it = counts_.back();
      counts_.pop_back();
    }
  }
  // The least epoch with a positive count (UINT64_MAX when none: nothing can arrive).
  std::uint64_t frontier() const {
    std::uint64_t least = UINT64_MAX;
    for (const auto& [epoch, count] : counts_) {
      if (count > 0) least = std::min(least, epoch);
    }
    return least;
  }

 private:
  std::vector<std::pair<std::uint64_t, std::int64_t>> counts_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("baseline_progress_rounds: the bookkeeping of a progress round, one thread");
  std::uint32_t workers = 1;
  std::uint64_t rounds = 100'000'000;
  bench::add_workers(app, workers, "simulated workers (capabilities moved per round)");
  app.add_option("--rounds", rounds, "epochs to advance through (1..10^10)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000'000}))
      ->capture_default_str();
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  Counts counts;
  std::vector<std::pair<std::uint64_t, std::int64_t>> changes;  // one round's change batch
  changes.reserve(2 * workers);
  counts.update(0, workers);  // every worker starts with a capability at epoch 0

  bench::Stopwatch watch;
  std::uint64_t frontier = 0;
  for (std::uint64_t r = 0; r < rounds; ++r) {
    for (std::uint32_t w = 0; w < workers; ++w) {  // every worker downgrades r -> r + 1
      changes.emplace_back(r + 1, +1);
      changes.emplace_back(r, -1);
    }
    for (const auto& [epoch, delta] : changes) counts.update(epoch, delta);
    changes.clear();
    frontier = counts.frontier();
    bench::do_not_optimize(frontier);
    if (frontier != r + 1) {
      std::fprintf(stderr, "error: frontier %llu after round %llu\n",
                   static_cast<unsigned long long>(frontier), static_cast<unsigned long long>(r));
      return 1;
    }
  }
  const double seconds = watch.seconds();

  bench::JsonLine()
      .add("bench", "baseline_progress_rounds")
      .add("workers", workers)
      .add("rounds", rounds)
      .add("seconds", seconds)
      .add("rounds_per_second", static_cast<double>(rounds) / seconds)
      .add("us_per_round", seconds * 1e6 / static_cast<double>(rounds))
      .print();
  return 0;
}
