// branch_merge: splits a log into errors and the rest, treats each part its own way,
// and merges the two results into one report.
//
//   build/examples/branch_merge --input examples/data/app.log [--output F] [-w 2]
//
// Each log line is "<time> <LEVEL> <component> <message...>", e.g.
// "2026-11-21T08:11:07 ERROR payment timeout user=160". The report has one line per
// ERROR, "error<TAB>time<TAB>component<TAB>message", and one line per other level,
// "count<TAB>LEVEL<TAB>how many lines", written when the input ends. Lines may come
// out in any order. A line without the four parts (a blank line too) stops the run
// with an error naming step "log", the file and the line number, and the line:
// "step 'branch_merge.log' failed on worker 0 at epoch 0: 'app.log' line 7: expected
// '<time> <LEVEL> <component> <message>'; item: ...".
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <sluice/io/file_sink.hpp>
#include <sluice/io/file_source.hpp>
#include <sluice/io/stdout_sink.hpp>
#include <sluice/sluice.hpp>

namespace {

struct LogLine {
  std::string time;
  std::string level;
  std::string component;
  std::string message;
};

// Splits a line into its parts, in the input step (so that a throw names the file and
// the line number: op::input with a parse function).
LogLine parse(const std::string& line) {
  std::istringstream in(line);
  LogLine parsed;
  in >> parsed.time >> parsed.level >> parsed.component >> std::ws;
  std::getline(in, parsed.message);
  if (parsed.message.empty()) {
    throw std::invalid_argument("expected '<time> <LEVEL> <component> <message>'");
  }
  return parsed;
}

std::string describe_error(const LogLine& e) {
  return "error\t" + e.time + '\t' + e.component + '\t' + e.message;
}

std::string describe_count(const std::pair<std::string, std::uint64_t>& level_count) {
  return "count\t" + level_count.first + '\t' + std::to_string(level_count.second);
}

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("branch_merge: a report of a log's errors and of how many lines per level");
  std::string input;
  std::string output;
  cli.app()
      .add_option("--input", input, "log file, lines '<time> <LEVEL> <component> ...'")
      ->required();
  cli.app().add_option("--output", output, "file for the report (default: stdout)");

  return cli.main(argc, argv, [&] {
    sluice::Dataflow flow("branch_merge");
    namespace op = sluice::op;
    // The file is split into one byte range per worker: every worker reads and parses
    // its share of the lines, and the stateless steps below run where the lines are.
    auto entries = op::input(flow, "log", sluice::io::FileSource(input), parse);
    // branch: one input, two outputs; the records keep their worker and epoch.
    auto split =
        op::branch("is_error", entries, [](const LogLine& e) { return e.level == "ERROR"; });
    // Errors, one report line each, as they come.
    auto error_lines = op::map("describe_error", split.trues, describe_error);
    // The rest, counted per level: lines are exchanged by level, and each level's count
    // is emitted once the input has ended.
    auto counts =
        op::count_final("count_per_level", split.falses, [](const LogLine& e) { return e.level; });
    auto count_lines = op::map("describe_count", counts, describe_count);
    // merge: both streams of report lines, now one stream of one type.
    auto report = op::merge("report", std::vector{error_lines, count_lines});
    // A FileSink gathers every line on worker 0; StdOutSink prints each worker's own.
    if (output.empty()) {
      op::output("print", report, sluice::io::StdOutSink<std::string>());
    } else {
      op::output("write", report, sluice::io::FileSink<std::string>(output));
    }
    return flow;
  });
}
