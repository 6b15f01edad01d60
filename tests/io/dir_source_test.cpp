// Tests for DirSource: one partition per file matching the glob, sorted and spread
// over the workers; every line of the matching files, none of the others; resume by
// offset; ConfigErrors for a missing, non-directory or unreadable directory and a
// bad glob.
#include <sluice/io/dir_source.hpp>

#include <sys/stat.h>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
// a.txt, b.txt (no final newline), c.log, .hidden.txt, sub.txt/ (a directory).
void populate(const TempDir& dir) {
  write_file(dir / "b.txt", "b1\nb2\nb3");
  write_file(dir / "a.txt", "a1\n\na3\n");
  write_file(dir / "c.log", "c1\n");
  write_file(dir / ".hidden.txt", "h1\n");
  std::filesystem::create_directory(dir / "sub.txt");
  write_file(dir / "sub.txt" / "inner.txt", "i1\n");
}
}  // namespace

TEST_CASE("list_parts names the matching regular files, sorted, hidden ones excluded") {
  TempDir dir;
  populate(dir);
  io::DirSource txt(dir.path(), "*.txt");
  CHECK(txt.list_parts(2) == std::vector<std::string>{"a.txt", "b.txt"});
  io::DirSource all(dir.path());
  CHECK(all.list_parts(1) == std::vector<std::string>{"a.txt", "b.txt", "c.log"});
  io::DirSource hidden(dir.path(), ".*");
  CHECK(hidden.list_parts(1) == std::vector<std::string>{".hidden.txt"});
  io::DirSource none(dir.path(), "*.csv");
  CHECK(none.list_parts(1).empty());
}

TEST_CASE("op::input reads every line of the matching files once, at 1, 2 and 3 workers") {
  TempDir dir;
  populate(dir);
  for (int i = 0; i < 7; ++i) {
    std::string text;
    for (int j = 0; j < 100 * i; ++j) {
      text.append("f").append(std::to_string(i)).append("-").append(std::to_string(j)) += '\n';
    }
    write_file(dir / ("many" + std::to_string(i) + ".txt"), text);
  }
  std::vector<std::string> expected;
  for (const auto& name : io::DirSource(dir.path(), "*.txt").list_parts(1)) {
    for (const auto& line : getline_lines(dir / name)) expected.push_back(line);
  }
  REQUIRE(expected.size() == 2100 + 6);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    TestingSink<std::string> sink;
    op::output("out", op::input(flow, "in", io::DirSource(dir.path(), "*.txt")), sink);
    run_with(flow, workers, 50);
    CHECK(sorted(sink.values()) == sorted(expected));
    // File i of the sorted list is read by worker i % W.
    const auto parts = io::DirSource(dir.path(), "*.txt").list_parts(1);
    std::size_t wrong_worker = 0;
    for (const auto& r : sink.records()) {
      if (r.value.rfind("many", 0) == 0 || r.value[0] != 'f') continue;
      const std::string file = "many" + r.value.substr(1, r.value.find('-') - 1) + ".txt";
      const auto index = std::find(parts.begin(), parts.end(), file) - parts.begin();
      wrong_worker += r.worker != index % workers;
    }
    CHECK(wrong_worker == 0);
  }
}

TEST_CASE("a file of a directory resumes from its offset") {
  TempDir dir;
  write_file(dir / "x.txt", "one\ntwo\nthree\n");
  io::DirSource source(dir.path());
  REQUIRE(source.list_parts(1) == std::vector<std::string>{"x.txt"});
  auto part = source.build_part("t", "x.txt", std::string("4"));
  std::vector<std::string> lines;
  while (part->next_batch(lines)) {
  }
  CHECK(lines == std::vector<std::string>{"two", "three"});
  CHECK(part->snapshot() == "14");
}

TEST_CASE("a missing directory is refused by op::input, naming the step and the path") {
  TempDir dir;
  Dataflow flow("flow");
  const std::string message =
      config_error_of([&] { op::input(flow, "logs", io::DirSource(dir / "nope", "*.log")); });
  CHECK(message.find("step 'flow.logs'") != std::string::npos);
  CHECK(message.find((dir / "nope").string()) != std::string::npos);
  CHECK(message.find("No such file or directory") != std::string::npos);
}

TEST_CASE("a file given as the directory is refused") {
  TempDir dir;
  write_file(dir / "plain", "x\n");
  Dataflow flow("flow");
  const std::string message =
      config_error_of([&] { op::input(flow, "logs", io::DirSource(dir / "plain")); });
  CHECK(message.find("Not a directory") != std::string::npos);
}

TEST_CASE("an unreadable directory is refused by op::input") {
  if (::geteuid() == 0) {
    MESSAGE("running as root: every directory is readable, so this case cannot be set up");
    return;
  }
  TempDir dir;
  std::filesystem::create_directory(dir / "locked");
  ::chmod((dir / "locked").c_str(), 0);
  Dataflow flow("flow");
  const std::string message =
      config_error_of([&] { op::input(flow, "logs", io::DirSource(dir / "locked")); });
  CHECK(message.find("Permission denied") != std::string::npos);
}

TEST_CASE("a glob with a '/' or an empty glob is refused") {
  TempDir dir;
  Dataflow flow("flow");
  CHECK(config_error_of([&] {
          op::input(flow, "a", io::DirSource(dir.path(), "sub/*.txt"));
        }).find("no '/'") != std::string::npos);
  CHECK(config_error_of([&] {
          op::input(flow, "b", io::DirSource(dir.path(), ""));
        }).find("step 'flow.b'") != std::string::npos);
}
