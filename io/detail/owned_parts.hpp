// build_owned_parts: on one worker, builds the parts of a partitioned source or sink
// that the worker owns (sorted part i on worker i % W), each from its resume state.
// Internal to io/.
#pragma once

#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/detail/part_error.hpp>
#include <sluice/operators/operator_context.hpp>

namespace sluice::io::detail {

// Calls build(part, state) -> std::unique_ptr<P> for every part this worker owns and
// returns (part, partition) pairs in part order. An exception or a null partition
// stops the run with a StepError naming the step, the worker and the part.
template <class Build>
auto build_owned_parts(OperatorContext& ctx, const std::vector<std::string>& parts,
                       const std::map<std::string, std::string>& states, std::optional<Epoch> epoch,
                       Build build) {
  using Part = decltype(build(parts.front(), std::optional<std::string>()));
  std::vector<std::pair<std::string, Part>> owned;
  for (std::size_t i = ctx.worker_index(); i < parts.size(); i += ctx.workers()) {
    const PartContext where{ctx.step_path(), ctx.worker_index(), epoch, parts[i]};
    std::optional<std::string> state;
    if (auto it = states.find(parts[i]); it != states.end()) state = it->second;
    Part part = in_part(
        where, [&] { return build(parts[i], std::move(state)); }, "building");
    if (!part) {
      rethrow_from_part(where,
                        std::make_exception_ptr(std::runtime_error("build_part returned null")),
                        "building");
    }
    owned.emplace_back(parts[i], std::move(part));
  }
  return owned;
}

}  // namespace sluice::io::detail
