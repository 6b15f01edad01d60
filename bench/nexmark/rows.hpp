// The result rows of the Nexmark queries, shared by the sluice queries and their
// baselines, with their --output line format (one row per line, any order; windows
// are half-open [start, end) in ms, aligned to the Unix epoch) and a hash for the
// benchmark's order-independent checksum.
//   q0  the event, in the --dump-events format
//   q1  auction,bidder,price_eur,date_time        price_eur = price x 0.908, 3 decimals
//   q2  auction,price                             bids with auction % 123 == 0
//   q3  name,city,state,auction_id
//   q4  category,average                          the last row per category is final
//   q5  window_start,window_end,auction,count
//   q7  window_start,window_end,auction,bidder,price,date_time
//   q8  window_start,window_end,person_id,name
//   q9  auction,bidder,price,date_time
//   q11 bidder,count,session_start,session_end
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include <sluice/engine/key_hash.hpp>

#include "model.hpp"

namespace sluice::nexmark {

struct Q1Row {
  std::int64_t auction, bidder;
  std::int64_t price_milli_eur;  // price x 908: the euros in thousandths, exactly
  std::int64_t date_time;
};
struct Q2Row {
  std::int64_t auction, price;
};
struct Q3Row {
  std::string name, city, state;
  std::int64_t auction;
};
struct Q4Row {
  std::int64_t category, average;
};
struct Q5Row {
  std::int64_t window_start, window_end, auction, count;
};
struct Q7Row {
  std::int64_t window_start, window_end;
  Bid bid;
};
struct Q8Row {
  std::int64_t window_start, window_end, person;
  std::string name;
};
struct Q9Row {
  Bid bid;
};
struct Q11Row {
  std::int64_t bidder, count, session_start, session_end;
};

// The --output line of a row, without its '\n'.
void append_row(std::string& out, const Event& e);
void append_row(std::string& out, const Q1Row& r);
void append_row(std::string& out, const Q2Row& r);
void append_row(std::string& out, const Q3Row& r);
void append_row(std::string& out, const Q4Row& r);
void append_row(std::string& out, const Q5Row& r);
void append_row(std::string& out, const Q7Row& r);
void append_row(std::string& out, const Q8Row& r);
void append_row(std::string& out, const Q9Row& r);
void append_row(std::string& out, const Q11Row& r);

// A hash of the row's fields (stable, for checksums that ignore the order of rows).
template <class Row>
std::uint64_t row_hash(const Row& r) {
  std::string line;
  append_row(line, r);
  return hash_key(line);
}
// Without formatting: the row types that are plain numbers.
inline std::uint64_t mix_fields(std::initializer_list<std::int64_t> fields) {
  std::uint64_t h = 0x6A09E667F3BCC909ULL;
  for (std::int64_t f : fields)
    h = mix64(h ^ static_cast<std::uint64_t>(f)) + 0x9E3779B97F4A7C15ULL;
  return h;
}
inline std::uint64_t row_hash(const Bid& b) {
  return mix_fields({b.auction, b.bidder, b.price, b.date_time, b.channel});
}
inline std::uint64_t row_hash(const Q1Row& r) {
  return mix_fields({r.auction, r.bidder, r.price_milli_eur, r.date_time});
}
inline std::uint64_t row_hash(const Q2Row& r) {
  return mix_fields({r.auction, r.price});
}
inline std::uint64_t row_hash(const Q5Row& r) {
  return mix_fields({r.window_start, r.window_end, r.auction, r.count});
}
inline std::uint64_t row_hash(const Q9Row& r) {
  return row_hash(r.bid);
}
inline std::uint64_t row_hash(const Q4Row& r) {
  return mix_fields({r.category, r.average});
}
inline std::uint64_t row_hash(const Q7Row& r) {
  return mix_fields(
      {r.window_start, r.window_end, r.bid.auction, r.bid.bidder, r.bid.price, r.bid.date_time});
}
// q0: an event by its fields (strings by their hash).
inline std::uint64_t row_hash(const Event& e) {
  if (const Bid* b = e.bid()) return row_hash(*b);
  const auto h = [](const std::string& s) { return static_cast<std::int64_t>(hash_key(s)); };
  if (const Person* p = e.person()) {
    return mix_fields(
        {p->id, h(p->name), h(p->email), h(p->credit_card), h(p->city), h(p->state), p->date_time});
  }
  const Auction* a = e.auction();
  return mix_fields({a->id, h(a->item_name), h(a->description), a->initial_bid, a->reserve,
                     a->date_time, a->expires, a->seller, a->category});
}
inline std::uint64_t row_hash(const Q11Row& r) {
  return mix_fields({r.bidder, r.count, r.session_start, r.session_end});
}

}  // namespace sluice::nexmark
