// The standard command line every sluice program shares, and a main()-style entry.
// Example (the program's own flags are CLI11 options: include <CLI/CLI.hpp>):
//   #include <sluice/sluice.hpp>
//
//   #include <CLI/CLI.hpp>
//
//   sluice::Dataflow build_dataflow(const std::string& input);  // the program's own
//
//   int main(int argc, char** argv) {
//     sluice::Cli cli("wordcount: counts words");
//     std::string input;
//     cli.app().add_option("--input", input, "text file")->required();
//     return cli.main(argc, argv, [&] { return build_dataflow(input); });
//   }
//
// Flags: -w/--workers-per-process N, --epoch-interval DURATION (10s, 250ms; a bare
// number is seconds), --graph mermaid|dot (print the dataflow and exit), -h/--help. Bad values get
// a message naming the flag and what is allowed, and exit code 2 (CLI11's own codes for parse
// errors are mapped to 2).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <sluice/engine/dataflow.hpp>
#include <sluice/engine/run_config.hpp>

namespace CLI {
class App;
}

namespace sluice {

class Cli {
 public:
  explicit Cli(std::string description);
  ~Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // The CLI11 application, to add the program's own options before main().
  CLI::App& app();

  // Parses argv into config(). Returns -1 to continue, or the exit code to return now
  // (0 after --help, 2 after a usage error, printed to stderr).
  int parse(int argc, const char* const* argv);
  const RunConfig& config() const { return config_; }

  // parse(), then build the dataflow with `make` and run it. Returns the process exit
  // code: 0 on success, 1 if building or running failed (the error is printed to
  // stderr as "error: ..."), 2 for a usage error.
  int main(int argc, const char* const* argv, const std::function<Dataflow()>& make);

 private:
  std::unique_ptr<CLI::App> app_;
  RunConfig config_;
  double epoch_interval_seconds_ = 10.0;
  double snapshot_interval_seconds_ = 10.0;
  double backup_interval_seconds_ = 0.0;
  std::string graph_format_;  // empty: run; else print the graph in this format
};

}  // namespace sluice
