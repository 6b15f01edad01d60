// The Nexmark data model: people, auctions and bids, and the event that carries one
// of them. Times are milliseconds since the Unix epoch; prices are in cents.
//
// Decision: bids are 92% of the events, so an Event holds a Bid inline (40 bytes) and
// a person or an auction behind a shared pointer to an immutable value (they carry
// strings). An Event is 48 bytes, cheap to move through batches and exchanges; a
// person or auction shared by two consumers of a stream is not copied.
//
// A bid's channel is a small number (the url is a function of it, see channel_name()
// and channel_url()), so a bid has no strings.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

namespace sluice::nexmark {

struct Person {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string credit_card;
  std::string city;
  std::string state;
  std::int64_t date_time = 0;
  bool operator==(const Person&) const = default;
  template <class Archive>
  void serialize(Archive& a) {
    a(id, name, email, credit_card, city, state, date_time);
  }
};

struct Auction {
  std::int64_t id = 0;
  std::string item_name;
  std::string description;
  std::int64_t initial_bid = 0;
  std::int64_t reserve = 0;
  std::int64_t date_time = 0;
  std::int64_t expires = 0;
  std::int64_t seller = 0;
  std::int64_t category = 0;
  bool operator==(const Auction&) const = default;
  template <class Archive>
  void serialize(Archive& a) {
    a(id, item_name, description, initial_bid, reserve, date_time, expires, seller, category);
  }
};

struct Bid {
  std::int64_t auction = 0;
  std::int64_t bidder = 0;
  std::int64_t price = 0;
  std::int64_t date_time = 0;
  // 0-3: the hot channels (Google, Facebook, Baidu, Apple); 4 + n: "channel-<n>".
  std::int32_t channel = 0;
  bool operator==(const Bid&) const = default;
  template <class Archive>
  void serialize(Archive& a) {
    a(auction, bidder, price, date_time, channel);
  }
};

using PersonPtr = std::shared_ptr<const Person>;
using AuctionPtr = std::shared_ptr<const Auction>;

struct Event {
  std::variant<Bid, PersonPtr, AuctionPtr> v;

  const Bid* bid() const { return std::get_if<Bid>(&v); }
  const Person* person() const {
    const PersonPtr* p = std::get_if<PersonPtr>(&v);
    return p != nullptr ? p->get() : nullptr;
  }
  const Auction* auction() const {
    const AuctionPtr* p = std::get_if<AuctionPtr>(&v);
    return p != nullptr ? p->get() : nullptr;
  }
  std::int64_t date_time() const {
    if (const Bid* b = bid()) return b->date_time;
    if (const Person* p = person()) return p->date_time;
    return auction()->date_time;
  }
};

// A bid channel's name and url (deterministic; see generator.cpp).
std::string channel_name(std::int32_t channel);
std::string channel_url(std::int32_t channel);

}  // namespace sluice::nexmark
