// Worker: instantiation, the driver loop and the progress protocol of one worker.
#include <sluice/engine/detail/worker.hpp>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include <boost/fiber/operations.hpp>
#include <boost/fiber/protected_fixedsize_stack.hpp>

#include <sluice/engine/error.hpp>

namespace sluice::detail {

namespace {
using Clock = std::chrono::steady_clock;
// Operator fibers get guarded stacks; pages are only committed when touched.
constexpr std::size_t kFiberStack = 1 << 20;

}  // namespace

Worker::Worker(RunShared& shared, std::uint32_t index)
    : shared_(shared),
      index_(index),
      sequence_checker_(std::make_unique<progress::SequenceChecker>(shared.workers)) {}

Worker::~Worker() {
  if (!fibers_.empty()) shutdown_fibers();  // joined by run(), unless it threw past them
}

void Worker::report_failure(std::exception_ptr error) {
  shared_.fail(std::move(error));
}

void Worker::run() {
  guarded([this] { build(); }, "building the dataflow");
  if (!shared_.aborted()) guarded([this] { drive(); }, "running");
  shutdown_fibers();
}

// Every failure of this worker's own code (not its operators', which their fibers
// report) ends in report_failure, so the fibers are always joined before ~Worker.
template <class F>
void Worker::guarded(F&& phase, const char* doing) {
  try {
    phase();
  } catch (const Aborted&) {
  } catch (const std::bad_alloc&) {
    report_failure(out_of_memory(doing));
  } catch (...) {
    report_failure(std::current_exception());
  }
}

// Fiber stacks, channels and progress batches: say what to change. Under memory
// pressure the message itself may not fit; then the bad_alloc is reported as it is.
std::exception_ptr Worker::out_of_memory(const char* doing) const noexcept {
  try {
    return std::make_exception_ptr(
        Error("worker " + std::to_string(index_) + " of " + std::to_string(shared_.workers) +
              " ran out of memory while " + doing +
              "; run with fewer workers (-w) or raise the process's memory limit (ulimit -v)"));
  } catch (...) {
    return std::current_exception();
  }
}

void Worker::build() {
  const Graph& graph = shared_.graph;
  const auto nodes = static_cast<std::uint32_t>(graph.steps.size());
  ops_.reserve(nodes);
  if (shared_.snapshots) {
    snapshots_ = std::make_unique<recovery::WorkerSnapshots>(*shared_.snapshots, index_);
  }
  for (std::uint32_t node = 0; node < nodes; ++node) {
    try {
      ops_.push_back(graph.steps[node].factory(*this, node));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw StepError(graph.steps[node].path, index_, std::nullopt,
                      std::string("while building the step: ") + e.what());
    }
  }
  for (std::uint32_t node = 0; node < nodes; ++node) {
    const StepDesc& step = graph.steps[node];
    for (std::uint32_t port = 0; port < step.inputs.size(); ++port) {
      const InputDesc& input = step.inputs[port];
      input.connect(*this, *ops_[input.from.node], *ops_[node], port,
                    shared_.meshes[input.edge].get());
    }
  }
  // Every worker starts holding one capability at epoch 0 on every output of every
  // operator, so no frontier moves until every worker has started and released its own.
  if (snapshots_) snapshots_->built();
  tracker_ = std::make_unique<progress::Tracker<Epoch>>(shared_.topology);
  for (std::uint32_t node = 0; node < nodes; ++node) {
    for (std::uint32_t o = 0; o < graph.steps[node].outputs.size(); ++o) {
      tracker_->update_source(progress::Source{node, o}, 0, shared_.workers);
    }
  }
  tracker_->propagate();
  tracker_->pushed_changes().clear();
  for (auto& op : ops_) end_activation(*op);  // releases made while constructing
  fibers_.reserve(nodes);
  runnable_ = nodes;  // every operator starts activated (OperatorBase::counted_)
  for (auto& op : ops_) {
    OperatorBase* raw = op.get();
    fibers_.emplace_back(std::allocator_arg, boost::fibers::protected_fixedsize_stack(kFiberStack),
                         [raw] { raw->fiber_main(); });
  }
}

void Worker::end_activation(OperatorBase& op) {
  auto& pending = op.pending();
  if (pending.empty()) return;
  round_.extend(pending.begin(), pending.end());
  pending.clear();
}

void Worker::add_timer(Clock::time_point when, OperatorBase& op) {
  timers_.push({when, &op});
}

void Worker::note_remote_activation() {
  remote_activations_.store(true, std::memory_order_release);
  shared_.doorbells[index_]->ring();
}

bool Worker::receive_progress() {
  bool any = false;
  for (std::uint32_t peer = 0; peer < shared_.workers; ++peer) {
    if (peer == index_) continue;
    auto& channel = *shared_.progress[peer][index_];
    while (channel.pull(incoming_)) {
      if (!sequence_checker_->accept(incoming_.sender, incoming_.sequence)) {
        std::fprintf(stderr, "sluice: progress protocol bug on worker %u: %s\n", index_,
                     sequence_checker_->describe(incoming_.sender, incoming_.sequence).c_str());
        std::abort();
      }
      for (const auto& u : incoming_.updates) tracker_->update(u.location, u.time, u.delta);
      any = true;
    }
  }
  return any;
}

bool Worker::flush_progress() {
  if (round_.unstable_size() == 0) return false;
  auto updates = round_.updates();
  if (updates.empty()) return false;
  ProgressMsg message;
  message.sender = index_;
  message.sequence = sequence_++;
  message.updates.reserve(updates.size());
  for (const auto& [key, delta] : updates) {
    tracker_->update(key.first, key.second, delta);
    message.updates.push_back({key.first, key.second, delta});
  }
  round_.clear();
  for (std::uint32_t peer = 0; peer < shared_.workers; ++peer) {
    if (peer == index_) continue;
    ProgressMsg copy = message;
    shared_.progress[index_][peer]->push(std::move(copy));
  }
  return true;
}

void Worker::deliver_frontiers() {
  auto& changes = tracker_->pushed_changes();
  if (changes.unstable_size() == 0) return;
  dirty_targets_.clear();
  for (const auto& [key, delta] : changes.updates()) {
    if (dirty_targets_.empty() || dirty_targets_.back() != key.first) {
      dirty_targets_.push_back(key.first);
    }
  }
  changes.clear();
  for (const progress::Target& target : dirty_targets_) {
    auto elements = tracker_->frontier(target).frontier();
    Frontier now = elements.empty() ? Frontier{} : Frontier{elements.front()};
    InputPortBase& port = ops_[target.node]->input(target.port);
    if (port.frontier() != now) {
      port.set_frontier(now);
      ops_[target.node]->activate();
    }
  }
}

// Watched outputs are few (aligned sources), so each is compared after every
// propagation instead of being looked up in the change batch.
void Worker::deliver_output_frontiers() {
  for (OutputPortBase* port : watched_outputs_) {
    const auto& elements =
        tracker_->frontier(progress::Source{port->op().node(), port->port()}).frontier();
    Frontier now = elements.empty() ? Frontier{} : Frontier{elements.front()};
    if (port->frontier() != now) {
      port->set_frontier(now);
      port->op().activate();
    }
  }
}

bool Worker::poll_activations() {
  bool any = false;
  for (InputPortBase* port : remote_inputs_) {
    if (port->has_remote_data()) any |= port->op().activate_if_idle();
  }
  if (remote_activations_.exchange(false, std::memory_order_acq_rel)) {
    for (auto& op : ops_) {
      if (op->take_remote_activation()) any |= op->activate_if_idle();
    }
  }
  if (!timers_.empty()) {
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.top().when <= now) {
      any |= timers_.top().op->activate_if_idle();
      timers_.pop();
    }
  }
  return any;
}

void Worker::drive() {
  Doorbell& doorbell = *shared_.doorbells[index_];
  for (;;) {
    if (shared_.aborted()) return;
    doorbell.clear();  // a ring from now on means: look again
    bool progressed = receive_progress();
    progressed |= flush_progress();
    // Announced snapshot epochs, before the frontiers that may pass them are delivered.
    if (snapshots_) snapshots_->refresh();
    if (progressed) {
      tracker_->propagate();
      deliver_frontiers();
      deliver_output_frontiers();
    }
    const bool activated = poll_activations();
    if (poll_waiters() || runnable_ > 0) {
      boost::this_fiber::yield();  // every runnable fiber runs once before we continue
      continue;
    }
    if (progressed || activated) continue;
    if (!tracker_->tracking_anything()) return;  // globally complete
    doorbell.wait_until(timers_.empty() ? Clock::time_point::max() : timers_.top().when);
  }
}

bool Worker::poll_waiters() {
  auto& waiters = shared_.waiters[index_];
  bool any = false;
  for (std::size_t i = 0; i < waiters.size();) {
    if (waiters[i]->ready() || shared_.aborted()) {
      waiters[i]->wake();
      waiters[i] = waiters.back();
      waiters.pop_back();
      any = true;
    } else {
      ++i;
    }
  }
  return any;
}

void Worker::shutdown_fibers() {
  for (Waiter* w : shared_.waiters[index_]) w->wake();  // they see the abort and unwind
  shared_.waiters[index_].clear();
  for (auto& op : ops_) op->request_shutdown();
  for (auto& fiber : fibers_) {
    if (fiber.joinable()) fiber.join();
  }
  fibers_.clear();
}

}  // namespace sluice::detail
