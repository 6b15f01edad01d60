// Tests for the source interfaces and op::input: partition ownership (sorted part i
// on worker i % W), resume states, next_awake, ingestion epochs, dynamic sources,
// and the errors (list_parts at graph time, next_batch and build_part at run time).
#include <sluice/io/source.hpp>

#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {

constexpr std::uint64_t kStride = 1'000'000;  // value = partition * kStride + index

// Part "pK" holds `counts[K]` values K * kStride + i, `per_batch` per next_batch; its
// snapshot is the next index. `fail_at` makes next_batch throw at that index.
class CountingSource final : public io::FixedPartitionedSource<std::uint64_t> {
 public:
  explicit CountingSource(std::vector<std::uint64_t> counts, std::size_t per_batch = 7)
      : counts_(std::move(counts)), per_batch_(per_batch) {}

  std::vector<std::string> list_parts(std::uint32_t) override {
    std::vector<std::string> names;
    // Listed in reverse: the operator sorts them.
    for (std::size_t k = counts_.size(); k-- > 0;)
      names.push_back(std::string("p").append(std::to_string(k)));
    return names;
  }
  std::unique_ptr<io::SourcePartition<std::uint64_t>> build_part(
      const std::string&, const std::string& part, std::optional<std::string> state) override {
    const std::uint64_t k = std::stoull(part.substr(1));
    if (k == fail_build) throw std::runtime_error("cannot open the partition");
    const std::uint64_t start = state ? std::stoull(*state) : 0;
    return std::make_unique<Partition>(k, start, counts_.at(k), per_batch_, fail_at);
  }

  std::optional<std::uint64_t> fail_at;
  std::optional<std::uint64_t> fail_build;

 private:
  class Partition final : public io::SourcePartition<std::uint64_t> {
   public:
    Partition(std::uint64_t k, std::uint64_t next, std::uint64_t count, std::size_t per_batch,
              std::optional<std::uint64_t> fail_at)
        : k_(k), next_(next), count_(count), per_batch_(per_batch), fail_at_(fail_at) {}
    bool next_batch(std::vector<std::uint64_t>& out) override {
      for (std::size_t n = 0; n < per_batch_ && next_ < count_; ++n, ++next_) {
        if (fail_at_ && next_ == *fail_at_) throw std::runtime_error("disk on fire");
        out.push_back(k_ * kStride + next_);
      }
      return next_ < count_;
    }
    std::string snapshot() override { return std::to_string(next_); }

   private:
    std::uint64_t k_, next_, count_;
    std::size_t per_batch_;
    std::optional<std::uint64_t> fail_at_;
  };

  std::vector<std::uint64_t> counts_;
  std::size_t per_batch_;
};

TestingSink<std::uint64_t> read_counting(std::shared_ptr<CountingSource> source,
                                         std::uint32_t workers, io::InputResume resume = {}) {
  Dataflow flow("flow");
  TestingSink<std::uint64_t> sink;
  op::output("out", op::input(flow, "in", source, std::move(resume)), sink);
  run_with(flow, workers, 5);
  return sink;
}

}  // namespace

TEST_CASE("every record of every partition is read once, sorted part i on worker i % W") {
  const std::vector<std::uint64_t> counts = {100, 0, 333, 7, 1000};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto sink = read_counting(std::make_shared<CountingSource>(counts), workers);
    std::map<std::uint64_t, std::vector<std::uint64_t>> order;  // partition -> indexes
    std::size_t wrong_worker = 0;
    for (const auto& r : sink.records()) {
      const std::uint64_t k = r.value / kStride;
      wrong_worker += r.worker != k % workers;  // names "p0".."p4" sort by k
      order[k].push_back(r.value % kStride);
    }
    CHECK(wrong_worker == 0);
    for (std::uint64_t k = 0; k < counts.size(); ++k) {
      CAPTURE(k);
      std::vector<std::uint64_t> expected(counts[k]);
      for (std::uint64_t i = 0; i < counts[k]; ++i) expected[i] = i;
      CHECK(order[k] == expected);
    }
  }
}

TEST_CASE("a batch larger than the output batch size is delivered whole and in order") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto sink = read_counting(
        std::make_shared<CountingSource>(std::vector<std::uint64_t>{10'000}, 4'000), workers);
    const auto values = sink.values();
    REQUIRE(values.size() == 10'000);
    std::size_t wrong = 0;
    for (std::uint64_t i = 0; i < values.size(); ++i) wrong += values[i] != i;
    CHECK(wrong == 0);
  }
}

TEST_CASE("resume states start each listed partition at its snapshot, the others at zero") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    io::InputResume resume;
    resume.states = {{"p0", "40"}, {"p2", "50"}, {"gone", "3"}};
    const auto sink = read_counting(
        std::make_shared<CountingSource>(std::vector<std::uint64_t>{50, 20, 50}), workers, resume);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t i = 40; i < 50; ++i) expected.push_back(i);
    for (std::uint64_t i = 0; i < 20; ++i) expected.push_back(kStride + i);
    CHECK(sorted(sink.values()) == expected);
  }
}

TEST_CASE("a snapshot taken between batches resumes with the next record") {
  CountingSource source({25}, 4);
  auto first = source.build_part("flow.in", "p0", std::nullopt);
  std::vector<std::uint64_t> seen, batch;
  first->next_batch(batch);
  first->next_batch(batch);
  seen = batch;
  auto second = source.build_part("flow.in", "p0", first->snapshot());
  batch.clear();
  while (second->next_batch(batch)) {
  }
  seen.insert(seen.end(), batch.begin(), batch.end());
  std::vector<std::uint64_t> expected(25);
  for (std::uint64_t i = 0; i < 25; ++i) expected[i] = i;
  CHECK(seen == expected);
}

TEST_CASE("the first epoch of a resumed source is InputResume::epoch") {
  io::InputResume resume;
  resume.epoch = 7;
  const auto sink =
      read_counting(std::make_shared<CountingSource>(std::vector<std::uint64_t>{30}), 2, resume);
  REQUIRE(sink.records().size() == 30);
  for (const auto& r : sink.records()) CHECK(r.epoch >= 7);
}

TEST_CASE("an exception from next_batch stops the run with a StepError naming the partition") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto source = std::make_shared<CountingSource>(std::vector<std::uint64_t>{10, 10, 10});
    source->fail_at = 8;
    const StepError e = step_error_of([&] { read_counting(source, workers); });
    CHECK(e.step() == "flow.in");
    REQUIRE(e.worker().has_value());
    CHECK(*e.worker() < workers);
    CHECK(e.epoch().has_value());
    CHECK(e.reason().find("partition 'p") != std::string::npos);
    CHECK(e.reason().find("disk on fire") != std::string::npos);
  }
}

TEST_CASE("an exception from build_part stops the run with a StepError naming the partition") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto source = std::make_shared<CountingSource>(std::vector<std::uint64_t>{10, 10, 10});
    source->fail_build = 2;
    const StepError e = step_error_of([&] { read_counting(source, workers); });
    CHECK(e.step() == "flow.in");
    CHECK(e.worker() == std::optional<std::uint32_t>(2 % workers));
    CHECK(e.reason().find("building partition 'p2'") != std::string::npos);
    CHECK(e.reason().find("cannot open the partition") != std::string::npos);
  }
}

namespace {
class BadListSource final : public io::FixedPartitionedSource<int> {
 public:
  explicit BadListSource(std::vector<std::string> parts, bool fail)
      : parts_(std::move(parts)), fail_(fail) {}
  std::vector<std::string> list_parts(std::uint32_t) override {
    ++calls;
    if (fail_) throw ConfigError("the broker 'kafka:9092' is unreachable; check --brokers");
    return parts_;
  }
  std::unique_ptr<io::SourcePartition<int>> build_part(const std::string&, const std::string&,
                                                       std::optional<std::string>) override {
    throw std::logic_error("not reached");
  }
  int calls = 0;

 private:
  std::vector<std::string> parts_;
  bool fail_;
};
}  // namespace

TEST_CASE("a ConfigError from list_parts is raised by op::input, naming the step") {
  Dataflow flow("flow");
  auto source = std::make_shared<BadListSource>(std::vector<std::string>{}, true);
  const std::string message = config_error_of([&] { op::input(flow, "kafka", source); });
  CHECK(message.find("step 'flow.kafka'") != std::string::npos);
  CHECK(message.find("kafka:9092") != std::string::npos);
  CHECK(source->calls == 1);
}

TEST_CASE("a part listed twice is refused by op::input") {
  Dataflow flow("flow");
  const std::string message = config_error_of([&] {
    op::input(flow, "in", BadListSource({"a", "b", "a"}, false));
  });
  CHECK(message.find("'a' twice") != std::string::npos);
}

TEST_CASE("a source with no parts finishes at once") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    Dataflow flow("flow");
    TestingSink<int> sink;
    op::output("out", op::input(flow, "in", BadListSource({}, false)), sink);
    run_with(flow, workers);
    CHECK(sink.values().empty());
  }
}

namespace {
// One partition of `count` records, one per next_batch, each not before the
// previous call's next_awake (now + `gap`). Records which calls came too early.
class SlowSource final : public io::FixedPartitionedSource<std::uint64_t> {
 public:
  SlowSource(std::uint64_t count, std::chrono::milliseconds gap) : count_(count), gap_(gap) {}
  std::vector<std::string> list_parts(std::uint32_t) override { return {"slow"}; }
  std::unique_ptr<io::SourcePartition<std::uint64_t>> build_part(
      const std::string&, const std::string&, std::optional<std::string>) override {
    return std::make_unique<Partition>(*this);
  }
  std::atomic<std::uint64_t> calls{0}, early{0};

 private:
  class Partition final : public io::SourcePartition<std::uint64_t> {
   public:
    explicit Partition(SlowSource& s) : s_(s) {}
    bool next_batch(std::vector<std::uint64_t>& out) override {
      ++s_.calls;
      if (awake_ && std::chrono::system_clock::now() < *awake_) ++s_.early;
      out.push_back(next_++);
      return next_ < s_.count_;
    }
    std::optional<std::chrono::system_clock::time_point> next_awake() override {
      awake_ = std::chrono::system_clock::now() + s_.gap_;
      return awake_;
    }
    std::string snapshot() override { return std::to_string(next_); }

   private:
    SlowSource& s_;
    std::uint64_t next_ = 0;
    std::optional<std::chrono::system_clock::time_point> awake_;
  };

  std::uint64_t count_;
  std::chrono::milliseconds gap_;
};
}  // namespace

TEST_CASE("next_batch is never called before next_awake, and not more often than needed") {
  auto source = std::make_shared<SlowSource>(20, std::chrono::milliseconds(2));
  Dataflow flow("flow");
  TestingSink<std::uint64_t> sink;
  op::output("out", op::input(flow, "in", source), sink);
  run_with(flow, 2);
  CHECK(sink.values().size() == 20);
  CHECK(source->calls == 20);
  CHECK(source->early == 0);
}

TEST_CASE("a source waiting for next_awake sleeps instead of spinning") {
  auto source = std::make_shared<SlowSource>(6, std::chrono::milliseconds(100));
  Dataflow flow("flow");
  TestingSink<std::uint64_t> sink;
  op::output("out", op::input(flow, "in", source), sink);
  const auto wall_start = std::chrono::steady_clock::now();
  const auto cpu_start = process_cpu_time();
  run_with(flow, 2);
  const auto cpu_used = process_cpu_time() - cpu_start;
  const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - wall_start);
  CAPTURE(cpu_used.count());
  CAPTURE(wall.count());
  CHECK(sink.values().size() == 6);
  CHECK(wall >= std::chrono::milliseconds(500));  // five waits of 100 ms
  CHECK(cpu_used * 4 < wall);                     // a spinning worker would use a whole CPU
}

TEST_CASE("ingestion epochs start at 0, never decrease, and advance with wall time") {
  // Records are at least 2 ms apart and epochs last 1 ms, so a later epoch must appear.
  auto source = std::make_shared<SlowSource>(20, std::chrono::milliseconds(2));
  Dataflow flow("flow");
  TestingSink<std::uint64_t> sink;
  op::output("out", op::input(flow, "in", source), sink);
  RunConfig config;
  config.workers = 2;
  config.epoch_interval = std::chrono::milliseconds(1);
  run(flow, config);
  const auto records = sink.records();
  REQUIRE(records.size() == 20);
  Epoch previous = 0;
  std::size_t decreases = 0;
  for (const auto& r : records) {
    decreases += r.epoch < previous;
    previous = r.epoch;
  }
  CHECK(decreases == 0);
  CHECK(records.back().epoch > 0);
}

namespace {
// Worker w's partition yields w * kStride + i for i < per_worker; with `skip`, worker
// `*skip` has no partition.
class PerWorkerSource final : public io::DynamicSource<std::uint64_t> {
 public:
  explicit PerWorkerSource(std::uint64_t per_worker, std::optional<std::uint32_t> skip = {})
      : per_worker_(per_worker), skip_(skip) {}
  std::unique_ptr<io::StatelessSourcePartition<std::uint64_t>> build(
      const std::string&, std::uint32_t worker, std::uint32_t workers) override {
    if (worker >= workers) ++bad_index;
    if (skip_ == worker) return nullptr;
    return std::make_unique<Partition>(worker, per_worker_, *this);
  }

 private:
  class Partition final : public io::StatelessSourcePartition<std::uint64_t> {
   public:
    Partition(std::uint64_t w, std::uint64_t n, PerWorkerSource& s) : w_(w), n_(n), s_(s) {}
    bool next_batch(std::vector<std::uint64_t>& out) override {
      for (int k = 0; k < 3 && i_ < n_; ++k) out.push_back(w_ * kStride + i_++);
      return i_ < n_;
    }
    void close() override { ++s_.closed; }

   private:
    std::uint64_t w_, n_, i_ = 0;
    PerWorkerSource& s_;
  };

 public:
  std::atomic<int> closed{0}, bad_index{0};

 private:
  std::uint64_t per_worker_;
  std::optional<std::uint32_t> skip_;
};
}  // namespace

TEST_CASE("a dynamic source reads one partition per worker, on that worker, and closes it") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    TestingSink<std::uint64_t> sink;
    auto source = std::make_shared<PerWorkerSource>(100);
    op::output("out", op::input(flow, "in", source), sink);
    run_with(flow, workers, 8);
    CHECK(source->closed == static_cast<int>(workers));
    CHECK(source->bad_index == 0);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t w = 0; w < workers; ++w) {
      for (std::uint64_t i = 0; i < 100; ++i) expected.push_back(w * kStride + i);
    }
    CHECK(sorted(sink.values()) == expected);
    for (const auto& r : sink.records()) CHECK(r.worker == r.value / kStride);
  }
}

TEST_CASE("a dynamic source may have no partition on some workers") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    TestingSink<std::uint64_t> sink;
    op::output("out", op::input(flow, "in", std::make_shared<PerWorkerSource>(10, 0)), sink);
    run_with(flow, workers);
    CHECK(sink.values().size() == 10 * (workers - 1));
    for (const auto& r : sink.records()) CHECK(r.worker != 0);
  }
}

namespace {
// "<integer>" -> its value; throws std::invalid_argument naming the line otherwise.
std::int64_t number_of(const std::string& line) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
  if (ec != std::errc() || end != line.data() + line.size() || line.empty()) {
    throw std::invalid_argument("not a number: '" + line + "'");
  }
  return v;
}

// "'<path>' <rest>", the place a message names (appended, not operator+: GCC 12's
// -Wrestrict false positive, PR 105329).
std::string at_file(const std::filesystem::path& path, const std::string& rest) {
  std::string text(1, '\'');
  text += path.string();
  text += "' ";
  text += rest;
  return text;
}

// The numbers of `path`'s lines, parsed by op::input at `workers` workers.
std::vector<std::int64_t> parse_numbers(const std::filesystem::path& path, std::uint32_t workers) {
  Dataflow flow("flow");
  TestingSink<std::int64_t> sink;
  op::output("out", op::input(flow, "in", io::FileSource(path), number_of), sink);
  run_with(flow, workers);
  return sink.values();
}

// The part (of `parts`, FileSource's split) holding the line that starts at `offset`.
std::uint32_t part_at(std::uint64_t offset, std::uint64_t size, std::uint32_t parts) {
  std::uint32_t k = 0;
  while (k + 1 < parts && (k + 1) * size / parts <= offset) ++k;
  return k;
}
}  // namespace

TEST_CASE("a line the input step's parse throws on is reported with its file and line number") {
  TempDir dir;
  const auto path = dir / "numbers.txt";
  // Several read blocks per part, so lines are counted across batches and parts.
  const int lines = 300'000, bad = 271'828, blank = 290'000;
  std::string text;
  std::uint64_t bad_offset = 0;
  for (int i = 1; i <= lines; ++i) {
    if (i == bad) bad_offset = text.size();
    text += i == bad ? std::string("x") : i == blank ? std::string() : std::to_string(i);
    text += '\n';
  }
  write_file(path, text);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const StepError e = step_error_of([&] { parse_numbers(path, workers); });
    CHECK(e.step() == "flow.in");
    // FileSource's split (one part per started MiB) is the same at every -w; part k
    // is read by worker k % W.
    const auto parts = static_cast<std::uint32_t>((text.size() + (1u << 20) - 1) >> 20);
    CHECK(e.worker() ==
          std::optional<std::uint32_t>(part_at(bad_offset, text.size(), parts) % workers));
    CHECK(e.reason() == at_file(path, "line 271828: not a number: 'x'"));
    CHECK(e.item() == "x");
  }
  write_file(path, "1\n2\n\n4\n");
  const StepError e = step_error_of([&] { parse_numbers(path, 1); });
  CHECK(e.reason() == at_file(path, "line 3: not a number: ''"));
}

TEST_CASE("a parsed input reads what op::input and a map read, at 1, 2 and 3 workers") {
  TempDir dir;
  const auto path = dir / "numbers.txt";
  std::string text;
  std::vector<std::int64_t> expected;
  for (int i = 0; i < 5000; ++i) {
    text += std::to_string(i * 7) + "\n";
    expected.push_back(i * 7);
  }
  write_file(path, text);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    CHECK(sorted(parse_numbers(path, workers)) == expected);
  }
}

namespace {
// number_of for a parse taking its line as a view (FileSource then gives views).
std::int64_t number_of_view(std::string_view line) {
  return number_of(std::string(line));
}
}  // namespace

TEST_CASE(
    "a parse taking a std::string_view reads the lines a std::string parse reads, at 1, 2 "
    "and 3 workers") {
  TempDir dir;
  const auto path = dir / "lines.txt";
  // CRLF and LF lines, an empty line, lines longer than a read block (the buffer
  // grows while views of earlier batches are gone), and a last line without '\n'.
  std::string text;
  for (int i = 0; i < 40'000; ++i) {
    if (i % 9'000 == 5) {
      text += std::string(300'000 + static_cast<std::size_t>(i), static_cast<char>('a' + i % 26));
    } else if (i % 1'000 == 7) {
      // empty
    } else {
      text += "line " + std::to_string(i);
    }
    text += i % 3 == 0 ? "\r\n" : "\n";
  }
  text += "last";
  write_file(path, text);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto read = [&](auto parse) {
      Dataflow flow("flow");
      TestingSink<std::string> sink;
      op::output("out", op::input(flow, "in", io::FileSource(path), parse), sink);
      run_with(flow, workers);
      return sorted(sink.values());
    };
    const auto by_view = read([](std::string_view line) { return std::string(line); });
    const auto by_string = read([](std::string&& line) { return std::move(line); });
    CHECK(by_view.size() == 40'001);
    CHECK(by_view == by_string);
  }
}

TEST_CASE("a line a std::string_view parse throws on is reported with its file and line number") {
  TempDir dir;
  const auto path = dir / "numbers.txt";
  std::string text;
  for (int i = 1; i <= 100'000; ++i)
    text += (i == 77'777 ? std::string("7x") : std::to_string(i)) + "\n";
  write_file(path, text);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("flow");
    TestingSink<std::int64_t> sink;
    op::output("out", op::input(flow, "in", io::FileSource(path), number_of_view), sink);
    const StepError e = step_error_of([&] { run_with(flow, workers); });
    CHECK(e.step() == "flow.in");
    CHECK(e.reason() == at_file(path, "line 77777: not a number: '7x'"));
    CHECK(e.item() == "7x");
  }
}

TEST_CASE(
    "a CSV row the input step's parse throws on is reported with its line, empty lines "
    "counted") {
  TempDir dir;
  const auto path = dir / "rows.csv";
  write_file(path, "\na\n1\n\n2\n\n\nx\n3\n");
  Dataflow flow("flow");
  TestingSink<std::int64_t> sink;
  op::output("out",
             op::input(flow, "in", io::CsvSource(path),
                       [](const io::CsvRow& row) { return number_of(std::string(row["a"])); }),
             sink);
  const StepError e = step_error_of([&] { run_with(flow, 2); });
  CHECK(e.reason() == at_file(path, "line 8: not a number: 'x'"));
  CHECK(e.item() == "x");
}
