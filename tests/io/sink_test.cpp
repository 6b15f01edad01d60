// Tests for the sink interfaces and op::output: a record reaches the part part_of
// picks, each part is built and written by one worker (sorted part i on worker
// i % W), parts are closed at the end, resume states reach build_part; dynamic sinks
// write on the worker that holds the record; and the errors.
#include <sluice/io/sink.hpp>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {

std::string part_name(std::size_t k) {
  return std::string("s").append(std::to_string(k));
}

// Parts "s0".."s<n-1>"; record x goes to part x % n. Records what happened per part.
class RecordingSink final : public io::FixedPartitionedSink<std::uint64_t> {
 public:
  struct Part {
    int builds = 0, closes = 0;
    std::thread::id builder;
    std::set<std::thread::id> writers;
    std::vector<std::uint64_t> values;
    std::optional<std::string> resumed_from;
  };
  struct Log {
    std::mutex mutex;
    std::map<std::string, Part> parts;
  };

  explicit RecordingSink(std::size_t n) : n_(n), log_(std::make_shared<Log>()) {}

  std::vector<std::string> list_parts(std::uint32_t) override {
    std::vector<std::string> names;
    for (std::size_t k = n_; k-- > 0;) names.push_back(part_name(k));
    return names;
  }
  std::size_t part_of(const std::uint64_t& x, std::size_t parts) const override {
    return x % parts;
  }
  std::unique_ptr<io::SinkPartition<std::uint64_t>> build_part(
      const std::string&, const std::string& part, std::optional<std::string> state) override {
    if (part == fail_part) throw std::runtime_error("disk full");
    std::lock_guard<std::mutex> lock(log_->mutex);
    Part& p = log_->parts[part];
    ++p.builds;
    p.builder = std::this_thread::get_id();
    p.resumed_from = std::move(state);
    return std::make_unique<Partition>(log_, part, fail_part_write);
  }
  Log& log() { return *log_; }
  std::string fail_part, fail_part_write;

 private:
  class Partition final : public io::SinkPartition<std::uint64_t> {
   public:
    Partition(std::shared_ptr<Log> log, std::string name, const std::string& fail)
        : log_(std::move(log)), name_(std::move(name)), fail_(name_ == fail) {}
    void write_batch(std::vector<std::uint64_t>& items) override {
      if (fail_) throw std::runtime_error("the disk is full");
      std::lock_guard<std::mutex> lock(log_->mutex);
      Part& p = log_->parts[name_];
      p.writers.insert(std::this_thread::get_id());
      p.values.insert(p.values.end(), items.begin(), items.end());
    }
    std::string snapshot() override { return "0"; }
    void close() override {
      std::lock_guard<std::mutex> lock(log_->mutex);
      ++log_->parts[name_].closes;
    }

   private:
    std::shared_ptr<Log> log_;
    std::string name_;
    bool fail_;
  };

  std::size_t n_;
  std::shared_ptr<Log> log_;
};

// Values 0..n-1 dealt over three partitions, in order within each.
TestingSource<std::uint64_t> values_source(std::uint64_t n) {
  std::vector<TestingSource<std::uint64_t>::Partition> parts(3);
  for (std::uint64_t i = 0; i < n; ++i) parts[i % 3].push_back({i / 100, i});
  return TestingSource<std::uint64_t>::partitioned(std::move(parts));
}

}  // namespace

TEST_CASE("every record reaches the part part_of picks, written by that part's one owner") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = std::make_shared<RecordingSink>(5);
    Dataflow flow("flow");
    op::output("out", op::input(flow, "in", values_source(1000)), sink);
    run_with(flow, workers, 16);
    auto& parts = sink->log().parts;
    REQUIRE(parts.size() == 5);
    std::vector<std::uint64_t> all;
    for (std::size_t k = 0; k < 5; ++k) {
      const std::string name = part_name(k);
      CAPTURE(name);
      const auto& p = parts[name];
      CHECK(p.builds == 1);
      CHECK(p.closes == 1);
      CHECK(p.writers == std::set<std::thread::id>{p.builder});
      std::size_t misrouted = 0;
      for (std::uint64_t v : p.values) misrouted += v % 5 != k;
      CHECK(misrouted == 0);
      all.insert(all.end(), p.values.begin(), p.values.end());
      // Parts on one worker are exactly those equal modulo W.
      for (std::size_t j = 0; j < 5; ++j) {
        const bool same_worker = parts[part_name(j)].builder == p.builder;
        CHECK(same_worker == (j % workers == k % workers));
      }
    }
    std::vector<std::uint64_t> expected(1000);
    for (std::uint64_t i = 0; i < expected.size(); ++i) expected[i] = i;
    CHECK(sorted(all) == expected);
  }
}

TEST_CASE("records of one upstream partition keep their order within a part") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = std::make_shared<RecordingSink>(2);
    Dataflow flow("flow");
    std::vector<std::uint64_t> values(500);
    for (std::uint64_t i = 0; i < values.size(); ++i) values[i] = i;
    op::output("out", op::input(flow, "in", TestingSource<std::uint64_t>::of(values)), sink);
    run_with(flow, workers, 8);
    for (const auto& [name, p] : sink->log().parts) {
      CAPTURE(name);
      CHECK(std::is_sorted(p.values.begin(), p.values.end()));
      CHECK(p.values.size() == 250);
    }
  }
}

TEST_CASE("resume states reach build_part of their part; other parts start fresh") {
  auto sink = std::make_shared<RecordingSink>(3);
  Dataflow flow("flow");
  io::OutputResume resume;
  resume.states = {{"s1", "42"}};
  op::output("out", op::input(flow, "in", values_source(10)), sink, resume);
  run_with(flow, 2);
  auto& parts = sink->log().parts;
  CHECK(parts["s1"].resumed_from == std::optional<std::string>("42"));
  CHECK(parts["s0"].resumed_from == std::nullopt);
  CHECK(parts["s2"].resumed_from == std::nullopt);
}

TEST_CASE("a write_batch exception stops the run with a StepError naming the partition") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = std::make_shared<RecordingSink>(3);
    sink->fail_part_write = "s2";
    Dataflow flow("flow");
    op::output("out", op::input(flow, "in", values_source(100)), sink);
    const StepError e = step_error_of([&] { run_with(flow, workers); });
    CHECK(e.step() == "flow.out");
    CHECK(e.worker() == std::optional<std::uint32_t>(2 % workers));
    CHECK(e.epoch().has_value());
    CHECK(e.reason().find("partition 's2': the disk is full") != std::string::npos);
  }
}

TEST_CASE("a build_part exception stops the run with a StepError naming the partition") {
  auto sink = std::make_shared<RecordingSink>(3);
  sink->fail_part = "s1";
  Dataflow flow("flow");
  op::output("out", op::input(flow, "in", values_source(10)), sink);
  const StepError e = step_error_of([&] { run_with(flow, 3); });
  CHECK(e.worker() == std::optional<std::uint32_t>(1));
  CHECK(e.reason().find("building partition 's1': disk full") != std::string::npos);
}

TEST_CASE("a partitioned sink without parts is refused by op::output") {
  Dataflow flow("flow");
  auto up = op::input(flow, "in", values_source(10));
  const std::string message =
      config_error_of([&] { op::output("out", up, std::make_shared<RecordingSink>(0)); });
  CHECK(message.find("step 'flow.out'") != std::string::npos);
  CHECK(message.find("no parts") != std::string::npos);
}

TEST_CASE("the owner key routes to the chosen worker for every worker count") {
  std::size_t wrong = 0;
  for (std::uint32_t workers = 1; workers <= 1024; ++workers) {
    for (std::uint32_t w = 0; w < workers; ++w) {
      wrong += route(hash_key(io::detail::OwnerKey{w, workers}), workers) != w;
    }
  }
  CHECK(wrong == 0);
}

namespace {
struct Keyed {
  std::string key;
  int value;
};
class DefaultRouting final : public io::FixedPartitionedSink<std::pair<std::string, int>> {
 public:
  std::vector<std::string> list_parts(std::uint32_t) override { return {"a", "b", "c"}; }
  std::unique_ptr<io::SinkPartition<std::pair<std::string, int>>> build_part(
      const std::string&, const std::string&, std::optional<std::string>) override {
    return nullptr;
  }
};
}  // namespace

TEST_CASE("the default part_of hashes a pair's key, so equal keys share a part") {
  DefaultRouting sink;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "key" + std::to_string(i);
    const std::size_t part = sink.part_of({key, 1}, 3);
    CHECK(part < 3);
    CHECK(sink.part_of({key, 2}, 3) == part);
    CHECK(part == hash_key(key) % 3);
  }
}

namespace {
// Each worker's partition collects (worker, value) into a shared list.
class CollectingSink final : public io::DynamicSink<std::uint64_t> {
 public:
  std::unique_ptr<io::StatelessSinkPartition<std::uint64_t>> build(const std::string&,
                                                                   std::uint32_t worker,
                                                                   std::uint32_t) override {
    return std::make_unique<Partition>(*this, worker);
  }
  std::mutex mutex;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> seen;
  int closes = 0;

 private:
  class Partition final : public io::StatelessSinkPartition<std::uint64_t> {
   public:
    Partition(CollectingSink& s, std::uint32_t w) : s_(s), w_(w) {}
    void write_batch(std::vector<std::uint64_t>& items) override {
      std::lock_guard<std::mutex> lock(s_.mutex);
      for (auto v : items) s_.seen.emplace_back(w_, v);
    }
    void close() override {
      std::lock_guard<std::mutex> lock(s_.mutex);
      ++s_.closes;
    }

   private:
    CollectingSink& s_;
    std::uint32_t w_;
  };
};
}  // namespace

TEST_CASE("a dynamic sink writes each record on the worker that holds it, and closes once") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    auto sink = std::make_shared<CollectingSink>();
    Dataflow flow("flow");
    op::output("out", op::input(flow, "in", values_source(300)), sink);
    run_with(flow, workers, 8);
    CHECK(sink->closes == static_cast<int>(workers));
    REQUIRE(sink->seen.size() == 300);
    std::size_t wrong_worker = 0;
    std::vector<std::uint64_t> values;
    for (const auto& [w, v] : sink->seen) {
      wrong_worker += w != (v % 3) % workers;  // TestingSource partition p on worker p % W
      values.push_back(v);
    }
    CHECK(wrong_worker == 0);
    std::vector<std::uint64_t> expected(300);
    for (std::uint64_t i = 0; i < expected.size(); ++i) expected[i] = i;
    CHECK(sorted(values) == expected);
  }
}
