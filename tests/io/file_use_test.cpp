// Tests for file claims (io/file_use.hpp): a sink whose file is one of the run's
// inputs, or another sink's, is refused before any data moves, whatever the spelling
// (symbolic links, "a/../x", hard links), at op::output and again at run(); files
// that are not regular (/dev/null) and readers of one file never conflict.
#include <sluice/io/file_use.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
const std::string kSame =
    ": they are the same file (compared by device and inode, so links and other spellings of a "
    "path count); ";
const std::string kInput = "writing it would destroy that input: give the output another path";
const std::string kTwoSinks = "two sinks would overwrite each other: give each output its own path";
}  // namespace

TEST_CASE("a FileSink over its own FileSource input is refused naming both steps and paths") {
  TempDir dir;
  const auto input = dir / "x.txt";
  write_file(input, "one\ntwo\n");
  std::filesystem::create_directory(dir / "a");
  std::filesystem::create_symlink(input, dir / "link.txt");
  const std::vector<std::string> spellings = {input.string(), (dir / "a" / ".." / "x.txt").string(),
                                              (dir / "link.txt").string()};
  for (const std::string& out : spellings) {
    CAPTURE(out);
    Dataflow flow("flow");
    auto lines = op::input(flow, "in", io::FileSource(input));
    const std::string message =
        config_error_of([&] { op::output("write", lines, io::FileSink<std::string>(out)); });
    CHECK(message == "step 'flow.write' writes '" + out + "' and step 'flow.in' reads '" +
                         input.string() + "'" + kSame + kInput);
    CHECK(read_file(input) == "one\ntwo\n");
  }
}

TEST_CASE("two sinks of one file are refused, also while the file does not exist yet") {
  TempDir dir;
  std::filesystem::create_directory(dir / "sub");
  const auto out = dir / "out.txt";
  const auto other = dir / "sub" / ".." / "out.txt";
  Dataflow flow("flow");
  auto in = op::input(flow, "in", TestingSource<std::string>::of({"a"}));
  op::output("output", in, io::FileSink<std::string>(out));
  const std::string message =
      config_error_of([&] { op::output("late", in, io::FileSink<std::string>(other)); });
  CHECK(message == "step 'flow.late' writes '" + other.string() +
                       "' and step 'flow.output' writes '" + out.string() + "'" + kSame +
                       kTwoSinks);
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("a dangling symbolic link as an output is the file it would create") {
  TempDir dir;
  std::filesystem::create_symlink(dir / "target.txt", dir / "dangling.txt");
  Dataflow flow("flow");
  auto in = op::input(flow, "in", TestingSource<std::string>::of({"a"}));
  op::output("one", in, io::FileSink<std::string>(dir / "target.txt"));
  const std::string message = config_error_of(
      [&] { op::output("two", in, io::FileSink<std::string>(dir / "dangling.txt")); });
  CHECK(message.find("step 'flow.two' writes '" + (dir / "dangling.txt").string() +
                     "' and step 'flow.one' writes") == 0);
}

TEST_CASE("run refuses a sink that became an input's file after the dataflow was built") {
  TempDir dir;
  const auto input = dir / "in.txt";
  write_file(input, "keep\n");
  const auto out = dir / "out.txt";  // does not exist while the dataflow is built
  Dataflow flow("flow");
  op::output("write", op::input(flow, "in", io::FileSource(input)), io::FileSink<std::string>(out));
  std::filesystem::create_hard_link(input, out);
  std::string message;
  try {
    run_with(flow, 1);
  } catch (const ConfigError& e) {
    message = e.what();
  }
  CHECK(message == "step 'flow.write' writes '" + out.string() + "' and step 'flow.in' reads '" +
                       input.string() + "'" + kSame + kInput);
  CHECK(read_file(input) == "keep\n");
}

TEST_CASE("non-regular files and readers of one file do not conflict") {
  TempDir dir;
  const auto input = dir / "in.txt";
  write_file(input, "a\nb\n");
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    auto one = op::input(flow, "one", io::FileSource(input));
    auto two = op::input(flow, "two", io::CsvSource(input));
    op::output("null1", one, io::FileSink<std::string>("/dev/null"));
    op::output("null2", one, io::FileSink<std::string>("/dev/null"));
    TestingSink<io::CsvRow> rows;
    op::output("rows", two, rows);
    run_with(flow, workers);
    CHECK(rows.values().size() == 1);
    CHECK(read_file(input) == "a\nb\n");
  }
}

TEST_CASE("a sink into a DirSource's directory is refused when its name matches the glob") {
  TempDir dir;
  write_file(dir / "a.log", "x\n");
  Dataflow flow("flow");
  auto lines = op::input(flow, "logs", io::DirSource(dir.path(), "*.log"));
  op::output("other", lines, io::FileSink<std::string>(dir / "out.txt"));  // not matched
  const std::string future = (dir / "new.log").string();
  CHECK(config_error_of([&] { op::output("new", lines, io::FileSink<std::string>(future)); }) ==
        "step 'flow.new' writes '" + future +
            "' and step 'flow.logs' reads the files of directory '" + dir.path().string() +
            "' matching '*.log'" + kSame + kInput);
  const std::string present = (dir / "a.log").string();
  CHECK(config_error_of([&] { op::output("old", lines, io::FileSink<std::string>(present)); }) ==
        "step 'flow.old' writes '" + present + "' and step 'flow.logs' reads '" + present +
            "' (a file of directory '" + dir.path().string() + "' matching '*.log')" + kSame +
            kInput);
  auto key = [](const std::string& s) { return s; };
  CHECK_NOTHROW(op::output("parts", lines, io::dir_sink<std::string>(dir.path(), 2, key)));
}

TEST_CASE("a DirSink part that is an input file is refused") {
  TempDir dir;
  write_file(dir / "part-1", "x\n");
  Dataflow flow("flow");
  auto lines = op::input(flow, "in", io::FileSource(dir / "part-1"));
  auto key = [](const std::string& s) { return s; };
  CHECK(config_error_of([&] {
          op::output("parts", lines, io::dir_sink<std::string>(dir.path(), 2, key));
        }) == "step 'flow.parts' writes '" + (dir / "part-1").string() +
                  "' and step 'flow.in' reads '" + (dir / "part-1").string() + "'" + kSame +
                  kInput);
}

TEST_CASE("standard input redirected from a file is that file; two stdout sinks share") {
  TempDir dir;
  const auto input = dir / "in.txt";
  write_file(input, "a\n");
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  Dataflow flow("flow");
  auto lines = op::input(flow, "stdin", io::StdInSource(fd));
  op::output("print1", lines, io::StdOutSink<std::string>());
  op::output("print2", lines, io::StdOutSink<std::string>());
  CHECK(config_error_of([&] { op::output("write", lines, io::FileSink<std::string>(input)); }) ==
        "step 'flow.write' writes '" + input.string() + "' and step 'flow.stdin' reads '/dev/fd/" +
            std::to_string(fd) + "'" + kSame + kInput);
  ::close(fd);
}
