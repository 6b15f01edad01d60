// Tests for FileSink: every record as a line in one file at 1, 2 and 3 workers; the
// snapshot is the committed size and a resume truncates to it; a fresh run starts
// the file empty; bad directories and short files are refused; a failed run (a step
// that throws, a full disk) leaves no final file and an existing one untouched;
// non-regular files are written in place.
#include <sluice/io/file_sink.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <optional>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
std::vector<std::string> numbered(std::size_t n, const std::string& prefix = "r") {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}
}  // namespace

TEST_CASE("every record is appended as a line, in order from one upstream partition") {
  TempDir dir;
  const auto values = numbered(2000);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    op::output("write", op::input(flow, "in", TestingSource<std::string>::of(values)),
               io::FileSink<std::string>(dir / "out.txt"));
    run_with(flow, workers, 32);
    CHECK(read_file(dir / "out.txt") == joined_lines(values));
  }
}

TEST_CASE("records from every worker all reach the one file") {
  TempDir dir;
  std::vector<TestingSource<std::uint64_t>::Partition> parts(4);
  std::vector<std::string> expected;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    parts[i % 4].push_back({i / 250, i});
    expected.push_back(std::to_string(i));
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    op::output("write", op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts)),
               io::FileSink<std::uint64_t>(dir / "numbers.txt"));
    run_with(flow, workers, 16);
    CHECK(sorted(getline_lines(dir / "numbers.txt")) == sorted(expected));
  }
}

TEST_CASE("the snapshot is the committed size; a resumed partition truncates to it") {
  TempDir dir;
  const auto path = dir / "out.txt";
  io::FileSink<std::string> sink(path);
  const auto parts = sink.list_parts(1);
  REQUIRE(parts == std::vector<std::string>{path.string()});
  std::string committed;
  {
    auto part = sink.build_part("t", parts[0], std::nullopt);
    std::vector<std::string> a = {"alpha", "beta"};
    part->write_batch(a);
    committed = part->snapshot();
    std::vector<std::string> b = {"lost"};
    part->write_batch(b);
    CHECK(part->snapshot() == "16");
  }  // a crash: "lost" was written after the committed snapshot
  CHECK(committed == "11");
  CHECK_FALSE(std::filesystem::exists(path));  // never closed: no final file
  CHECK(read_file(dir / ".out.txt.sluice-partial") == "alpha\nbeta\nlost\n");
  auto resumed = sink.build_part("t", parts[0], committed);
  std::vector<std::string> c = {"gamma"};
  resumed->write_batch(c);
  resumed->close();
  CHECK(read_file(path) == "alpha\nbeta\ngamma\n");
  CHECK_FALSE(std::filesystem::exists(dir / ".out.txt.sluice-partial"));
}

TEST_CASE("op::output resumes a file at its committed size; without state it starts empty") {
  TempDir dir;
  const auto path = dir / "out.txt";
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    write_file(path, "keep\nDROP\n");
    Dataflow flow("flow");
    io::OutputResume resume;
    resume.states[path.string()] = "5";
    op::output("write", op::input(flow, "in", TestingSource<std::string>::of({"new1", "new2"})),
               io::FileSink<std::string>(path), resume);
    run_with(flow, workers);
    CHECK(read_file(path) == "keep\nnew1\nnew2\n");

    Dataflow fresh("fresh");
    op::output("write", op::input(fresh, "in", TestingSource<std::string>::of({"only"})),
               io::FileSink<std::string>(path));
    run_with(fresh, workers);
    CHECK(read_file(path) == "only\n");
  }
}

TEST_CASE("a committed size beyond the file's end stops the run naming the partition") {
  TempDir dir;
  const auto path = dir / "short.txt";
  write_file(path, "abc\n");
  Dataflow flow("flow");
  io::OutputResume resume;
  resume.states[path.string()] = "100";
  op::output("write", op::input(flow, "in", TestingSource<std::string>::of({"x"})),
             io::FileSink<std::string>(path), resume);
  const StepError e = step_error_of([&] { run_with(flow, 2); });
  CHECK(e.step() == "flow.write");
  CHECK(e.reason().find("building partition '" + path.string() + "'") != std::string::npos);
  CHECK(e.reason().find("holds the 100 bytes committed before") != std::string::npos);
  CHECK(read_file(path) == "abc\n");  // left as it was
}

TEST_CASE("a file in a missing directory is refused by op::output, naming step and directory") {
  TempDir dir;
  Dataflow flow("flow");
  auto up = op::input(flow, "in", TestingSource<std::string>::of({"x"}));
  const std::string message = config_error_of(
      [&] { op::output("write", up, io::FileSink<std::string>(dir / "no" / "out.txt")); });
  CHECK(message.find("step 'flow.write'") != std::string::npos);
  CHECK(message.find((dir / "no").string()) != std::string::npos);
  CHECK(message.find("No such file or directory") != std::string::npos);
}

namespace {
// A dataflow writing 1000 lines to `path`, whose step "boom" throws at record 900
// (after earlier batches reached the sink), or never with fail = false.
void write_then_fail(const std::filesystem::path& path, std::uint32_t workers, bool fail) {
  Dataflow flow("flow");
  auto in = op::input(flow, "in", TestingSource<std::string>::of(numbered(1000)));
  auto checked = op::map("boom", in, [fail](const std::string& s) {
    if (fail && s == "r900") throw std::runtime_error("boom");
    return s;
  });
  op::output("write", checked, io::FileSink<std::string>(path));
  run_with(flow, workers, 16);
}
}  // namespace

TEST_CASE("a failed run leaves no final file, an existing one untouched and no partial file") {
  TempDir dir;
  const auto path = dir / "out.txt";
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    std::filesystem::remove(path);
    const StepError fresh = step_error_of([&] { write_then_fail(path, workers, true); });
    CHECK(fresh.step() == "flow.boom");
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(dir / ".out.txt.sluice-partial"));

    write_file(path, "an earlier run's output\n");
    step_error_of([&] { write_then_fail(path, workers, true); });
    CHECK(read_file(path) == "an earlier run's output\n");
    CHECK_FALSE(std::filesystem::exists(dir / ".out.txt.sluice-partial"));

    write_then_fail(path, workers, false);
    CHECK(read_file(path) == joined_lines(numbered(1000)));
    CHECK_FALSE(std::filesystem::exists(dir / ".out.txt.sluice-partial"));
  }
}

TEST_CASE("a full file system stops the run naming the file, leaving the final file untouched") {
  TempDir dir;
  const auto path = dir / "out.txt";
  write_file(path, "before\n");
  // A file size limit makes write() fail as a full disk does (EFBIG instead of ENOSPC).
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGXFSZ, &ignore, &old);
  rlimit saved{};
  ::getrlimit(RLIMIT_FSIZE, &saved);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ::setrlimit(RLIMIT_FSIZE, &small);
  std::optional<StepError> error;
  try {
    write_then_fail(path, 2, false);
  } catch (const StepError& e) {
    error = e;
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &old, nullptr);
  REQUIRE(error);
  CHECK(error->step() == "flow.write");
  CHECK(error->reason().find("cannot write '" + (dir / ".out.txt.sluice-partial").string() +
                             "': File too large") != std::string::npos);
  CHECK(read_file(path) == "before\n");
  CHECK_FALSE(std::filesystem::exists(dir / ".out.txt.sluice-partial"));
}

TEST_CASE("/dev/full stops the run with the device's error; /dev/null is written in place") {
  Dataflow full("flow");
  op::output("write", op::input(full, "in", TestingSource<std::string>::of({"x"})),
             io::FileSink<std::string>("/dev/full"));
  const StepError e = step_error_of([&] { run_with(full, 1); });
  CHECK(e.step() == "flow.write");
  CHECK(e.reason() == "partition '/dev/full': cannot write '/dev/full': No space left on device");
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    Dataflow null("flow");
    op::output("write", op::input(null, "in", TestingSource<std::string>::of(numbered(100))),
               io::FileSink<std::string>("/dev/null"));
    CHECK_NOTHROW(run_with(null, workers));
  }
}

TEST_CASE("a FileSink through a symbolic link replaces the link's target, not the link") {
  TempDir dir;
  write_file(dir / "target.txt", "old\n");
  std::filesystem::create_symlink("target.txt", dir / "link.txt");
  Dataflow flow("flow");
  op::output("write", op::input(flow, "in", TestingSource<std::string>::of({"new"})),
             io::FileSink<std::string>(dir / "link.txt"));
  run_with(flow, 2);
  CHECK(std::filesystem::is_symlink(dir / "link.txt"));
  CHECK(read_file(dir / "target.txt") == "new\n");
}

TEST_CASE("a FIFO output without a reader says so on stderr, then is written once one opens it") {
  TempDir dir;
  const auto path = dir / "out.fifo";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  // Should the message not come, the non-blocking reader below is closed early: the
  // run then fails on EPIPE instead of the test process dying of SIGPIPE.
  const auto previous = std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> values = numbered(500);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    op::output("write", op::input(flow, "in", TestingSource<std::string>::of(values)),
               io::FileSink<std::string>(path));
    std::optional<std::string> text;
    std::exception_ptr failure;
    bool said = false;
    {
      StderrCapture err;
      BackgroundRun runner(flow, config_with(workers, 32));
      said = err.wait_for(
          "sluice: step 'flow.write' waits for a reader on FIFO '" + path.string() + "'\n",
          std::chrono::seconds(20));
      // Blocking once the message is out (the writer waits in open); otherwise a
      // non-blocking open, so the test cannot hang on a writer that never comes.
      io::detail::FileDescriptor reader(
          ::open(path.c_str(), said ? O_RDONLY : O_RDONLY | O_NONBLOCK));
      REQUIRE(reader.valid());
      if (said) text = read_to_end(reader.get(), std::chrono::seconds(20));
      reader.close();
      failure = failure_of(runner);
    }
    CHECK(said);
    CHECK(!failure);
    CHECK(text == std::optional<std::string>(joined_lines(values)));
  }
  std::signal(SIGPIPE, previous);
}
