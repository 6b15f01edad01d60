// The Nexmark generator's rules (see generator.hpp): Beam's draw order, call for call.
#include "generator.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <sluice/engine/error.hpp>
#include <sluice/engine/key_hash.hpp>

#include "java_random.hpp"

namespace sluice::nexmark {
namespace {

constexpr std::int64_t kFirstPersonId = 1000;
constexpr std::int64_t kFirstAuctionId = 1000;
constexpr std::int64_t kFirstCategoryId = 10;
constexpr std::int64_t kCategories = 5;
constexpr std::int64_t kPersonIdLead = 10;
constexpr std::int64_t kAuctionIdLead = 10;
constexpr std::int64_t kHotBatch = 100;  // which seller/auction/bidder is "hot"
constexpr std::int64_t kProportionTotal = 50;
constexpr std::int64_t kAuctionProportion = 3;

constexpr std::array<std::string_view, 6> kStates = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::array<std::string_view, 10> kCities = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
    "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr std::array<std::string_view, 11> kFirstNames = {
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::array<std::string_view, 9> kLastNames = {
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
constexpr std::array<std::string_view, 4> kHotChannels = {"Google", "Facebook", "Baidu", "Apple"};
constexpr std::int32_t kChannels = 10'000;

// Uniform in [0, n) (Beam's LongGenerator.nextLong).
std::int64_t next_long(JavaRandom& r, std::int64_t n) {
  if (n < INT32_MAX) return r.next_int(static_cast<std::int32_t>(n));
  return std::llabs(r.next_long() % n);
}

// 3 to max - 1 characters, a space with probability 1/13 (Beam's nextString), then
// trimmed of spaces at both ends. `blank` replaces the space (urls use '_').
std::string next_string(JavaRandom& r, std::int32_t max, char blank = ' ') {
  const std::int32_t len = 3 + r.next_int(max - 3);
  char buf[128];  // max is at most 100
  for (std::int32_t i = 0; i < len; ++i) {
    buf[i] = r.next_int(13) == 0 ? blank : static_cast<char>('a' + r.next_int(26));
  }
  std::int32_t first = 0, last = len;
  if (blank == ' ') {
    while (first < last && buf[first] == ' ') ++first;
    while (last > first && buf[last - 1] == ' ') --last;
  }
  return std::string(buf + first, static_cast<std::size_t>(last - first));
}

// Cents in [100, 10^8], log-uniform (Beam's PriceGenerator: round(10^(6u) * 100)).
// 10^x is computed as exp(x ln 10), at less than half the cost of pow(10, x): on 2 * 10^7
// sampled draws the rounded prices were all the same as with pow (they can differ only
// when 10^(6u) * 100 lies within an ulp or two of a half; Java's Math.pow itself may be
// an ulp off). Rounding is Java's Math.round for positives, without a libm call: the
// fraction v - trunc(v) is exact below 2^52.
std::int64_t next_price(JavaRandom& r) {
  constexpr double kLn10 = 2.302585092994045684;
  const double v = std::exp(r.next_double() * 6.0 * kLn10) * 100.0;
  auto whole = static_cast<std::int64_t>(v);
  if (v - static_cast<double>(whole) >= 0.5) ++whole;
  return whole;
}

std::int64_t last_base0_person_id(std::int64_t id) {
  return id / kProportionTotal;  // one person per 50 events, at offset 0
}
std::int64_t last_base0_auction_id(std::int64_t id) {
  std::int64_t epoch = id / kProportionTotal;
  std::int64_t offset = id % kProportionTotal;
  if (offset < 1) {
    epoch -= 1;
    offset = kAuctionProportion - 1;
  } else if (offset >= 1 + kAuctionProportion) {
    offset = kAuctionProportion - 1;
  } else {
    offset -= 1;
  }
  return epoch * kAuctionProportion + offset;
}
std::int64_t next_base0_person_id(const GeneratorConfig& c, std::int64_t id, JavaRandom& r) {
  const std::int64_t people = last_base0_person_id(id) + 1;
  const std::int64_t active = std::min(people, c.active_people);
  return people - active + next_long(r, active + kPersonIdLead);
}
std::int64_t next_base0_auction_id(const GeneratorConfig& c, std::int64_t id, JavaRandom& r) {
  const std::int64_t max = last_base0_auction_id(id);
  const std::int64_t min = std::max<std::int64_t>(max - c.in_flight_auctions, 0);
  return min + next_long(r, max - min + 1 + kAuctionIdLead);
}

std::int64_t event_id(const GeneratorConfig& c, std::uint64_t n) {
  return c.first_event_id + static_cast<std::int64_t>(n);
}
// The event's Random: seeded with its id (Beam), or with the id mixed with a nonzero
// seed (another stream of the same shape).
JavaRandom random_for(const GeneratorConfig& c, std::int64_t id) {
  if (c.seed == 0) return JavaRandom(id);
  return JavaRandom(id ^ static_cast<std::int64_t>(mix64(c.seed)));
}

// A hot id with probability 1 - 1/ratio (hot(), no further draw), else other(r).
template <class Hot, class Other>
std::int64_t hot_or(JavaRandom& r, std::int32_t ratio, Hot&& hot, Other&& other) {
  return r.next_int(ratio) > 0 ? hot() : other(r);
}
std::int64_t hot_of(std::int64_t base0_id) {
  return (base0_id / kHotBatch) * kHotBatch;
}

// Integer.reverse: the bits of v in reverse order.
std::int32_t reverse_bits(std::int32_t v) {
  auto x = static_cast<std::uint32_t>(v);
  std::uint32_t out = 0;
  for (int i = 0; i < 32; ++i, x >>= 1) out = (out << 1) | (x & 1U);
  return static_cast<std::int32_t>(out);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace

void GeneratorConfig::validate() const {
  const auto positive = [](std::int64_t v, const char* what) {
    if (v <= 0) {
      throw ConfigError(std::string("nexmark generator: ") + what + " must be positive (got " +
                        std::to_string(v) + ")");
    }
  };
  positive(rate, "the event rate");
  positive(generators, "the generator count");
  positive(active_people, "the number of active people");
  positive(in_flight_auctions, "the number of in-flight auctions");
  positive(hot_auction_ratio, "the hot auction ratio");
  positive(hot_sellers_ratio, "the hot sellers ratio");
  positive(hot_bidders_ratio, "the hot bidders ratio");
  if (first_event_id < 0) throw ConfigError("nexmark generator: the first event id must be >= 0");
  if (rate > 1'000'000) {
    throw ConfigError("nexmark generator: the event rate must be at most 10^6 per second (got " +
                      std::to_string(rate) + ")");
  }
}

Person make_person(const GeneratorConfig& c, std::uint64_t n) {
  const std::int64_t id = event_id(c, n);
  JavaRandom r = random_for(c, id);
  Person p;
  p.id = last_base0_person_id(id) + kFirstPersonId;
  p.name = kFirstNames[static_cast<std::size_t>(r.next_int(11))];
  p.name += ' ';
  p.name += kLastNames[static_cast<std::size_t>(r.next_int(9))];
  // Two statements: the draws must happen in this order (the operands of + are
  // unsequenced).
  p.email = next_string(r, 7);
  p.email += '@';
  p.email += next_string(r, 5);
  p.email += ".com";
  // Four groups of four digits (Java's %04d), drawn in order.
  p.credit_card.assign(19, ' ');
  for (int group = 0; group < 4; ++group) {
    int v = r.next_int(10000);
    for (int digit = 3; digit >= 0; --digit, v /= 10) {
      p.credit_card[static_cast<std::size_t>(group * 5 + digit)] = static_cast<char>('0' + v % 10);
    }
  }
  p.city = kCities[static_cast<std::size_t>(r.next_int(10))];
  p.state = kStates[static_cast<std::size_t>(r.next_int(6))];
  p.date_time = c.timestamp(n);
  return p;
}

Auction make_auction(const GeneratorConfig& c, std::uint64_t n) {
  const std::int64_t id = event_id(c, n);
  JavaRandom r = random_for(c, id);
  Auction a;
  a.id = last_base0_auction_id(id) + kFirstAuctionId;
  const auto next_person = [&](JavaRandom& rr) { return next_base0_person_id(c, id, rr); };
  a.seller = kFirstPersonId + hot_or(
                                  r, c.hot_sellers_ratio,
                                  [&] { return hot_of(last_base0_person_id(id)); }, next_person);
  a.category = kFirstCategoryId + r.next_int(static_cast<std::int32_t>(kCategories));
  a.initial_bid = next_price(r);
  a.date_time = c.timestamp(n);
  // Auctions last about as long as it takes to generate in_flight_auctions more.
  const std::int64_t ahead = (c.in_flight_auctions * kProportionTotal) / kAuctionProportion;
  const std::int64_t horizon = c.timestamp(n + static_cast<std::uint64_t>(ahead)) - a.date_time;
  a.expires = a.date_time + 1 + next_long(r, std::max<std::int64_t>(horizon * 2, 1));
  a.item_name = next_string(r, 20);
  a.description = next_string(r, 100);
  a.reserve = a.initial_bid + next_price(r);
  return a;
}

Bid make_bid(const GeneratorConfig& c, std::uint64_t n) {
  Bid b;
  fill_bid(c, n, b);
  return b;
}

void fill_bid(const GeneratorConfig& c, std::uint64_t n, Bid& b) {
  const std::int64_t id = event_id(c, n);
  JavaRandom r = random_for(c, id);
  b.auction = kFirstAuctionId +
              hot_or(
                  r, c.hot_auction_ratio, [&] { return hot_of(last_base0_auction_id(id)); },
                  [&](JavaRandom& rr) { return next_base0_auction_id(c, id, rr); });
  b.bidder = kFirstPersonId + hot_or(
                                  r, c.hot_bidders_ratio,
                                  [&] { return hot_of(last_base0_person_id(id)) + 1; },
                                  [&](JavaRandom& rr) { return next_base0_person_id(c, id, rr); });
  b.price = next_price(r);
  b.channel = r.next_int(2) > 0
                  ? r.next_int(static_cast<std::int32_t>(kHotChannels.size()))
                  : static_cast<std::int32_t>(kHotChannels.size()) + r.next_int(kChannels);
  b.date_time = c.timestamp(n);
}

Event make_event(const GeneratorConfig& c, std::uint64_t n) {
  switch (kind_of(c, n)) {
    case EventKind::person:
      return Event{std::make_shared<const Person>(make_person(c, n))};
    case EventKind::auction:
      return Event{std::make_shared<const Auction>(make_auction(c, n))};
    case EventKind::bid:
      break;
  }
  return Event{make_bid(c, n)};
}

std::string channel_name(std::int32_t channel) {
  const auto hot = static_cast<std::int32_t>(kHotChannels.size());
  if (channel >= 0 && channel < hot)
    return std::string(kHotChannels[static_cast<std::size_t>(channel)]);
  return "channel-" + std::to_string(channel - hot);
}

// "https://www.nexmark.com/<a>/<b>/<c>/item.htm?query=1", the three parts drawn as
// nexmark/nexmark draws them (nextString(5), '_' for blanks) but from a Random seeded
// with the channel; other than hot channels add "&channel_id=<|reverse(n)|>".
std::string channel_url(std::int32_t channel) {
  JavaRandom r(channel);
  std::string url = "https://www.nexmark.com/";
  url += next_string(r, 5, '_');
  url += '/';
  url += next_string(r, 5, '_');
  url += '/';
  url += next_string(r, 5, '_');
  url += "/item.htm?query=1";
  const auto hot = static_cast<std::int32_t>(kHotChannels.size());
  if (channel >= hot) {
    url += "&channel_id=";
    append_int(url, std::llabs(static_cast<std::int64_t>(reverse_bits(channel - hot))));
  }
  return url;
}

void append_event_line(std::string& out, const Event& e) {
  const auto field = [&](std::int64_t v) {
    out += ',';
    append_int(out, v);
  };
  const auto text = [&](const std::string& s) {
    out += ',';
    out += s;
  };
  if (const Bid* b = e.bid()) {
    out += 'B';
    field(b->auction);
    field(b->bidder);
    field(b->price);
    text(channel_name(b->channel));
    text(channel_url(b->channel));
    field(b->date_time);
  } else if (const Person* p = e.person()) {
    out += 'P';
    field(p->id);
    text(p->name);
    text(p->email);
    text(p->credit_card);
    text(p->city);
    text(p->state);
    field(p->date_time);
  } else {
    const Auction* a = e.auction();
    out += 'A';
    field(a->id);
    text(a->item_name);
    text(a->description);
    field(a->initial_bid);
    field(a->reserve);
    field(a->date_time);
    field(a->expires);
    field(a->seller);
    field(a->category);
  }
}

}  // namespace sluice::nexmark
