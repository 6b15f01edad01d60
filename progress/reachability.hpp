// The reachability tracker: turns pointstamp counts (capabilities at operator outputs, messages
// in flight at operator inputs) into implication frontiers at every port of an acyclic dataflow
// graph, as Timely's reachability::Tracker does. One tracker per worker; counts are global.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <sluice/progress/antichain.hpp>
#include <sluice/progress/change_batch.hpp>
#include <sluice/progress/location.hpp>
#include <sluice/progress/timestamp.hpp>

namespace sluice::progress {

// Describes the graph: nodes with input and output ports, the path summary from each input to
// each output of a node, and edges from outputs (Sources) to inputs (Targets).
template <Timestamp T>
class GraphBuilder {
 public:
  using Summary = typename TimestampTraits<T>::Summary;

  // Adds node number N (= the number of nodes added before) and returns N. summary[i][j] is the
  // path summary from input i to output j, or nullopt when input i cannot cause output j.
  // Throws std::invalid_argument unless summary has `inputs` rows of `outputs` entries.
  uint32_t add_node(uint32_t inputs, uint32_t outputs,
                    std::vector<std::vector<std::optional<Summary>>> summary);

  // Every input connected to every output with the identity summary.
  uint32_t add_node(uint32_t inputs, uint32_t outputs) {
    std::vector<std::vector<std::optional<Summary>>> summary(
        inputs, std::vector<std::optional<Summary>>(outputs, TimestampTraits<T>::identity()));
    return add_node(inputs, outputs, std::move(summary));
  }

  // Connects output port `from` to input port `to`. Throws std::invalid_argument, naming the
  // port, if either does not exist.
  void add_edge(Source from, Target to);

  uint32_t node_count() const { return static_cast<uint32_t>(nodes_.size()); }
  // Port counts of `node`; throws std::invalid_argument for an unknown node.
  uint32_t inputs(uint32_t node) const { return checked(node).inputs; }
  uint32_t outputs(uint32_t node) const { return checked(node).outputs; }

  // The summary from input `input` to output `output` of `node` (nullopt: not connected).
  const std::optional<Summary>& summary(uint32_t node, uint32_t input, uint32_t output) const {
    return checked(node).summary.at(input).at(output);
  }
  // All edges, in the order they were added.
  std::span<const std::pair<Source, Target>> edges() const { return edges_; }

 private:
  struct Node {
    uint32_t inputs;
    uint32_t outputs;
    std::vector<std::vector<std::optional<Summary>>> summary;
  };

  const Node& checked(uint32_t node) const;

  std::vector<Node> nodes_;
  std::vector<std::pair<Source, Target>> edges_;
};

// Tracks pointstamp counts for one worker and derives, per port, the implication frontier: the
// times at which that port may still see data. Counts are global (summed over all workers), fed
// by applying every worker's ProgressMessages in per-sender FIFO order. Counts may be negative
// transiently; only positive counts hold frontiers back. Not thread safe.
//
// Steady-state update() + propagate() does not allocate once the internal vectors have grown.
// A broken invariant (a negative implication count, an update at a port that does not exist)
// is a bug: the tracker prints the port and counts to stderr and aborts.
template <Timestamp T>
class Tracker {
 public:
  using Summary = typename TimestampTraits<T>::Summary;

  // Throws std::invalid_argument, naming the nodes on the cycle, if some port can reach itself
  // (through edges and connected input->output summaries): sluice dataflows are DAGs.
  explicit Tracker(const GraphBuilder<T>& graph);

  // Buffers a change to the pointstamp count of (loc, t): capabilities at Sources (operator
  // outputs), messages in flight at Targets (operator inputs). Nothing is computed until
  // propagate().
  void update(Location loc, const T& t, int64_t delta) {
    staged_.update(std::pair<uint32_t, T>(index_of(loc), t), delta);
  }
  void update_source(Source s, const T& t, int64_t delta) { update(Location::of(s), t, delta); }
  void update_target(Target t, const T& time, int64_t delta) {
    update(Location::of(t), time, delta);
  }

  // Applies the buffered updates and recomputes implications: pointstamp frontier changes at a
  // port change its implications, which flow along edges (identity) and through operator
  // summaries to downstream ports. Ports are visited once each, in topological order.
  void propagate();

  // Implication frontier changes at Targets produced by propagate() calls since the caller last
  // cleared this batch: ((target, time), +1) when time entered the frontier, -1 when it left.
  ChangeBatch<std::pair<Target, T>>& pushed_changes() { return pushed_; }

  // The implication frontier at an input port: the times at which messages may still arrive.
  const MutableAntichain<T>& frontier(Target t) const {
    return ports_[index_of(Location::of(t))].implications;
  }
  // The implication frontier at an output port: the times at which it may still produce data.
  const MutableAntichain<T>& frontier(Source s) const {
    return ports_[index_of(Location::of(s))].implications;
  }
  // The pointstamp counts at a port, as of the last propagate().
  const MutableAntichain<T>& pointstamps(Location loc) const {
    return ports_[index_of(loc)].pointstamps;
  }

  // Some pointstamp count (positive or negative) is non-zero, as of the last propagate().
  bool tracking_anything() const;

  uint32_t node_count() const { return static_cast<uint32_t>(node_base_.size()); }

 private:
  // A port's state. Ports are stored in topological order, so every arc leads to a higher index.
  struct Port {
    Location location;
    MutableAntichain<T> pointstamps;
    MutableAntichain<T> implications;
    ChangeBatch<T> pending;  // implication changes not yet applied
    uint32_t arcs_begin = 0;
    uint32_t arcs_end = 0;
  };
  // Source -> Target along an edge (summary unused: identity), or Target -> Source of the same
  // node through the operator's summary.
  struct Arc {
    uint32_t to;
    Summary summary;
  };

  uint32_t index_of(Location loc) const {
    if (loc.node >= node_base_.size()) bad_location(loc);
    uint32_t ports = loc.kind == PortKind::Target ? inputs_[loc.node] : outputs_[loc.node];
    if (loc.port >= ports) bad_location(loc);
    uint32_t natural = node_base_[loc.node] + loc.port;
    if (loc.kind == PortKind::Source) natural += inputs_[loc.node];
    return index_of_natural_[natural];
  }
  [[noreturn]] void bad_location(Location loc) const;
  [[noreturn]] void negative_implication(const Port& port) const;
  void enqueue(uint32_t port, const T& t, int64_t delta);
  // Applies a port's pending implication changes and passes its frontier changes on.
  void process(Port& port);

  // Graph shape. "Natural" port ids: node_base_[n] + input, node_base_[n] + inputs + output.
  std::vector<uint32_t> node_base_;
  std::vector<uint32_t> inputs_;
  std::vector<uint32_t> outputs_;
  std::vector<uint32_t> index_of_natural_;
  std::vector<Port> ports_;
  std::vector<Arc> arcs_;

  ChangeBatch<std::pair<uint32_t, T>> staged_;  // (port index, time) -> delta
  ChangeBatch<T> scratch_;                      // frontier changes of the port being processed
  std::vector<uint64_t> dirty_;                 // bit per port: pending holds changes
  ChangeBatch<std::pair<Target, T>> pushed_;
};

namespace detail {

// Renders a time for diagnostics ("<time>" for types without an overload here).
template <class T>
std::string time_to_string(const T&) {
  return "<time>";
}
inline std::string time_to_string(uint64_t t) {
  return std::to_string(t);
}
template <class A, class B>
std::string time_to_string(const Product<A, B>& t) {
  std::string s = "(";
  s += time_to_string(t.outer);
  s += ", ";
  s += time_to_string(t.inner);
  s += ')';
  return s;
}

std::string location_to_string(Location loc);
[[noreturn]] void progress_bug(const std::string& message);

}  // namespace detail

// ---- GraphBuilder ----

template <Timestamp T>
uint32_t GraphBuilder<T>::add_node(uint32_t inputs, uint32_t outputs,
                                   std::vector<std::vector<std::optional<Summary>>> summary) {
  uint32_t node = node_count();
  bool shaped = summary.size() == inputs;
  for (const auto& row : summary) shaped = shaped && row.size() == outputs;
  if (!shaped) {
    throw std::invalid_argument("GraphBuilder::add_node: node " + std::to_string(node) + " has " +
                                std::to_string(inputs) + " inputs and " + std::to_string(outputs) +
                                " outputs, but its summary is not an inputs x outputs matrix");
  }
  nodes_.push_back(Node{inputs, outputs, std::move(summary)});
  return node;
}

template <Timestamp T>
void GraphBuilder<T>::add_edge(Source from, Target to) {
  auto missing = [&](const char* which, uint32_t node, uint32_t port, const char* kind) {
    throw std::invalid_argument(std::string("GraphBuilder::add_edge: ") + which + " node " +
                                std::to_string(node) + " has no " + kind + " port " +
                                std::to_string(port));
  };
  if (from.node >= nodes_.size() || from.port >= nodes_[from.node].outputs) {
    missing("source", from.node, from.port, "output");
  }
  if (to.node >= nodes_.size() || to.port >= nodes_[to.node].inputs) {
    missing("target", to.node, to.port, "input");
  }
  edges_.emplace_back(from, to);
}

template <Timestamp T>
const typename GraphBuilder<T>::Node& GraphBuilder<T>::checked(uint32_t node) const {
  if (node >= nodes_.size()) {
    throw std::invalid_argument("GraphBuilder: no node " + std::to_string(node) + " (there are " +
                                std::to_string(nodes_.size()) + ")");
  }
  return nodes_[node];
}

// ---- Tracker ----

template <Timestamp T>
Tracker<T>::Tracker(const GraphBuilder<T>& graph) {
  const uint32_t nodes = graph.node_count();
  std::vector<Location> natural_location;
  for (uint32_t n = 0; n < nodes; ++n) {
    node_base_.push_back(static_cast<uint32_t>(natural_location.size()));
    inputs_.push_back(graph.inputs(n));
    outputs_.push_back(graph.outputs(n));
    for (uint32_t i = 0; i < inputs_[n]; ++i) natural_location.push_back({n, i, PortKind::Target});
    for (uint32_t o = 0; o < outputs_[n]; ++o) natural_location.push_back({n, o, PortKind::Source});
  }
  const uint32_t count = static_cast<uint32_t>(natural_location.size());
  auto natural_of = [&](Location loc) {
    uint32_t id = node_base_[loc.node] + loc.port;
    return loc.kind == PortKind::Source ? id + inputs_[loc.node] : id;
  };

  // Arcs between natural ids: edges, then connected operator summaries.
  std::vector<std::vector<std::pair<uint32_t, Summary>>> out(count);
  std::vector<std::vector<uint32_t>> in(count);
  auto add_arc = [&](uint32_t from, uint32_t to, const Summary& s) {
    out[from].emplace_back(to, s);
    in[to].push_back(from);
  };
  for (const auto& [from, to] : graph.edges()) {
    add_arc(natural_of(Location::of(from)), natural_of(Location::of(to)),
            TimestampTraits<T>::identity());
  }
  for (uint32_t n = 0; n < nodes; ++n) {
    for (uint32_t i = 0; i < inputs_[n]; ++i) {
      for (uint32_t o = 0; o < outputs_[n]; ++o) {
        if (const auto& s = graph.summary(n, i, o)) {
          add_arc(natural_of({n, i, PortKind::Target}), natural_of({n, o, PortKind::Source}), *s);
        }
      }
    }
  }

  // Kahn's algorithm: ports in topological order, or a cycle among the leftovers.
  std::vector<uint32_t> remaining_in(count);
  std::vector<uint32_t> order;
  for (uint32_t p = 0; p < count; ++p) {
    remaining_in[p] = static_cast<uint32_t>(in[p].size());
    if (remaining_in[p] == 0) order.push_back(p);
  }
  for (std::size_t k = 0; k < order.size(); ++k) {
    for (const auto& arc : out[order[k]]) {
      if (--remaining_in[arc.first] == 0) order.push_back(arc.first);
    }
  }
  if (order.size() < count) {
    // Every leftover port has a leftover predecessor: walk backwards until a port repeats.
    uint32_t p = 0;
    while (remaining_in[p] == 0) ++p;
    std::vector<uint32_t> seen_at(count, UINT32_MAX);
    std::vector<uint32_t> walk;
    while (seen_at[p] == UINT32_MAX) {
      seen_at[p] = static_cast<uint32_t>(walk.size());
      walk.push_back(p);
      p = *std::find_if(in[p].begin(), in[p].end(), [&](uint32_t q) { return remaining_in[q]; });
    }
    std::vector<uint32_t> cycle(walk.begin() + seen_at[p], walk.end());
    std::reverse(cycle.begin(), cycle.end());  // forward direction
    std::string path;
    uint32_t last_node = UINT32_MAX;
    for (uint32_t q : cycle) {
      if (natural_location[q].node == last_node) continue;
      last_node = natural_location[q].node;
      path += std::to_string(last_node) + " -> ";
    }
    path += std::to_string(natural_location[cycle.front()].node);
    throw std::invalid_argument("Tracker: the dataflow graph has a cycle through nodes " + path +
                                " (sluice dataflows must be acyclic)");
  }

  index_of_natural_.resize(count);
  for (uint32_t k = 0; k < count; ++k) index_of_natural_[order[k]] = k;
  ports_.resize(count);
  for (uint32_t k = 0; k < count; ++k) {
    Port& port = ports_[k];
    port.location = natural_location[order[k]];
    port.arcs_begin = static_cast<uint32_t>(arcs_.size());
    for (const auto& [to, s] : out[order[k]]) arcs_.push_back(Arc{index_of_natural_[to], s});
    port.arcs_end = static_cast<uint32_t>(arcs_.size());
  }
  dirty_.assign((count + 63) / 64, 0);
}

template <Timestamp T>
void Tracker<T>::enqueue(uint32_t port, const T& t, int64_t delta) {
  ports_[port].pending.update(t, delta);
  dirty_[port / 64] |= uint64_t{1} << (port % 64);
}

template <Timestamp T>
void Tracker<T>::propagate() {
  // Pointstamp changes, grouped by port, become changes to that port's implications.
  auto staged = staged_.updates();
  for (std::size_t i = 0; i < staged.size();) {
    const uint32_t port = staged[i].first.first;
    std::size_t j = i + 1;
    while (j < staged.size() && staged[j].first.first == port) ++j;
    scratch_.clear();
    ports_[port].pointstamps.update_iter(
        staged.begin() + i, staged.begin() + j, scratch_, [](const auto& entry) {
          return std::pair<const T&, int64_t>(entry.first.second, entry.second);
        });
    for (const auto& [t, delta] : scratch_.updates()) enqueue(port, t, delta);
    i = j;
  }
  staged_.clear();

  // Every arc leads to a higher index, so visiting dirty ports in increasing index visits each
  // port once, after all of its upstream ports. Visiting a port only marks higher ones dirty,
  // which this scan (re-reading the current word) still reaches.
  for (std::size_t word = 0; word < dirty_.size(); ++word) {
    while (dirty_[word] != 0) {
      const uint32_t index = static_cast<uint32_t>(word * 64 + std::countr_zero(dirty_[word]));
      dirty_[word] &= dirty_[word] - 1;
      process(ports_[index]);
    }
  }
}

template <Timestamp T>
void Tracker<T>::process(Port& port) {
  auto pending = port.pending.updates();
  if (pending.empty()) return;
  scratch_.clear();
  port.implications.update_iter(pending.begin(), pending.end(), scratch_);
  port.pending.clear();
  if (port.implications.any_negative()) negative_implication(port);

  const bool is_target = port.location.kind == PortKind::Target;
  for (const auto& [t, delta] : scratch_.updates()) {
    if (is_target) {
      pushed_.update({Target{port.location.node, port.location.port}, t}, delta);
      for (uint32_t a = port.arcs_begin; a < port.arcs_end; ++a) {
        if (auto next = TimestampTraits<T>::results_in(arcs_[a].summary, t)) {
          enqueue(arcs_[a].to, *next, delta);
        }
      }
    } else {
      for (uint32_t a = port.arcs_begin; a < port.arcs_end; ++a) enqueue(arcs_[a].to, t, delta);
    }
  }
}

template <Timestamp T>
bool Tracker<T>::tracking_anything() const {
  return std::any_of(ports_.begin(), ports_.end(),
                     [](const Port& p) { return !p.pointstamps.all_zero(); });
}

template <Timestamp T>
void Tracker<T>::bad_location(Location loc) const {
  detail::progress_bug("Tracker: update or query at " + detail::location_to_string(loc) +
                       ", which does not exist in this graph of " +
                       std::to_string(node_base_.size()) + " nodes");
}

template <Timestamp T>
void Tracker<T>::negative_implication(const Port& port) const {
  std::string counts;
  for (const auto& [t, c] : port.implications.counts()) {
    counts += ' ';
    counts += detail::time_to_string(t);
    counts += ':';
    counts += std::to_string(c);
  }
  detail::progress_bug("Tracker: negative implication count at " +
                       detail::location_to_string(port.location) + "; counts (time:count)" +
                       counts);
}

extern template class GraphBuilder<uint64_t>;
extern template class Tracker<uint64_t>;

}  // namespace sluice::progress
