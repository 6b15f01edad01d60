// The windowed_sum workload, shared by bench/gen_windowed_events (writes it to a
// file), bench/windowed_sum (sluice) and bench/baseline_windowed_sum (one plain loop):
// the generator of `event_ms,key,value` lines, their parse, the window flags, the
// order-independent checksum of the output rows and the JSON line both benchmarks
// print. Header-only; the checksum uses sluice's key hash (engine/key_hash.cpp).
//
// Line i of the workload (0 <= i < N), from x = splitmix64(seed * 2^32 + i) and the
// next two splitmix64 steps y, z:
//   key    "k" + (x % K) in decimal
//   value  y % 1000
//   time   start + floor(i * 1000 / rate) ms (rate: records per second of event time)
//          minus a disorder of (z >> 32) % (jitter + 1) ms, or, for the records with
//          z % 10^6 < late_ppm, minus late_behind + (z >> 32) % late_behind ms: a
//          record that far behind is late whenever max_delay + jitter < late_behind.
#pragma once

#include <sys/resource.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include <sluice/engine/key_hash.hpp>

#include "../examples/event_line.hpp"
#include "bench_util.hpp"

namespace bench::windowed {

// The generator's parameters (flags of the same names, see add_spec_options).
struct EventsSpec {
  std::uint64_t records = 10'000'000;
  std::uint64_t keys = 100'000;
  std::uint64_t seed = 1;
  std::uint64_t rate = 50'000;  // records per second of event time
  std::int64_t start_ms = 1'700'000'000'000;
  std::int64_t jitter_ms = 2'000;       // bounded disorder of the on-time records
  std::uint64_t late_ppm = 1'000;       // late records per million
  std::int64_t late_behind_ms = 6'000;  // how far behind the late ones are (at least)
};

// Adds --records, --keys, --seed, --rate, --start-ms, --jitter-ms, --late-ppm,
// --late-behind-ms. `records` is returned so a caller can tell whether it was given.
inline CLI::Option* add_spec_options(CLI::App& app, EventsSpec& spec) {
  auto* records = app.add_option("--records", spec.records, "lines N (0..10^12)")
                      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000'000'000}))
                      ->capture_default_str();
  app.add_option("--keys", spec.keys, "distinct keys K (>= 1)")
      ->check(CLI::Range(std::uint64_t{1}, ~std::uint64_t{0}))
      ->capture_default_str();
  app.add_option("--seed", spec.seed, "generator seed")->capture_default_str();
  app.add_option("--rate", spec.rate, "records per second of event time (1..10^9)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}))
      ->capture_default_str();
  app.add_option("--start-ms", spec.start_ms, "event time of the first record")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 50))
      ->capture_default_str();
  app.add_option("--jitter-ms", spec.jitter_ms, "largest disorder of on-time records")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--late-ppm", spec.late_ppm, "records per million sent far behind")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--late-behind-ms", spec.late_behind_ms, "how far behind those are, at least")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  return records;
}

// Formats line i of the workload (without '\n') into a buffer of kLineMax bytes.
class EventMaker {
 public:
  static constexpr std::size_t kLineMax = 64;
  explicit EventMaker(const EventsSpec& spec) : spec_(spec), keys_(spec.keys) {}

  std::size_t format(std::uint64_t i, char* buf) const {
    const std::uint64_t x = splitmix64((spec_.seed << 32) + i);
    const std::uint64_t y = splitmix64(x);
    const std::uint64_t z = splitmix64(y);
    const auto base =
        static_cast<std::int64_t>(static_cast<unsigned __int128>(i) * 1000 / spec_.rate);
    std::int64_t ms = spec_.start_ms + base;
    if (z % 1'000'000 < spec_.late_ppm) {
      ms -= spec_.late_behind_ms +
            static_cast<std::int64_t>((z >> 32) % static_cast<std::uint64_t>(spec_.late_behind_ms));
    } else {
      ms -= static_cast<std::int64_t>((z >> 32) % static_cast<std::uint64_t>(spec_.jitter_ms + 1));
    }
    char* p = std::to_chars(buf, buf + 24, ms).ptr;
    *p++ = ',';
    *p++ = 'k';
    p = std::to_chars(p, p + 21, keys_(x)).ptr;
    *p++ = ',';
    p = std::to_chars(p, p + 5, y % 1000).ptr;
    return static_cast<std::size_t>(p - buf);
  }

 private:
  EventsSpec spec_;
  FastMod keys_;
};

// One parsed line (the contract's parser, examples/event_line.hpp).
using Event = windowed_sum::EventLine;
inline Event parse_event(std::string_view line) {
  return windowed_sum::parse_event_line(line);
}

// The windowing flags (the contract program's, examples/windowed_sum.cpp).
struct WindowArgs {
  std::string kind;
  std::int64_t length_ms = 0;
  std::int64_t slide_ms = 0;
  std::int64_t gap_ms = 0;
  std::int64_t max_delay_ms = 3'000;
  std::int64_t epoch_ms = 1'000;
  CLI::Option* length = nullptr;
  CLI::Option* slide = nullptr;
  CLI::Option* gap = nullptr;
};

inline void add_window_options(CLI::App& app, WindowArgs& args) {
  app.add_option("--window", args.kind, "tumbling, sliding or session")
      ->required()
      ->check(CLI::IsMember({"tumbling", "sliding", "session"}));
  const auto positive = CLI::Range(std::int64_t{1}, std::int64_t{1} << 40);
  args.length = app.add_option("--length-ms", args.length_ms, "window length (tumbling, sliding)")
                    ->check(positive);
  args.slide = app.add_option("--slide-ms", args.slide_ms, "distance between window starts")
                   ->check(positive);
  args.gap = app.add_option("--gap-ms", args.gap_ms, "session gap")->check(positive);
  app.add_option("--max-delay-ms", args.max_delay_ms,
                 "how far behind the latest time a line may be")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--epoch-ms", args.epoch_ms, "length of an event-time epoch")
      ->check(positive)
      ->capture_default_str();
}

// Empty, or what is missing for the chosen window kind.
inline std::string missing(const WindowArgs& args) {
  if (args.kind != "session" && args.length->count() == 0)
    return "--window " + args.kind + " needs --length-ms";
  if (args.kind == "sliding" && args.slide->count() == 0)
    return "--window sliding needs --slide-ms";
  if (args.kind == "session" && args.gap->count() == 0) return "--window session needs --gap-ms";
  return "";
}

// The output: rows `key,window_start_ms,window_end_ms,count,sum` and late lines, each
// counted and summed as a hash, so the totals do not depend on the order.
struct Totals {
  std::uint64_t rows = 0;
  std::uint64_t checksum = 0;
  std::uint64_t late = 0;
  std::uint64_t late_checksum = 0;

  void row(std::string_view key, std::int64_t start, std::int64_t end, std::uint64_t count,
           std::int64_t sum) {
    std::uint64_t h = sluice::hash_key(key);
    for (const auto field : {static_cast<std::uint64_t>(start), static_cast<std::uint64_t>(end),
                             count, static_cast<std::uint64_t>(sum)}) {
      h = sluice::mix64(h + field);
    }
    ++rows;
    checksum += h;
  }
  void late_line(std::string_view key, std::int64_t ms, std::int64_t value) {
    ++late;
    late_checksum +=
        sluice::mix64(sluice::mix64(sluice::hash_key(key) + static_cast<std::uint64_t>(ms)) +
                      static_cast<std::uint64_t>(value));
  }
  Totals& operator+=(const Totals& o) {
    rows += o.rows;
    checksum += o.checksum;
    late += o.late;
    late_checksum += o.late_checksum;
    return *this;
  }
};

// Peak resident set of this process so far, in MiB.
inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Prints the benchmark's one JSON line.
inline void print_result(const char* engine, std::uint32_t workers, const WindowArgs& args,
                         const std::string& input, std::uint64_t records, double seconds,
                         const Totals& totals) {
  bench::JsonLine()
      .add("bench", "windowed_sum")
      .add("engine", engine)
      .add("workers", workers)
      .add("window", args.kind)
      .add("input", input)
      .add("records", records)
      .add("seconds", seconds)
      .add("records_per_second", static_cast<double>(records) / seconds)
      .add("windows", totals.rows)
      .add("late", totals.late)
      .add("checksum", totals.checksum)
      .add("late_checksum", totals.late_checksum)
      .add("peak_rss_mb", peak_rss_mb())
      .print();
}

}  // namespace bench::windowed
