// Renders a Dataflow's steps and edges as Mermaid or Graphviz dot text (what
// bytewax.visualize does); `--graph mermaid|dot` on the standard command line prints it.
#pragma once

#include <string>

#include <sluice/engine/dataflow.hpp>

namespace sluice {

enum class GraphFormat { Mermaid, Dot };

// One node per step (labelled with its path), one edge per input port (labelled with
// its pact when it is not pipeline, and with the port numbers when a step has several).
std::string render_graph(const Dataflow& flow, GraphFormat format);

}  // namespace sluice
