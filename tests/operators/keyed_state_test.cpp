// Tests for KeyedState: its hash index against a std::map under random inserts, updates
// and erasures (with growth and slot shifting), and its change tracking (the snapshot
// hook): changed keys and discarded stored keys are each reported once, a key made and
// discarded between two reports is not reported, the log matches a reference model
// under random updates and erasures, and the report survives a cereal round trip.
#include <sluice/operators/keyed_state.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <cereal/archives/binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include "../engine/support.hpp"

using namespace sluice;
using sluice_test::test_seed;

namespace {
// "k" and the number, appended: `"k" + std::to_string(n)` (and `std::string("k") + ...`)
// makes GCC 12 warn -Wrestrict inside libstdc++ (a false positive, PR 105329).
std::string key_name(std::uint64_t n) {
  std::string key = "k";
  key += std::to_string(n);
  return key;
}
// A key whose hash four distinct keys share (all 64 bits): what for_each_of_hash must
// tell apart.
struct Shared {
  std::uint32_t id = 0;
  bool operator==(const Shared&) const = default;
  auto operator<=>(const Shared&) const = default;
};
}  // namespace

template <>
struct sluice::KeyHash<Shared> {
  std::uint64_t operator()(const Shared& k) const noexcept { return mix64(k.id / 4); }
};

TEST_CASE("keyed state visits every key of a hash once, also when the visit erases some") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  using State = KeyedState<Shared, std::uint32_t>;
  for (const std::uint32_t keys : {4u, 64u, 3000u}) {
    CAPTURE(keys);
    State state;
    std::map<Shared, std::uint32_t> reference;
    for (int step = 0; step < 20000; ++step) {
      const Shared key{static_cast<std::uint32_t>(rng() % keys)};
      if (rng() % 3 != 0) {
        State::value(state.find_or_make(key, [] { return 0u; })) += 1;
        reference[key] += 1;
        continue;
      }
      // Visit the hash of `key`: the keys of its group of four that are present, each
      // once; erase about half of them during the visit.
      const std::uint64_t h = State::hash(key);
      std::vector<Shared> visited;
      state.for_each_of_hash(h, [&](State::iterator it) {
        REQUIRE(State::hash(it->first) == h);
        visited.push_back(it->first);
        REQUIRE(reference.at(it->first) == State::value(it));
        if (rng() % 2 == 0) return false;
        reference.erase(it->first);
        state.erase(it);
        return true;
      });
      std::vector<Shared> expected;
      for (std::uint32_t id = key.id / 4 * 4; id < key.id / 4 * 4 + 4; ++id) {
        if (reference.count(Shared{id}) != 0 ||
            std::count(visited.begin(), visited.end(), Shared{id}) != 0) {
          expected.push_back(Shared{id});
        }
      }
      std::sort(visited.begin(), visited.end());
      REQUIRE(visited == expected);
      REQUIRE(state.size() == reference.size());
    }
    for (const auto& [key, value] : reference) {
      auto it = state.find(key);
      REQUIRE(it != state.end());
      CHECK(State::value(it) == value);
    }
  }
}

TEST_CASE("keyed state finds, makes and erases the same keys as a std::map") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  using State = KeyedState<std::string, std::uint64_t>;
  // Few distinct keys per round, so erasures hit present keys and probe chains form.
  for (const std::uint64_t keys : {3u, 40u, 700u, 5000u}) {
    CAPTURE(keys);
    State state;
    std::map<std::string, std::uint64_t> reference;
    std::vector<std::pair<std::string, int>> batch;
    for (int step = 0; step < 20000; ++step) {
      const std::string key = key_name(rng() % keys);
      switch (rng() % 6) {
        case 0: {  // erase, if present
          auto it = state.find(key);
          REQUIRE((it == state.end()) == (reference.count(key) == 0));
          if (it != state.end()) {
            state.erase(it);
            reference.erase(key);
          }
          break;
        }
        case 1: {  // a batch of updates through the prefetching loop
          batch.clear();
          for (int i = 0; i < 20; ++i) {
            batch.emplace_back(key_name(rng() % keys), i);
          }
          state.for_each_prefetched(
              batch, [](const auto& kv) -> const std::string& { return kv.first; },
              [&](auto& kv, std::uint64_t hash) {
                REQUIRE(hash == State::hash(kv.first));
                State::value(state.find_or_make(kv.first, hash, [] { return 0; })) += kv.second;
                reference[kv.first] += kv.second;
              });
          break;
        }
        case 2:  // erase a random tenth
          if (step % 50 == 0) {
            state.erase_if([&](State::iterator it) {
              if (rng() % 10 != 0) return false;
              reference.erase(it->first);
              return true;
            });
          }
          break;
        default:
          ++State::value(state.find_or_make(key, [] { return 0; }));
          ++reference[key];
      }
      REQUIRE(state.size() == reference.size());
    }
    std::map<std::string, std::uint64_t> seen;
    state.erase_if([&](State::iterator it) {
      seen[it->first] = State::value(it);
      return false;
    });
    CHECK(seen == reference);
    for (const auto& [key, value] : reference) {
      auto it = state.find(key);
      REQUIRE(it != state.end());
      CHECK(State::value(it) == value);
    }
    CHECK(state.find("absent") == state.end());
  }
}

TEST_CASE("keyed state reports each changed or discarded key once per snapshot") {
  KeyedState<std::string, std::uint64_t> state;
  auto bump = [&](const std::string& key) {
    auto it = state.find_or_make(key, [] { return std::uint64_t{0}; });
    ++KeyedState<std::string, std::uint64_t>::value(it);
    state.changed(it);
  };
  bump("untracked");  // before tracking starts: not reported, but counts as stored
  bump("restored");
  state.track_changes();
  CHECK(state.tracking());
  bump("a");
  bump("a");
  bump("b");
  bump("c");
  state.erase(state.find("c"));  // made and discarded before a report: nothing stored
  state.erase(state.find("restored"));
  auto snap = [](const std::uint64_t& v) { return v; };
  auto changes = state.take_changes(snap);
  std::sort(changes.begin(), changes.end());
  using C = std::vector<std::pair<std::string, std::optional<std::uint64_t>>>;
  CHECK(changes == C{{"a", 2}, {"b", 1}, {"restored", std::nullopt}});
  CHECK(state.take_changes(snap).empty());  // nothing changed since

  bump("b");
  state.erase_if([](auto it) { return it->first == "a"; });
  changes = state.take_changes(snap);
  std::sort(changes.begin(), changes.end());
  CHECK(changes == C{{"a", std::nullopt}, {"b", 2}});
  CHECK(state.size() == 2);  // b and untracked

  // Discarded and made again: the discard first, then the new value (the later wins).
  state.erase(state.find("b"));
  bump("b");
  CHECK(state.take_changes(snap) == C{{"b", std::nullopt}, {"b", 1}});

  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(changes);
  }
  C back;
  {
    cereal::BinaryInputArchive in(bytes);
    in(back);
  }
  CHECK(back == changes);
}

TEST_CASE("keyed state's change log matches a reference under random updates and erasures") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (rerun with SLUICE_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  KeyedState<std::uint32_t, std::uint64_t> state;
  std::map<std::uint32_t, std::uint64_t> live;  // the reference: values,
  std::map<std::uint32_t, bool> stored;         // keys with a stored version,
  std::map<std::uint32_t, bool> dirty;          // keys changed since the last take
  for (std::uint32_t k = 0; k < 20; ++k) {      // restored before tracking
    auto it = state.find_or_make(k, [] { return std::uint64_t{1}; });
    (void)it;
    live[k] = 1;
    stored[k] = true;
  }
  state.track_changes();
  for (int step = 0; step < 20000; ++step) {
    const auto key = static_cast<std::uint32_t>(rng() % 200);
    const unsigned op = rng() % 16;
    if (op < 9) {
      auto it = state.find_or_make(key, [] { return std::uint64_t{0}; });
      ++KeyedState<std::uint32_t, std::uint64_t>::value(it);
      state.changed(it);
      ++live[key];
      dirty[key] = true;
    } else if (op < 15) {
      auto it = state.find(key);
      REQUIRE((it == state.end()) == (live.count(key) == 0));
      if (it != state.end()) state.erase(it);
      live.erase(key);
      dirty.erase(key);
    } else {
      // What a snapshot must write: every live changed key's value, and a tombstone
      // for every stored key that is gone.
      std::map<std::uint32_t, std::optional<std::uint64_t>> want;
      for (const auto& [k, s] : stored) {
        if (s && live.count(k) == 0) want[k] = std::nullopt;
      }
      for (const auto& [k, d] : dirty) {
        if (d) want[k] = live.at(k);
      }
      std::map<std::uint32_t, std::optional<std::uint64_t>> got;
      state.for_each_change([&](std::uint32_t k, std::uint64_t h, const std::uint64_t* v) {
        CHECK(h == KeyedState<std::uint32_t, std::uint64_t>::hash(k));
        got[k] = v ? std::optional<std::uint64_t>(*v) : std::nullopt;  // the later wins
      });
      REQUIRE(got == want);
      for (const auto& [k, v] : want) stored[k] = v.has_value();
      dirty.clear();
    }
  }
}
