// The dataflow description a Dataflow builds: steps, their typed ports and the edges
// between them, as closures that instantiate the typed runtime objects on every worker.
// Build-time only: nothing here is on a per-record path.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/progress/location.hpp>

namespace sluice::detail {

class OperatorBase;
class InputPortBase;
class OutputPortBase;
class Worker;
struct RunShared;

enum class PactKind { Pipeline, Exchange, Broadcast };

// One input port of a step, and the edge that feeds it (every input has exactly one).
struct InputDesc {
  progress::Source from;
  PactKind pact = PactKind::Pipeline;
  std::uint32_t edge = 0;  // dataflow-wide edge number
  std::function<std::unique_ptr<InputPortBase>(OperatorBase&, std::uint32_t port)> make_port;
  // Creates the shared state of the edge for a run (e.g. the W x W channel mesh);
  // may return null (pipeline edges share nothing).
  std::function<std::shared_ptr<void>(RunShared&)> make_mesh;
  // On one worker: attaches the producer's output to this input (a pusher per pact).
  std::function<void(Worker&, OperatorBase& from, OperatorBase& to, std::uint32_t port, void* mesh)>
      connect;
};

struct OutputDesc {
  std::string type_name;
  std::function<std::unique_ptr<OutputPortBase>(OperatorBase&, std::uint32_t port)> make_port;
};

struct StepDesc {
  std::string id;    // as the user gave it
  std::string path;  // "<dataflow>.<id>", used in every error and metric
  std::vector<InputDesc> inputs;
  std::vector<OutputDesc> outputs;
  // summary[i][j]: epochs added on the path from input i to output j, or nullopt
  // when input i cannot cause output j. Empty means every input reaches every output
  // with no delay.
  std::vector<std::vector<std::optional<std::uint64_t>>> summary;
  // Creates this step's operator instance on one worker (set by OperatorBuilder::build).
  std::function<std::unique_ptr<OperatorBase>(Worker&, std::uint32_t node)> factory;
};

// A file a step reads or writes, declared by the file-based sources and sinks of io/
// when op::input / op::output adds them, so that a sink that would overwrite one of
// the run's inputs or another sink's file is refused before any data moves
// (claim_file, check_file_claims in dataflow.hpp).
struct FileClaim {
  // Write: the step replaces the file. SharedWrite: the step appends through a stream
  // that other SharedWrite steps share (standard output); such steps do not conflict
  // with one another, only with readers and writers.
  enum class Access { Read, Write, SharedWrite };
  std::string step;  // step path
  std::string path;  // as the user gave it
  Access access = Access::Read;
  // Non-empty: `path` is a directory and the claim covers its entries whose names
  // match this fnmatch pattern (a leading '.' matched explicitly), present or future.
  std::string glob;
};

struct Graph {
  std::string name;
  std::vector<StepDesc> steps;
  std::uint32_t edges = 0;
  std::vector<FileClaim> files;
};

}  // namespace sluice::detail
