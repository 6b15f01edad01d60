// render_graph: Mermaid flowchart or Graphviz digraph of a dataflow.
#include <sluice/engine/graph_output.hpp>

#include <sstream>

namespace sluice {

namespace {

std::string edge_label(const detail::Graph& graph, const detail::InputDesc& in, std::uint32_t node,
                       std::uint32_t port) {
  std::string label;
  if (in.pact == detail::PactKind::Exchange) label = "exchange";
  if (in.pact == detail::PactKind::Broadcast) label = "broadcast";
  const auto& from = graph.steps[in.from.node];
  const auto& to = graph.steps[node];
  if (from.outputs.size() > 1 || to.inputs.size() > 1) {
    if (!label.empty()) label += " ";
    label += std::to_string(in.from.port) + "→" + std::to_string(port);
  }
  return label;
}

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string render_graph(const Dataflow& flow, GraphFormat format) {
  const detail::Graph& graph = flow.graph();
  std::ostringstream os;
  if (format == GraphFormat::Mermaid) {
    os << "flowchart TD\n";
  } else {
    os << "digraph \"" << escaped(graph.name) << "\" {\n";
  }
  for (std::uint32_t n = 0; n < graph.steps.size(); ++n) {
    const std::string path = escaped(graph.steps[n].path);
    if (format == GraphFormat::Mermaid) {
      os << "  n" << n << "[\"" << path << "\"]\n";
    } else {
      os << "  n" << n << " [label=\"" << path << "\"];\n";
    }
  }
  for (std::uint32_t n = 0; n < graph.steps.size(); ++n) {
    const auto& inputs = graph.steps[n].inputs;
    for (std::uint32_t port = 0; port < inputs.size(); ++port) {
      const std::string label = edge_label(graph, inputs[port], n, port);
      const std::uint32_t from = inputs[port].from.node;
      if (format == GraphFormat::Mermaid) {
        os << "  n" << from << " -->" << (label.empty() ? "" : "|" + label + "|") << " n" << n
           << "\n";
      } else {
        os << "  n" << from << " -> n" << n;
        if (!label.empty()) os << " [label=\"" << label << "\"]";
        os << ";\n";
      }
    }
  }
  if (format == GraphFormat::Dot) os << "}\n";
  return os.str();
}

}  // namespace sluice
