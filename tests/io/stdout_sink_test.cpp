// Tests for StdOutSink: every record as a whole line, never interleaved across
// workers, in order per worker, with operator<< for non-string records; written to
// an injected stream and to the real standard output.
#include <sluice/io/stdout_sink.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Long distinct lines spread over three partitions: a torn write would break one.
TestingSource<std::string> long_lines(std::size_t n) {
  std::vector<TestingSource<std::string>::Partition> parts(3);
  for (std::size_t i = 0; i < n; ++i) {
    parts[i % 3].push_back({0, std::to_string(i) + ":" + std::string(200, 'x')});
  }
  return TestingSource<std::string>::partitioned(std::move(parts));
}

struct Point {
  int x, y;
  friend std::ostream& operator<<(std::ostream& os, const Point& p) {
    return os << "(" << p.x << ", " << p.y << ")";
  }
};
}  // namespace

TEST_CASE("every record is one whole line; each worker's lines keep their order") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    std::ostringstream out;
    Dataflow flow("flow");
    op::output("print", op::input(flow, "in", long_lines(3000)), io::StdOutSink<std::string>(out));
    run_with(flow, workers, 10);
    const auto lines = lines_of(out.str());
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < 3000; ++i)
      expected.push_back(std::to_string(i) + ":" + std::string(200, 'x'));
    CHECK(sorted(lines) == sorted(expected));
    std::vector<long> last(3, -1);  // per upstream partition: increasing
    std::size_t out_of_order = 0;
    for (const auto& line : lines) {
      const long i = std::stol(line);
      out_of_order += i <= last[i % 3];
      last[i % 3] = i;
    }
    CHECK(out_of_order == 0);
  }
}

TEST_CASE("records that are not strings are written with operator<<") {
  std::ostringstream out;
  Dataflow flow("flow");
  auto points = op::input(flow, "points", TestingSource<Point>::of({{1, 2}, {-3, 4}}));
  op::output("print", points, io::StdOutSink<Point>(out));
  auto numbers =
      op::input(flow, "numbers", TestingSource<std::int64_t>::of({-5, 0, 1234567890123}));
  std::ostringstream out2;
  op::output("print2", numbers, io::StdOutSink<std::int64_t>(out2));
  run_with(flow, 2);
  CHECK(out.str() == "(1, 2)\n(-3, 4)\n");
  CHECK(out2.str() == "-5\n0\n1234567890123\n");
}

TEST_CASE("by default the sink writes to the process's standard output") {
  TempDir dir;
  const auto path = dir / "stdout.txt";
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(file >= 0);
  std::cout.flush();
  std::fflush(stdout);
  const int saved = ::dup(1);
  ::dup2(file, 1);
  std::string error;
  try {
    Dataflow flow("flow");
    op::output("print", op::input(flow, "in", TestingSource<std::string>::of({"hello", "world"})),
               io::StdOutSink<std::string>());
    run_with(flow, 2);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved, 1);
  ::close(saved);
  ::close(file);
  CHECK(error.empty());
  CHECK(read_file(path) == "hello\nworld\n");
}
