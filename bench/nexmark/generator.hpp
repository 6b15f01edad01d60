// The standard Nexmark event generator (Apache Beam's Nexmark, which the nexmark/nexmark
// project ports): event n is a pure function of n and the configuration, so any set of
// event numbers can be generated anywhere, in any order, and a generator resumes from
// an event number.
//
// Event n (id = first_event_id + n) is a person when id % 50 == 0, an auction when it
// is 1..3, else a bid (1:3:46). Its time is base_time + n * delay_us / 1000, where
// delay_us = round(10^6 / rate) * generators. Every random field is drawn, in Beam's
// order, from a java.util.Random seeded with the event's id (java_random.hpp); ids,
// hot sellers, bidders and auctions, in-flight auctions, active people, prices,
// strings and auction lengths follow Beam's rules and defaults. Differences, all
// decisions of ours:
//   - `extra` (padding to the average event sizes) is not generated: no output format
//     has it, and it is drawn last, so skipping it changes no other field;
//   - a bid's channel is drawn after its price, in place of `extra`, by the rule of
//     the nexmark/nexmark versions that have channels (one of 4 hot channels with
//     probability 1/2, else one of 10,000), but from the event's own Random, and a
//     channel's url is a function of the channel (channel_url), so both are
//     reproducible (nexmark/nexmark draws them from an unseeded Random);
//   - one serial timeline (generators = 1 by default): Beam splits its stream into 100
//     generators that each restart at base_time; sluice's partitions instead take
//     interleaved event numbers of one timeline (NexmarkSource), so every worker's
//     event time advances at the same pace. `generators` = 100 reproduces Beam's
//     unsplit reference stream (its model simulators' input).
// Thread-safe: make_event is a pure function.
#pragma once

#include <cstdint>
#include <string>

#include "model.hpp"

namespace sluice::nexmark {

// 2015-07-15T00:00:00Z in ms since the Unix epoch.
inline constexpr std::int64_t kBaseTime = 1'436'918'400'000;

struct GeneratorConfig {
  std::uint64_t events = 10'000'000;  // event numbers 0 .. events - 1
  std::int64_t base_time = kBaseTime;
  std::int64_t rate = 10'000;  // events per second of event time
  std::int64_t generators = 1;
  std::int64_t first_event_id = 0;
  std::uint64_t seed = 0;  // 0: Beam's stream; else each event's Random also mixes it in
  std::int64_t active_people = 1000;
  std::int64_t in_flight_auctions = 100;
  std::int32_t hot_auction_ratio = 2;
  std::int32_t hot_sellers_ratio = 4;
  std::int32_t hot_bidders_ratio = 4;

  // Throws ConfigError naming the field for a value the generator cannot use.
  void validate() const;
  std::int64_t delay_us() const { return ((1'000'000 + rate / 2) / rate) * generators; }
  // The event time of event number n.
  std::int64_t timestamp(std::uint64_t n) const {
    return base_time + static_cast<std::int64_t>(n) * delay_us() / 1000;
  }
};

enum class EventKind { person, auction, bid };
// The kind of event number n.
inline EventKind kind_of(const GeneratorConfig& c, std::uint64_t n) {
  const std::int64_t rem = (c.first_event_id + static_cast<std::int64_t>(n)) % 50;
  return rem == 0 ? EventKind::person : rem < 4 ? EventKind::auction : EventKind::bid;
}

// A set of event kinds (a source can skip the kinds a query never reads: they are
// then not generated at all; the other events keep their numbers and times).
enum KindSet : unsigned { kPeople = 1U, kAuctions = 2U, kBids = 4U, kAllKinds = 7U };
inline bool has_kind(unsigned kinds, EventKind k) {
  return (kinds & (1U << static_cast<unsigned>(k))) != 0;
}

Event make_event(const GeneratorConfig& config, std::uint64_t n);
// The parts, for callers that know the kind (kind_of) and want no Event around them.
Person make_person(const GeneratorConfig& config, std::uint64_t n);
Auction make_auction(const GeneratorConfig& config, std::uint64_t n);
Bid make_bid(const GeneratorConfig& config, std::uint64_t n);
// make_bid, written in place: a batch of bids is filled field by field where it lives.
// (A returned Bid is copied into a vector with 16-byte moves that read the callee's
// 8-byte stores back before they retire, a store-forwarding stall per bid.)
void fill_bid(const GeneratorConfig& config, std::uint64_t n, Bid& out);

// The dump format (--dump-events), one line without its '\n':
//   P,id,name,email,credit_card,city,state,date_time
//   A,id,item_name,description,initial_bid,reserve,date_time,expires,seller,category
//   B,auction,bidder,price,channel,url,date_time
void append_event_line(std::string& out, const Event& e);

}  // namespace sluice::nexmark
