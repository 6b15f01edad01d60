// Tests for GraphBuilder and Tracker: frontiers implied by capabilities and messages in flight,
// summaries, fan-in and fan-out, Product times, cycle and port validation.
#include <sluice/progress/reachability.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace sluice::progress;
using P = Product<uint64_t, uint64_t>;

namespace {

template <class T>
std::vector<T> frontier_of(const MutableAntichain<T>& m) {
  return std::vector<T>(m.frontier().begin(), m.frontier().end());
}

using Epochs = std::vector<uint64_t>;

// 0 (source) -> 1 -> 2 (sink); node 1's summary is `delay`.
GraphBuilder<uint64_t> chain(uint64_t delay = 0) {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 1);
  g.add_node(1, 1, {{delay}});
  g.add_node(1, 0);
  g.add_edge({0, 0}, {1, 0});
  g.add_edge({1, 0}, {2, 0});
  return g;
}

}  // namespace

TEST_CASE("a frontier does not pass a held capability") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 0})) == Epochs{0});
  CHECK(frontier_of(tracker.frontier(Source{1, 0})) == Epochs{0});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{0});
  CHECK(tracker.tracking_anything());
}

TEST_CASE("updates take effect only at propagate") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 1);
  CHECK(tracker.frontier(Target{2, 0}).empty());
  CHECK_FALSE(tracker.tracking_anything());
  tracker.propagate();
  CHECK_FALSE(tracker.frontier(Target{2, 0}).empty());
}

TEST_CASE("downgrading a capability advances downstream frontiers and reports the change") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 1);
  tracker.propagate();
  tracker.pushed_changes().clear();
  tracker.update_source({0, 0}, 0, -1);
  tracker.update_source({0, 0}, 1, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{1});
  auto pushed = tracker.pushed_changes().drain();
  using Change = std::pair<std::pair<Target, uint64_t>, int64_t>;
  CHECK(pushed == std::vector<Change>{{{Target{1, 0}, 0}, -1},
                                      {{Target{1, 0}, 1}, 1},
                                      {{Target{2, 0}, 0}, -1},
                                      {{Target{2, 0}, 1}, 1}});
}

TEST_CASE("pushed changes accumulate across propagate calls until cleared") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 1);
  tracker.propagate();
  tracker.update_source({0, 0}, 0, -1);
  tracker.update_source({0, 0}, 2, 1);
  tracker.propagate();
  auto pushed = tracker.pushed_changes().drain();
  using Change = std::pair<std::pair<Target, uint64_t>, int64_t>;
  CHECK(pushed == std::vector<Change>{{{Target{1, 0}, 2}, 1}, {{Target{2, 0}, 2}, 1}});
  tracker.propagate();
  CHECK(tracker.pushed_changes().empty());
}

TEST_CASE("a message in flight holds its target after its capability is dropped") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 1);
  tracker.propagate();
  tracker.update_target({1, 0}, 3, 1);  // sent at 3 under the capability at 0
  tracker.update_source({0, 0}, 0, -1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 0})) == Epochs{3});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{3});
  CHECK(tracker.frontier(Source{0, 0}).empty());
  tracker.update_target({1, 0}, 3, -1);  // consumed
  tracker.propagate();
  CHECK(tracker.frontier(Target{1, 0}).empty());
  CHECK(tracker.frontier(Target{2, 0}).empty());
  CHECK_FALSE(tracker.tracking_anything());
}

TEST_CASE("a consumer's -1 arriving before the producer's +1 does not advance the frontier") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 1);
  tracker.propagate();
  tracker.update_target({1, 0}, 0, -1);  // the consumer's batch overtook the producer's
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 0})) == Epochs{0});
  CHECK(tracker.pointstamps(Location::of(Target{1, 0})).count_for(0) == -1);
  CHECK(tracker.tracking_anything());
  tracker.update_target({1, 0}, 0, 1);  // the producer's +1 and release
  tracker.update_source({0, 0}, 0, -1);
  tracker.propagate();
  CHECK(tracker.frontier(Target{2, 0}).empty());
  CHECK_FALSE(tracker.tracking_anything());
}

TEST_CASE("counts from several workers add up") {
  Tracker<uint64_t> tracker(chain());
  tracker.update_source({0, 0}, 0, 3);
  tracker.propagate();
  tracker.update_source({0, 0}, 0, -1);
  tracker.update_source({0, 0}, 0, -1);
  tracker.update_source({0, 0}, 5, 2);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{0});
  tracker.update_source({0, 0}, 0, -1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{5});
}

TEST_CASE("an operator summary shifts the frontiers downstream of it") {
  Tracker<uint64_t> tracker(chain(2));
  tracker.update_source({0, 0}, 1, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 0})) == Epochs{1});
  CHECK(frontier_of(tracker.frontier(Source{1, 0})) == Epochs{3});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{3});
}

TEST_CASE("a capability downstream holds back less than its time allows") {
  Tracker<uint64_t> tracker(chain(2));
  tracker.update_source({0, 0}, 5, 1);
  tracker.update_source({1, 0}, 4, 1);  // node 1 holds an earlier capability of its own
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Source{1, 0})) == Epochs{4});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{4});
  tracker.update_source({1, 0}, 4, -1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{7});
}

TEST_CASE("a disconnected input does not hold back the output") {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 2);
  g.add_node(2, 1, {{0}, {std::nullopt}});
  g.add_node(1, 0);
  g.add_edge({0, 0}, {1, 0});
  g.add_edge({0, 1}, {1, 1});
  g.add_edge({1, 0}, {2, 0});
  Tracker<uint64_t> tracker(g);
  tracker.update_source({0, 0}, 4, 1);
  tracker.update_source({0, 1}, 1, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 1})) == Epochs{1});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{4});
}

TEST_CASE("the frontier where streams merge is the least of its upstream frontiers") {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 1);
  g.add_node(0, 1);
  g.add_node(1, 0);
  g.add_edge({0, 0}, {2, 0});
  g.add_edge({1, 0}, {2, 0});
  Tracker<uint64_t> tracker(g);
  tracker.update_source({0, 0}, 7, 1);
  tracker.update_source({1, 0}, 3, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{3});
  tracker.update_source({1, 0}, 3, -1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{7});
}

TEST_CASE("an output feeding two inputs holds both") {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 1);
  g.add_node(1, 0);
  g.add_node(1, 0);
  g.add_edge({0, 0}, {1, 0});
  g.add_edge({0, 0}, {2, 0});
  Tracker<uint64_t> tracker(g);
  tracker.update_source({0, 0}, 2, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 0})) == Epochs{2});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == Epochs{2});
}

TEST_CASE("nodes need not be numbered in topological order") {
  GraphBuilder<uint64_t> g;
  g.add_node(1, 0);         // 0: sink
  g.add_node(1, 1, {{1}});  // 1: middle
  g.add_node(0, 1);         // 2: source
  g.add_edge({2, 0}, {1, 0});
  g.add_edge({1, 0}, {0, 0});
  Tracker<uint64_t> tracker(g);
  tracker.update_source({2, 0}, 0, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{0, 0})) == Epochs{1});
}

TEST_CASE("a time a summary cannot advance implies nothing downstream") {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  Tracker<uint64_t> tracker(chain(1));
  tracker.update_source({0, 0}, max, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 0})) == Epochs{max});
  CHECK(tracker.frontier(Source{1, 0}).empty());
  CHECK(tracker.frontier(Target{2, 0}).empty());
}

TEST_CASE("product times with non-identity summaries form antichain frontiers") {
  // 0 -> 1; node 1 has two outputs, advancing the inner or the outer coordinate; both feed
  // node 2's only input.
  GraphBuilder<P> g;
  g.add_node(0, 1);
  g.add_node(1, 2, {{P{0, 1}, P{1, 0}}});
  g.add_node(1, 0);
  g.add_edge({0, 0}, {1, 0});
  g.add_edge({1, 0}, {2, 0});
  g.add_edge({1, 1}, {2, 0});
  Tracker<P> tracker(g);
  tracker.update_source({0, 0}, P{0, 0}, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Source{1, 0})) == std::vector<P>{P{0, 1}});
  CHECK(frontier_of(tracker.frontier(Source{1, 1})) == std::vector<P>{P{1, 0}});
  CHECK(frontier_of(tracker.frontier(Target{2, 0})) == std::vector<P>{P{0, 1}, P{1, 0}});
  CHECK_FALSE(tracker.frontier(Target{2, 0}).less_equal(P{0, 0}));
  tracker.pushed_changes().clear();

  tracker.update_source({0, 0}, P{0, 0}, -1);
  tracker.update_source({0, 0}, P{0, 5}, 1);
  tracker.propagate();
  const auto& f = tracker.frontier(Target{2, 0});
  CHECK(frontier_of(f) == std::vector<P>{P{0, 6}, P{1, 5}});
  CHECK(f.less_equal(P{2, 6}));
  CHECK_FALSE(f.less_equal(P{0, 5}));
  CHECK_FALSE(f.less_equal(P{5, 4}));
  auto pushed = tracker.pushed_changes().drain();
  using Change = std::pair<std::pair<Target, P>, int64_t>;
  CHECK(pushed == std::vector<Change>{{{Target{1, 0}, P{0, 0}}, -1},
                                      {{Target{1, 0}, P{0, 5}}, 1},
                                      {{Target{2, 0}, P{0, 1}}, -1},
                                      {{Target{2, 0}, P{0, 6}}, 1},
                                      {{Target{2, 0}, P{1, 0}}, -1},
                                      {{Target{2, 0}, P{1, 5}}, 1}});
}

TEST_CASE("a cycle is refused with the nodes on it") {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 1);
  g.add_node(2, 1);
  g.add_node(1, 1);
  g.add_edge({0, 0}, {1, 0});
  g.add_edge({1, 0}, {2, 0});
  g.add_edge({2, 0}, {1, 1});
  std::string message;
  try {
    Tracker<uint64_t> tracker(g);
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find("cycle") != std::string::npos);
  const bool names_cycle = message.find("1 -> 2 -> 1") != std::string::npos ||
                           message.find("2 -> 1 -> 2") != std::string::npos;
  CHECK(names_cycle);
}

TEST_CASE("a feedback edge into a disconnected input is not a cycle") {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 1);
  g.add_node(2, 1, {{0}, {std::nullopt}});
  g.add_edge({0, 0}, {1, 0});
  g.add_edge({1, 0}, {1, 1});
  Tracker<uint64_t> tracker(g);
  tracker.update_source({0, 0}, 0, 1);
  tracker.propagate();
  CHECK(frontier_of(tracker.frontier(Target{1, 1})) == Epochs{0});
}

TEST_CASE("an edge to or from a port that does not exist is refused") {
  GraphBuilder<uint64_t> g;
  g.add_node(0, 1);
  g.add_node(1, 0);
  CHECK_THROWS_AS(g.add_edge({0, 1}, {1, 0}), std::invalid_argument);
  CHECK_THROWS_AS(g.add_edge({0, 0}, {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(g.add_edge({2, 0}, {1, 0}), std::invalid_argument);
  CHECK_THROWS_WITH(g.add_edge({0, 0}, {5, 0}), doctest::Contains("node 5"));
  CHECK_NOTHROW(g.add_edge({0, 0}, {1, 0}));
  CHECK(g.edges().size() == 1);
}

TEST_CASE("a summary matrix of the wrong shape is refused") {
  GraphBuilder<uint64_t> g;
  CHECK_THROWS_AS(g.add_node(2, 1, {{0}}), std::invalid_argument);
  CHECK_THROWS_AS(g.add_node(1, 2, {{0}}), std::invalid_argument);
  CHECK(g.node_count() == 0);
  CHECK(g.add_node(1, 2, {{0, std::nullopt}}) == 0);
  CHECK(g.inputs(0) == 1);
  CHECK(g.outputs(0) == 2);
}

TEST_CASE("releasing everything leaves no frontier and nothing tracked") {
  Tracker<uint64_t> tracker(chain(1));
  tracker.update_source({0, 0}, 0, 2);
  tracker.update_source({1, 0}, 3, 1);
  tracker.update_target({2, 0}, 4, 1);
  tracker.propagate();
  CHECK(tracker.tracking_anything());
  tracker.update_source({0, 0}, 0, -2);
  tracker.update_source({1, 0}, 3, -1);
  tracker.update_target({2, 0}, 4, -1);
  tracker.propagate();
  for (Target t : {Target{1, 0}, Target{2, 0}}) CHECK(tracker.frontier(t).empty());
  CHECK(tracker.frontier(Source{1, 0}).empty());
  CHECK_FALSE(tracker.tracking_anything());
}
