// Dataflow: the user's graph of named steps, built once and run on every worker.
//
// A Dataflow is a description: building it runs no user code and moves no data.
// Steps are added through operators (sluice/operators/...), each returning the
// Stream(s) it produces; a step can only read streams that already exist, so every
// dataflow is acyclic. Not thread-safe; build it on one thread, then run it.
#pragma once

#include <memory>
#include <string>

#include <sluice/engine/detail/graph.hpp>

namespace sluice {

namespace detail {
// Adds a step and returns its node number. Throws ConfigError if `id` is empty,
// contains '.', or is already used in this dataflow.
std::uint32_t add_step(Graph& graph, std::string id);
// As add_step, for a step inside a composite operator: `id` is "parent.child"
// (each part non-empty); only the uniqueness of the whole id is checked.
std::uint32_t add_nested_step(Graph& graph, std::string id);
}  // namespace detail

class Dataflow {
 public:
  // `name` prefixes every step path ("wordcount.split"). Throws ConfigError if empty
  // or containing '.'.
  explicit Dataflow(std::string name);

  const std::string& name() const { return graph_->name; }
  std::size_t step_count() const { return graph_->steps.size(); }

  // Internal: the description operators extend and the runtime instantiates.
  detail::Graph& graph() const { return *graph_; }
  const std::shared_ptr<detail::Graph>& shared_graph() const { return graph_; }

 private:
  std::shared_ptr<detail::Graph> graph_;
};

}  // namespace sluice
