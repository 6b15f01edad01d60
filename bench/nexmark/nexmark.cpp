// nexmark: runs one Nexmark query on sluice or on its single-threaded baseline over
// the generated events and prints one JSON line.
//
//   build/bench/nexmark --query qN --events N [-w W] [--baseline] [--output PATH]
//                       [--dump-events PATH] [--rate R] [--epoch-ms E] [--seed S]
//                       [--max-lead L] [--source-parts P] [-r DIR [-s T] [-b T]]
//
// --output writes the query's result rows (rows.hpp), --dump-events the generated
// events (generator.hpp), one per line. On sluice, --output is a FileSink step: with a
// recovery directory (-r) a killed run resumes and the file ends as an uninterrupted
// run's (its JSON line then counts the rows of the last execution only). The
// generator has --source-parts partitions: by default one per worker, and 32 with -r
// (a resumed run may have another -w; more than 32 workers leave some without one). The JSON line has query, engine, events,
// workers, seconds, events_per_second, rows, checksum (the sum of the rows' hashes:
// equal for sluice and the baseline) and peak_rss_mb. Exit codes: 0, 1 for a failed
// run (the error on stderr), 2 for a usage error.
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <sluice/engine/cli_options.hpp>
#include <sluice/sluice.hpp>

#include "../bench_util.hpp"
#include "baseline.hpp"
#include "generator.hpp"
#include "run_sluice.hpp"

namespace {

using namespace sluice::nexmark;

// The generator's partitions with a recovery directory: fixed, so that a run resumes
// at any -w.
constexpr std::uint32_t kRecoveryParts = 32;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Writes `lines` to `path`, one per line; throws with the path and the reason.
template <class Each>
void write_lines(const std::string& path, Each&& each) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    throw std::runtime_error("cannot open '" + path + "' for writing: " + std::strerror(errno));
  }
  std::string buf;
  each([&](const std::string& line) {
    buf += line;
    buf += '\n';
    if (buf.size() >= (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  });
  std::fwrite(buf.data(), 1, buf.size(), f);
  const bool failed = std::ferror(f) != 0;
  if (std::fclose(f) != 0 || failed) {
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  }
}

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("nexmark: one Nexmark query on sluice (or its single-threaded baseline)");
  std::string query, output, dump;
  GeneratorConfig gen;
  bool baseline = false;
  std::int64_t epoch_ms = 1000;
  std::int64_t max_lead = sluice::window::EventClock::kDefaultMaxLead;
  auto& app = cli.app();
  app.add_option("--query", query, "the query: q0 q1 q2 q3 q4 q5 q7 q8 q9 q11")
      ->check(CLI::IsMember(query_names()));
  sluice::add_integer_option(app, "--events", gen.events, "number of events to generate",
                             std::uint64_t{1}, std::uint64_t{1'000'000'000'000})
      ->required();
  app.add_flag("--baseline", baseline, "run the single-threaded baseline instead of sluice");
  app.add_option("--output", output, "write the result rows to this file");
  app.add_option("--dump-events", dump, "write the generated events to this file");
  sluice::add_integer_option(app, "--rate", gen.rate, "events per second of event time",
                             std::int64_t{1}, std::int64_t{1'000'000})
      ->capture_default_str();
  sluice::add_integer_option(app, "--epoch-ms", epoch_ms, "event-time epoch length in ms",
                             std::int64_t{1}, std::int64_t{86'400'000})
      ->capture_default_str();
  sluice::add_integer_option(app, "--max-lead", max_lead,
                             "source alignment: epochs a partition may lead the slowest (-1: off)",
                             std::int64_t{-1}, std::int64_t{1'000'000})
      ->capture_default_str();
  sluice::add_integer_option(app, "--seed", gen.seed,
                             "0: Beam's event stream; else a different one")
      ->capture_default_str();
  std::uint32_t source_parts = 0;
  sluice::add_integer_option(app, "--source-parts", source_parts,
                             "the generator's partitions (default: one per worker; 32 with -r)",
                             std::uint32_t{1}, std::uint32_t{4096});
  if (int code = cli.parse(argc, argv); code >= 0) return code;
  if (query.empty() && dump.empty()) {
    std::fprintf(stderr, "error: give --query (and/or --dump-events)\n");
    return 2;
  }
  const sluice::RunConfig config = cli.config();
  try {
    gen.validate();
    if (!dump.empty()) {
      write_lines(dump, [&](auto&& put) {
        std::string line;
        for (std::uint64_t n = 0; n < gen.events; ++n) {
          line.clear();
          append_event_line(line, make_event(gen, n));
          put(line);
        }
      });
    }
    if (query.empty()) return 0;
    RowTally rows;
    std::vector<std::string> lines;
    bench::Stopwatch watch;
    if (baseline) {
      if (!output.empty()) rows.lines = &lines;
      run_baseline(query, gen, rows);
    } else {
      sluice::window::EventClock clock{sluice::window::Millis(epoch_ms), sluice::window::Millis(0)};
      clock.max_lead = max_lead < 0 ? std::nullopt : std::optional<sluice::Epoch>(max_lead);
      SluiceOutput out;
      out.file = output;
      out.source_parts = source_parts != 0                 ? source_parts
                         : !config.recovery_dir.empty() ? kRecoveryParts
                                                        : 0;
      SluiceRun run = run_sluice(query, gen, config, clock, out);
      rows = run.rows;
    }
    const double seconds = watch.seconds();
    if (baseline && !output.empty()) {
      write_lines(output, [&](auto&& put) {
        for (const std::string& l : lines) put(l);
      });
    }
    bench::JsonLine()
        .add("bench", "nexmark")
        .add("query", query)
        .add("engine", baseline ? "baseline" : "sluice")
        .add("events", gen.events)
        .add("workers", baseline ? 1u : config.workers)
        .add("seconds", seconds)
        .add("events_per_second", static_cast<double>(gen.events) / seconds)
        .add("rows", rows.rows)
        .add("checksum", rows.checksum)
        .add("peak_rss_mb", peak_rss_mb())
        .print();
  } catch (const sluice::Interrupted& e) {
    std::fprintf(stderr, "sluice: %s\n", e.what());
    return 128 + e.signal();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
