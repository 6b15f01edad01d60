// Tests for event_time_input and system_time: epochs of event times and of late records
// against the per-partition definition, the step's frontier following the least
// watermark over its partitions (watched through a probe while a test thread feeds the
// partitions), source alignment (each read checks its lead over the other
// partitions), the resume epoch, the errors (a throwing time_of, a bad clock), and
// ingestion-epoch times, at 1, 2 and 3 workers.
#include "support.hpp"

#include "../io/io_support.hpp"

#include <sluice/windowing/event_time_input.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace window_test;

namespace {

using TimedEv = window::Timed<Ev>;

std::vector<Stamped> stamped_rows(const TestingSink<TimedEv>& sink) {
  std::vector<Stamped> rows;
  for (const auto& r : sink.records()) {
    CHECK(ms_of(r.value.time) == r.value.value.t);
    rows.push_back(Stamped{r.epoch, r.value.value, r.value.late});
  }
  return rows;
}

// Finishes every partition of a scripted source when the test leaves, so a failed
// check never leaves the run waiting.
struct FinishOnExit {
  ScriptedSource<Ev>& source;
  ~FinishOnExit() { source.finish_all(); }
};

}  // namespace

TEST_CASE("event-time records travel at the epoch of their time, late ones at the watermark's") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_events(seed, 5, 300, 3, 20);
  for (const auto& [length, delay] :
       std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 0}, {10, 15}, {64, 3}, {1000, 40}}) {
    CAPTURE(length);
    CAPTURE(delay);
    const auto want = reference_stamps(parts, length, delay);
    for (std::uint32_t workers = 1; workers <= 3; ++workers) {
      CAPTURE(workers);
      Dataflow flow("stamp");
      TestingSink<TimedEv> sink;
      op::output(
          "out",
          window::event_time_input(flow, "in", VectorSource<Ev>(parts, 7),
                                   window::EventClock{Millis(length), Millis(delay)}, time_of_ev),
          sink);
      run(flow, workers_config(workers));
      check_same_rows(stamped_rows(sink), want, "stamps");
    }
  }
}

TEST_CASE("the event-time step's frontier is the least watermark epoch over its open partitions") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("front");
    ScriptedSource<Ev> source(3);  // part i on worker i % workers
    auto events = window::event_time_input(flow, "in", source,
                                           window::EventClock{Millis(100), Millis(0)}, time_of_ev);
    Probe probe;
    op::probe("probe", events, probe);
    TestingSink<TimedEv> sink;
    op::output("out", events, sink);
    BackgroundRun running(flow, workers_config(workers));
    FinishOnExit finish{source};
    // The frontier every worker sees reaches `e` and, a moment later, is still `e`.
    auto settles_at = [&](Epoch e) {
      auto reached = [&] {
        for (std::uint32_t w = 0; w < workers; ++w) {
          if (probe.frontier(w).less_than(e)) return false;
        }
        return true;
      };
      if (!eventually(reached)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      for (std::uint32_t w = 0; w < workers; ++w) {
        if (probe.frontier(w) != Frontier{e}) return false;
      }
      return true;
    };

    source.feed(0, {{50, 0, 1}});
    source.feed(1, {{1000, 0, 2}});
    source.feed(2, {{2000, 0, 3}});
    REQUIRE(eventually([&] { return sink.records().size() == 3; }));
    CHECK(settles_at(0));  // partitions at epochs 0, 10, 20
    source.feed(0, {{550, 0, 4}});
    CHECK(settles_at(5));  // 5, 10, 20
    source.feed(0, {{1550, 0, 5}, {1400, 0, 6}});
    CHECK(settles_at(10));  // 15, 10, 20 (1400 is late: behind 1550)
    source.finish(1);
    CHECK(settles_at(15));  // 15, -, 20
    source.feed(2, {{1200, 0, 7}});
    source.feed(0, {{5000, 0, 8}});
    CHECK(settles_at(20));  // 50, -, 20 (a late record does not move its partition)
    source.finish_all();
    running.join();
    check_same_rows(stamped_rows(sink),
                    {{0, {50, 0, 1}, false},
                     {10, {1000, 0, 2}, false},
                     {20, {2000, 0, 3}, false},
                     {5, {550, 0, 4}, false},
                     {15, {1550, 0, 5}, false},
                     {15, {1400, 0, 6}, true},
                     {20, {1200, 0, 7}, true},
                     {50, {5000, 0, 8}, false}},
                    "stamps");
  }
}

namespace {

// Partition p of `parts` gives per_batch[p] records per batch and publishes the
// greatest time it has read, so that each read can check the lead its previous batch
// began with over every other open partition's position now: the alignment bound
// (a batch may begin only while the one before it began at most max_lead epochs past
// the slowest partition), observed from inside the partitions.
class LeadWatchingSource final : public io::FixedPartitionedSource<Ev> {
 public:
  struct Shared {
    Parts parts;
    std::vector<std::size_t> per_batch;
    std::int64_t epoch_length = 0;
    std::vector<std::atomic<std::int64_t>> read_up_to;  // -1: finished
    std::atomic<std::int64_t> worst_lead{0};            // epochs, over all reads
    Shared(Parts p, std::vector<std::size_t> b, std::int64_t length)
        : parts(std::move(p)),
          per_batch(std::move(b)),
          epoch_length(length),
          read_up_to(parts.size()) {
      for (auto& r : read_up_to) r = 0;
    }
  };
  explicit LeadWatchingSource(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  std::vector<std::string> list_parts(std::uint32_t) override {
    return VectorSource<Ev>::part_names(shared_->parts.size());
  }
  std::unique_ptr<io::SourcePartition<Ev>> build_part(const std::string&, const std::string& part,
                                                      std::optional<std::string>) override {
    return std::make_unique<Partition>(shared_, std::stoul(part.substr(1)));
  }

 private:
  class Partition final : public io::SourcePartition<Ev> {
   public:
    Partition(std::shared_ptr<Shared> shared, std::size_t p) : s_(std::move(shared)), p_(p) {}
    bool next_batch(std::vector<Ev>& out) override {
      const std::int64_t now = s_->read_up_to[p_].load();
      const Epoch mine = epoch_at(std::exchange(previous_start_, now), s_->epoch_length);
      for (std::size_t q = 0; q < s_->parts.size(); ++q) {
        const std::int64_t theirs = s_->read_up_to[q].load();
        if (q == p_ || theirs < 0 || next_ == 0) continue;  // the first batch: none before
        const auto lead = static_cast<std::int64_t>(mine) -
                          static_cast<std::int64_t>(epoch_at(theirs, s_->epoch_length));
        std::int64_t worst = s_->worst_lead.load();
        while (lead > worst && !s_->worst_lead.compare_exchange_weak(worst, lead)) {
        }
      }
      const auto& items = s_->parts[p_];
      for (std::size_t n = 0; n < s_->per_batch[p_] && next_ < items.size(); ++n) {
        out.push_back(items[next_++]);
      }
      const bool more = next_ < items.size();
      s_->read_up_to[p_] = more ? out.back().t : -1;
      return more;
    }
    std::string snapshot() override { return std::to_string(next_); }

   private:
    std::shared_ptr<Shared> s_;
    std::size_t p_;
    std::size_t next_ = 0;
    std::int64_t previous_start_ = 0;  // the greatest time read when the last batch began
  };
  std::shared_ptr<Shared> shared_;
};

// One partition reads 40 epochs per batch, the others one: without alignment the fast
// one runs far ahead. Returns the worst lead any read saw, after checking every
// record arrived at its epoch.
std::int64_t worst_lead_of(std::uint32_t workers, std::optional<Epoch> max_lead) {
  constexpr std::int64_t kLength = 10;
  Parts parts(3);
  for (std::size_t p = 0; p < parts.size(); ++p) {
    for (std::int64_t i = 0; i < 400; ++i) {
      parts[p].push_back(Ev{i * kLength, 0, p * 1000 + static_cast<std::uint64_t>(i)});
    }
  }
  auto shared = std::make_shared<LeadWatchingSource::Shared>(
      parts, std::vector<std::size_t>{40, 1, 1}, kLength);
  window::EventClock clock{Millis(kLength), Millis(0)};
  clock.max_lead = max_lead;
  Dataflow flow("align");
  TestingSink<TimedEv> sink;
  op::output("out",
             window::event_time_input(flow, "in", LeadWatchingSource(shared), clock, time_of_ev),
             sink);
  run(flow, workers_config(workers));
  check_same_rows(stamped_rows(sink), reference_stamps(parts, kLength, 0), "stamps");
  return shared->worst_lead.load();
}

}  // namespace

TEST_CASE(
    "an aligned event-time partition begins a batch only if its last began within max_lead epochs "
    "of the slowest") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    for (Epoch lead : {Epoch{0}, Epoch{1}, Epoch{4}}) {
      CAPTURE(lead);
      CHECK(worst_lead_of(workers, lead) <= static_cast<std::int64_t>(lead));
    }
    CHECK(worst_lead_of(workers, window::EventClock::kDefaultMaxLead) <=
          static_cast<std::int64_t>(window::EventClock::kDefaultMaxLead));
  }
  // The check can fail: on one worker an unaligned fast partition runs ahead.
  CHECK(worst_lead_of(1, std::nullopt) > 4);
}

TEST_CASE("a resumed event-time input sends records of earlier epochs at the resume epoch") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("resume");
    const window::EventClock clock{Millis(100), Millis(0)};
    const Parts parts = {{{120, 1, 1}, {750, 1, 2}, {990, 1, 3}}, {{300, 2, 4}}};
    io::InputResume resume;
    resume.epoch = 7;
    resume.states = {{"p000", "1"}};  // partition 0 resumes at its second record
    auto events =
        window::event_time_input(flow, "in", VectorSource<Ev>(parts), clock, time_of_ev, resume);
    TestingSink<TimedEv> sink;
    op::output("out", events, sink);
    auto keyed = op::key_on("key", events, key_of_timed);
    auto counts = sink_streams(
        "count",
        window::count_window("count", keyed, clock, window::TumblingWindower(Millis(500))));
    run(flow, workers_config(workers));
    check_same_rows(stamped_rows(sink),
                    {{7, {750, 1, 2}, false}, {9, {990, 1, 3}, false}, {7, {300, 2, 4}, false}},
                    "stamps");
    // The window operator sends what travels later than its time's epoch to late.
    check_same_rows(counts.late_rows(), {{7, 2, {300, 2, 4}}}, "late");
    check_same_rows(counts.down_rows(), {{9, 1, WindowMeta{1, at(500), at(1000)}, 2}}, "counts");
  }
}

TEST_CASE(
    "a throwing time_of stops the run naming the step, the worker, the epoch and the record") {
  Parts parts(3);
  for (std::uint64_t i = 0; i < 20; ++i) {
    for (std::size_t p = 0; p < 3; ++p)
      parts[p].push_back(Ev{5000 + std::int64_t(i), 0, p * 100 + i});
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("bad");
    auto events =
        window::event_time_input(flow, "in", VectorSource<Ev>(parts, 4),
                                 window::EventClock{Millis(1000), Millis(0)}, [](const Ev& e) {
                                   if (e.id == 207) throw std::runtime_error("no time");
                                   return at(e.t);
                                 });
    op::output("out", events, TestingSink<TimedEv>());
    const StepError e = run_expecting_step_error(flow, workers_config(workers));
    CHECK(e.step() == "bad.in");
    CHECK(e.worker() == std::optional<std::uint32_t>(2 % workers));
    CHECK(e.epoch() == std::optional<Epoch>(5));  // every partition of the worker is at 5
    CHECK(e.reason() == "no time");
    CHECK(e.item() == "ev{t=5007 key=0 id=207}");
  }
}

TEST_CASE("a parsing time_of gives each record the time and value it returns") {
  const std::vector<std::vector<std::string>> lines = {{"30,1", "10,2", "250,1"}, {"40,2"}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("parse");
    auto events = window::event_time_input(
        flow, "in", VectorSource<std::string>(lines), window::EventClock{Millis(100), Millis(5)},
        [](std::string&& line) {
          const auto comma = line.find(',');
          const std::int64_t t = std::stoll(line.substr(0, comma));
          const auto key = static_cast<std::uint32_t>(std::stoul(line.substr(comma + 1)));
          return TimedEv{Ev{t, key, static_cast<std::uint64_t>(t)}, at(t), false};
        });
    TestingSink<TimedEv> sink;
    op::output("out", events, sink);
    run(flow, workers_config(workers));
    check_same_rows(stamped_rows(sink),
                    {{0, {30, 1, 30}, false},
                     {0, {10, 2, 10}, true},
                     {2, {250, 1, 250}, false},
                     {0, {40, 2, 40}, false}},
                    "parsed");
  }
}

TEST_CASE("a parsing time_of may return a Timed of the source's own record type") {
  // Timed<Ev> from an Ev: the record it returns, at the time it gives (here a new id
  // and t + 100), not the source's record at a time.
  const Parts parts = {{{30, 1, 1}, {250, 1, 2}}, {{40, 2, 3}}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("same");
    auto events = window::event_time_input(flow, "in", VectorSource<Ev>(parts),
                                           window::EventClock{Millis(100), Millis(0)}, [](Ev&& e) {
                                             const std::int64_t t = e.t + 100;
                                             return TimedEv{Ev{t, e.key, e.id + 10}, at(t), false};
                                           });
    TestingSink<TimedEv> sink;
    op::output("out", events, sink);
    run(flow, workers_config(workers));
    check_same_rows(stamped_rows(sink),
                    {{1, {130, 1, 11}, false}, {3, {350, 1, 12}, false}, {1, {140, 2, 13}, false}},
                    "parsed");
  }
}

TEST_CASE("a read batch over many epochs reaches batch readers as one exact batch per epoch") {
  // One partition, read 40 records per batch, 1 ms epochs: every batch spans dozens of
  // epochs (counted in a table), and some hold outliers 10^6 epochs away (sorted).
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  Parts parts = random_events(seed, 1, 400, 3, 20);
  for (std::size_t i = 37; i < parts[0].size(); i += 97) parts[0][i].t += 1'000'000;
  const std::size_t per_batch = 40;
  const auto want = reference_stamps(parts, 1, 5);
  // Per read batch, one output batch per distinct epoch.
  std::size_t want_batches = 0;
  for (std::size_t b = 0; b < want.size(); b += per_batch) {
    std::set<Epoch> epochs;
    for (std::size_t i = b; i < std::min(want.size(), b + per_batch); ++i) {
      epochs.insert(want[i].epoch);
    }
    want_batches += epochs.size();
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    struct Seen {
      std::vector<Stamped> rows;
      std::size_t batches = 0, oversized = 0, out_of_order = 0;
    };
    auto seen = make_slots<Seen>(workers);
    Dataflow flow("buckets");
    auto stamped = window::event_time_input(flow, "in", VectorSource<Ev>(parts, per_batch),
                                            window::EventClock{Millis(1), Millis(5)}, time_of_ev);
    OperatorBuilder b(stamped, "look");
    auto in = b.add_input(stamped);
    b.build([in, seen](OperatorContext&) {
      return [in, seen](OperatorContext& ctx) {
        Seen& mine = (*seen)[ctx.worker_index()].value;
        ctx.input(in).for_each([&](InputBatch<TimedEv>& batch) {
          ++mine.batches;
          mine.oversized += batch.items().capacity() > 2 * batch.size();  // not a read batch's room
          for (std::size_t i = 0; i < batch.size(); ++i) {
            const TimedEv& r = batch.items()[i];
            mine.rows.push_back(Stamped{batch.epoch(), r.value, r.late});
            // ids grow in read order (one partition)
            mine.out_of_order += i > 0 && batch.items()[i - 1].value.id >= r.value.id;
          }
        });
      };
    });
    run(flow, workers_config(workers));
    std::vector<Stamped> rows;
    std::size_t batches = 0, oversized = 0, out_of_order = 0;
    for (const auto& slot : *seen) {
      rows.insert(rows.end(), slot.value.rows.begin(), slot.value.rows.end());
      batches += slot.value.batches;
      oversized += slot.value.oversized;
      out_of_order += slot.value.out_of_order;
    }
    check_same_rows(rows, want, "stamps");
    CHECK(batches == want_batches);
    CHECK(oversized == 0);
    CHECK(out_of_order == 0);
  }
}

TEST_CASE("a time_of returning (key, Timed) makes a keyed stream with the same epochs and marks") {
  const std::vector<std::vector<std::string>> lines = {{"30,1", "10,2", "250,1"}, {"40,2"}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("parse_keyed");
    auto keyed = window::event_time_input(
        flow, "in", VectorSource<std::string>(lines), window::EventClock{Millis(100), Millis(5)},
        [](std::string&& line) {
          const auto comma = line.find(',');
          const std::int64_t t = std::stoll(line.substr(0, comma));
          const auto key = static_cast<std::uint32_t>(std::stoul(line.substr(comma + 1)));
          return std::pair<std::uint32_t, TimedEv>(
              key, TimedEv{Ev{t, key, static_cast<std::uint64_t>(t)}, at(t), false});
        });
    TestingSink<std::pair<std::uint32_t, TimedEv>> sink;
    op::output("out", keyed, sink);
    run(flow, workers_config(workers));
    std::vector<Stamped> rows;
    for (const auto& r : sink.records()) {
      CHECK(r.value.first == r.value.second.value.key);
      CHECK(ms_of(r.value.second.time) == r.value.second.value.t);
      rows.push_back(Stamped{r.epoch, r.value.second.value, r.value.second.late});
    }
    check_same_rows(rows,
                    {{0, {30, 1, 30}, false},
                     {0, {10, 2, 10}, true},
                     {2, {250, 1, 250}, false},
                     {0, {40, 2, 40}, false}},
                    "parsed and keyed");
  }
}

TEST_CASE(
    "a time_of taking its line as a std::string_view stamps a file's lines as one taking a "
    "std::string does") {
  io_test::TempDir dir;
  const auto path = dir / "events.txt";
  // "<ms>,<key>" lines, out of order, over several read blocks; some late.
  std::string text;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 60'000; ++i) {
    const std::int64_t t = i * 3 + static_cast<std::int64_t>(rng() % 400);
    text += std::to_string(t) + "," + std::to_string(rng() % 50) + (i % 2 ? "\r\n" : "\n");
  }
  io_test::write_file(path, text);
  const auto parse = [](std::string_view line) {
    const auto comma = line.find(',');
    const std::int64_t t = std::stoll(std::string(line.substr(0, comma)));
    const auto key = static_cast<std::uint32_t>(std::stoul(std::string(line.substr(comma + 1))));
    return std::pair<std::uint32_t, TimedEv>(
        key, TimedEv{Ev{t, key, static_cast<std::uint64_t>(t)}, at(t), false});
  };
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto stamp = [&](auto time_of) {
      Dataflow flow("views");
      auto keyed = window::event_time_input(flow, "in", io::FileSource(path, 1),
                                            window::EventClock{Millis(100), Millis(50)}, time_of);
      TestingSink<std::pair<std::uint32_t, TimedEv>> sink;
      op::output("out", keyed, sink);
      run(flow, workers_config(workers));
      std::vector<std::tuple<Epoch, std::int64_t, std::uint32_t, bool>> rows;
      for (const auto& r : sink.records()) {
        rows.emplace_back(r.epoch, r.value.second.value.t, r.value.first, r.value.second.late);
      }
      std::sort(rows.begin(), rows.end());
      return rows;
    };
    const auto by_view = stamp(parse);
    const auto by_string = stamp([&](std::string&& line) { return parse(line); });
    CHECK(by_view.size() == 60'000);
    CHECK(by_view == by_string);
    CHECK(std::count_if(by_view.begin(), by_view.end(),
                        [](const auto& r) { return std::get<3>(r); }) > 0);
  }
}

TEST_CASE("a parsing time_of that takes its record by value and throws still names the record") {
  // A regression test: the record used to be moved into a by-value time_of, so the
  // error rendered the moved-from string ("").
  Dataflow flow("parse");
  auto events = window::event_time_input(
      flow, "in", VectorSource<std::string>({{"oops"}}), window::EventClock{},
      [](std::string line) -> TimedEv { throw std::runtime_error("bad line " + line); });
  op::output("out", events, TestingSink<TimedEv>());
  const StepError e = run_expecting_step_error(flow, workers_config(1));
  CHECK(e.reason() == "bad line oops");
  CHECK(e.item() == "oops");
}

TEST_CASE(
    "a zero epoch length or a negative max_delay is refused with a ConfigError naming the step") {
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no ConfigError";
  };
  Dataflow flow("cfg");
  const window::EventClock zero{Millis(0), Millis(5)};
  const window::EventClock negative{Millis(10), Millis(-1)};
  CHECK(message([&] {
          window::event_time_input(flow, "in0", VectorSource<Ev>({}), zero, time_of_ev);
        }) == "step 'cfg.in0': an event clock's epoch_length must be positive (got 0 ms)");
  CHECK(message([&] {
          window::event_time_input(flow, "in1", VectorSource<Ev>({}), negative, time_of_ev);
        }) == "step 'cfg.in1': an event clock's max_delay must not be negative (got -1 ms)");
  auto keyed = keyed_events(flow, {}, window::EventClock{});
  CHECK(message([&] {
          window::count_window("w0", keyed, zero, window::TumblingWindower(Millis(10)));
        }) == "step 'cfg.w0': an event clock's epoch_length must be positive (got 0 ms)");
  CHECK(message([&] {
          window::count_window("w1", keyed, negative, window::SessionWindower(Millis(10)));
        }) == "step 'cfg.w1': an event clock's max_delay must not be negative (got -1 ms)");
}

TEST_CASE("system_time stamps each record with the start of its ingestion epoch") {
  TestingSource<std::uint64_t>::Partition items = {{0, 1}, {0, 2}, {1, 3}, {3, 4}, {3, 5}, {6, 6}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("sys");
    auto timed =
        window::system_time("time", op::input(flow, "in", TestingSource<std::uint64_t>(items)));
    TestingSink<window::Timed<std::uint64_t>> sink;
    op::output("out", timed, sink);
    // Processing-time windows on the same epochs: [0, 500) holds epochs 0 and 1.
    auto keyed = op::key_on("key", timed, [](const auto&) { return std::uint32_t{0}; });
    auto counts =
        sink_streams("count", window::count_window("count", keyed, window::SystemClock{},
                                                   window::TumblingWindower(Millis(500))));
    RunConfig config = workers_config(workers);
    config.epoch_interval = std::chrono::milliseconds(250);
    run(flow, config);
    std::vector<std::tuple<Epoch, std::uint64_t, std::int64_t, bool>> got;
    for (const auto& r : sink.records()) {
      got.emplace_back(r.epoch, r.value.value, ms_of(r.value.time), r.value.late);
    }
    check_same_rows(got,
                    {{0, 1, 0, false},
                     {0, 2, 0, false},
                     {1, 3, 250, false},
                     {3, 4, 750, false},
                     {3, 5, 750, false},
                     {6, 6, 1500, false}},
                    "system times");
    check_same_rows(counts.down_rows(),
                    {{1, 0, WindowMeta{0, at(0), at(500)}, 3},
                     {3, 0, WindowMeta{1, at(500), at(1000)}, 2},
                     {7, 0, WindowMeta{3, at(1500), at(2000)}, 1}},
                    "processing-time counts");
  }
}
