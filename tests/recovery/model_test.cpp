// The randomized model test of recovery: random keyed and windowed dataflows over
// random inputs, run with a fault-injecting store that fails a random commit (the
// run stops), "crashes" (what was not synced is lost) and is resumed at another
// worker count, until a run finishes; their output files must equal those of a plain
// run without recovery. Prints the seed on failure (SLUICE_SEED=... reruns it).
#include <sluice/recovery/fault_store.hpp>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <sluice/sluice.hpp>

#include "../io/io_support.hpp"

namespace {

using namespace sluice;
using io_test::TempDir;
namespace fs = std::filesystem;

std::uint64_t model_seed() {
  const char* s = std::getenv("SLUICE_SEED");
  return s ? std::strtoull(s, nullptr, 0) : std::random_device{}();
}

using Item = std::pair<std::string, std::int64_t>;

// (key, event time) of each record: a stateless step given the record's epoch.
using Timed = std::pair<std::string, window::Timed<std::int64_t>>;
template <class F>
Stream<Timed> timed_of(const std::string& id, const Stream<Item>& up, F f) {
  OperatorBuilder b(up, id);
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<Timed>();
  b.build([in, out, f](OperatorContext&) {
    return [in, out, f](OperatorContext& ctx) {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<Item>& batch) {
        auto session = output.session(batch);
        for (Item& kv : batch) session.give(f(kv, batch.epoch()));
      });
    };
  });
  return down;
}

// A random dataflow's shape and input.
struct Model {
  std::vector<TestingSource<Item>::Partition> parts;
  int windower = 0;  // 0 tumbling, 1 sliding, 2 session
  std::int64_t epoch_ms = 10;
};

Model random_model(std::mt19937_64& rng) {
  Model m;
  const int parts = 1 + static_cast<int>(rng() % 3);
  const int keys = 1 + static_cast<int>(rng() % 40);
  m.windower = static_cast<int>(rng() % 3);
  for (int p = 0; p < parts; ++p) {
    TestingSource<Item>::Partition items;
    Epoch e = 0;
    const int n = 500 + static_cast<int>(rng() % 3000);
    for (int i = 0; i < n; ++i) {
      if (rng() % 8 == 0) e += 1 + rng() % 3;
      // A key lives in one partition, so that its records reach the running sum in
      // one order at any worker count (arrival order from several is not fixed).
      items.push_back({e, Item{"p" + std::to_string(p) + "k" + std::to_string(rng() % keys),
                               static_cast<std::int64_t>(rng() % 1000) - 100}});
    }
    m.parts.push_back(std::move(items));
  }
  return m;
}

// Per key, a running sum (every update a line); per key and window of the records'
// times (each record's epoch start plus its value mod the epoch length; one record
// in ten placed epochs earlier, so some are late), the count and sum; the late
// records as lines.
Dataflow model_flow(const Model& m, const fs::path& dir) {
  Dataflow flow("model");
  auto source = TestingSource<Item>::partitioned(m.parts);
  auto in = op::input(flow, "in", source);
  auto sums = op::stateful_map("sum", in, [](std::int64_t& total, std::int64_t v) {
    total += v;
    return total;
  });
  auto sum_lines = op::map(
      "sum_lines", sums, [](const Item& kv) { return kv.first + " " + std::to_string(kv.second); });
  op::output("sums", sum_lines, io::FileSink<std::string>(dir / "sums"));

  const window::EventClock clock{window::Millis(m.epoch_ms), window::Millis(0)};
  const std::int64_t len = m.epoch_ms;
  auto timed = timed_of("timed", in, [len](const Item& kv, Epoch e) {
    std::int64_t at = static_cast<std::int64_t>(e) * len + ((kv.second % len) + len) % len;
    if (kv.second % 10 == 3) at -= 2 * len;  // behind its epoch: late
    return Timed(kv.first, window::Timed<std::int64_t>{
                               kv.second, window::EventTime(window::Millis(at)), false});
  });
  using Acc = std::pair<std::int64_t, std::int64_t>;
  const auto fold = [](Acc a, std::int64_t v) { return Acc{a.first + 1, a.second + v}; };
  const auto start = [] { return Acc{0, 0}; };
  const auto merge = [](Acc a, Acc b) { return Acc{a.first + b.first, a.second + b.second}; };
  auto windows = [&] {
    switch (m.windower) {
      case 0:
        return window::fold_window("win", timed, clock,
                                   window::TumblingWindower(window::Millis(3 * len)), start, fold);
      case 1:
        return window::fold_window(
            "win", timed, clock,
            window::SlidingWindower(window::Millis(4 * len), window::Millis(len)), start, fold);
      default:
        return window::fold_window("win", timed, clock,
                                   window::SessionWindower(window::Millis(2 * len)), start, fold,
                                   merge);
    }
  }();
  auto window_lines = op::map("window_lines", windows.down, [](const auto& kv) {
    const auto& [key, w] = kv;
    return key + " " + std::to_string(w.window.start.time_since_epoch().count()) + " " +
           std::to_string(w.value.first) + " " + std::to_string(w.value.second);
  });
  op::output("windows", window_lines, io::FileSink<std::string>(dir / "windows"));
  auto late_lines = op::map("late_lines", windows.late, [](const auto& kv) {
    return kv.first + " " + std::to_string(kv.second);
  });
  op::output("late", late_lines, io::FileSink<std::string>(dir / "late"));
  return flow;
}

std::vector<std::string> sorted_lines(const fs::path& path) {
  std::vector<std::string> lines = io_test::getline_lines(path);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_CASE(
    "a run crashed through its store at random commits and resumed at other worker "
    "counts ends with the output of a run without recovery") {
  const std::uint64_t seed = model_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 12; ++trial) {
    CAPTURE(trial);
    const Model m = random_model(rng);
    TempDir ref, got;
    run(model_flow(m, ref.path()), io_test::config_with(1 + static_cast<std::uint32_t>(rng() % 3)));

    const std::uint32_t partitions = 1 + static_cast<std::uint32_t>(rng() % 3);
    auto store = std::make_shared<recovery::FaultStore>(partitions);
    int crashes = 0;
    std::string history;  // per run: its workers and how it ended
    bool finished = false;
    for (int attempt = 0; attempt < 8 && !finished; ++attempt) {
      // The last attempts run without a fault, so that every trial finishes.
      const bool fault = attempt < 6 && rng() % 4 != 0;
      store->set_plan(recovery::FaultPlan{fault ? store->commits() + 1 + rng() % 12 : 0, 0, false});
      RunConfig config = io_test::config_with(1 + static_cast<std::uint32_t>(rng() % 3), 16);
      config.recovery_dir = "model";
      config.recovery_store = store;
      config.snapshot_interval = std::chrono::milliseconds(1);
      history += " -w" + std::to_string(config.workers);
      try {
        run(model_flow(m, got.path()), config);
        finished = true;
        history += " finished;";
      } catch (const recovery::StoreError&) {
        store->crash();
        ++crashes;
        history += " crashed at commit " + std::to_string(store->commits()) + ";";
      }
    }
    REQUIRE(finished);
    MESSAGE("trial " << trial << ": " << crashes << " crashes");
    for (const std::string name : {"sums", "windows", "late"}) {
      CAPTURE(name);
      const auto a = sorted_lines(got / name), b = sorted_lines(ref / name);
      CAPTURE(a.size());
      CAPTURE(b.size());
      if (a != b) {
        std::vector<std::string> extra, lost;
        std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(extra));
        std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(lost));
        std::string diff;
        for (std::size_t i = 0; i < extra.size() && i < 8; ++i) diff += "\n  + " + extra[i];
        for (std::size_t i = 0; i < lost.size() && i < 8; ++i) diff += "\n  - " + lost[i];
        CAPTURE(history);
        CAPTURE(diff);
        CHECK(a == b);
      }
    }
  }
}
