// Tests for KeyedState's change tracking (the snapshot hook): created, changed and
// discarded keys are each reported once, and the report survives a cereal round trip.
#include <sluice/operators/keyed_state.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
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

using namespace sluice;

TEST_CASE("keyed state reports each changed or discarded key once per snapshot") {
  KeyedState<std::string, std::uint64_t> state;
  auto bump = [&](const std::string& key) {
    auto it = state.find_or_make(key, [] { return std::uint64_t{0}; });
    ++KeyedState<std::string, std::uint64_t>::value(it);
    state.changed(it);
  };
  bump("untracked");  // before tracking starts: not reported
  state.track_changes();
  CHECK(state.tracking());
  bump("a");
  bump("a");
  bump("b");
  bump("c");
  state.erase(state.find("c"));
  auto snap = [](const std::uint64_t& v) { return v; };
  auto changes = state.take_changes(snap);
  std::sort(changes.begin(), changes.end());
  using C = std::vector<std::pair<std::string, std::optional<std::uint64_t>>>;
  CHECK(changes == C{{"a", 2}, {"b", 1}, {"c", std::nullopt}});
  CHECK(state.take_changes(snap).empty());  // nothing changed since

  bump("b");
  state.erase_if([](auto it) { return it->first == "a"; });
  changes = state.take_changes(snap);
  std::sort(changes.begin(), changes.end());
  CHECK(changes == C{{"a", std::nullopt}, {"b", 2}});
  CHECK(state.size() == 2);  // b and untracked

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
