// run(): validates, creates the shared run state and one thread per worker.
#include <sluice/engine/run.hpp>

#include <thread>

#include <sluice/engine/detail/worker.hpp>
#include <sluice/engine/error.hpp>

namespace sluice {

void RunConfig::validate() const {
  if (workers < 1 || workers > 1024) {
    throw ConfigError("workers per process must be between 1 and 1024 (got " +
                      std::to_string(workers) + ")");
  }
  if (epoch_interval.count() <= 0) {
    throw ConfigError("the epoch interval must be positive (got " +
                      std::to_string(epoch_interval.count()) + " ms)");
  }
  if (batch_size < 1) throw ConfigError("the batch size must be at least 1");
  if (channel_capacity < 1) throw ConfigError("the channel capacity must be at least 1");
}

void run(const Dataflow& flow, const RunConfig& config) {
  config.validate();
  const detail::Graph& graph = flow.graph();
  if (graph.steps.empty()) {
    throw ConfigError("dataflow '" + graph.name + "' has no steps; add an input and an output");
  }
  for (const auto& step : graph.steps) {
    if (!step.factory) {
      throw ConfigError("step '" + step.path +
                        "' was declared but never built (OperatorBuilder::build was not called)");
    }
  }
  detail::RunShared shared(graph, config);
  std::vector<std::thread> threads;
  threads.reserve(config.workers);
  for (std::uint32_t w = 0; w < config.workers; ++w) {
    threads.emplace_back([&shared, w] {
      try {
        detail::Worker worker(shared, w);
        worker.run();
      } catch (...) {
        shared.fail(std::current_exception());
      }
    });
  }
  for (auto& t : threads) t.join();
  if (auto error = shared.error()) std::rethrow_exception(error);
}

}  // namespace sluice
