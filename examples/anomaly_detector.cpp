// anomaly_detector: flags sensor readings far from their sensor's running mean.
//
//   build/examples/anomaly_detector --input examples/data/readings.csv [--output F]
//                                   [--threshold 3.0] [--warmup 10] [-w 2]
//
// The input is a CSV file with the header sensor,time,value. Every sensor's readings
// are routed to one worker, where a per-sensor logic object keeps the running mean and
// variance of the sensor's normal readings (Welford's algorithm). Once it has seen
// --warmup readings, a reading more than --threshold standard deviations from the mean
// is an anomaly: it is written as "sensor<TAB>time<TAB>value<TAB>mean<TAB>stddev" (3
// decimals) and kept out of the statistics, so that one spike does not hide the next.
// A value that is not a number stops the run with an error naming step "parse" and the
// row. Lines of different sensors may come out in any order. --threshold must be a
// finite number from 0.001 to 1000 and --warmup an integer from 2 to 2^32; anything
// else (nan, 1e400, -1, 2.5) is refused with exit code 2 and a message naming the flag.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <CLI/CLI.hpp>

#include <sluice/engine/cli_options.hpp>
#include <sluice/io/csv_source.hpp>
#include <sluice/io/file_sink.hpp>
#include <sluice/io/stdout_sink.hpp>
#include <sluice/sluice.hpp>

namespace {

struct Reading {
  std::string sensor;
  std::string time;  // passed through as written
  double value = 0;
};

// A flagged reading and the statistics it was compared with.
struct Anomaly {
  Reading reading;
  double mean = 0;
  double stddev = 0;
};

// Step "parse": a CSV row to a Reading. Throwing is how a step rejects a record: the
// runtime stops the run and reports the step, worker, epoch and the row.
Reading parse(const sluice::io::CsvRow& row) {
  const std::string_view text = row["value"];
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) {
    throw std::invalid_argument("value '" + std::string(text) + "' is not a number");
  }
  return Reading{std::string(row["sensor"]), std::string(row["time"]), value};
}

// Welford's running mean and variance: numerically stable, O(1) per reading.
struct Stats {
  std::uint64_t count = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared differences from the mean

  void add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
  }
  double stddev() const { return count < 2 ? 0.0 : std::sqrt(m2 / static_cast<double>(count - 1)); }
  // The key's state in a snapshot is serialized with cereal (op::stateful's contract).
  template <class Archive>
  void serialize(Archive& archive) {
    archive(count, mean, m2);
  }
};

// The per-key logic of op::stateful: one Detector per sensor, on the sensor's worker.
// Readings of a sensor reach it in epoch order, and in file order within an epoch.
class Detector {
 public:
  Detector(double threshold, std::uint64_t warmup, std::optional<Stats> resume)
      : threshold_(threshold), warmup_(warmup), stats_(resume.value_or(Stats{})) {}

  sluice::LogicAction on_item(Reading r, sluice::Emitter<std::string, Anomaly>& out) {
    const double stddev = stats_.stddev();
    if (stats_.count >= warmup_ && std::abs(r.value - stats_.mean) > threshold_ * stddev) {
      out(Anomaly{std::move(r), stats_.mean, stddev});
    } else {
      stats_.add(r.value);
    }
    return sluice::LogicAction::retain;  // keep the sensor's state for its next reading
  }
  // What a recovery snapshot stores for this sensor (and `resume` gives back).
  Stats snapshot() const { return stats_; }

 private:
  double threshold_;
  std::uint64_t warmup_;
  Stats stats_;
};

std::string describe(const std::pair<std::string, Anomaly>& keyed) {
  const Anomaly& a = keyed.second;
  std::ostringstream line;
  line << std::fixed << std::setprecision(3) << a.reading.sensor << '\t' << a.reading.time << '\t'
       << a.reading.value << '\t' << a.mean << '\t' << a.stddev;
  return line.str();
}

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("anomaly_detector: flags sensor readings far from their running mean");
  std::string input;
  std::string output;
  double threshold = 3.0;
  std::uint64_t warmup = 10;
  cli.app().add_option("--input", input, "CSV file with the header sensor,time,value")->required();
  cli.app().add_option("--output", output, "file for the anomalies (default: stdout)");
  sluice::add_number_option(cli.app(), "--threshold", threshold,
                            "how many standard deviations make an anomaly", 1e-3, 1e3)
      ->capture_default_str();
  sluice::add_integer_option(cli.app(), "--warmup", warmup,
                             "readings per sensor before any is judged (at least 2)",
                             std::uint64_t{2}, std::uint64_t{1} << 32)
      ->capture_default_str();

  return cli.main(argc, argv, [&] {
    sluice::Dataflow flow("anomaly_detector");
    // One partition (the file), read by worker 0; rows carry their header's names.
    auto rows = sluice::op::input(flow, "readings", sluice::io::CsvSource(input));
    auto readings = sluice::op::map("parse", rows, parse);
    // Keyed steps take (key, value) pairs: the key decides which worker owns the state.
    auto by_sensor =
        sluice::op::key_on("by_sensor", readings, [](const Reading& r) { return r.sensor; });
    // The builder makes a sensor's Detector the first time the sensor is seen (resume =
    // nullopt) or from its snapshot when a run resumes.
    auto anomalies =
        sluice::op::stateful("detect", by_sensor, [threshold, warmup](std::optional<Stats> resume) {
          return Detector(threshold, warmup, std::move(resume));
        });
    auto lines = sluice::op::map("format", anomalies, describe);
    // A FileSink gathers every line on worker 0; StdOutSink prints each worker's own.
    if (output.empty()) {
      sluice::op::output("print", lines, sluice::io::StdOutSink<std::string>());
    } else {
      sluice::op::output("write", lines, sluice::io::FileSink<std::string>(output));
    }
    return flow;
  });
}
