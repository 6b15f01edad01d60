// Tests for StdInSource: the lines of a file descriptor as the one partition
// "stdin", a pipe written by another thread read without blocking, and resume by
// skipping the consumed bytes.
#include <sluice/io/stdin_source.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <thread>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
std::vector<std::string> read_fd(int fd, std::uint32_t workers, io::InputResume resume = {}) {
  Dataflow flow("flow");
  TestingSink<std::string> sink;
  op::output("out", op::input(flow, "stdin", io::StdInSource(fd), std::move(resume)), sink);
  run_with(flow, workers, 16);
  for (const auto& r : sink.records()) CHECK(r.worker == 0);
  return sink.values();
}
}  // namespace

TEST_CASE("standard input is one partition named stdin") {
  CHECK(io::StdInSource().list_parts(4) == std::vector<std::string>{"stdin"});
}

TEST_CASE("the lines of a redirected file are read in order at 1, 2 and 3 workers") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + (i % 7 ? "\n" : "\r\n");
  text += "last";
  write_file(dir / "in.txt", text);
  std::vector<std::string> expected;
  for (int i = 0; i < 5000; ++i) expected.push_back("line " + std::to_string(i));
  expected.push_back("last");
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const int fd = ::open((dir / "in.txt").c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK(read_fd(fd, workers) == expected);
    CHECK(::close(fd) == 0);  // the source does not own the descriptor
  }
}

TEST_CASE("a pipe written by another thread is read to its end") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::vector<std::string> expected;
  std::string text;
  for (int i = 0; i < 20'000; ++i) {
    expected.push_back(std::to_string(i));
    text += expected.back() + "\n";
  }
  std::thread writer([&] {
    for (std::size_t at = 0; at < text.size();) {  // small writes: the reader sees them piecemeal
      const auto n =
          ::write(fds[1], text.data() + at, std::min<std::size_t>(1000, text.size() - at));
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  const auto lines = read_fd(fds[0], 2);
  writer.join();
  ::close(fds[0]);
  CHECK(lines == expected);
}

TEST_CASE("a resumed standard input skips the bytes consumed before") {
  TempDir dir;
  write_file(dir / "in.txt", "one\ntwo\nthree\n");
  const int fd = ::open((dir / "in.txt").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  io::InputResume resume;
  resume.states["stdin"] = "4";
  CHECK(read_fd(fd, 2, resume) == std::vector<std::string>{"two", "three"});
  ::close(fd);

  io::StdInSource source(::open((dir / "in.txt").c_str(), O_RDONLY));
  auto part = source.build_part("t", "stdin", std::nullopt);
  std::vector<std::string> lines;
  while (part->next_batch(lines)) {
  }
  CHECK(part->snapshot() == "14");
}
