// OperatorBuilder: the public primitive every operator (built-in or user-written) is
// made with: typed inputs with a pact each, typed outputs, and a constructor that
// runs once per worker and returns the logic run on every activation.
//
// Example:
//   #include <sluice/sluice.hpp>
//
//   #include <map>
//
//   // Each word with how many times this worker has seen it (words exchanged by text).
//   sluice::Stream<std::pair<std::string, std::uint64_t>> seen(
//       const sluice::Stream<std::string>& words) {
//     sluice::OperatorBuilder b(words, "seen");
//     auto in = b.add_input(words, sluice::exchange([](const std::string& w) { return w; }));
//     auto [out, down] = b.add_output<std::pair<std::string, std::uint64_t>>();
//     b.build([in, out](sluice::OperatorContext&) {  // once per worker
//       std::map<std::string, std::uint64_t> counts;  // per-worker state
//       return [in, out, counts](sluice::OperatorContext& ctx) mutable {  // each activation
//         auto output = ctx.output(out);
//         ctx.input(in).for_each([&](sluice::InputBatch<std::string>& batch) {
//           auto session = output.session(batch);  // at the batch's epoch
//           for (const std::string& w : batch) session.give(std::make_pair(w, ++counts[w]));
//         });
//       };
//     });
//     return down;
//   }
//
// See examples/custom_operator.cpp for a complete, commented operator.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <sluice/engine/dataflow.hpp>
#include <sluice/engine/detail/pushers.hpp>
#include <sluice/engine/error.hpp>
#include <sluice/engine/pact.hpp>
#include <sluice/engine/stream.hpp>
#include <sluice/operators/capability.hpp>
#include <sluice/operators/operator_context.hpp>

namespace sluice {

// A constructor: called as ctor(OperatorContext&) once per worker; returns the logic,
// called as logic(OperatorContext&) on every activation.
template <class C>
concept OperatorConstructor = std::copy_constructible<C> && std::invocable<C&, OperatorContext&> &&
                              std::invocable < std::invoke_result_t<C&, OperatorContext&>
&, OperatorContext& > ;

template <class Ctor>
class LogicOperator final : public detail::OperatorBase {
 public:
  using Logic = std::invoke_result_t<Ctor&, OperatorContext&>;

  LogicOperator(detail::Worker& worker, std::uint32_t node, Ctor ctor)
      : OperatorBase(worker, node), ctx_(*this) {
    if (output_count() > 0) ctx_.initial_ = Capability(this, 0);  // counted by the tracker
    logic_.emplace(ctor(ctx_));
    ctx_.initial_.drop();
  }

  void run() override { (*logic_)(ctx_); }

 private:
  OperatorContext ctx_;
  std::optional<Logic> logic_;
};

// The id of a step inside a composite operator: its path is "<flow>.<parent>.<child>"
// (count_final's pre-aggregation is "<flow>.<id>.pre"). Parent and child must not be
// empty; the child must not contain '.'.
struct NestedStep {
  std::string parent;
  std::string child;
};

class OperatorBuilder {
 public:
  // Declares a step named `id` in the dataflow. Throws ConfigError for a bad or
  // duplicate id.
  OperatorBuilder(const Dataflow& flow, std::string id)
      : OperatorBuilder(flow.shared_graph(), std::move(id)) {}
  // Declares the step in the dataflow that `stream` belongs to.
  template <class T>
  OperatorBuilder(const Stream<T>& stream, std::string id)
      : OperatorBuilder(stream.shared_graph(), std::move(id)) {}

  // Declares a step inside a composite operator (see NestedStep).
  template <class T>
  OperatorBuilder(const Stream<T>& stream, NestedStep id)
      : graph_(stream.shared_graph()), node_(nested(*graph_, std::move(id))) {}

  // Adds an input reading `stream` under `pact` (Pipeline, Broadcast or exchange(key)).
  template <class T, class Pact = Pipeline>
  requires PactFor<Pact, T> InputPort<T> add_input(const Stream<T>& stream, Pact pact = {}) {
    if (stream.shared_graph() != graph_) {
      throw ConfigError("step '" + step().path + "' reads stream '" + stream.step_path() +
                        "' from another dataflow");
    }
    auto port = static_cast<std::uint32_t>(step().inputs.size());
    step().inputs.push_back(
        detail::input_desc<T>(stream.source(), std::move(pact), graph_->edges++));
    return InputPort<T>{port};
  }

  // Adds an output; returns its token and the stream later steps read.
  template <class T>
  std::pair<OutputPort<T>, Stream<T>> add_output() {
    auto port = static_cast<std::uint32_t>(step().outputs.size());
    detail::OutputDesc desc;
    desc.type_name = detail::demangled_type_name(typeid(T));
    desc.make_port = [](detail::OperatorBase& op,
                        std::uint32_t p) -> std::unique_ptr<detail::OutputPortBase> {
      return std::make_unique<detail::OutputBuffer<T>>(op, p);
    };
    step().outputs.push_back(std::move(desc));
    return {OutputPort<T>{port}, Stream<T>(graph_, progress::Source{node_, port})};
  }

  // Declares that input `input` can cause output `output` only `delay` epochs later
  // (or never, with nullopt). By default every input reaches every output at once.
  // Call after adding the ports it names.
  void set_summary(std::uint32_t input, std::uint32_t output, std::optional<Epoch> delay) {
    auto& desc = step();
    if (input >= desc.inputs.size() || output >= desc.outputs.size()) {
      throw ConfigError("step '" + desc.path + "': set_summary names a port that does not exist");
    }
    desc.summary.resize(desc.inputs.size());
    for (auto& row : desc.summary) row.resize(desc.outputs.size(), Epoch{0});
    desc.summary[input][output] = delay;
  }

  // Finishes the step. `ctor` is copied to every worker.
  template <class Ctor>
  requires OperatorConstructor<Ctor>
  void build(Ctor ctor) {
    auto& desc = step();
    if (!desc.summary.empty()) {  // ports added after set_summary reach everything at once
      desc.summary.resize(desc.inputs.size());
      for (auto& row : desc.summary) row.resize(desc.outputs.size(), Epoch{0});
    }
    step().factory = [ctor = std::move(ctor)](
                         detail::Worker& worker,
                         std::uint32_t node) -> std::unique_ptr<detail::OperatorBase> {
      return std::make_unique<LogicOperator<Ctor>>(worker, node, ctor);
    };
  }

  const std::string& step_path() { return step().path; }

 private:
  OperatorBuilder(std::shared_ptr<detail::Graph> graph, std::string id)
      : graph_(std::move(graph)), node_(detail::add_step(*graph_, std::move(id))) {}

  detail::StepDesc& step() { return graph_->steps[node_]; }
  static std::uint32_t nested(detail::Graph& graph, NestedStep id) {
    if (id.child.find('.') != std::string::npos || id.child.empty() || id.parent.empty()) {
      throw ConfigError("nested step '" + id.parent + "." + id.child +
                        "': parent and child must be non-empty and the child must not "
                        "contain '.'");
    }
    return detail::add_nested_step(graph, id.parent + "." + id.child);
  }

  std::shared_ptr<detail::Graph> graph_;
  std::uint32_t node_;
};

}  // namespace sluice
