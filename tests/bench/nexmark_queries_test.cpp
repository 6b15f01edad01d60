// Every Nexmark query on sluice against its single-threaded baseline, on the same
// generated events, at 1 and 2 workers (and 3 for a few). Rows are compared as sorted
// --output lines; q4 prints updates, so its last value per category is compared.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include "baseline.hpp"
#include "queries.hpp"
#include "run_sluice.hpp"

using namespace sluice;
using namespace sluice::nexmark;

namespace {

constexpr std::uint64_t kEvents = 300'000;  // 30 s of event time

std::vector<std::string> baseline_lines(const std::string& query, const GeneratorConfig& g) {
  std::vector<std::string> lines;
  RowTally tally;
  tally.lines = &lines;
  run_baseline(query, g, tally);
  return lines;
}

// q4's final value per category: its last row (rows of one category are in order).
std::map<std::string, std::string> last_per_category(const std::vector<std::string>& lines) {
  std::map<std::string, std::string> last;
  for (const std::string& l : lines) last[l.substr(0, l.find(','))] = l;
  return last;
}

void check_query(const std::string& query, std::uint32_t workers, std::int64_t epoch_ms,
                 std::optional<Epoch> max_lead = window::EventClock::kDefaultMaxLead,
                 std::int64_t rate = GeneratorConfig{}.rate) {
  CAPTURE(query);
  CAPTURE(workers);
  CAPTURE(epoch_ms);
  CAPTURE(max_lead.value_or(~Epoch{0}));
  CAPTURE(rate);
  GeneratorConfig g;
  g.events = kEvents;
  g.rate = rate;
  RunConfig config;
  config.workers = workers;
  std::vector<std::string> want = baseline_lines(query, g);
  window::EventClock clock{window::Millis(epoch_ms), window::Millis(0)};
  clock.max_lead = max_lead;
  SluiceRun got = run_sluice(query, g, config, clock, true);
  REQUIRE(got.rows.rows == got.lines.size());
  if (query == "q4") {
    const auto w = last_per_category(want), s = last_per_category(got.lines);
    CHECK(w.size() == 5);
    CHECK(s == w);
    return;
  }
  CHECK(!want.empty());
  std::sort(want.begin(), want.end());
  std::sort(got.lines.begin(), got.lines.end());
  CHECK(got.lines.size() == want.size());
  CHECK(got.lines == want);
}

}  // namespace

TEST_CASE("every query's rows on sluice equal its baseline's, at 1 and 2 workers") {
  for (const std::string& query : query_names()) {
    for (std::uint32_t workers : {1u, 2u}) check_query(query, workers, 1000);
  }
}

TEST_CASE("windowed and joining queries do not depend on the epoch length or 3 workers") {
  for (const std::string query : {"q4", "q5", "q7", "q8", "q9", "q11"}) {
    check_query(query, 3, 250);
    check_query(query, 2, 3000);
  }
}

TEST_CASE("windowed queries do not depend on source alignment (lockstep, or none)") {
  for (const std::string query : {"q5", "q7", "q9", "q11"}) {
    for (std::uint32_t workers : {2u, 3u}) {
      check_query(query, workers, 250, Epoch{0});
      check_query(query, workers, 250, std::nullopt);
    }
  }
}

TEST_CASE("q11's sessions do not depend on how much event time a batch spans") {
  // A batch holds one epoch's records. With 30 s or 60 s epochs and 20 events/s, a
  // batch of the source's 1024 events spans more than the 10 s gap: the per-batch
  // spans (count_spans_of_batch) must break where a key's bids reach it. At 300
  // events/s some keys' bids in a batch do and some do not.
  for (const std::int64_t rate : {20, 300}) {
    for (const std::int64_t epoch_ms : {30'000, 60'000}) {
      for (std::uint32_t workers : {1u, 2u, 3u}) check_query("q11", workers, epoch_ms, 4, rate);
    }
  }
}

namespace {

Timed<Event> timed(Event e) {
  const EventTime t = at_ms(e.date_time());
  return Timed<Event>{std::move(e), t, false};
}
Event bid_event(std::int64_t auction, std::int64_t price, std::int64_t ms) {
  return Event{Bid{auction, 1, price, ms, 0}};
}
Event auction_event(std::int64_t id, std::int64_t from_ms, std::int64_t expires_ms) {
  Auction a;
  a.id = id;
  a.date_time = from_ms;
  a.expires = expires_ms;
  a.category = 10;
  return Event{std::make_shared<const Auction>(std::move(a))};
}

}  // namespace

TEST_CASE("a winning bid that arrived before its auction counts after earlier early bids expired") {
  // Auction 1 starts at 2.5 s (epoch 2). Its bid at 1.1 s (epoch 1) is too early and is
  // dropped once the frontier passes epoch 1; its bid at 3.1 s (epoch 3) arrives before
  // the auction, and still counts. Auction 2 closes at epoch 1: its row tells the source
  // that epoch 1's notification ran before it sends auction 1.
  Dataflow flow("early");
  const EventClock clock{Millis(1000), Millis(0)};
  auto notified = std::make_shared<std::atomic<bool>>(false);
  OperatorBuilder b(flow, "script");
  auto [out, in] = b.add_output<Timed<Event>>();
  b.build([out, notified](OperatorContext& ctx) {
    Capability cap = ctx.take_initial_capability();
    cap.downgrade(1);
    return [out, notified, cap = std::move(cap), step = 0](OperatorContext& ctx) mutable {
      if (!cap) return;
      auto output = ctx.output(out);
      if (step++ == 0) {
        output.session(cap).give(timed(auction_event(2, 1000, 1500)));
        output.session(cap).give(timed(bid_event(2, 7, 1200)));
        output.session(cap).give(timed(bid_event(1, 900, 1100)));
        output.session(cap.delayed(3)).give(timed(bid_event(1, 50, 3100)));
        cap.downgrade(2);
        ctx.activate();
      } else if (!notified->load()) {
        ctx.activate();  // until auction 2's row shows epoch 1 was notified
      } else {
        output.session(cap).give(timed(auction_event(1, 2500, 4000)));
        cap.drop();
      }
    };
  });
  auto winners = winning_bids("winners", in, clock);
  TestingSink<WinningBid> sink;
  op::output("out",
             op::inspect("seen", winners,
                         [notified](const WinningBid& w) {
                           if (w.bid.auction == 2) notified->store(true);
                         }),
             sink);
  run(flow, RunConfig{});
  std::vector<std::pair<std::int64_t, std::int64_t>> got;
  for (const auto& r : sink.records()) got.emplace_back(r.value.bid.auction, r.value.bid.price);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 50}, {2, 7}});
}

TEST_CASE("a batch's records of one key go on as spans; late and earlier records one by one") {
  // One batch at epoch 1 (20 s epochs: it starts at 20 s), gap 10 s. Key 1's three
  // times form one span; key 2's third time is 12 s after its first, so it starts a
  // second span; key 4's two records share a time. Key 3's record is before the
  // epoch starts and key 1's record at 25 s is marked late: both go on as they came.
  Dataflow flow("spans");
  const EventClock clock{Millis(20'000), Millis(0)};
  using In = std::pair<std::int64_t, Timed<char>>;
  const auto at = [](std::int64_t key, std::int64_t ms, bool late = false) {
    return In(key, Timed<char>{'x', at_ms(ms), late});
  };
  const std::vector<In> script = {at(1, 20'000), at(2, 21'000),       at(1, 20'100), at(3, 19'000),
                                  at(2, 21'500), at(1, 25'000, true), at(4, 22'000), at(1, 20'200),
                                  at(2, 33'000), at(4, 22'000)};
  OperatorBuilder b(flow, "script");
  auto [out, in] = b.add_output<In>();
  b.build([out, script](OperatorContext& ctx) {
    Capability cap = ctx.take_initial_capability();
    cap.downgrade(1);
    return [out, script, cap = std::move(cap)](OperatorContext& ctx) mutable {
      if (!cap) return;
      auto session = ctx.output(out).session(cap);
      for (const In& r : script) session.give(r);
      cap.drop();
    };
  });
  TestingSink<std::pair<std::int64_t, Timed<std::uint64_t>>> sink;
  op::output("out", count_spans_of_batch("spans", in, clock, Millis(10'000)), sink);
  run(flow, RunConfig{});
  // (key, ms, count, late)
  using Row = std::tuple<std::int64_t, std::int64_t, std::uint64_t, bool>;
  std::vector<Row> got;
  for (const auto& r : sink.records()) {
    CHECK(r.epoch == 1);
    const auto& [key, t] = r.value;
    got.emplace_back(key, ms_of(t.time), t.value, t.late);
  }
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<Row>{{1, 20'000, 2, false},
                                {1, 20'200, 1, false},
                                {1, 25'000, 1, true},
                                {2, 21'000, 1, false},
                                {2, 21'500, 1, false},
                                {2, 33'000, 1, false},
                                {3, 19'000, 1, false},
                                {4, 22'000, 2, false}});
}

TEST_CASE("an unknown query is refused by name") {
  GeneratorConfig g;
  g.events = 10;
  RowTally tally;
  CHECK_THROWS_WITH_AS(run_baseline("q6", g, tally), doctest::Contains("unknown query 'q6'"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(run_sluice("q12", g, RunConfig{}, window::EventClock{}, false),
                       doctest::Contains("unknown query 'q12'"), ConfigError);
}
