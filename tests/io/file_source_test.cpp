// Tests for FileSource: split into byte ranges it reads exactly the file's lines
// (randomized against std::getline), resumes exactly at a snapshot, handles CRLF,
// missing final newlines and lines longer than a block, and refuses bad paths before
// any data moves.
#include <sluice/io/file_source.hpp>

#include <sluice/io/detail/line_reader.hpp>

#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {

// All records of `part`, batch by batch; `snapshots` gets the snapshot after each batch.
std::vector<std::string> read_part(io::FixedPartitionedSource<std::string>& source,
                                   const std::string& part,
                                   std::optional<std::string> state = std::nullopt,
                                   std::vector<std::string>* snapshots = nullptr) {
  auto partition = source.build_part("test.in", part, std::move(state));
  std::vector<std::string> all, batch;
  bool more = true;
  while (more) {
    batch.clear();
    more = partition->next_batch(batch);
    all.insert(all.end(), batch.begin(), batch.end());
    if (snapshots) snapshots->push_back(partition->snapshot());
  }
  partition->close();
  return all;
}

// Parts 0..n-1 of a FileSource read one after the other.
std::vector<std::string> read_split(io::FileSource& source, std::uint32_t n) {
  REQUIRE(source.list_parts(1).size() == n);
  std::vector<std::string> all;
  for (std::uint32_t k = 0; k < n; ++k) {
    auto lines = read_part(source, source.path().string() + "#" + std::to_string(k));
    all.insert(all.end(), lines.begin(), lines.end());
  }
  return all;
}

// Random text: lines of random length (some empty, a few longer than a read block),
// with or without a final '\n'.
std::string random_text(std::mt19937_64& rng) {
  std::string text;
  const std::size_t lines = rng() % 3000;
  for (std::size_t i = 0; i < lines; ++i) {
    std::size_t len = rng() % 100;
    if (rng() % 20 == 0) len = 0;
    if (rng() % 1000 == 0) len = 300'000 + rng() % 300'000;
    for (std::size_t c = 0; c < len; ++c) text.push_back(static_cast<char>('a' + rng() % 27));
    if (i + 1 < lines || rng() % 2 == 0) text.push_back('\n');
  }
  return text;
}

}  // namespace

TEST_CASE("a file split into random byte ranges reads exactly the file's lines, in order") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (set SLUICE_SEED to repeat)");
  std::mt19937_64 rng(seed);
  TempDir dir;
  for (int round = 0; round < 40; ++round) {
    CAPTURE(round);
    const auto path = dir / ("file" + std::to_string(round) + ".txt");
    write_file(path, random_text(rng));
    const auto split = static_cast<std::uint32_t>(1 + rng() % 12);
    CAPTURE(split);
    io::FileSource source(path, split);
    CHECK(read_split(source, split) == getline_lines(path));
  }
}

TEST_CASE("op::input reads every line of a file once at 1, 2 and 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed + 1);
  TempDir dir;
  const auto path = dir / "input.txt";
  write_file(path, random_text(rng) + random_text(rng));
  const auto expected = sorted(getline_lines(path));
  for (std::uint32_t parts : {0u, 1u, 5u}) {
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(parts);
      CAPTURE(workers);
      Dataflow flow("flow");
      TestingSink<std::string> sink;
      op::output("out", op::input(flow, "in", io::FileSource(path, parts)), sink);
      run_with(flow, workers, 100);
      CHECK(sorted(sink.values()) == expected);
    }
  }
}

TEST_CASE("with parts = 0 a file has one part per started MiB, whatever the worker count") {
  TempDir dir;
  write_file(dir / "f", "a\n");
  io::FileSource small(dir / "f");
  CHECK(small.list_parts(3) == std::vector<std::string>{(dir / "f").string() + "#0"});
  CHECK(small.list_parts(1) == std::vector<std::string>{(dir / "f").string() + "#0"});
  std::string text;
  while (text.size() < 2 * io::FileSource::kAutoPartBytes + 10) text += "some line\n";
  write_file(dir / "g", text);
  io::FileSource three(dir / "g");
  CHECK(three.list_parts(1).size() == 3);
  CHECK(three.list_parts(7).size() == 3);
}

TEST_CASE("a part resumed from any snapshot continues with exactly the next line") {
  std::mt19937_64 rng(test_seed() + 2);
  TempDir dir;
  const auto path = dir / "big.txt";
  std::string text;
  while (text.size() < 3'000'000) text += random_text(rng) + "\n";
  write_file(path, text);
  const auto expected = getline_lines(path);
  for (std::uint32_t split : {1u, 3u}) {
    CAPTURE(split);
    io::FileSource source(path, split);
    source.list_parts(1);
    std::vector<std::string> whole;
    for (std::uint32_t k = 0; k < split; ++k) {
      CAPTURE(k);
      const std::string part = path.string() + "#" + std::to_string(k);
      std::vector<std::string> snapshots;
      const auto lines = read_part(source, part, std::nullopt, &snapshots);
      CHECK(snapshots.size() >= 2);  // several blocks per part
      // Resuming from the i-th snapshot reproduces the part's tail exactly.
      for (std::size_t i = 0; i < snapshots.size(); ++i) {
        auto first = read_part(source, part);
        const auto rest = read_part(source, part, snapshots[i]);
        const auto offset = std::stoull(snapshots[i]);
        std::size_t before = 0;  // lines of the file that end before the snapshot
        std::uint64_t at = 0;
        for (const auto& line : expected) {
          if (at >= offset) break;
          at += line.size() + 1;
          ++before;
        }
        CHECK(first.size() >= rest.size());
        first.erase(first.begin(), first.end() - static_cast<std::ptrdiff_t>(rest.size()));
        CHECK(first == rest);
        if (!rest.empty()) CHECK(rest.front() == expected[before]);
      }
      whole.insert(whole.end(), lines.begin(), lines.end());
    }
    CHECK(whole == expected);
  }
}

TEST_CASE("op::input resumes a file part from its state") {
  TempDir dir;
  const auto path = dir / "f.txt";
  std::string text;
  std::uint64_t offset_of_100 = 0;
  for (int i = 0; i < 300; ++i) {
    if (i == 100) offset_of_100 = text.size();
    text += "line " + std::to_string(i) + "\n";
  }
  write_file(path, text);
  const auto all = getline_lines(path);
  const std::vector<std::string> expected(all.begin() + 100, all.end());
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    TestingSink<std::string> sink;
    io::InputResume resume;
    resume.states[path.string() + "#0"] = std::to_string(offset_of_100);
    op::output("out", op::input(flow, "in", io::FileSource(path, 1), resume), sink);
    run_with(flow, workers);
    CHECK(sink.values() == expected);
  }
}

TEST_CASE("CRLF endings, a last line without newline and empty lines read as documented") {
  TempDir dir;
  write_file(dir / "crlf", "a\r\nb\r\n\r\n\nc\r");
  io::FileSource crlf(dir / "crlf", 1);
  CHECK(read_split(crlf, 1) == std::vector<std::string>{"a", "b", "", "", "c"});

  write_file(dir / "tail", "x\ny");
  io::FileSource tail(dir / "tail", 2);
  CHECK(read_split(tail, 2) == std::vector<std::string>{"x", "y"});

  for (const std::string text : {"", "\n", "\n\n", "only"}) {
    CAPTURE(text);
    write_file(dir / "small", text);
    for (std::uint32_t split = 1; split <= 4; ++split) {
      io::FileSource small(dir / "small", split);
      CHECK(read_split(small, split) == getline_lines(dir / "small"));
    }
  }
}

TEST_CASE("refilling over the previous batch's strings reads the same lines as next_batch") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (set SLUICE_SEED to repeat)");
  std::mt19937_64 rng(seed);
  TempDir dir;
  for (int round = 0; round < 10; ++round) {
    CAPTURE(round);
    const auto path = dir / ("file" + std::to_string(round) + ".txt");
    write_file(path, random_text(rng));
    io::FileSource source(path, 1);
    auto partition = source.build_part("test.in", source.list_parts(1).at(0), std::nullopt);
    // The source step leaves the consumed batch in place; here some strings are also
    // moved from or grown, as a step's function may leave them.
    std::vector<std::string> all, batch{"left over", std::string(500, 'x')};
    bool more = true;
    while (more) {
      more = partition->refill_batch(batch);
      all.insert(all.end(), batch.begin(), batch.end());
      for (std::string& line : batch) {
        if (rng() % 3 == 0) std::string taken = std::move(line);
        if (rng() % 5 == 0) line.append(200, 'y');
      }
    }
    CHECK(all == getline_lines(path));
  }
}

TEST_CASE("a line longer than a read block is read whole, whatever the split") {
  TempDir dir;
  const std::string huge(1'500'000, 'h');
  write_file(dir / "f", "short\n" + huge + "\nafter\n" + huge);
  for (std::uint32_t split = 1; split <= 5; ++split) {
    CAPTURE(split);
    io::FileSource source(dir / "f", split);
    CHECK(read_split(source, split) == std::vector<std::string>{"short", huge, "after", huge});
  }
}

TEST_CASE("a tiny part's buffer is its range plus 4 KiB, and grows for a longer line") {
  TempDir dir;
  const std::string long_line(100'000, 'l');
  write_file(dir / "f", "a\n" + long_line + "\nb\n");
  const auto reader = [&](std::uint64_t start, std::uint64_t end) {
    return io::detail::LineReader(io::detail::open_for_reading((dir / "f").string(), ""), "f",
                                  start, end, /*seekable=*/true);
  };
  const auto lines_of = [](io::detail::LineReader& r) {
    std::vector<std::string> lines;
    while (!r.finished()) {
      const bool more = r.fill();
      for (std::string_view line; r.next_line(line);) lines.emplace_back(line);
      if (!more) break;
    }
    return lines;
  };
  auto first = reader(0, 1);
  CHECK(first.buffer_size() == 1 + io::detail::LineReader::kSlack);
  CHECK(lines_of(first) == std::vector<std::string>{"a"});
  auto second = reader(2, 3);  // a range of one byte, its line 100,000 bytes long
  CHECK(lines_of(second) == std::vector<std::string>{long_line});
  CHECK(second.buffer_size() >= long_line.size());
  CHECK(reader(0, io::detail::LineReader::kToEnd).buffer_size() ==
        long_line.size() + 5 + io::detail::LineReader::kSlack);  // to the end: the file's size
  // Many tiny ranges with a long line among them read the file exactly once.
  io::FileSource source(dir / "f", 300);
  CHECK(read_split(source, 300) == getline_lines(dir / "f"));
}

TEST_CASE("a missing file is refused by op::input, naming the step and the path") {
  TempDir dir;
  Dataflow flow("flow");
  const auto path = dir / "missing.txt";
  const std::string message =
      config_error_of([&] { op::input(flow, "lines", io::FileSource(path)); });
  CHECK(message.find("step 'flow.lines'") != std::string::npos);
  CHECK(message.find(path.string()) != std::string::npos);
  CHECK(message.find("No such file") != std::string::npos);
  CHECK(message.find("check the path") != std::string::npos);
}

TEST_CASE("a directory given to FileSource is refused, pointing at DirSource") {
  TempDir dir;
  Dataflow flow("flow");
  const std::string message =
      config_error_of([&] { op::input(flow, "lines", io::FileSource(dir.path())); });
  CHECK(message.find("is a directory") != std::string::npos);
  CHECK(message.find("DirSource") != std::string::npos);
}

TEST_CASE("an unreadable file is refused by op::input") {
  if (::geteuid() == 0) {
    MESSAGE("running as root: every file is readable, so this case cannot be set up");
    return;
  }
  TempDir dir;
  write_file(dir / "secret", "x\n");
  ::chmod((dir / "secret").c_str(), 0);
  Dataflow flow("flow");
  const std::string message =
      config_error_of([&] { op::input(flow, "lines", io::FileSource(dir / "secret")); });
  CHECK(message.find("Permission denied") != std::string::npos);
}

TEST_CASE("a resume state that is not an offset stops the run naming the partition") {
  TempDir dir;
  write_file(dir / "f", "a\nb\n");
  Dataflow flow("flow");
  TestingSink<std::string> sink;
  io::InputResume resume;
  resume.states[(dir / "f").string() + "#0"] = "twelve";
  op::output("out", op::input(flow, "in", io::FileSource(dir / "f", 1), resume), sink);
  const StepError e = step_error_of([&] { run_with(flow, 1); });
  CHECK(e.reason().find("building partition '" + (dir / "f").string() + "#0'") !=
        std::string::npos);
  CHECK(e.reason().find("not a byte offset") != std::string::npos);
}

TEST_CASE("build_part refuses a part the source did not list") {
  TempDir dir;
  write_file(dir / "f", "a\n");
  io::FileSource source(dir / "f", 2);
  source.list_parts(1);
  CHECK_THROWS_AS(source.build_part("t", (dir / "f").string() + "#2", std::nullopt), ConfigError);
  CHECK_THROWS_AS(source.build_part("t", "elsewhere#0", std::nullopt), ConfigError);
  CHECK_NOTHROW(source.build_part("t", (dir / "f").string() + "#1", std::nullopt));
}

TEST_CASE("a line longer than the limit stops the run naming the file and the line") {
  TempDir dir;
  const auto path = dir / "long.txt";
  write_file(path, "short\nalso short\n" + std::string(5000, 'x') + "\nafter\n");
  io::FileSource source(path);
  source.set_max_line(1000);
  Dataflow flow("flow");
  op::output("out", op::input(flow, "in", std::move(source)), TestingSink<std::string>());
  const StepError e = step_error_of([&] { run_with(flow, 1); });
  CHECK(e.step() == "flow.in");
  CHECK(e.reason() == "partition '" + path.string() + "#0': '" + path.string() +
                          "' line 3 is longer than 1000 bytes, the line length limit (is it a "
                          "text file? set_max_line() of the source raises the limit)");
}

TEST_CASE("--input /dev/zero stops at the line length limit instead of growing") {
  io::FileSource source("/dev/zero");
  source.set_max_line(1 << 20);
  Dataflow flow("flow");
  op::output("out", op::input(flow, "in", std::move(source)), TestingSink<std::string>());
  const StepError e = step_error_of([&] { run_with(flow, 2); });
  CHECK(e.reason() ==
        "partition '/dev/zero#0': '/dev/zero' at byte offset 0 is longer than 1048576 bytes, the "
        "line length limit (is it a text file? set_max_line() of the source raises the limit)");
}

TEST_CASE("a pipe given as a path is one part, read in order, at any worker count") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string text = "a\nb\nc\n";
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fds[1]);
    const std::string path = "/dev/fd/" + std::to_string(fds[0]);
    io::FileSource source(path);
    CHECK(source.list_parts(workers) == std::vector<std::string>{path + "#0"});
    Dataflow flow("flow");
    TestingSink<std::string> sink;
    op::output("out", op::input(flow, "in", io::FileSource(path)), sink);
    run_with(flow, workers);
    CHECK(sink.values() == std::vector<std::string>{"a", "b", "c"});
    ::close(fds[0]);
  }
}

TEST_CASE("a FIFO input without a writer says so on stderr, then is read once one opens it") {
  TempDir dir;
  const auto path = dir / "in.fifo";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    TestingSink<std::string> sink;
    op::output("out", op::input(flow, "in", io::FileSource(path)), sink);
    std::exception_ptr failure;
    bool said = false;
    {
      StderrCapture err;
      BackgroundRun runner(flow, config_with(workers));
      said = err.wait_for(
          "sluice: step 'flow.in' waits for a writer on FIFO '" + path.string() + "'\n",
          std::chrono::seconds(20));
      // Blocking once the message is out (the reader waits in open); otherwise
      // non-blocking, so the test cannot hang.
      io::detail::FileDescriptor writer(
          ::open(path.c_str(), said ? O_WRONLY : O_WRONLY | O_NONBLOCK));
      if (writer.valid()) CHECK(::write(writer.get(), "x\ny\n", 4) == 4);
      writer.close();
      failure = failure_of(runner);
    }
    CHECK(said);
    CHECK(!failure);
    CHECK(sink.values() == std::vector<std::string>{"x", "y"});
  }
}

TEST_CASE("a block of short lines is handed out in batches of at most kBatchLines, each located") {
  TempDir dir;
  const auto path = dir / "short.txt";
  const std::size_t lines = 5 * io::detail::kBatchLines + 17;  // one read block holds them all
  std::string text;
  for (std::size_t i = 1; i <= lines; ++i) text.append("l").append(std::to_string(i)).append("\n");
  REQUIRE(text.size() < io::detail::LineReader::kBlock);
  write_file(path, text);
  io::FileSource source(path, 1);
  auto partition = source.build_part("test.in", source.list_parts(1).at(0), std::nullopt);
  std::vector<std::string> all, batch;
  std::size_t batches = 0;
  for (bool more = true; more;) {
    batch.clear();
    more = partition->next_batch(batch);
    if (batch.empty()) continue;
    ++batches;
    CHECK(batch.size() <= io::detail::kBatchLines);
    // The last line of the batch is located by its line number in the file.
    const std::size_t number = all.size() + batch.size();
    CHECK(partition->locate(batch.size() - 1) ==
          "'" + path.string() + "' line " + std::to_string(number));
    CHECK(batch.back() == std::string("l").append(std::to_string(number)));
    all.insert(all.end(), batch.begin(), batch.end());
  }
  CHECK(batches == 6);
  CHECK(all == getline_lines(path));
}
