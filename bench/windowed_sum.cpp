// windowed_sum: the contract program's dataflow (examples/windowed_sum.cpp) timed end
// to end: a source (one file read in order as one partition, a directory of files
// as one partition each, or generated lines) -> parse, key and event time in one call
// (window::event_time_input) -> fold_window (count, sum) per key and window, with a
// sink per worker that counts and checksums the output rows and the
// late records instead of writing them. Prints one JSON line (windowed_events.hpp).
//
//   bench/windowed_sum (--input PATH | --input-dir DIR | --records N [generator flags])
//       --window tumbling|sliding|session [--length-ms L] [--slide-ms S] [--gap-ms G]
//       [--max-delay-ms 3000] [--epoch-ms 1000] [-w W]
//
// --input reads a file of `event_ms,key,value` lines (bench/gen_windowed_events writes
// one) with io::FileSource as one partition; --input-dir reads the *.csv files of a
// directory with io::DirSource, one partition each (spread across the workers, each
// with its own watermark); without either, the lines are made in memory
// by a one-partition source with the same generator (the same lines as the file
// written with the same flags), so the input's size costs no disk and no page cache.
// bench/baseline_windowed_sum does the same work on one thread.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/dir_source.hpp>
#include <sluice/io/file_source.hpp>
#include <sluice/sluice.hpp>

#include "bench_util.hpp"
#include "windowed_events.hpp"

namespace {

namespace window = sluice::window;
namespace windowed = bench::windowed;

// A parsed line's value and time; the parse makes (key, Timed<Event>) records, keyed
// for the window operator without a key_on step (short keys stay in the string's
// inline buffer).
struct Event {
  std::int64_t ms = 0;
  std::int64_t value = 0;
  template <class A>
  void serialize(A& a) {
    a(ms, value);
  }
};

using windowed_sum::CountSum;

// The generated workload as a source: one partition whose batches are the next
// kBatch lines; its snapshot is the index of the next line.
class GeneratedSource final : public sluice::io::FixedPartitionedSource<std::string> {
 public:
  explicit GeneratedSource(const windowed::EventsSpec& spec) : spec_(spec) {}
  std::vector<std::string> list_parts(std::uint32_t) override { return {"generated"}; }
  std::unique_ptr<sluice::io::SourcePartition<std::string>> build_part(
      const std::string&, const std::string&, std::optional<std::string> resume) override {
    return std::make_unique<Part>(spec_, resume ? std::stoull(*resume) : 0);
  }

 private:
  class Part final : public sluice::io::SourcePartition<std::string> {
   public:
    Part(const windowed::EventsSpec& spec, std::uint64_t next)
        : maker_(spec), next_(next), end_(spec.records) {}
    bool next_batch(std::vector<std::string>& out) override {
      static constexpr std::uint64_t kBatch = 8192;
      char buf[windowed::EventMaker::kLineMax];
      for (std::uint64_t n = 0; n < kBatch && next_ < end_; ++n, ++next_) {
        out.emplace_back(buf, maker_.format(next_, buf));
      }
      return next_ < end_;
    }
    std::string snapshot() override { return std::to_string(next_); }

   private:
    windowed::EventMaker maker_;
    std::uint64_t next_;
    std::uint64_t end_;
  };
  windowed::EventsSpec spec_;
};

// One worker's totals, on its own cache lines.
struct alignas(64) Slot {
  windowed::Totals totals;
  std::uint64_t parsed = 0;  // lines parsed by this worker's thread
};
using Slots = std::vector<Slot>;

// A sink on every worker calling f(that worker's totals, record).
template <class T, class F>
void tally(const char* id, const sluice::Stream<T>& up, std::shared_ptr<Slots> slots, F f) {
  sluice::OperatorBuilder b(up, id);
  auto in = b.add_input(up);
  b.build([in, slots, f](sluice::OperatorContext& ctx) {
    return [in, f, &mine = (*slots)[ctx.worker_index()].totals](sluice::OperatorContext& ctx) {
      ctx.input(in).for_each([&](sluice::InputBatch<T>& batch) {
        for (const T& record : batch.items()) f(mine, record);
      });
    };
  });
}

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("windowed_sum: sluice's count and sum per key and event-time window");
  std::string input, input_dir;
  windowed::EventsSpec spec;
  windowed::WindowArgs args;
  auto& app = cli.app();
  auto* input_opt = app.add_option("--input", input, "file of event_ms,key,value lines");
  auto* dir_opt =
      app.add_option("--input-dir", input_dir, "directory whose *.csv files are the partitions");
  auto* records_opt = windowed::add_spec_options(app, spec);
  input_opt->excludes(records_opt)->excludes(dir_opt);
  dir_opt->excludes(records_opt);
  windowed::add_window_options(app, args);
  if (int code = cli.parse(argc, argv); code >= 0) return code;
  if (const std::string m = windowed::missing(args); !m.empty()) {
    std::fprintf(stderr, "error: %s\n", m.c_str());
    return 2;
  }
  const sluice::RunConfig config = cli.config();

  auto slots = std::make_shared<Slots>(config.workers);
  // Lines parsed, counted by the thread parsing them (a partition is read by one
  // worker): each reading thread takes a slot on its first line.
  std::atomic<std::uint32_t> readers{0};
  double seconds = 0;
  try {
    namespace op = sluice::op;
    sluice::Dataflow flow("windowed_sum");
    const window::EventClock clock{window::Millis(args.epoch_ms),
                                   window::Millis(args.max_delay_ms)};
    auto parse = [&readers, &slots](std::string_view line) {
      const windowed::Event e = windowed::parse_event(line);
      thread_local std::uint64_t* parsed = nullptr;  // this run's only: one run per process
      if (parsed == nullptr) [[unlikely]]
        parsed = &(*slots)[readers++].parsed;
      ++*parsed;
      return std::pair<std::string, window::Timed<Event>>(
          e.key, window::Timed<Event>{Event{e.ms, e.value}, window::EventTime(window::Millis(e.ms)),
                                      false});
    };
    auto keyed = !input_dir.empty()
                     ? window::event_time_input(
                           flow, "events", sluice::io::DirSource(input_dir, "*.csv"), clock, parse)
                 : input.empty()
                     ? window::event_time_input(flow, "events", GeneratedSource(spec), clock, parse)
                     : window::event_time_input(flow, "events", sluice::io::FileSource(input, 1),
                                                clock, parse);
    auto sum = [&](auto windower) {
      auto streams = window::fold_window(
          "sum", keyed, clock, windower, [] { return CountSum{}; },
          [](CountSum acc, const Event& e) {
            return CountSum{acc.count + 1, acc.sum + e.value};
          },
          [](CountSum a, CountSum b) {
            return CountSum{a.count + b.count, a.sum + b.sum};
          });
      tally("rows", streams.down, slots,
            [](windowed::Totals& t, const std::pair<std::string, window::Windowed<CountSum>>& kw) {
              const auto& [key, w] = kw;
              t.row(key, w.window.start.time_since_epoch().count(),
                    w.window.end.time_since_epoch().count(), w.value.count, w.value.sum);
            });
      tally("late", streams.late, slots,
            [](windowed::Totals& t, const std::pair<std::string, Event>& kv) {
              t.late_line(kv.first, kv.second.ms, kv.second.value);
            });
    };
    const window::EventTime align{};
    if (args.kind == "tumbling") {
      sum(window::TumblingWindower(window::Millis(args.length_ms), align));
    } else if (args.kind == "sliding") {
      sum(window::SlidingWindower(window::Millis(args.length_ms), window::Millis(args.slide_ms),
                                  align));
    } else {
      sum(window::SessionWindower(window::Millis(args.gap_ms)));
    }
    bench::Stopwatch watch;
    sluice::run(flow, config);
    seconds = watch.seconds();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }

  windowed::Totals totals;
  std::uint64_t records = 0;
  for (const Slot& s : *slots) {
    totals += s.totals;
    records += s.parsed;
  }
  const std::string what = !input_dir.empty() ? input_dir : input.empty() ? "generated" : input;
  windowed::print_result("sluice", config.workers, args, what, records, seconds, totals);
  return 0;
}
