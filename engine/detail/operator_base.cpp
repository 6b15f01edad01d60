// OperatorBase: port creation, activation and the fiber loop.
#include <sluice/engine/detail/operator_base.hpp>

#include <boost/fiber/operations.hpp>

#include <sluice/engine/detail/aborted.hpp>
#include <sluice/engine/detail/graph.hpp>
#include <sluice/engine/detail/worker.hpp>
#include <sluice/engine/error.hpp>

namespace sluice {

void Activator::activate() const {
  op_->mark_remote_activation();
  op_->worker().note_remote_activation();
}

namespace detail {

OperatorBase::OperatorBase(Worker& worker, std::uint32_t node) : worker_(worker), node_(node) {
  const StepDesc& step = worker.step(node);
  inputs_.reserve(step.inputs.size());
  for (std::uint32_t i = 0; i < step.inputs.size(); ++i) {
    inputs_.push_back(step.inputs[i].make_port(*this, i));
  }
  outputs_.reserve(step.outputs.size());
  for (std::uint32_t o = 0; o < step.outputs.size(); ++o) {
    outputs_.push_back(step.outputs[o].make_port(*this, o));
  }
}

OperatorBase::~OperatorBase() = default;

const std::string& OperatorBase::path() const {
  return worker_.step(node_).path;
}
std::uint32_t OperatorBase::worker_index() const {
  return worker_.index();
}
const RunConfig& OperatorBase::config() const {
  return worker_.config();
}

recovery::WorkerSnapshots* OperatorBase::snapshots() const {
  return worker_.snapshots();
}

bool OperatorBase::begin_publishing() const {
  return worker_.shared().begin_publishing();
}

std::uint32_t OperatorBase::workers() const {
  return worker_.peers();
}

void OperatorBase::watch_output(std::size_t i) {
  worker_.watch_output(*outputs_[i]);
}

bool OperatorBase::activate_if_idle() {
  if (activated_) return false;
  activated_ = true;
  if (waiting_ && !counted_) {
    counted_ = true;
    ++worker_.runnable_;
    wake_.notify_one();
  }
  return true;
}

void OperatorBase::activate_at(std::chrono::steady_clock::time_point when) {
  worker_.add_timer(when, *this);
}

void OperatorBase::request_shutdown() {
  shutdown_ = true;
  if (waiting_ && !counted_) {
    counted_ = true;
    ++worker_.runnable_;
    wake_.notify_one();
  }
}

void OperatorBase::flush_outputs() {
  for (auto& output : outputs_) output->flush();
}

namespace {
// Turns whatever a step threw into one StepError naming the step, worker and epoch.
std::exception_ptr as_step_error(const OperatorBase& op, std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const StepError&) {
    return thrown;
  } catch (const ItemError& e) {
    return std::make_exception_ptr(
        StepError(op.path(), op.worker_index(), op.current_epoch, e.what(), e.item()));
  } catch (const std::exception& e) {
    return std::make_exception_ptr(
        StepError(op.path(), op.worker_index(), op.current_epoch, e.what()));
  } catch (...) {
    return std::make_exception_ptr(StepError(op.path(), op.worker_index(), op.current_epoch,
                                             "an exception not derived from std::exception"));
  }
}
}  // namespace

void OperatorBase::fiber_main() {
  for (;;) {
    NullLock lock;
    while (!activated_ && !shutdown_) {
      waiting_ = true;
      wake_.wait(lock);
      waiting_ = false;
    }
    if (counted_) {
      counted_ = false;
      --worker_.runnable_;
    }
    if (!activated_) return;  // shut down with nothing left to do
    activated_ = false;
    try {
      run();
      flush_outputs();
    } catch (const Aborted&) {
      return;
    } catch (...) {
      worker_.report_failure(as_step_error(*this, std::current_exception()));
      return;
    }
    current_epoch.reset();
    worker_.end_activation(*this);
    if (activated_) {
      // It asked to run again: go to the back of the line so the driver and every
      // other runnable operator get a turn first.
      counted_ = true;
      ++worker_.runnable_;
      boost::this_fiber::yield();
    }
  }
}

}  // namespace detail
}  // namespace sluice
