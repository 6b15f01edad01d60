// Stream<T>: a typed handle to one output port of a step, which later steps read.
#pragma once

#include <memory>

#include <sluice/engine/detail/graph.hpp>
#include <sluice/progress/location.hpp>

namespace sluice {

class Dataflow;

// Cheap to copy. Reading a stream from several steps tees it (each reader gets every
// record). A Stream keeps its dataflow's description alive.
template <class T>
class Stream {
 public:
  using value_type = T;

  Stream(std::shared_ptr<detail::Graph> graph, progress::Source source)
      : graph_(std::move(graph)), source_(source) {}

  detail::Graph& graph() const { return *graph_; }
  const std::shared_ptr<detail::Graph>& shared_graph() const { return graph_; }
  progress::Source source() const { return source_; }
  // The path of the step that produces this stream.
  const std::string& step_path() const { return graph_->steps[source_.node].path; }

 private:
  std::shared_ptr<detail::Graph> graph_;
  progress::Source source_;
};

}  // namespace sluice
