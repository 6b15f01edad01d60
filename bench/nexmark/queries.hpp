// The Nexmark queries on sluice's public API, as a user would write them. Each takes
// its Input (the run's source and clock) and returns its result rows (rows.hpp).
// Queries that read several event kinds read them stamped as one stream (events());
// those that read bids alone have the source step turn each bid into the record
// they need, stamped and keyed in one call (bids(); event_time_input's parse form),
// as a user reading a bids table would, instead of a filter step after it. Custom
// operators (OperatorBuilder, as custom_operator.cpp shows): top_per_group (q4, q5,
// q9), winning_bids's split and local_winners (q4, q9), top_of_batch (q7) and
// count_spans_of_batch (q11).
//
// Recovery (-r): local_winners keeps state across epochs and snapshots it; the other
// custom operators keep only state of epochs the frontier has not passed (or of one
// batch), which a snapshot never holds: a resumed run makes it again from the input
// the sources read again.
//
// Time: every event's time is its date_time; epochs are `clock.epoch_length` of event
// time and max_delay is 0 (each partition's events are in time order, see
// source.hpp), so nothing is late. Windows are aligned to the Unix epoch.
#pragma once

#include <algorithm>
#include <bit>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <sluice/sluice.hpp>

#include "model.hpp"
#include "rows.hpp"
#include "source.hpp"

namespace sluice::nexmark {

using window::EventClock;
using window::EventTime;
using window::Millis;
using window::Timed;
using TimedEvents = Stream<Timed<Event>>;

inline EventTime at_ms(std::int64_t ms) {
  return EventTime(Millis(ms));
}
inline std::int64_t ms_of(EventTime t) {
  return t.time_since_epoch().count();
}

// The event kinds a query reads: its source skips the others (KindSet), as a Nexmark
// source with one table per kind does (RisingWave's, for one).
inline unsigned kinds_read_by(const std::string& query) {
  if (query == "q0") return kAllKinds;
  if (query == "q3" || query == "q8") return kPeople | kAuctions;
  if (query == "q4" || query == "q9") return kAuctions | kBids;
  return kBids;
}

// A query's input: the run's source (which makes only the kinds the query reads) and
// event clock.
struct Input {
  const Dataflow& flow;
  std::shared_ptr<NexmarkSource> source;
  EventClock clock;

  // The generated events, each stamped with its date_time.
  TimedEvents events() const {
    return window::event_time_input(flow, "events", source, clock,
                                    [](const Event& e) { return at_ms(e.date_time()); });
  }
  // The bids, each made into f(Bid&&): a Timed<U> or a (key, Timed<U>) pair whose
  // time is the bid's (stamped()).
  // They come from a BidSource (a bids table: no Event around each bid) with the
  // source's settings.
  template <class F>
  auto bids(F f) const {
    auto table = std::make_shared<BidSource>(source->config(), kBids, source->min_parts(),
                                             source->batch(), source->fixed_parts());
    return window::event_time_input(flow, "bids", std::move(table), clock, std::move(f));
  }
};

// `value` at the bid's time, as Input::bids's function returns it.
template <class U>
Timed<U> stamped(const Bid& b, U value) {
  return Timed<U>{std::move(value), at_ms(b.date_time), false};
}

// ---- q0 .. q2: stateless ----
inline Stream<Event> q0(const Input& in) {
  return op::map("q0", in.events(), [](Timed<Event>& t) { return std::move(t.value); });
}
inline Stream<Q1Row> q1(const Input& in) {
  return op::map("q1", in.bids([](Bid&& b) { return stamped(b, b); }), [](const Timed<Bid>& t) {
    const Bid& b = t.value;
    return Q1Row{b.auction, b.bidder, b.price * 908, b.date_time};
  });
}
inline Stream<Q2Row> q2(const Input& in) {
  return op::filter_map("q2", in.bids([](Bid&& b) { return stamped(b, b); }),
                        [](const Timed<Bid>& t) -> std::optional<Q2Row> {
                          const Bid& b = t.value;
                          if (b.auction % 123 != 0) return std::nullopt;
                          return Q2Row{b.auction, b.price};
                        });
}

// ---- q3: incremental join of sellers in OR, ID or CA with their category-10 auctions ----
namespace detail {
using PersonOrAuction = std::variant<Person, Auction>;
// Per seller: the person once seen, and the auctions that arrived before it.
struct LocalItemLogic {
  std::optional<Person> person;
  std::vector<Auction> waiting;

  LogicAction on_item(PersonOrAuction item, Emitter<std::int64_t, Q3Row>& out) {
    if (Person* p = std::get_if<Person>(&item)) {
      for (const Auction& a : waiting) out.emit(Q3Row{p->name, p->city, p->state, a.id});
      waiting.clear();
      waiting.shrink_to_fit();
      person = std::move(*p);
    } else {
      Auction& a = std::get<Auction>(item);
      if (person) {
        out.emit(Q3Row{person->name, person->city, person->state, a.id});
      } else {
        waiting.push_back(std::move(a));
      }
    }
    return LogicAction::retain;
  }
  std::pair<std::optional<Person>, std::vector<Auction>> snapshot() const {
    return {person, waiting};
  }
};
}  // namespace detail

inline Stream<Q3Row> q3(const Input& in) {
  using Keyed = std::pair<std::int64_t, detail::PersonOrAuction>;
  auto keyed =
      op::filter_map("q3_select", in.events(), [](const Timed<Event>& t) -> std::optional<Keyed> {
        if (const Person* p = t.value.person()) {
          if (p->state == "OR" || p->state == "ID" || p->state == "CA") return Keyed{p->id, *p};
        } else if (const Auction* a = t.value.auction()) {
          if (a->category == 10) return Keyed{a->seller, *a};
        }
        return std::nullopt;
      });
  using S = std::pair<std::optional<Person>, std::vector<Auction>>;
  auto joined = op::stateful("q3_join", keyed, [](std::optional<S> resume) {
    detail::LocalItemLogic logic;
    if (resume) std::tie(logic.person, logic.waiting) = std::move(*resume);
    return logic;
  });
  return op::key_rm("q3_rows", joined);
}

// ---- top_per_group (q4, q5, q9): per group and epoch, the best items ----
// Items arrive as (group, item) pairs, routed by group; once the frontier passes their
// epoch, the best items of each group in that epoch are emitted: order(a, b) ->
// std::weak_ordering (greater: a is better); on a tie, all of them (Ties::all) or
// the first to arrive (Ties::first).
enum class Ties { all, first };
template <class T, class Order>
Stream<T> top_per_group(const std::string& id, const Stream<std::pair<std::int64_t, T>>& up,
                        Order order, Ties ties) {
  using In = std::pair<std::int64_t, T>;
  OperatorBuilder b(up, id);
  auto input = b.add_input(up, exchange([](const In& kv) { return kv.first; }));
  auto [out, down] = b.template add_output<T>();
  b.build([input, out, order, ties](OperatorContext&) {
    std::map<Epoch, std::unordered_map<std::int64_t, std::vector<T>>> open;  // the best items
    return [input, out, order, ties, open](OperatorContext& ctx) mutable {
      ctx.input(input).for_each([&](InputBatch<In>& batch) {
        auto [it, fresh] = open.try_emplace(batch.epoch());
        if (fresh) ctx.notify_at(batch.retain());
        for (In& kv : batch) {
          std::vector<T>& best = it->second[kv.first];
          if (!best.empty()) {
            const std::weak_ordering c = order(kv.second, best.front());
            if (c < 0 || (c == 0 && ties == Ties::first)) continue;
            if (c > 0) best.clear();
          }
          best.push_back(std::move(kv.second));
        }
      });
      ctx.for_each_notification([&](Capability& cap) {
        auto node = open.extract(cap.epoch());
        if (node.empty()) return;
        auto session = ctx.output(out).session(cap);
        for (auto& [group, best] : node.mapped()) {
          for (T& item : best) session.give(std::move(item));
        }
      });
    };
  });
  return down;
}

// ---- winning bids (q4, q9) ----
// An auction's winning bid: among its bids with date_time in [auction.date_time,
// auction.expires], the highest price, then the earliest time (then the lowest bidder
// and channel, so the winner is unique). Emitted once the frontier passes the epoch
// of `expires`, when no bid that could count can still arrive; then the auction's
// state is freed. An auction without such a bid emits nothing.
struct WinningBid {
  std::int64_t category = 0;
  Bid bid;
};

inline bool better_bid(const Bid& a, const Bid& b) {
  // a is better: a higher price, or the same and an earlier time (lower bidder, channel).
  return std::tie(a.price, b.date_time, b.bidder, b.channel) >
         std::tie(b.price, a.date_time, a.bidder, a.channel);
}

namespace detail {

// What winning_bids needs of an auction: a plain value, so that sending it to every
// worker copies 32 bytes instead of sharing the generated Auction (whose last
// reference, dropped on another worker, would free its strings into the allocating
// worker's malloc arena, under that arena's lock: measured as 30,000 futex waits per
// 2 s run at -w 2).
struct AuctionTerms {
  std::int64_t id = 0;
  std::int64_t date_time = 0;
  std::int64_t expires = 0;
  std::int64_t category = 0;
  template <class Archive>
  void serialize(Archive& a) {
    a(id, date_time, expires, category);
  }
};

// The auctions (their terms) and the bids of `in`, as two streams (persons are dropped).
inline std::pair<Stream<Timed<AuctionTerms>>, Stream<Timed<Bid>>> split_auctions_bids(
    const std::string& id, const TimedEvents& in) {
  OperatorBuilder b(in, id);
  auto input = b.add_input(in);
  auto [to_auctions, auctions] = b.add_output<Timed<AuctionTerms>>();
  auto [to_bids, bids] = b.add_output<Timed<Bid>>();
  b.build([input, to_auctions, to_bids](OperatorContext&) {
    return [input, to_auctions, to_bids](OperatorContext& ctx) {
      auto out_auctions = ctx.output(to_auctions);
      auto out_bids = ctx.output(to_bids);
      ctx.input(input).for_each([&](InputBatch<Timed<Event>>& batch) {
        auto a = out_auctions.session(batch);
        auto s = out_bids.session(batch);
        for (Timed<Event>& t : batch) {
          if (const Bid* bid = t.value.bid()) {
            s.give(Timed<Bid>{*bid, t.time, t.late});
          } else if (const Auction* x = t.value.auction()) {
            a.give(Timed<AuctionTerms>{
                {x->id, x->date_time, x->expires, x->category}, t.time, t.late});
          }
        }
      });
    };
  });
  return {auctions, bids};
}

// An auction's state in local_winners (a local class may not have the member template
// cereal needs).
struct AuctionState {
  std::optional<AuctionTerms> auction;
  std::optional<Bid> best;
  std::vector<std::pair<Epoch, Bid>> early;  // bids that arrived before their auction
  template <class Archive>
  void serialize(Archive& a) {
    a(auction, best, early);
  }
};

// Per worker, each auction's best bid among the bids this worker read (auctions come
// to every worker; bids stay where they were read, so a hot auction's bids are not
// all on one worker): (auction id, winner) at the epoch the auction closes.
//
// Recovery: the state (per auction: its terms, best bid and early bids) is a
// KeyedState, snapshotted as the built-in keyed operators do (keyed_snapshots.hpp).
// For that, input is applied in epoch order across both inputs: an epoch once both
// input frontiers have reached it, and an auction's check (its close, or its early
// bids' expiry) at epoch x before any input of a later epoch.
inline Stream<std::pair<std::int64_t, WinningBid>> local_winners(
    const std::string& id, const Stream<Timed<AuctionTerms>>& auctions,
    const Stream<Timed<Bid>>& bids, EventClock clock) {
  OperatorBuilder b(auctions, id);
  auto auctions_in = b.add_input(auctions, Broadcast{});
  auto bids_in = b.add_input(bids);
  auto [out, winners] = b.add_output<std::pair<std::int64_t, WinningBid>>();
  b.build([auctions_in, bids_in, out, clock](OperatorContext& ctx) {
    using State = AuctionState;
    // Keyed by (auction, this worker): every worker holds every auction (broadcast) and
    // the best of its own bids, so the store keeps one version per worker.
    using Key = std::pair<std::int64_t, std::uint32_t>;
    using Open = KeyedState<Key, State>;
    struct Pending {
      std::vector<AuctionTerms> auctions;
      std::vector<Bid> bids;
    };
    struct Op {
      window::EpochMap epochs;
      std::uint32_t me;
      Open open;
      std::map<Epoch, Pending> pending;  // input not applied yet, by epoch
      // Auctions to look at once the frontier passes an epoch: those that close at it,
      // and those with early bids from it (those bids are dropped then if their auction
      // is still unknown: it comes later, so after every such bid; early bids of later
      // epochs stay, as their auction may still come before them).
      std::map<Epoch, std::vector<std::int64_t>> due;
      Capability held;  // at the least epoch of pending and due
      sluice::detail::KeyedSnapshots snaps;

      void hold(Capability cap) {
        if (!held || cap.epoch() < held.epoch()) held = std::move(cap);
      }
      void check_at(Epoch e, std::int64_t auction) {
        auto& keys = due[e];
        if (keys.empty() || keys.back() != auction) keys.push_back(auction);
      }
      void offer(State& s, const Bid& bid) const {
        const AuctionTerms& a = *s.auction;
        if (bid.date_time < a.date_time || a.expires < bid.date_time) return;
        if (!s.best || better_bid(bid, *s.best)) s.best = bid;
      }
      State& at(std::int64_t auction) {
        const Key key{auction, me};
        auto it = open.find_or_make(key, hash_key(key), [] { return State{}; });
        open.changed(it);
        return Open::value(it);
      }
      void apply(Epoch e, Pending& p) {
        for (const AuctionTerms& a : p.auctions) {
          State& s = at(a.id);
          s.auction = a;
          for (const auto& [epoch, bid] : s.early) offer(s, bid);
          s.early = {};
          check_at(epochs.epoch_of(at_ms(a.expires)), a.id);
        }
        for (const Bid& bid : p.bids) {
          State& s = at(bid.auction);
          if (s.auction) {
            offer(s, bid);
          } else {
            s.early.emplace_back(e, bid);
            check_at(e, bid.auction);
          }
        }
      }
      void check(Epoch x, std::vector<std::int64_t>& keys,
                 Session<std::pair<std::int64_t, WinningBid>>& session) {
        for (std::int64_t key : keys) {
          auto it = open.find(Key{key, me});
          if (it == open.end()) continue;
          State& s = Open::value(it);
          if (!s.auction) {  // drop the early bids whose auction can no longer count them
            std::erase_if(s.early, [&](const auto& e) { return e.first <= x; });
            if (s.early.empty()) {
              open.erase(it);
            } else {
              open.changed(it);
            }
          } else if (epochs.epoch_of(at_ms(s.auction->expires)) == x) {
            if (s.best) session.give(std::pair(key, WinningBid{s.auction->category, *s.best}));
            open.erase(it);
          }
        }
      }
    };
    Op op{clock.epochs(ctx.config()),
          ctx.worker_index(),
          {},
          {},
          {},
          {},
          sluice::detail::KeyedSnapshots(ctx.enroll_snapshots())};
    if (op.snaps.on()) {
      // Every worker's versions, merged per auction (terms, the best bid, early bids);
      // an auction that closed by the committed epoch (a stale version of a worker
      // the run no longer has) is dropped.
      Capability at = ctx.take_initial_capability();
      const Epoch first = op.snaps.handle().first_epoch();
      at.downgrade(first);
      op.snaps.restore<Key, State>(
          ctx,
          [&](Key key, std::uint64_t, State s) {
            if (s.auction && op.epochs.epoch_of(at_ms(s.auction->expires)) < first) return;
            State& mine = op.at(key.first);
            if (s.auction) mine.auction = s.auction;
            if (s.best && (!mine.best || better_bid(*s.best, *mine.best))) mine.best = s.best;
            mine.early.insert(mine.early.end(), s.early.begin(), s.early.end());
          },
          false);
      // Every merged auction counts as stored (it may have a version of this worker)
      // and is written again, as this worker's, at the next snapshot.
      op.open.track_changes();
      op.open.erase_if([&](auto it) {  // visits every auction, erases none
        op.open.changed(it);
        const State& s = Open::value(it);
        const std::int64_t auction = it->first.first;
        if (s.auction) {
          op.check_at(std::max(first, op.epochs.epoch_of(at_ms(s.auction->expires))), auction);
        }
        for (const auto& e : s.early) op.check_at(std::max(first, e.first), auction);
        return false;
      });
      if (!op.due.empty()) op.held = std::move(at);
    }
    return [auctions_in, bids_in, out, op = std::move(op)](OperatorContext& ctx) mutable {
      ctx.input(auctions_in).for_each([&](InputBatch<Timed<AuctionTerms>>& batch) {
        op.hold(batch.retain());
        auto& to = op.pending[batch.epoch()].auctions;
        for (const Timed<AuctionTerms>& t : batch.items()) to.push_back(t.value);
      });
      ctx.input(bids_in).for_each([&](InputBatch<Timed<Bid>>& batch) {
        op.hold(batch.retain());
        auto& to = op.pending[batch.epoch()].bids;
        for (const Timed<Bid>& t : batch.items()) to.push_back(t.value);
      });
      // The least input frontier: epochs before it are complete on both inputs.
      const Frontier& fa = ctx.frontier(0);
      const Frontier& fb = ctx.frontier(1);
      const Frontier& least = fa.empty()                 ? fb
                              : fb.empty()               ? fa
                              : fa.least() <= fb.least() ? fa
                                                         : fb;
      const Epoch reached = least.empty() ? ~Epoch{0} : least.least();
      auto output = ctx.output(out);
      auto snapshot_of = [](const State& s) -> const State& { return s; };
      for (;;) {
        const bool apply = !op.pending.empty() && op.pending.begin()->first <= reached &&
                           (op.due.empty() || op.pending.begin()->first <= op.due.begin()->first);
        const bool check =
            !apply && !op.due.empty() && (least.empty() || op.due.begin()->first < reached);
        if (!apply && !check) break;
        const Epoch x = apply ? op.pending.begin()->first : op.due.begin()->first;
        if (op.snaps.on()) op.snaps.before(x, op.open, snapshot_of);
        if (apply) {
          auto node = op.pending.extract(op.pending.begin());
          op.apply(x, node.mapped());
        } else {
          auto node = op.due.extract(op.due.begin());
          auto session = output.session(op.held, x);
          op.check(x, node.mapped(), session);
        }
      }
      if (op.held) {
        Epoch next = ~Epoch{0};
        if (!op.pending.empty()) next = op.pending.begin()->first;
        if (!op.due.empty()) next = std::min(next, op.due.begin()->first);
        if (next == ~Epoch{0}) {
          op.held.drop();
        } else if (next > op.held.epoch()) {
          op.held.downgrade(next);
        }
      }
      if (op.snaps.on()) op.snaps.after(least, op.open, snapshot_of);
    };
  });
  return winners;
}

}  // namespace detail

// Each worker finds the best bid of every auction among its own bids (local_winners),
// then the workers' candidates meet on the auction's worker (top_per_group): the hot
// auction's many bids are not all exchanged to, and handled by, one worker.
inline Stream<WinningBid> winning_bids(const std::string& id, const TimedEvents& in,
                                       EventClock clock) {
  auto [auctions, bids] = detail::split_auctions_bids(id + "_split", in);
  auto local = detail::local_winners(id + "_local", auctions, bids, clock);
  // better_bid orders every two different bids: no ties.
  return top_per_group<WinningBid>(
      id, local,
      [](const WinningBid& a, const WinningBid& b) {
        return better_bid(a.bid, b.bid)   ? std::weak_ordering::greater
               : better_bid(b.bid, a.bid) ? std::weak_ordering::less
                                          : std::weak_ordering::equivalent;
      },
      Ties::first);
}

// ---- q4: average winning price per category (updated as auctions close) ----
namespace detail {
struct AverageLogic {
  std::int64_t sum = 0;
  std::int64_t count = 0;
  LogicAction on_item(std::int64_t price, Emitter<std::int64_t, std::int64_t>& out) {
    sum += price;
    ++count;
    out.emit(sum / count);
    return LogicAction::retain;
  }
  std::pair<std::int64_t, std::int64_t> snapshot() const { return {sum, count}; }
};
}  // namespace detail

inline Stream<Q4Row> q4(const Input& in) {
  auto winners = winning_bids("q4_winning_bids", in.events(), in.clock);
  auto prices = op::map("q4_price", winners, [](const WinningBid& w) {
    return std::pair<std::int64_t, std::int64_t>(w.category, w.bid.price);
  });
  using S = std::pair<std::int64_t, std::int64_t>;
  auto averages = op::stateful("q4_average", prices, [](std::optional<S> resume) {
    detail::AverageLogic logic;
    if (resume) std::tie(logic.sum, logic.count) = *resume;
    return logic;
  });
  return op::map("q4_rows", averages, [](const std::pair<std::int64_t, std::int64_t>& kv) {
    return Q4Row{kv.first, kv.second};
  });
}

// ---- q9: winning bids ----
inline Stream<Q9Row> q9(const Input& in) {
  auto winners = winning_bids("q9_winning_bids", in.events(), in.clock);
  return op::map("q9_rows", winners, [](const WinningBid& w) { return Q9Row{w.bid}; });
}

// ---- top_of_batch (q7): a local pre-aggregation before an exchange ----
// Passes on, of each batch, only the items whose score is the largest among the
// batch's items of the same group (all of them on a tie), and every late item (its
// window is closed; it must not hide an on-time one). Items stay on their worker, at
// their epoch: a later exchange then carries a few items per group and batch instead
// of all of them, as Flink's local-global aggregation does.
template <class T, class Group, class Score>
Stream<Timed<T>> top_of_batch(const std::string& id, const Stream<Timed<T>>& up, Group group,
                              Score score) {
  OperatorBuilder b(up, id);
  auto input = b.add_input(up);
  auto [out, down] = b.template add_output<Timed<T>>();
  b.build([input, out, group, score](OperatorContext&) {
    // Per group of the batch, its best score (batches hold a group or two).
    std::vector<std::pair<std::int64_t, std::int64_t>> best;
    return [input, out, group, score, best](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(input).for_each([&](InputBatch<Timed<T>>& batch) {
        best.clear();
        auto best_of = [&](const T& item) -> std::int64_t& {
          const std::int64_t g = group(item);
          for (auto& [x, s] : best) {
            if (x == g) return s;
          }
          return best.emplace_back(g, score(item)).second;
        };
        for (const Timed<T>& t : batch.items()) {
          if (t.late) continue;
          std::int64_t& s = best_of(t.value);
          s = std::max(s, score(t.value));
        }
        auto session = output.session(batch);
        for (Timed<T>& t : batch) {
          if (t.late || score(t.value) == best_of(t.value)) session.give(std::move(t));
        }
      });
    };
  });
  return down;
}

// ---- q5: hot items, 10 s windows sliding by 2 s ----
inline Stream<Q5Row> q5(const Input& in) {
  auto bids = in.bids([](Bid&& b) { return std::pair(b.auction, stamped(b, char{0})); });
  auto counts = window::count_window("q5_count", bids, in.clock,
                                     window::SlidingWindower(Millis(10'000), Millis(2'000)));
  auto by_window = op::map("q5_by_window", counts.down, [](const auto& kv) {
    const auto& [auction, w] = kv;
    const Q5Row row{ms_of(w.window.start), ms_of(w.window.end), auction,
                    static_cast<std::int64_t>(w.value)};
    return std::pair<std::int64_t, Q5Row>(row.window_start, row);
  });
  return top_per_group<Q5Row>(
      "q5_hottest", by_window, [](const Q5Row& a, const Q5Row& b) { return a.count <=> b.count; },
      Ties::all);
}

// ---- q7: highest bids per 10 s tumbling window ----
inline Stream<Q7Row> q7(const Input& in) {
  const window::TumblingWindower windower(Millis(10'000));
  const auto window_of = [windower](const Bid& b) {
    return ms_of(windower.window_of(at_ms(b.date_time)).start);
  };
  auto bids = in.bids([](Bid&& b) { return stamped(b, b); });
  // Each worker's best bids per window and batch; then per window, the best of those.
  auto top = top_of_batch("q7_batch_top", bids, window_of, [](const Bid& b) { return b.price; });
  auto keyed = op::map("q7_by_window", top, [window_of](Timed<Bid>& t) {
    return std::pair(window_of(t.value), std::move(t));
  });
  auto highest = window::fold_window(
      "q7_highest", keyed, in.clock, windower, [] { return std::vector<Bid>{}; },
      [](std::vector<Bid> top, const Bid& b) {
        if (top.empty() || b.price > top.front().price) {
          top.assign(1, b);
        } else if (b.price == top.front().price) {
          top.push_back(b);
        }
        return top;
      });
  return op::flat_map("q7_rows", highest.down, [](const auto& kv) {
    const auto& w = kv.second;
    std::vector<Q7Row> out;
    for (const Bid& b : w.value)
      out.push_back(Q7Row{ms_of(w.window.start), ms_of(w.window.end), b});
    return out;
  });
}

// ---- q8: people who created an auction in the same 10 s tumbling window ----
inline Stream<Q8Row> q8(const Input& input) {
  const TimedEvents in = input.events();
  using Name = std::pair<std::int64_t, Timed<std::string>>;
  using Sold = std::pair<std::int64_t, Timed<char>>;
  auto people = op::filter_map("q8_people", in, [](const Timed<Event>& t) -> std::optional<Name> {
    const Person* p = t.value.person();
    if (p == nullptr) return std::nullopt;
    return Name{p->id, Timed<std::string>{p->name, t.time, t.late}};
  });
  auto sellers = op::filter_map("q8_sellers", in, [](const Timed<Event>& t) -> std::optional<Sold> {
    const Auction* a = t.value.auction();
    if (a == nullptr) return std::nullopt;
    return Sold{a->seller, Timed<char>{0, t.time, t.late}};
  });
  auto joined =
      window::join_window("q8_join", input.clock, window::TumblingWindower(Millis(10'000)),
                          JoinMode{JoinInsert::last, JoinEmit::final}, people, sellers);
  return op::filter_map("q8_rows", joined.down, [](const auto& kv) -> std::optional<Q8Row> {
    const auto& [person, w] = kv;
    const auto& [name, sold] = w.value;
    if (!name || !sold) return std::nullopt;
    return Q8Row{ms_of(w.window.start), ms_of(w.window.end), person, *name};
  });
}

// ---- count_spans_of_batch (q11): a local pre-aggregation before a session window ----
// Of each batch, the on-time records of one key, taken in order, form spans: runs of
// records less than `gap` apart from first to last. A span goes on as at most two
// records, its first time carrying the count of all but one and its last time carrying
// 1 (one record when they coincide). A session window summing the counts then sees
// the same sessions and counts as with every record: a span's points are closer than
// the gap to each other, so they lie in one session whatever else arrives, and a point
// outside the span is closest to its first or last time. Records the window would take
// as late (marked late, or before the batch's epoch starts) pass on one by one, with a
// count of 1. Records stay on their worker, at their epoch: the exchange after it
// carries about one record per key and batch (a hot key's bids are many per batch).
template <class K, class V>
Stream<std::pair<K, Timed<std::uint64_t>>> count_spans_of_batch(
    const std::string& id, const Stream<std::pair<K, Timed<V>>>& up, const EventClock& clock,
    Millis gap) {
  using Out = std::pair<K, Timed<std::uint64_t>>;
  OperatorBuilder b(up, id);
  auto input = b.add_input(up);
  auto [out, down] = b.template add_output<Out>();
  const window::EpochMap epochs{clock.epoch_length};
  b.build([input, out, epochs, gap](OperatorContext&) {
    struct Span {
      K key;
      EventTime first, last;
      std::uint64_t count;
    };
    std::vector<Span> spans;          // of the batch, by first appearance of the key
    std::vector<std::uint32_t> slot;  // open addressing: index into spans, or kFree
    static constexpr std::uint32_t kFree = ~std::uint32_t{0};
    return [input, out, epochs, gap, spans, slot](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(input).for_each([&](InputBatch<std::pair<K, Timed<V>>>& batch) {
        auto session = output.session(batch);
        const auto give = [&](const K& key, EventTime t, std::uint64_t n) {
          session.give(Out(key, Timed<std::uint64_t>{n, t, false}));
        };
        const auto give_span = [&](const Span& s) {
          if (s.first == s.last) return give(s.key, s.first, s.count);
          give(s.key, s.first, s.count - 1);
          give(s.key, s.last, 1);
        };
        const std::size_t want = std::bit_ceil(std::max<std::size_t>(2 * batch.size(), 16));
        if (slot.size() < want) slot.assign(want, kFree);
        const std::size_t mask = slot.size() - 1;
        // A key's first slot: integers by Fibonacci hashing (a multiply; the table
        // lives for one batch), other keys by their routing hash.
        const int shift = 64 - std::countr_zero(slot.size());
        const auto home = [&](const K& key) -> std::size_t {
          if constexpr (std::is_integral_v<K>) {
            return static_cast<std::size_t>(
                (static_cast<std::uint64_t>(key) * 0x9e3779b97f4a7c15ULL) >> shift);
          } else {
            return static_cast<std::size_t>(hash_key(key)) & mask;
          }
        };
        const EventTime starts =
            batch.epoch() == 0 ? EventTime::min() : epochs.start_of(batch.epoch());
        spans.clear();
        spans.reserve(batch.size());  // `last` stays valid
        Span* last = nullptr;         // the span of the previous record (a run of one key)
        for (auto& [key, t] : batch) {
          if (t.late || t.time < starts) {
            session.give(Out(key, Timed<std::uint64_t>{1, t.time, t.late}));
            continue;
          }
          if (last == nullptr || last->key != key) {
            std::size_t h = home(key);
            while (slot[h] != kFree && spans[slot[h]].key != key) h = (h + 1) & mask;
            if (slot[h] == kFree) {
              slot[h] = static_cast<std::uint32_t>(spans.size());
              last = &spans.emplace_back(Span{key, t.time, t.time, 1});
              continue;
            }
            last = &spans[slot[h]];
          }
          Span& s = *last;
          const EventTime first = std::min(s.first, t.time), last = std::max(s.last, t.time);
          if (last - first < gap) {
            s.first = first;
            s.last = last;
            ++s.count;
          } else {  // the span would reach the gap: it goes on, a new one starts
            give_span(s);
            s = Span{key, t.time, t.time, 1};
          }
        }
        for (const Span& s : spans) {
          give_span(s);
          std::size_t h = home(s.key);
          while (slot[h] != kFree) {  // frees the slots this batch used
            slot[h] = kFree;
            h = (h + 1) & mask;
          }
        }
      });
    };
  });
  return down;
}

// ---- q11: bid sessions per bidder, gap 10 s ----
inline Stream<Q11Row> q11(const Input& in) {
  constexpr Millis kGap{10'000};
  auto bids = in.bids([](Bid&& b) { return std::pair(b.bidder, stamped(b, char{0})); });
  auto spans = count_spans_of_batch("q11_batch_spans", bids, in.clock, kGap);
  auto sessions = window::fold_window(
      "q11_sessions", spans, in.clock, window::SessionWindower(kGap),
      [] { return std::uint64_t{0}; }, [](std::uint64_t n, std::uint64_t c) { return n + c; },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
  return op::map("q11_rows", sessions.down, [](const auto& kv) {
    const auto& [bidder, w] = kv;
    return Q11Row{bidder, static_cast<std::int64_t>(w.value), ms_of(w.window.start),
                  ms_of(w.window.end)};
  });
}

}  // namespace sluice::nexmark
