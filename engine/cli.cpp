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
  app_->add_option("-w,--workers-per-process", config_.workers,
                   "worker threads in this process (1-1024)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  app_->add_option("--epoch-interval", epoch_interval_seconds_,
                   "wall time between ingestion epochs: 10s, 250ms, 1.5 (seconds)")
      ->transform(CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1.0}},
                                        CLI::AsNumberWithUnit::CASE_SENSITIVE))
      ->check(CLI::PositiveNumber)
      ->default_str("10s");
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
  const double ms = std::round(epoch_interval_seconds_ * 1000.0);
  if (ms < 1.0) {
    std::cerr << "error: --epoch-interval must be at least 1ms\n";
    return 2;
  }
  config_.epoch_interval = std::chrono::milliseconds(static_cast<long long>(ms));
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
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sluice
