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

// Records that a step reads or writes a file, after checking it against the claims
// already recorded: throws ConfigError naming both steps, both paths and what to fix
// if one of the two writes (Write, or SharedWrite against a reader or a writer) a file
// the other reads or writes. Files are compared by device and inode (a symbolic link
// or another spelling of a path is the same file); a file that does not exist yet by
// its resolved directory and name. Non-regular files (/dev/null, terminals, pipes,
// FIFOs, character devices) never conflict.
void claim_file(Graph& graph, FileClaim claim);
// Checks every pair of the graph's claims again, against the files as they are now
// (run() calls it before any worker starts). Throws ConfigError as claim_file.
void check_file_claims(const Graph& graph);
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
