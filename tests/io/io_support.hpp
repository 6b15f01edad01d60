// Helpers of the io/ tests: scratch directories, files written and read back with
// the standard library (the reference a connector is compared against), and runs
// that collect a stream.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <sluice/io/io.hpp>

#include "../engine/support.hpp"

namespace io_test {

using namespace sluice;
using namespace sluice_test;

// A fresh directory under the system temp dir, removed (with its contents) at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("sluice-io-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file's lines as std::getline reads them (the reference for the line sources).
inline std::vector<std::string> getline_lines(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Runs `flow` at `workers` workers with small batches.
inline void run_with(const Dataflow& flow, std::uint32_t workers, std::size_t batch_size = 64) {
  RunConfig config;
  config.workers = workers;
  config.batch_size = batch_size;
  run(flow, config);
}

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Runs `f` and returns the StepError it throws (fails the test if it throws none).
template <class F>
StepError step_error_of(F&& f) {
  try {
    f();
  } catch (const StepError& e) {
    return e;
  }
  FAIL("expected a StepError");
  return StepError("", std::nullopt, std::nullopt, "");
}

// Runs `f` and returns the message of the ConfigError it throws ("" if none).
template <class F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError");
  return {};
}

}  // namespace io_test
