// windowed_sum: counts and sums values per key and event-time window.
//
//   build/examples/windowed_sum --input events.csv --output sums.csv --late late.csv
//       --window tumbling|sliding|session [--length-ms L] [--slide-ms S] [--gap-ms G]
//       [--align-ms A] --max-delay-ms D [--epoch-ms E] [-w N]
//
// Input lines are `event_ms,key,value` (integers; the key a word without commas); the
// file is one partition, read in file order. A line is late when its event_ms is below
// (the largest event_ms of the earlier non-late lines) - D; late lines are written
// unchanged to --late. Every other line counts in every window containing its
// event_ms: tumbling [A + kL, A + (k+1)L), sliding windows of length L starting at
// A + kS, or per-key sessions (times closer than G) with window [first, last + G).
// Output: one line `key,window_start_ms,window_end_ms,count,sum` per non-empty window,
// in no particular order. The output does not depend on -w or --epoch-ms (the length
// of an event-time epoch: windows close when the frontier passes the epoch of their
// last millisecond).
//
// Ranges (windowing/windower.hpp): event_ms and A within +-2305843009213693951 (2^61 - 1),
// L, S, G and E from 1 and D from 0 to 2^61 - 1; a sliding window may put a line in at
// most 10,000 windows (L <= 10000 * S). The sum is exact: a 128-bit integer, which no
// file can overflow. A flag out of its range, a flag the window kind does not use, or
// a missing one is refused before any data moves with exit code 2 and a message naming
// the flag; a malformed line (a blank one too) or one whose event_ms is outside the
// range stops the run (exit code 1) naming the file, the line number and the line:
// "step 'windowed_sum.events' failed on worker 0 at epoch 0: 'events.csv' line 7:
// expected 3 comma-separated fields: event_ms,key,value; item: ...".
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <CLI/CLI.hpp>

#include <sluice/engine/cli_options.hpp>
#include <sluice/io/file_sink.hpp>
#include <sluice/io/file_source.hpp>
#include <sluice/sluice.hpp>

#include "event_line.hpp"

namespace {

namespace window = sluice::window;

// One input line's value; the line itself is kept for the late output.
struct Event {
  std::string line;
  std::int64_t value = 0;
};

// "event_ms,key,value" -> (key, the event with its time): keyed for the window
// operator in the same call, without a key_on step. Throws for a malformed line.
std::pair<std::string, window::Timed<Event>> parse(std::string&& line) {
  const windowed_sum::EventLine parsed = windowed_sum::parse_event_line(line);
  std::string key(parsed.key);
  const window::EventTime time{window::Millis(parsed.ms)};
  return {std::move(key), window::Timed<Event>{Event{std::move(line), parsed.value}, time, false}};
}

using windowed_sum::CountSum;

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("windowed_sum: counts and sums values per key and event-time window");
  std::string input, output, late;
  std::string kind;
  std::int64_t length_ms = 0, slide_ms = 0, gap_ms = 0, align_ms = 0, max_delay_ms = -1;
  std::int64_t epoch_ms = 1000;
  constexpr std::int64_t kMax = window::kMaxTimeMs;
  auto& app = cli.app();
  app.add_option("--input", input, "events file: event_ms,key,value lines")->required();
  app.add_option("--output", output, "file for key,window_start_ms,window_end_ms,count,sum")
      ->required();
  app.add_option("--late", late, "file for the late lines, unchanged")->required();
  app.add_option("--window", kind, "tumbling, sliding or session")
      ->required()
      ->check(CLI::IsMember({"tumbling", "sliding", "session"}));
  auto* length = sluice::add_integer_option(
      app, "--length-ms", length_ms, "window length (tumbling, sliding)", std::int64_t{1}, kMax);
  auto* slide =
      sluice::add_integer_option(app, "--slide-ms", slide_ms,
                                 "distance between window starts (sliding)", std::int64_t{1}, kMax);
  auto* gap = sluice::add_integer_option(app, "--gap-ms", gap_ms, "session gap (session)",
                                         std::int64_t{1}, kMax);
  auto* align = sluice::add_integer_option(
      app, "--align-ms", align_ms, "a window boundary (tumbling, sliding; default 0)", -kMax, kMax);
  sluice::add_integer_option(app, "--max-delay-ms", max_delay_ms,
                             "how far behind the latest time a line may be", std::int64_t{0}, kMax)
      ->required();
  sluice::add_integer_option(app, "--epoch-ms", epoch_ms,
                             "length of an event-time epoch (default 1000)", std::int64_t{1}, kMax);
  // The flags each window kind needs and takes, checked once all are parsed.
  app.callback([&] {
    const bool tumbling = kind == "tumbling", sliding = kind == "sliding";
    const bool session = kind == "session";
    const std::pair<CLI::Option*, bool> uses[] = {
        {length, tumbling || sliding}, {slide, sliding}, {gap, session}, {align, !session}};
    for (const auto& [opt, used] : uses) {
      if (opt->count() == 0 && used && opt != align) {
        throw sluice::refuse_flags("--window " + kind, "needs " + opt->get_name());
      }
      if (opt->count() > 0 && !used) {
        throw sluice::refuse_flags(opt->get_name(), "does not apply to --window " + kind);
      }
    }
    if (!sliding) return;
    const std::int64_t limit = window::kDefaultMaxWindowsPerTime;
    const window::SlidingWindower w{window::Millis(length_ms), window::Millis(slide_ms)};
    if (w.windows_per_time() > limit) {
      throw sluice::refuse_flags(
          "--length-ms " + std::to_string(length_ms) + " --slide-ms " + std::to_string(slide_ms),
          "a line would be in up to " + std::to_string(w.windows_per_time()) +
              " windows, more than the limit of " + std::to_string(limit) +
              ": make --slide-ms at least " + std::to_string((length_ms + limit - 1) / limit) +
              " or --length-ms at most " + std::to_string(limit * slide_ms));
    }
  });

  return cli.main(argc, argv, [&] {
    namespace op = sluice::op;
    sluice::Dataflow flow("windowed_sum");
    const window::EventClock clock{window::Millis(epoch_ms), window::Millis(max_delay_ms)};
    // One partition: the file, in file order; each line parsed, keyed and given its time.
    auto keyed =
        window::event_time_input(flow, "events", sluice::io::FileSource(input, 1), clock, parse);
    auto run = [&](auto windower) {
      return window::fold_window(
          "sum", keyed, clock, windower, [] { return CountSum{}; },
          [](CountSum acc, const Event& e) {
            return CountSum{acc.count + 1, acc.sum + e.value};  // 128-bit: exact
          },
          [](CountSum a, CountSum b) {
            return CountSum{a.count + b.count, a.sum + b.sum};
          });
    };
    const window::EventTime align_to{window::Millis(align_ms)};
    auto write = [&](auto streams) {
      auto rows = op::map(
          "format", streams.down, [](const std::pair<std::string, window::Windowed<CountSum>>& kw) {
            const auto& [key, w] = kw;
            return key + ',' + std::to_string(w.window.start.time_since_epoch().count()) + ',' +
                   std::to_string(w.window.end.time_since_epoch().count()) + ',' +
                   std::to_string(w.value.count) + ',' + windowed_sum::to_string(w.value.sum);
          });
      op::output("output", rows, sluice::io::FileSink<std::string>(output));
      auto late_lines = op::map("late_lines", streams.late, [](std::pair<std::string, Event>& kv) {
        return std::move(kv.second.line);
      });
      op::output("late", late_lines, sluice::io::FileSink<std::string>(late));
    };
    if (kind == "tumbling") {
      write(run(window::TumblingWindower(window::Millis(length_ms), align_to)));
    } else if (kind == "sliding") {
      write(run(
          window::SlidingWindower(window::Millis(length_ms), window::Millis(slide_ms), align_to)));
    } else {
      write(run(window::SessionWindower(window::Millis(gap_ms))));
    }
    return flow;
  });
}
