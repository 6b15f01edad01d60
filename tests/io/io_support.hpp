// Helpers of the io/ tests: scratch directories, files written and read back with
// the standard library (the reference a connector is compared against), and runs
// that collect a stream.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
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

// A run at `workers` workers with small batches.
inline RunConfig config_with(std::uint32_t workers, std::size_t batch_size = 64) {
  RunConfig config;
  config.workers = workers;
  config.batch_size = batch_size;
  return config;
}

// Runs `flow` at `workers` workers with small batches.
inline void run_with(const Dataflow& flow, std::uint32_t workers, std::size_t batch_size = 64) {
  run(flow, config_with(workers, batch_size));
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

// Waits for `run` to end; what it threw (null: nothing).
inline std::exception_ptr failure_of(BackgroundRun& run) {
  try {
    run.join();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

// Standard error (fd 2) redirected into a pipe while it lives, so a test can wait for
// a line a connector prints (bounded waits; no sleeps). Restores fd 2 when destroyed.
class StderrCapture {
 public:
  StderrCapture() {
    REQUIRE(::pipe2(pipe_, O_CLOEXEC) == 0);
    saved_ = ::dup(2);
    REQUIRE(saved_ >= 0);
    REQUIRE(::dup2(pipe_[1], 2) == 2);
  }
  StderrCapture(const StderrCapture&) = delete;
  ~StderrCapture() {
    ::dup2(saved_, 2);
    ::close(saved_);
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  // Reads what was written until it contains `text` (true) or `limit` passes (false).
  bool wait_for(const std::string& text, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (seen_.find(text) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      pollfd p{pipe_[0], POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char block[4096];
      const ssize_t n = ::read(pipe_[0], block, sizeof block);
      if (n <= 0) return false;
      seen_.append(block, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& seen() const { return seen_; }

 private:
  int pipe_[2] = {-1, -1};
  int saved_ = -1;
  std::string seen_;
};

// Reads `fd` to its end, waiting at most `limit` for each read; nullopt on a timeout.
inline std::optional<std::string> read_to_end(int fd, std::chrono::milliseconds limit) {
  std::string text;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return std::nullopt;
    char block[4096];
    const ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0) return std::nullopt;
    if (n == 0) return text;
    text.append(block, static_cast<std::size_t>(n));
  }
}

}  // namespace io_test
