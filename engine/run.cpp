// run(): validates, creates the shared run state and one thread per worker.
#include <sluice/engine/run.hpp>

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <sluice/engine/detail/stop_signals.hpp>
#include <sluice/engine/detail/worker_threads.hpp>
#include <sluice/engine/error.hpp>
#include <sluice/recovery/lmdb_store.hpp>

namespace sluice {

std::uint32_t RunConfig::max_workers() {
  const std::uint32_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min(kMaxWorkers, kWorkersPerCore * cores);
}

void RunConfig::validate() const {
  if (workers < 1 || workers > max_workers()) {
    throw ConfigError("workers per process must be between 1 and " + std::to_string(max_workers()) +
                      " on this machine (" + std::to_string(kWorkersPerCore) +
                      " per hardware thread, at most " + std::to_string(kMaxWorkers) + "; got " +
                      std::to_string(workers) + ")");
  }
  if (epoch_interval.count() <= 0 || epoch_interval > kMaxEpochInterval) {
    throw ConfigError("the epoch interval must be between 1 ms and " +
                      std::to_string(kMaxEpochInterval.count()) + " ms (got " +
                      std::to_string(epoch_interval.count()) + " ms)");
  }
  if (batch_size < 1) throw ConfigError("the batch size must be at least 1");
  if (channel_capacity < 1) throw ConfigError("the channel capacity must be at least 1");
}

namespace {

// Decision: worker threads allocate and free a batch's buffer (tens of KiB) per batch.
// glibc returns the top of a thread's arena to the OS once it exceeds the trim
// threshold (128 KiB by default), with an madvise whose TLB shootdown interrupts every
// other running worker: measured at -w 2 on Nexmark q2, 10% of the run in the kernel.
// So the first run() raises the threshold to 64 MiB per arena (and fixes the mmap
// threshold at glibc's own dynamic maximum, which setting the trim threshold would
// otherwise freeze at 128 KiB). Process-wide, once: a program that wants its own
// malloc parameters sets them after its first run().
void tune_malloc_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
  });
}

// The dataflow's description for the recovery store's fingerprint: per step, its
// path, where its inputs come from (and how) and its output types, so a store is
// resumed only by the dataflow that wrote it.
std::vector<std::string> fingerprint(const detail::Graph& graph) {
  std::vector<std::string> lines;
  for (const auto& step : graph.steps) {
    std::string line = "step ";
    line.append(step.path);
    for (const auto& in : step.inputs) {
      line.append(" in ");
      line.append(graph.steps[in.from.node].path);
      line.append(":").append(std::to_string(in.from.port));
      line.append(in.pact == detail::PactKind::Exchange    ? "/exchange"
                  : in.pact == detail::PactKind::Broadcast ? "/broadcast"
                                                           : "/pipeline");
    }
    for (const auto& out : step.outputs) {
      line.append(" out ");
      line.append(out.type_name);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

const char* signal_name(int signo) {
  return signo == SIGINT ? "SIGINT" : "SIGTERM";
}

// SIGINT or SIGTERM during a run (detail/stop_signals.hpp). Decision: with a recovery
// directory the first one is a savepoint: the run's sources are asked for a snapshot
// epoch at once, and once it is committed the run stops (its output files keep their
// temporary files, which a resumed run continues); a second one stops at once.
// Without one, the run stops at once, as after a failure: no output file changes.
void on_stop_signal(detail::RunShared& shared, int signo, int count) {
  const std::string name = signal_name(signo);
  recovery::SnapshotRun* run = shared.snapshots.get();
  if (run == nullptr) {
    const bool stopped = shared.stop_unless_publishing(std::make_exception_ptr(Interrupted(
        signo, "interrupted by " + name +
                   " before the run finished; it had no recovery directory (-r DIR), so "
                   "nothing of it was kept and no output file was changed")));
    if (!stopped) {
      std::fprintf(stderr,
                   "sluice: %s: the run had finished its input and is publishing its "
                   "outputs; it ends normally\n",
                   name.c_str());
    }
    return;
  }
  const std::string where = run->store().where();
  if (count == 1) {
    std::fprintf(stderr,
                 "sluice: %s: committing the current epoch to the recovery store %s, then "
                 "stopping (a second signal stops at once)\n",
                 name.c_str(), where.c_str());
    run->request_savepoint([&shared, signo, name, where](Epoch epoch) {
      shared.fail(std::make_exception_ptr(Interrupted(
          signo, "stopped by " + name + " at epoch " + std::to_string(epoch) +
                     ", committed to the recovery store " + where +
                     "; to resume, run the same command again (with the same -r; any -w)")));
    });
    return;
  }
  const auto committed = run->committed();
  const std::string kept = committed ? "epoch " + std::to_string(*committed)
                                     : "nothing yet (a resumed run starts from the beginning)";
  shared.fail(std::make_exception_ptr(
      Interrupted(signo, "stopped at once by a second " + name + "; the recovery store " + where +
                             " keeps " + kept + "; to resume, run the same command again")));
}

std::unique_ptr<recovery::SnapshotRun> open_recovery(const detail::Graph& graph,
                                                     const RunConfig& config) {
  std::shared_ptr<recovery::Store> store = config.recovery_store;
  if (!store) {
    recovery::LmdbStore::Options options;
    // A directory that exists keeps its own partition count.
    if (!std::filesystem::exists(std::filesystem::path(config.recovery_dir) / "STORE")) {
      options.create_partitions = config.recovery_partitions;
    }
    store = std::make_shared<recovery::LmdbStore>(config.recovery_dir, options);
  }
  recovery::SnapshotRun::Options options;
  options.snapshot_interval = config.snapshot_interval;
  options.backup_interval = config.backup_interval;
  options.workers = config.workers;
  options.pending_limit = config.recovery_pending_limit;
  options.fingerprint = fingerprint(graph);
  return std::make_unique<recovery::SnapshotRun>(std::move(store), std::move(options));
}

}  // namespace

void run(const Dataflow& flow, const RunConfig& config) {
  config.validate();
  tune_malloc_once();
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
  detail::check_file_claims(graph);  // the files may have changed since the graph was built
  std::unique_ptr<recovery::SnapshotRun> snapshots;
  if (!config.recovery_dir.empty() || config.recovery_store) {
    snapshots = open_recovery(graph, config);
    if (snapshots->complete()) {
      std::fprintf(stderr,
                   "sluice: the recovery store %s holds a finished run of '%s'; nothing to "
                   "do (use a new directory to run again)\n",
                   snapshots->store().where().c_str(), graph.name.c_str());
      return;
    }
  }
  detail::RunShared shared(graph, config);
  if (snapshots) shared.snapshots = std::move(snapshots);
  // Before any thread starts, so that every one inherits the blocked signals.
  detail::StopSignals signals(
      [&shared](int signo, int count) { on_stop_signal(shared, signo, count); });
  if (shared.snapshots) {
    shared.snapshots->start([&shared](std::exception_ptr error) { shared.fail(error); });
  }
  detail::start_workers(shared);
  if (shared.snapshots) {
    shared.snapshots->stop(!shared.error());
    if (!shared.error() && shared.snapshots->savepoint_requested()) {
      std::fprintf(stderr,
                   "sluice: the run had finished its input when it was asked to stop; it "
                   "ended normally and its outputs are complete\n");
    }
  }
  if (auto error = shared.error()) std::rethrow_exception(error);
}

}  // namespace sluice
