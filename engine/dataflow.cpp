// Dataflow: step bookkeeping and validation of step ids.
#include <sluice/engine/dataflow.hpp>

#include <sluice/engine/error.hpp>

namespace sluice {

namespace {
void check_name(const std::string& what, const std::string& name) {
  if (name.empty()) throw ConfigError(what + " must not be empty");
  if (name.find('.') != std::string::npos) {
    throw ConfigError(what + " '" + name + "' must not contain '.' (it separates step paths)");
  }
}
}  // namespace

Dataflow::Dataflow(std::string name) : graph_(std::make_shared<detail::Graph>()) {
  check_name("a dataflow name", name);
  graph_->name = std::move(name);
}

namespace detail {

std::uint32_t add_step(Graph& graph, std::string id) {
  check_name("a step id", id);
  return add_nested_step(graph, std::move(id));
}

std::uint32_t add_nested_step(Graph& graph, std::string id) {
  if (id.empty() || id.front() == '.' || id.back() == '.' ||
      id.find("..") != std::string::npos) {
    throw ConfigError("step id '" + id + "' must be non-empty parts separated by single '.'");
  }
  for (const auto& step : graph.steps) {
    if (step.id == id) {
      throw ConfigError("step id '" + id + "' is used twice in dataflow '" + graph.name +
                        "'; give every step a unique id");
    }
  }
  detail::StepDesc step;
  step.path = graph.name + "." + id;
  step.id = std::move(id);
  graph.steps.push_back(std::move(step));
  return static_cast<std::uint32_t>(graph.steps.size() - 1);
}

}  // namespace detail

}  // namespace sluice
