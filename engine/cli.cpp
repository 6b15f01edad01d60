// Cli: the standard flags, parsed with CLI11.
#include <sluice/engine/cli.hpp>

#include <cmath>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include <sluice/engine/error.hpp>
#include <sluice/engine/graph_output.hpp>
#include <sluice/engine/run.hpp>

namespace sluice {

Cli::Cli(std::string description) : app_(std::make_unique<CLI::App>(std::move(description))) {
  const std::uint32_t max_workers = RunConfig::max_workers();
  app_->add_option("-w,--workers-per-process", config_.workers,
                   "worker threads in this process (1-" + std::to_string(max_workers) + ": " +
                       std::to_string(RunConfig::kWorkersPerCore) +
                       " per hardware thread of this machine, at most " +
                       std::to_string(RunConfig::kMaxWorkers) + ")")
      ->check(CLI::Validator(
          [max_workers](const std::string& text) -> std::string {
            std::uint64_t n = 0;  // CLI11 has already refused what is not a uint32
            if (CLI::detail::lexical_cast(text, n) && n >= 1 && n <= max_workers) return {};
            return "got " + text + "; this machine allows 1 to " + std::to_string(max_workers) +
                   " workers (" + std::to_string(RunConfig::kWorkersPerCore) +
                   " per hardware thread: more only add cost; at most " +
                   std::to_string(RunConfig::kMaxWorkers) + ")";
          },
          "1-" + std::to_string(max_workers)))
      ->capture_default_str();
  const auto seconds = [] {
    return CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1.0}},
                                 CLI::AsNumberWithUnit::CASE_SENSITIVE);
  };
  app_->add_option("--epoch-interval", epoch_interval_seconds_,
                   "wall time between ingestion epochs: 10s, 250ms, 1.5 (seconds)")
      ->transform(seconds())
      ->check(CLI::PositiveNumber)
      ->default_str("10s");
  app_->add_option("-r,--recovery-directory", config_.recovery_dir,
                   "snapshot state into this directory and resume from its latest committed "
                   "epoch (created when missing or empty)");
  app_->add_option("-s,--snapshot-interval", snapshot_interval_seconds_,
                   "with -r: wall time between snapshots, whatever the epoch length: 10s, "
                   "500ms, 2.5 (seconds)")
      ->transform(seconds())
      ->check(CLI::PositiveNumber)
      ->default_str("10s");
  app_->add_option("-b,--backup-interval", backup_interval_seconds_,
                   "with -r: how long superseded snapshots are kept before they are deleted "
                   "(0: at the next snapshot)")
      ->transform(seconds())
      ->check(CLI::NonNegativeNumber)
      ->default_str("0s");
  app_->add_option("--recovery-partitions", config_.recovery_partitions,
                   "with -r: partitions (LMDB files) of a recovery directory this run creates "
                   "(an existing one keeps its own)")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  app_->add_option("--graph", graph_format_,
                   "print the dataflow's steps and edges (mermaid or dot) and exit")
      ->check(CLI::IsMember({"mermaid", "dot"}));
}

Cli::~Cli() = default;

CLI::App& Cli::app() {
  return *app_;
}

int Cli::parse(int argc, const char* const* argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app_->exit(e);  // prints help to stdout, 0
  } catch (const CLI::CallForAllHelp& e) {
    return app_->exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n"
              << "Run with --help for the available flags.\n";
    return 2;
  }
  // Checked as a double, before any conversion: 1e100 or inf must not wrap around.
  const double ms = std::round(epoch_interval_seconds_ * 1000.0);
  if (!(ms >= 1.0 && ms <= static_cast<double>(RunConfig::kMaxEpochInterval.count()))) {
    std::cerr << "error: --epoch-interval must be between 1ms and "
              << RunConfig::kMaxEpochInterval.count() / 1000 << "s (24 hours)\n"
              << "Run with --help for the available flags.\n";
    return 2;
  }
  config_.epoch_interval = std::chrono::milliseconds(static_cast<long long>(ms));
  const auto interval = [](double seconds, const char* flag, double least_ms,
                           std::chrono::milliseconds& out) {
    const double in_ms = std::round(seconds * 1000.0);
    if (!(in_ms >= least_ms && in_ms <= static_cast<double>(RunConfig::kMaxEpochInterval.count()))) {
      std::cerr << "error: " << flag << " must be between " << least_ms << "ms and "
                << RunConfig::kMaxEpochInterval.count() / 1000 << "s (24 hours)\n"
                << "Run with --help for the available flags.\n";
      return false;
    }
    out = std::chrono::milliseconds(static_cast<long long>(in_ms));
    return true;
  };
  if (!interval(snapshot_interval_seconds_, "--snapshot-interval", 1.0,
                config_.snapshot_interval) ||
      !interval(backup_interval_seconds_, "--backup-interval", 0.0, config_.backup_interval)) {
    return 2;
  }
  if (config_.recovery_dir.empty() && (app_->count("-s") > 0 || app_->count("-b") > 0 ||
                                       app_->count("--recovery-partitions") > 0)) {
    std::cerr << "error: -s, -b and --recovery-partitions need a recovery directory (-r DIR)\n"
              << "Run with --help for the available flags.\n";
    return 2;
  }
  return -1;
}

int Cli::main(int argc, const char* const* argv, const std::function<Dataflow()>& make) {
  if (int code = parse(argc, argv); code >= 0) return code;
  try {
    Dataflow flow = make();
    if (!graph_format_.empty()) {
      std::cout << render_graph(flow,
                                graph_format_ == "dot" ? GraphFormat::Dot : GraphFormat::Mermaid);
      return 0;
    }
    run(flow, config_);
  } catch (const Interrupted& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 128 + e.signal();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sluice
