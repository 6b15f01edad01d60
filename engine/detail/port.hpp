// Type-erased bases of an operator instance's input and output ports, which the
// worker drives without knowing record types.
#pragma once

#include <cstdint>

#include <sluice/engine/epoch.hpp>

namespace sluice::detail {

class OperatorBase;

class InputPortBase {
 public:
  InputPortBase(OperatorBase& op, std::uint32_t port) : op_(op), port_(port) {}
  virtual ~InputPortBase() = default;
  InputPortBase(const InputPortBase&) = delete;
  InputPortBase& operator=(const InputPortBase&) = delete;

  // True if a remote peer may have delivered a batch not yet pulled (driver poll).
  virtual bool has_remote_data() const = 0;

  OperatorBase& op() const { return op_; }
  std::uint32_t port() const { return port_; }
  // The frontier of this input as last delivered by the worker's progress tracker.
  const Frontier& frontier() const { return frontier_; }
  void set_frontier(Frontier f) { frontier_ = f; }

 private:
  OperatorBase& op_;
  std::uint32_t port_;
  Frontier frontier_{0};
};

class OutputPortBase {
 public:
  explicit OutputPortBase(OperatorBase& op, std::uint32_t port) : op_(op), port_(port) {}
  virtual ~OutputPortBase() = default;
  OutputPortBase(const OutputPortBase&) = delete;
  OutputPortBase& operator=(const OutputPortBase&) = delete;

  // Sends everything buffered. Called at the end of every activation, so no record
  // outlives the activation (and the capability) it was produced under.
  virtual void flush() = 0;

  OperatorBase& op() const { return op_; }
  std::uint32_t port() const { return port_; }
  // The frontier of this output over all workers (the least epoch at which any
  // worker's instance of the step may still produce here), as last delivered by the
  // worker's progress tracker. Kept current only once watched (Worker::watch_output).
  const Frontier& frontier() const { return frontier_; }
  void set_frontier(Frontier f) { frontier_ = f; }

 private:
  OperatorBase& op_;
  std::uint32_t port_;
  Frontier frontier_{0};
};

}  // namespace sluice::detail
