// Tests for stateful_map, stateful_flat_map and stateful: keys meet on one worker,
// values apply in epoch order (checked through per-epoch counts that only come out
// right in epoch order), discard, end-of-input, timers and errors; each against a
// reference computed here, at 1, 2 and 3 workers.
#include <sluice/operators/stateful.hpp>
#include <sluice/operators/stateful_map.hpp>
#include <sluice/operators/stateless.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "../engine/support.hpp"

using namespace sluice;
using namespace sluice_test;

namespace {

using Parts = std::vector<TestingSource<std::uint64_t>::Partition>;
using KV = std::pair<std::uint64_t, std::uint64_t>;
constexpr std::uint64_t kKeys = 13;

std::uint64_t key_of(std::uint64_t x) {
  return x % kKeys;
}

// Per key, the number of items at each epoch.
std::map<std::uint64_t, std::map<Epoch, std::uint64_t>> counts_by_key(const Parts& parts) {
  std::map<std::uint64_t, std::map<Epoch, std::uint64_t>> out;
  for (const auto& part : parts) {
    for (const auto& item : part) ++out[key_of(item.value)][item.epoch];
  }
  return out;
}

// The (epoch, (key, n)) records of a per-key counter applied in epoch order: the n-th
// item of a key (counting from 1 over earlier epochs first) yields f(n).
template <class F>
std::vector<std::pair<Epoch, KV>> counter_reference(const Parts& parts, F f) {
  std::vector<std::pair<Epoch, KV>> want;
  for (const auto& [key, epochs] : counts_by_key(parts)) {
    std::uint64_t n = 0;
    for (const auto& [epoch, count] : epochs) {
      for (std::uint64_t i = 0; i < count; ++i) {
        ++n;
        for (std::uint64_t v : f(n)) want.push_back({epoch, {key, v}});
      }
    }
  }
  std::sort(want.begin(), want.end());
  return want;
}

template <class U, class Build>
std::vector<std::pair<Epoch, U>> run_keyed(const Parts& parts, std::uint32_t workers, Build build) {
  Dataflow flow("st");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
  auto keyed = op::key_on("key", in, key_of);
  TestingSink<U> sink;
  op::output("out", build(keyed), sink);
  RunConfig config;
  config.workers = workers;
  config.batch_size = 64;  // many batches, so epochs interleave across workers
  run(flow, config);
  return sorted_items(sink);
}

// Sums and counts a key's values; emits (count, sum) at end of input.
struct Totals {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  LogicAction on_item(std::uint64_t v,
                      Emitter<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>&) {
    ++count;
    sum += v;
    return LogicAction::retain;
  }
  LogicAction on_eof(Emitter<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>& out) {
    out({count, sum});
    return LogicAction::discard;
  }
  std::pair<std::uint64_t, std::uint64_t> snapshot() const { return {count, sum}; }
};

// Emits how many items arrived since the last notification, via a timer that is
// already due when it is set.
struct FlushSoon {
  std::uint64_t pending = 0;
  LogicAction on_item(std::uint64_t, Emitter<std::uint64_t, std::uint64_t>&) {
    ++pending;
    return LogicAction::retain;
  }
  std::optional<LogicClock::time_point> notify_at() const {
    if (pending == 0) return std::nullopt;
    return LogicClock::time_point{};  // the distant past: due at once
  }
  LogicAction on_notify(Emitter<std::uint64_t, std::uint64_t>& out) {
    out(pending);
    return LogicAction::discard;
  }
  LogicAction on_eof(Emitter<std::uint64_t, std::uint64_t>& out) {
    if (pending > 0) out(pending);
    return LogicAction::discard;
  }
  std::uint64_t snapshot() const { return pending; }
};

}  // namespace

TEST_CASE("stateful_map applies each key's values in epoch order at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 4, 6'000, 7);
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    SUBCASE("a plain state starts at S{} and is kept") {
      auto got = run_keyed<KV>(parts, workers, [](const Stream<KV>& s) {
        return op::stateful_map("count", s, [](std::uint64_t& n, std::uint64_t) { return ++n; });
      });
      CHECK(got == counter_reference(
                       parts, [](std::uint64_t n) { return std::vector<std::uint64_t>{n}; }));
    }
    SUBCASE("an emptied optional state discards the key") {
      auto got = run_keyed<KV>(parts, workers, [](const Stream<KV>& s) {
        return op::stateful_map("count3", s, [](std::optional<std::uint64_t>& n, std::uint64_t) {
          const std::uint64_t v = n.value_or(0) + 1;
          if (v == 3) {
            n.reset();
          } else {
            n = v;
          }
          return v;
        });
      });
      CHECK(got == counter_reference(parts, [](std::uint64_t n) {
              return std::vector<std::uint64_t>{(n - 1) % 3 + 1};
            }));
    }
    SUBCASE("stateful_flat_map emits every element of the returned range") {
      auto got = run_keyed<KV>(parts, workers, [](const Stream<KV>& s) {
        return op::stateful_flat_map("fm", s, [](std::uint64_t& n, std::uint64_t) {
          ++n;
          return n % 2 == 0 ? std::vector<std::uint64_t>{n, n * 1000}
                            : std::vector<std::uint64_t>{};
        });
      });
      CHECK(got == counter_reference(parts, [](std::uint64_t n) {
              return n % 2 == 0 ? std::vector<std::uint64_t>{n, n * 1000}
                                : std::vector<std::uint64_t>{};
            }));
    }
  }
}

TEST_CASE("stateful_map works with string keys and moves values in") {
  std::vector<std::string> words;
  // std::string("w") +, not "w" +: GCC 12 warns -Wrestrict (a false positive, PR 105329)
  // inside libstdc++ for a literal + a temporary string.
  for (int i = 0; i < 3000; ++i) words.push_back(std::string("w") + std::to_string(i % 37));
  std::map<std::string, std::uint64_t> want;
  for (const auto& w : words) ++want[w];
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("words");
    auto in = op::input(flow, "in", TestingSource<std::string>::of(words));
    auto keyed = op::key_on("key", in, [](const std::string& w) { return w; });
    auto lengths = op::stateful_map("len", keyed, [](std::string& last, std::string w) {
      last = std::move(w);
      return last.size();
    });
    auto counts =
        op::stateful_map("count", lengths, [](std::uint64_t& n, std::size_t) { return ++n; });
    TestingSink<std::pair<std::string, std::uint64_t>> sink;
    op::output("out", counts, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::map<std::string, std::uint64_t> got;
    for (const auto& [w, n] : sink.values()) got[w] = std::max(got[w], n);
    CHECK(got == want);
    CHECK(sink.values().size() == words.size());
  }
}

TEST_CASE("stateful logic sees every value and reports at end of input at 1, 2, 3 workers") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 3, 4'000, 5);
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> want;
  std::map<std::uint64_t, Epoch> last_epoch;
  for (const auto& part : parts) {
    for (const auto& item : part) {
      auto& w = want[key_of(item.value)];
      ++w.first;
      w.second += item.value;
      last_epoch[key_of(item.value)] = std::max(last_epoch[key_of(item.value)], item.epoch);
    }
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    using Out = std::pair<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>;
    Dataflow flow("st");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto keyed = op::key_on("key", in, key_of);
    auto totals = op::stateful(
        "totals", keyed,
        [](const std::uint64_t&, std::optional<std::pair<std::uint64_t, std::uint64_t>> resume) {
          Totals t;
          if (resume) std::tie(t.count, t.sum) = *resume;
          return t;
        });
    TestingSink<Out> sink;
    op::output("out", totals, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> got;
    for (const auto& r : sink.records()) {
      CHECK(got.count(r.value.first) == 0);
      got[r.value.first] = r.value.second;
      CHECK(r.epoch >= last_epoch[r.value.first]);  // after every item of the key
    }
    CHECK(got == want);
  }
}

TEST_CASE("stateful logic is notified at its notify_at time and the counts add up") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  const Parts parts = random_partitions(seed, 3, 5'000, 4);
  std::map<std::uint64_t, std::uint64_t> want;
  for (const auto& [key, epochs] : counts_by_key(parts)) {
    for (const auto& [e, n] : epochs) want[key] += n;
  }
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("timers");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::partitioned(parts));
    auto keyed = op::key_on("key", in, key_of);
    auto flushed = op::stateful("flush", keyed, [](std::optional<std::uint64_t> resume) {
      return FlushSoon{resume.value_or(0)};
    });
    TestingSink<KV> sink;
    op::output("out", flushed, sink);
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::map<std::uint64_t, std::uint64_t> got;
    for (const auto& [key, n] : sink.values()) {
      CHECK(n > 0);
      got[key] += n;
    }
    CHECK(got == want);
  }
}

TEST_CASE("a throwing stateful function stops the run naming step, worker, epoch and item") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    Dataflow flow("bad");
    TestingSource<std::uint64_t>::Partition items;
    for (std::uint64_t i = 0; i < 100; ++i) items.push_back({i / 10, i});
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>(items));
    auto keyed = op::key_on("key", in, [](std::uint64_t x) { return x % 4; });
    auto out = op::stateful_map("picky", keyed, [](std::uint64_t& n, std::uint64_t v) {
      if (v == 57) throw std::runtime_error("57 is not allowed");
      return n += v;
    });
    TestingSink<KV> sink;
    op::output("out", out, sink);
    RunConfig config;
    config.workers = workers;
    const StepError e = run_expecting_step_error(flow, config);
    CHECK(e.step() == "bad.picky");
    CHECK(e.worker() ==
          std::optional<std::uint32_t>(route(hash_key(std::uint64_t{57 % 4}), workers)));
    CHECK(e.epoch() == std::optional<Epoch>(5));
    CHECK(e.item() == "(1, 57)");
    CHECK(e.reason() == "57 is not allowed");
  }
}

TEST_CASE("a stateful logic restored from its cereal-encoded snapshot continues where it was") {
  using State = std::pair<std::uint64_t, std::uint64_t>;
  auto build = [](const std::uint64_t&, std::optional<State> resume) {
    Totals t;
    if (resume) std::tie(t.count, t.sum) = *resume;
    return t;
  };
  sluice::detail::LogicPolicy<std::uint64_t, std::uint64_t, State, decltype(build)> policy{build};
  Totals logic = policy.make(7);
  CHECK(logic.count == 0);
  logic.count = 3;
  logic.sum = 12;
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(policy.snapshot(logic));
  }
  State state;
  {
    cereal::BinaryInputArchive in(bytes);
    in(state);
  }
  Totals restored = policy.restore(7, state);
  CHECK(restored.count == 3);
  CHECK(restored.sum == 12);
}

TEST_CASE("records given as runs of unordered epochs apply in epoch order at 1, 2, 3 workers") {
  // Every worker's source gives two activations' worth of runs (EpochRuns) whose epochs
  // repeat and go back and forth, under one capability at the least; a stateful_map
  // keeps each key's history. Keys are the sending worker's own, so the order within
  // an epoch (arrival order: one sender, FIFO) is defined: the history must be the
  // records sorted by epoch, stably.
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    // Per worker and activation: the runs to give, as (epoch, values).
    using Give = std::vector<std::pair<Epoch, std::vector<KV>>>;
    std::vector<std::vector<Give>> gives(workers);
    std::map<std::uint64_t, std::vector<std::pair<Epoch, std::uint64_t>>> sent;  // key -> sent
    std::mt19937_64 rng(seed + workers);
    std::uint64_t next = 0;
    for (std::uint32_t w = 0; w < workers; ++w) {
      for (int act = 0; act < 3; ++act) {
        Give g;
        const int runs = 1 + static_cast<int>(rng() % 6);
        for (int r = 0; r < runs; ++r) {
          const Epoch e = 2 + rng() % 5;
          std::vector<KV> items;
          for (std::uint64_t n = rng() % 4; n-- > 0;) {
            const std::uint64_t key = w * 100 + rng() % 3;
            items.emplace_back(key, next);
            sent[key].emplace_back(e, next++);
          }
          if (!items.empty()) g.emplace_back(e, std::move(items));
        }
        gives[w].push_back(std::move(g));
      }
    }
    Dataflow flow("runs");
    OperatorBuilder b(flow, "src");
    auto [out, stream] = b.add_output<KV>();
    b.build([out, gives](OperatorContext& ctx) {
      return [out, gives, act = std::size_t{0},
              cap = ctx.take_initial_capability()](OperatorContext& ctx) mutable {
        const auto& mine = gives[ctx.worker_index()];
        if (act == mine.size()) {
          cap.drop();
          return;
        }
        cap.downgrade(2);
        std::vector<KV> items;
        EpochRuns runs;
        for (const auto& [epoch, values] : mine[act]) {
          items.insert(items.end(), values.begin(), values.end());
          runs.emplace_back(epoch, items.size());
        }
        if (!runs.empty()) ctx.output(out).give_runs(cap, items, runs);
        ++act;
        ctx.activate();
      };
    });
    using Applied = std::pair<std::uint64_t, std::uint64_t>;  // (n-th application, value)
    auto hist = op::stateful_map("hist", stream, [](std::uint64_t& n, std::uint64_t v) {
      return Applied{++n, v};
    });
    TestingSink<std::pair<std::uint64_t, Applied>> sink;
    op::output("out", hist, sink);
    // The values as applied: the n-th application of a key emits (n, value) at its
    // epoch; the reference is the key's records sorted by epoch, stably.
    RunConfig config;
    config.workers = workers;
    run(flow, config);
    std::map<std::uint64_t, std::vector<std::pair<Epoch, Applied>>> got;
    for (const auto& r : sink.records()) got[r.value.first].emplace_back(r.epoch, r.value.second);
    std::size_t keys = 0;
    for (auto& [key, want] : sent) {
      CAPTURE(key);
      std::stable_sort(want.begin(), want.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      auto& g = got[key];
      std::sort(g.begin(), g.end(),
                [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
      REQUIRE(g.size() == want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        CAPTURE(i);
        CHECK(g[i].second.first == i + 1);
        CHECK(g[i].first == want[i].first);           // applied in epoch order,
        CHECK(g[i].second.second == want[i].second);  // arrival order within one
      }
      ++keys;
    }
    CHECK(keys > 0);
  }
}
