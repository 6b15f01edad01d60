// Tests for the Nexmark generator: java.util.Random's sequence, the events against a
// JDK-made reference (data/nexmark_reference_events.txt), the id and time rules, and
// the source's partitions (disjoint, complete, resumable).
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "generator.hpp"
#include "java_random.hpp"
#include "source.hpp"

using namespace sluice;
using namespace sluice::nexmark;

TEST_CASE("java random reproduces the JDK's sequences") {
  CHECK(JavaRandom(42).next_int() == -1170105035);
  CHECK(JavaRandom(0).next_int() == -1155484576);
  CHECK(JavaRandom(0).next_double() == 0.730967787376657);
  CHECK(JavaRandom(42).next_long() == -5025562857975149833LL);
  CHECK(JavaRandom(42).next_int(10) == 0);
  CHECK(JavaRandom(0).next_int(100) == 60);
}

namespace {
std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) out.push_back(field);
  return out;
}
}  // namespace

TEST_CASE("the generator makes Beam's reference events field for field") {
  std::ifstream in("data/nexmark_reference_events.txt");
  REQUIRE_MESSAGE(in.good(), "run from tests/bench (meson test sets the workdir)");
  GeneratorConfig beam;  // Beam's unsplit stream: 100 generators, so events 10 ms apart
  beam.generators = 100;
  beam.events = 1000;
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = split(line, '|');
    const auto n = static_cast<std::uint64_t>(std::stoll(f[1]));
    CAPTURE(line);
    CHECK(beam.timestamp(n) == std::stoll(f[2]));
    if (f[0] == "P") {
      REQUIRE(kind_of(beam, n) == EventKind::person);
      const Person p = make_person(beam, n);
      CHECK(p.id == std::stoll(f[3]));
      CHECK(p.name == f[4]);
      CHECK(p.email == f[5]);
      CHECK(p.credit_card == f[6]);
      CHECK(p.city == f[7]);
      CHECK(p.state == f[8]);
      CHECK(p.date_time == std::stoll(f[2]));
    } else if (f[0] == "A") {
      REQUIRE(kind_of(beam, n) == EventKind::auction);
      const Auction a = make_auction(beam, n);
      CHECK(a.id == std::stoll(f[3]));
      CHECK(a.item_name == f[4]);
      CHECK(a.description == f[5]);
      CHECK(a.initial_bid == std::stoll(f[6]));
      CHECK(a.reserve == std::stoll(f[7]));
      CHECK(a.expires == std::stoll(f[8]));
      CHECK(a.seller == std::stoll(f[9]));
      CHECK(a.category == std::stoll(f[10]));
    } else {
      REQUIRE(kind_of(beam, n) == EventKind::bid);
      const Bid b = make_bid(beam, n);
      CHECK(b.auction == std::stoll(f[3]));
      CHECK(b.bidder == std::stoll(f[4]));
      CHECK(b.price == std::stoll(f[5]));
    }
    ++checked;
  }
  CHECK(checked == 60);
}

TEST_CASE("events keep Nexmark's proportions, id ranges and time spacing") {
  GeneratorConfig c;
  c.events = 50'000;
  std::int64_t people = 0, auctions = 0, bids = 0, last_person = 999, last_auction = 999;
  for (std::uint64_t n = 0; n < c.events; ++n) {
    const Event e = make_event(c, n);
    CHECK(e.date_time() == kBaseTime + static_cast<std::int64_t>(n) / 10);  // 10,000 per second
    if (const Person* p = e.person()) {
      ++people;
      CHECK(p->id == last_person + 1);
      last_person = p->id;
    } else if (const Auction* a = e.auction()) {
      ++auctions;
      CHECK(a->id == last_auction + 1);
      last_auction = a->id;
      CHECK(a->category >= 10);
      CHECK(a->category <= 14);
      CHECK(a->expires > a->date_time);
      CHECK(a->seller <= last_person + 10);  // up to PERSON_ID_LEAD ahead
      CHECK(a->reserve >= a->initial_bid);
    } else {
      const Bid* b = e.bid();
      ++bids;
      CHECK(b->price >= 100);
      CHECK(b->price <= 100'000'000);
      CHECK(b->auction <= last_auction + 10);
      CHECK(b->bidder <= last_person + 10);
      CHECK(b->channel >= 0);
      CHECK(b->channel < 4 + 10'000);
    }
  }
  CHECK(people == 1'000);
  CHECK(auctions == 3'000);
  CHECK(bids == 46'000);
}

TEST_CASE("a dumped event line has the documented fields and no stray commas") {
  GeneratorConfig c;
  c.events = 200;
  for (std::uint64_t n = 0; n < c.events; ++n) {
    std::string line;
    const Event e = make_event(c, n);
    append_event_line(line, e);
    const auto f = split(line, ',');
    CAPTURE(line);
    if (e.person() != nullptr) {
      CHECK(f.size() == 8);
      CHECK(f[0] == "P");
    } else if (e.auction() != nullptr) {
      CHECK(f.size() == 10);
      CHECK(f[0] == "A");
    } else {
      REQUIRE(f.size() == 7);
      CHECK(f[0] == "B");
      CHECK(f[5].rfind("https://www.nexmark.com/", 0) == 0);
      CHECK(std::stoll(f[6]) == e.date_time());
    }
  }
}

TEST_CASE("the source's partitions make every event once, and resume where they stopped") {
  for (std::uint32_t workers : {1u, 2u, 3u}) {
    CAPTURE(workers);
    GeneratorConfig c;
    c.events = 10'007;
    NexmarkSource source(c, kAllKinds, 1, 97);
    const auto parts = source.list_parts(workers);
    REQUIRE(parts.size() == workers);
    REQUIRE(std::is_sorted(parts.begin(), parts.end()));
    std::multiset<std::int64_t> times;
    std::uint64_t made = 0;
    for (const std::string& name : parts) {
      auto part = source.build_part("nexmark.events", name, std::nullopt);
      std::vector<Event> batch;
      std::int64_t last = 0;
      bool more = true;
      int batches = 0;
      while (more) {
        batch.clear();
        more = part->next_batch(batch);
        for (const Event& e : batch) {
          CHECK(e.date_time() >= last);  // each partition is in time order
          last = e.date_time();
          times.insert(e.date_time());
        }
        made += batch.size();
        // Halfway, restart the partition from its snapshot: it goes on, not over.
        if (++batches == 3 && more)
          part = source.build_part("nexmark.events", name, part->snapshot());
      }
    }
    CHECK(made == c.events);
    std::multiset<std::int64_t> expected;
    for (std::uint64_t n = 0; n < c.events; ++n) expected.insert(c.timestamp(n));
    CHECK(times == expected);
  }
}

TEST_CASE("bad generator settings and partition states are refused with what to fix") {
  GeneratorConfig c;
  c.rate = 0;
  CHECK_THROWS_WITH_AS(c.validate(), doctest::Contains("event rate must be positive"), ConfigError);
  GeneratorConfig ok;
  NexmarkSource source(ok);
  CHECK_THROWS_WITH_AS(source.build_part("nexmark.events", "nope", std::nullopt),
                       doctest::Contains("not a nexmark partition name"), ConfigError);
  const auto parts = source.list_parts(2);
  CHECK_THROWS_WITH_AS(source.build_part("nexmark.events", parts[0], std::string("x1")),
                       doctest::Contains("is not an event number"), ConfigError);
  CHECK_THROWS_WITH_AS(source.build_part("nexmark.events", parts[0], std::string("7")),
                       doctest::Contains("is not an event of partition"), ConfigError);
}

TEST_CASE("a source that skips kinds makes exactly the other events, numbered as before") {
  GeneratorConfig c;
  c.events = 5'003;
  for (unsigned kinds : {unsigned{kBids}, unsigned{kPeople | kAuctions}, unsigned{kAuctions}}) {
    CAPTURE(kinds);
    NexmarkSource source(c, kinds, 1, 64);
    std::vector<std::string> got, want;
    for (const std::string& name : source.list_parts(2)) {
      auto part = source.build_part("nexmark.events", name, std::nullopt);
      std::vector<Event> batch;
      for (bool more = true; more;) {
        batch.clear();
        more = part->next_batch(batch);
        for (const Event& e : batch) {
          std::string line;
          append_event_line(line, e);
          got.push_back(line);
        }
      }
    }
    for (std::uint64_t n = 0; n < c.events; ++n) {
      if (!has_kind(kinds, kind_of(c, n))) continue;
      std::string line;
      append_event_line(line, make_event(c, n));
      want.push_back(line);
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}
