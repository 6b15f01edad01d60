#include "rows.hpp"

#include <charconv>
#include <cstdio>

#include "generator.hpp"

namespace sluice::nexmark {
namespace {

void num(std::string& out, std::int64_t v, bool comma = true) {
  if (comma) out += ',';
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(end - buf));
}
void text(std::string& out, const std::string& s, bool comma = true) {
  if (comma) out += ',';
  out += s;
}

}  // namespace

void append_row(std::string& out, const Event& e) {
  append_event_line(out, e);
}

void append_row(std::string& out, const Q1Row& r) {
  num(out, r.auction, false);
  num(out, r.bidder);
  // Thousandths as a decimal with three places: 11209260 -> 11209.260.
  char buf[32];
  const std::int64_t whole = r.price_milli_eur / 1000, frac = r.price_milli_eur % 1000;
  std::snprintf(buf, sizeof buf, ",%lld.%03lld", static_cast<long long>(whole),
                static_cast<long long>(frac));
  out += buf;
  num(out, r.date_time);
}
void append_row(std::string& out, const Q2Row& r) {
  num(out, r.auction, false);
  num(out, r.price);
}
void append_row(std::string& out, const Q3Row& r) {
  text(out, r.name, false);
  text(out, r.city);
  text(out, r.state);
  num(out, r.auction);
}
void append_row(std::string& out, const Q4Row& r) {
  num(out, r.category, false);
  num(out, r.average);
}
void append_row(std::string& out, const Q5Row& r) {
  num(out, r.window_start, false);
  num(out, r.window_end);
  num(out, r.auction);
  num(out, r.count);
}
void append_row(std::string& out, const Q7Row& r) {
  num(out, r.window_start, false);
  num(out, r.window_end);
  num(out, r.bid.auction);
  num(out, r.bid.bidder);
  num(out, r.bid.price);
  num(out, r.bid.date_time);
}
void append_row(std::string& out, const Q8Row& r) {
  num(out, r.window_start, false);
  num(out, r.window_end);
  num(out, r.person);
  text(out, r.name);
}
void append_row(std::string& out, const Q9Row& r) {
  num(out, r.bid.auction, false);
  num(out, r.bid.bidder);
  num(out, r.bid.price);
  num(out, r.bid.date_time);
}
void append_row(std::string& out, const Q11Row& r) {
  num(out, r.bidder, false);
  num(out, r.count);
  num(out, r.session_start);
  num(out, r.session_end);
}

}  // namespace sluice::nexmark
