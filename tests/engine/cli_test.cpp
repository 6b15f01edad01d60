// The standard command line: flag parsing into RunConfig, usage errors (exit code 2
// with a message naming the flag), --help, and Cli::main's exit codes.
#include <chrono>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <CLI/CLI.hpp>

#include "support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

// Redirects a standard stream into a string for the lifetime of the object.
class Capture {
 public:
  explicit Capture(std::ostream& stream) : stream_(stream), old_(stream.rdbuf(buffer_.rdbuf())) {}
  ~Capture() { stream_.rdbuf(old_); }
  std::string text() const { return buffer_.str(); }

 private:
  std::ostream& stream_;
  std::ostringstream buffer_;
  std::streambuf* old_;
};

struct Parsed {
  int code;
  RunConfig config;
  std::string err;
  std::string out;
};

Parsed parse(std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  Cli cli("test program");
  Capture err(std::cerr);
  Capture out(std::cout);
  const int code = cli.parse(static_cast<int>(args.size()), args.data());
  return Parsed{code, cli.config(), err.text(), out.text()};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("cli parses the worker count and an epoch interval in milliseconds") {
  const Parsed p = parse({"-w", "3", "--epoch-interval", "250ms"});
  CHECK(p.code == -1);
  CHECK(p.config.workers == 3);
  CHECK(p.config.epoch_interval == std::chrono::milliseconds(250));
  CHECK(p.err.empty());
}

TEST_CASE("cli reads a bare epoch interval as seconds and accepts the long worker flag") {
  const Parsed p = parse({"--workers-per-process", "2", "--epoch-interval", "2"});
  CHECK(p.code == -1);
  CHECK(p.config.workers == 2);
  CHECK(p.config.epoch_interval == std::chrono::milliseconds(2000));
  CHECK(parse({"--epoch-interval", "10s"}).config.epoch_interval == std::chrono::seconds(10));
  CHECK(parse({"--epoch-interval", "1.5"}).config.epoch_interval ==
        std::chrono::milliseconds(1500));
}

TEST_CASE("cli defaults to one worker and a ten second epoch interval") {
  const Parsed p = parse({});
  CHECK(p.code == -1);
  CHECK(p.config.workers == 1);
  CHECK(p.config.epoch_interval == std::chrono::seconds(10));
}

TEST_CASE("cli refuses bad flag values with exit code 2 and a message naming the flag") {
  struct Case {
    std::vector<const char*> args;
    std::string flag;
  };
  const std::vector<Case> cases = {
      {{"-w", "0"}, "workers-per-process"},
      {{"-w", "abc"}, "workers-per-process"},
      {{"-w", "2000"}, "workers-per-process"},
      {{"--epoch-interval", "-1s"}, "epoch-interval"},
      {{"--epoch-interval", "0"}, "epoch-interval"},
      {{"--epoch-interval", "0.0001"}, "epoch-interval"},
      {{"--epoch-interval", "3h"}, "epoch-interval"},
      {{"--epoch-interval", "1e100"}, "--epoch-interval must be between 1ms and 86400s"},
      {{"--epoch-interval", "inf"}, "epoch-interval"},
      {{"--epoch-interval", "nan"}, "epoch-interval"},
      {{"--epoch-interval", "86401"}, "--epoch-interval must be between 1ms and 86400s"},
      {{"-w", "99999999999999999999"}, "workers-per-process"},
      {{"-w", "-1"}, "workers-per-process"},
      {{"--bogus"}, "--bogus"},
  };
  for (const Case& c : cases) {
    std::string line;
    for (const char* a : c.args) line += std::string(a) + " ";
    CAPTURE(line);
    const Parsed p = parse(c.args);
    CAPTURE(p.err);
    CHECK(p.code == 2);
    CHECK(contains(p.err, c.flag));
    CHECK(contains(p.err, "error"));
  }
}

TEST_CASE("cli --help prints the flags to stdout and returns 0") {
  const Parsed p = parse({"--help"});
  CHECK(p.code == 0);
  CHECK(contains(p.out, "--workers-per-process"));
  CHECK(contains(p.out, "--epoch-interval"));
  CHECK(contains(p.out, "test program"));
}

TEST_CASE("cli main runs the dataflow and returns 0") {
  TestingSink<int> sink;
  Cli cli("ok");
  const char* argv[] = {"prog", "-w", "2"};
  const int code = cli.main(3, argv, [&] {
    Dataflow flow("ok");
    op::output("out", op::input(flow, "in", TestingSource<int>::of({1, 2, 3})), sink);
    return flow;
  });
  CHECK(code == 0);
  CHECK(sink.values().size() == 3);
}

TEST_CASE("cli main returns 1 and prints the step error when a step throws") {
  Cli cli("fails");
  const char* argv[] = {"prog", "-w", "2"};
  Capture err(std::cerr);
  const int code = cli.main(3, argv, [] {
    Dataflow flow("fails");
    auto in = op::input(flow, "in", TestingSource<int>::of({1, 2, 3}));
    auto bad = op::map("bad", in, [](int x) -> int {
      if (x == 2) throw std::runtime_error("kaput");
      return x;
    });
    op::output("out", bad, TestingSink<int>());
    return flow;
  });
  const std::string text = err.text();
  CAPTURE(text);
  CHECK(code == 1);
  CHECK(text.rfind("error:", 0) == 0);
  CHECK(contains(text, "fails.bad"));
  CHECK(contains(text, "kaput"));
}

TEST_CASE("cli main returns 1 when building the dataflow fails and 2 on a usage error") {
  Cli cli("bad build");
  const char* argv[] = {"prog"};
  Capture err(std::cerr);
  CHECK(cli.main(1, argv, []() -> Dataflow { throw ConfigError("cannot open input.txt"); }) == 1);
  CHECK(contains(err.text(), "error: cannot open input.txt"));

  Cli usage("usage");
  const char* bad_argv[] = {"prog", "--bogus"};
  bool built = false;
  CHECK(usage.main(2, bad_argv, [&] {
    built = true;
    return Dataflow("never");
  }) == 2);
  CHECK_FALSE(built);
}

TEST_CASE("cli lets a program add its own options") {
  Cli cli("own options");
  std::string input;
  cli.app().add_option("--input", input, "a file");
  const char* argv[] = {"prog", "--input", "words.txt", "-w", "2"};
  CHECK(cli.parse(5, argv) == -1);
  CHECK(input == "words.txt");
  CHECK(cli.config().workers == 2);
}

TEST_CASE("cli refuses more workers than the machine allows, saying how many it allows") {
  const std::string over = std::to_string(RunConfig::max_workers() + 1);
  const Parsed p = parse({"-w", over.c_str()});
  CHECK(p.code == 2);
  CHECK(contains(p.err, "error: --workers-per-process: got " + over +
                            "; this machine allows 1 to " +
                            std::to_string(RunConfig::max_workers()) +
                            " workers (32 per hardware "
                            "thread: more only add cost; at most 1024)"));
  const std::string most = std::to_string(RunConfig::max_workers());
  CHECK(parse({"-w", most.c_str()}).code == -1);
}
