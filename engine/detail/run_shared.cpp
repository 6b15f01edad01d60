// RunShared: the process-wide state of one run.
#include <sluice/engine/detail/run_shared.hpp>

#include <thread>

namespace sluice::detail {

namespace {
progress::GraphBuilder<Epoch> topology_of(const Graph& graph) {
  progress::GraphBuilder<Epoch> builder;
  for (const StepDesc& step : graph.steps) {
    const auto inputs = static_cast<std::uint32_t>(step.inputs.size());
    const auto outputs = static_cast<std::uint32_t>(step.outputs.size());
    if (step.summary.empty()) {
      builder.add_node(inputs, outputs);
    } else {
      builder.add_node(inputs, outputs, step.summary);
    }
  }
  for (std::uint32_t node = 0; node < graph.steps.size(); ++node) {
    const StepDesc& step = graph.steps[node];
    for (std::uint32_t port = 0; port < step.inputs.size(); ++port) {
      builder.add_edge(step.inputs[port].from, progress::Target{node, port});
    }
  }
  return builder;
}
}  // namespace

RunShared::RunShared(const Graph& g, const RunConfig& c)
    : graph(g), config(c), workers(c.workers), topology(topology_of(g)) {
  doorbells.reserve(workers);
  const unsigned cores = std::thread::hardware_concurrency();
  const auto spin = cores == 0 || workers <= cores ? Doorbell::kSpin : std::chrono::microseconds(0);
  for (std::uint32_t w = 0; w < workers; ++w) {
    doorbells.push_back(std::make_unique<Doorbell>(spin));
  }
  waiters.resize(workers);
  progress.resize(workers);
  for (std::uint32_t from = 0; from < workers; ++from) {
    progress[from].resize(workers);
    for (std::uint32_t to = 0; to < workers; ++to) {
      if (from != to) {
        progress[from][to] = std::make_unique<UnboundedChannel<ProgressMsg>>(*doorbells[to]);
      }
    }
  }
  meshes.resize(graph.edges);
  for (const StepDesc& step : graph.steps) {
    for (const InputDesc& input : step.inputs) {
      if (input.make_mesh) meshes[input.edge] = input.make_mesh(*this);
    }
  }
}

void RunShared::fail(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = e;
    aborted_.store(true, std::memory_order_release);
  }
  for (auto& bell : doorbells) bell->ring();
}

bool RunShared::begin_publishing() {
  if (snapshots) return snapshots->begin_publishing();
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_) return false;
  publishing_ = true;
  return true;
}

bool RunShared::stop_unless_publishing(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (publishing_) return false;
    stopped_ = true;
  }
  fail(e);
  return true;
}

std::exception_ptr RunShared::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

}  // namespace sluice::detail
