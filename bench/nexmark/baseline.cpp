// The baselines (see baseline.hpp). Events come in event-number order, which is time
// order, so a window or an auction is complete once an event's time passes its end.
#include "baseline.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <sluice/engine/error.hpp>
#include <sluice/windowing/windower.hpp>

namespace sluice::nexmark {
namespace {

using window::detail::floor_div;

constexpr std::int64_t kWindow = 10'000;  // q5, q7, q8: 10 s windows; q11: 10 s gap
constexpr std::int64_t kSlide = 2'000;    // q5

template <class F>
void each_event(const GeneratorConfig& c, F&& f) {
  for (std::uint64_t n = 0; n < c.events; ++n) f(n, kind_of(c, n));
}

void q0(const GeneratorConfig& c, RowTally& out) {
  each_event(c, [&](std::uint64_t n, EventKind) { out(make_event(c, n)); });
}
void q1(const GeneratorConfig& c, RowTally& out) {
  each_event(c, [&](std::uint64_t n, EventKind k) {
    if (k != EventKind::bid) return;
    const Bid b = make_bid(c, n);
    out(Q1Row{b.auction, b.bidder, b.price * 908, b.date_time});
  });
}
void q2(const GeneratorConfig& c, RowTally& out) {
  each_event(c, [&](std::uint64_t n, EventKind k) {
    if (k != EventKind::bid) return;
    const Bid b = make_bid(c, n);
    if (b.auction % 123 == 0) out(Q2Row{b.auction, b.price});
  });
}

void q3(const GeneratorConfig& c, RowTally& out) {
  std::unordered_map<std::int64_t, Person> people;                      // sellers in OR, ID, CA
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> waiting;  // seller -> auctions
  each_event(c, [&](std::uint64_t n, EventKind k) {
    if (k == EventKind::person) {
      Person p = make_person(c, n);
      if (p.state != "OR" && p.state != "ID" && p.state != "CA") return;
      if (auto it = waiting.find(p.id); it != waiting.end()) {
        for (std::int64_t a : it->second) out(Q3Row{p.name, p.city, p.state, a});
        waiting.erase(it);
      }
      people.emplace(p.id, std::move(p));
    } else if (k == EventKind::auction) {
      const Auction a = make_auction(c, n);
      if (a.category != 10) return;
      if (auto it = people.find(a.seller); it != people.end()) {
        out(Q3Row{it->second.name, it->second.city, it->second.state, a.id});
      } else {
        waiting[a.seller].push_back(a.id);
      }
    }
  });
}

// Winning bids (q4, q9): each auction's best bid with date_time in [date_time,
// expires], emitted once an event's time passes expires (or at the end).
template <class Emit>
void winning_bids(const GeneratorConfig& c, Emit&& emit) {
  struct Open {
    Auction auction;
    std::optional<Bid> best;
  };
  std::unordered_map<std::int64_t, Open> open;
  std::multimap<std::int64_t, std::int64_t> closing;              // expires -> auction
  std::unordered_map<std::int64_t, std::vector<Bid>> early;       // bids before their auction
  std::deque<std::pair<std::int64_t, std::int64_t>> early_order;  // (time, auction)
  const auto offer = [](Open& o, const Bid& b) {
    if (b.date_time < o.auction.date_time || b.date_time > o.auction.expires) return;
    const bool better = !o.best || b.price > o.best->price ||
                        (b.price == o.best->price &&
                         std::tie(b.date_time, b.bidder, b.channel) <
                             std::tie(o.best->date_time, o.best->bidder, o.best->channel));
    if (better) o.best = b;
  };
  const auto close = [&](std::int64_t id) {
    auto it = open.find(id);
    if (it->second.best) emit(it->second.auction, *it->second.best);
    open.erase(it);
  };
  each_event(c, [&](std::uint64_t n, EventKind k) {
    const std::int64_t t = c.timestamp(n);
    while (!closing.empty() && closing.begin()->first < t) {
      close(closing.begin()->second);
      closing.erase(closing.begin());
    }
    // An early bid counts only if its auction comes at its very millisecond.
    while (!early_order.empty() && early_order.front().first < t) {
      auto it = early.find(early_order.front().second);
      if (it != early.end()) {
        auto& bids = it->second;
        bids.erase(bids.begin(), std::find_if(bids.begin(), bids.end(),
                                              [&](const Bid& b) { return b.date_time >= t; }));
        if (bids.empty()) early.erase(it);
      }
      early_order.pop_front();
    }
    if (k == EventKind::bid) {
      const Bid b = make_bid(c, n);
      if (auto it = open.find(b.auction); it != open.end()) {
        offer(it->second, b);
      } else {
        early[b.auction].push_back(b);
        early_order.emplace_back(b.date_time, b.auction);
      }
    } else if (k == EventKind::auction) {
      Auction a = make_auction(c, n);
      const std::int64_t id = a.id, expires = a.expires;
      Open& o = open.emplace(id, Open{std::move(a), std::nullopt}).first->second;
      if (auto it = early.find(id); it != early.end()) {
        for (const Bid& b : it->second) offer(o, b);
        early.erase(it);
      }
      closing.emplace(expires, id);
    }
  });
  for (const auto& [expires, id] : closing) close(id);
}

void q4(const GeneratorConfig& c, RowTally& out) {
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> sums;  // category -> sum, n
  winning_bids(c, [&](const Auction& a, const Bid& b) {
    auto& [sum, count] = sums[a.category];
    sum += b.price;
    ++count;
    out(Q4Row{a.category, sum / count});
  });
}
void q9(const GeneratorConfig& c, RowTally& out) {
  winning_bids(c, [&](const Auction&, const Bid& b) { out(Q9Row{b}); });
}

// Windows keyed by start, closed (in start order) once an event's time reaches their end.
template <class State, class Close>
void close_windows(std::map<std::int64_t, State>& windows, std::int64_t length, std::int64_t t,
                   Close&& close) {
  while (!windows.empty() && windows.begin()->first + length <= t) {
    close(windows.begin()->first, windows.begin()->second);
    windows.erase(windows.begin());
  }
}

void q5(const GeneratorConfig& c, RowTally& out) {
  std::map<std::int64_t, std::unordered_map<std::int64_t, std::int64_t>> windows;
  const auto close = [&](std::int64_t start, const auto& counts) {
    std::int64_t max = 0;
    for (const auto& [auction, n] : counts) max = std::max(max, n);
    for (const auto& [auction, n] : counts) {
      if (n == max) out(Q5Row{start, start + kWindow, auction, n});
    }
  };
  each_event(c, [&](std::uint64_t n, EventKind k) {
    const std::int64_t t = c.timestamp(n);
    close_windows(windows, kWindow, t, close);
    if (k != EventKind::bid) return;
    const Bid b = make_bid(c, n);
    const std::int64_t last = floor_div(t, kSlide);
    for (std::int64_t w = floor_div(t - kWindow, kSlide) + 1; w <= last; ++w) {
      ++windows[w * kSlide][b.auction];
    }
  });
  close_windows(windows, kWindow, INT64_MAX - kWindow, close);
}

void q7(const GeneratorConfig& c, RowTally& out) {
  std::map<std::int64_t, std::vector<Bid>> windows;  // start -> its highest bids
  const auto close = [&](std::int64_t start, const std::vector<Bid>& top) {
    for (const Bid& b : top) out(Q7Row{start, start + kWindow, b});
  };
  each_event(c, [&](std::uint64_t n, EventKind k) {
    const std::int64_t t = c.timestamp(n);
    close_windows(windows, kWindow, t, close);
    if (k != EventKind::bid) return;
    const Bid b = make_bid(c, n);
    std::vector<Bid>& top = windows[floor_div(t, kWindow) * kWindow];
    if (top.empty() || b.price > top.front().price) {
      top.assign(1, b);
    } else if (b.price == top.front().price) {
      top.push_back(b);
    }
  });
  close_windows(windows, kWindow, INT64_MAX - kWindow, close);
}

void q8(const GeneratorConfig& c, RowTally& out) {
  struct Window {
    std::unordered_map<std::int64_t, std::string> people;
    std::unordered_set<std::int64_t> sellers;
  };
  std::map<std::int64_t, Window> windows;
  const auto close = [&](std::int64_t start, const Window& w) {
    for (const auto& [id, name] : w.people) {
      if (w.sellers.count(id) != 0) out(Q8Row{start, start + kWindow, id, name});
    }
  };
  each_event(c, [&](std::uint64_t n, EventKind k) {
    const std::int64_t t = c.timestamp(n);
    close_windows(windows, kWindow, t, close);
    Window& w = windows[floor_div(t, kWindow) * kWindow];
    if (k == EventKind::person) {
      Person p = make_person(c, n);
      w.people[p.id] = std::move(p.name);
    } else if (k == EventKind::auction) {
      w.sellers.insert(make_auction(c, n).seller);
    }
  });
  close_windows(windows, kWindow, INT64_MAX - kWindow, close);
}

void q11(const GeneratorConfig& c, RowTally& out) {
  struct Session {
    std::int64_t start, last, count;
  };
  std::unordered_map<std::int64_t, Session> open;  // bidder -> current session
  const auto emit = [&](std::int64_t bidder, const Session& s) {
    out(Q11Row{bidder, s.count, s.start, s.last + kWindow});
  };
  std::uint64_t since_sweep = 0;
  each_event(c, [&](std::uint64_t n, EventKind k) {
    if (k != EventKind::bid) return;
    const Bid b = make_bid(c, n);
    const std::int64_t t = b.date_time;
    auto [it, fresh] = open.try_emplace(b.bidder, Session{t, t, 0});
    Session& s = it->second;
    if (!fresh && t >= s.last + kWindow) {
      emit(b.bidder, s);
      s = Session{t, t, 0};
    }
    s.last = std::max(s.last, t);
    ++s.count;
    // Now and then, end the sessions no later bid can extend (bidders come and go).
    if (++since_sweep == 65'536) {
      since_sweep = 0;
      for (auto i = open.begin(); i != open.end();) {
        if (i->second.last + kWindow <= t) {
          emit(i->first, i->second);
          i = open.erase(i);
        } else {
          ++i;
        }
      }
    }
  });
  for (const auto& [bidder, s] : open) emit(bidder, s);
}

}  // namespace

const std::vector<std::string>& query_names() {
  static const std::vector<std::string> names = {"q0", "q1", "q2", "q3", "q4",
                                                 "q5", "q7", "q8", "q9", "q11"};
  return names;
}
bool known_query(const std::string& name) {
  const auto& names = query_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

void run_baseline(const std::string& query, const GeneratorConfig& c, RowTally& out) {
  if (query == "q0") return q0(c, out);
  if (query == "q1") return q1(c, out);
  if (query == "q2") return q2(c, out);
  if (query == "q3") return q3(c, out);
  if (query == "q4") return q4(c, out);
  if (query == "q5") return q5(c, out);
  if (query == "q7") return q7(c, out);
  if (query == "q8") return q8(c, out);
  if (query == "q9") return q9(c, out);
  if (query == "q11") return q11(c, out);
  throw ConfigError("unknown query '" + query + "' (known: q0 q1 q2 q3 q4 q5 q7 q8 q9 q11)");
}

}  // namespace sluice::nexmark
