// The in-process entry point: run a dataflow on `config.workers` worker threads
// until every source is exhausted and every frontier is empty.
#pragma once

#include <sluice/engine/dataflow.hpp>
#include <sluice/engine/run_config.hpp>

namespace sluice {

// Blocks until the run completes. Throws ConfigError for a bad configuration (before
// any data moves) and StepError (the first failure; the other workers are stopped)
// when a step fails. The Dataflow may be run again afterwards.
// The first call in a process raises glibc's malloc trim threshold to 64 MiB and fixes
// its mmap threshold at 32 MiB, process-wide (why: run.cpp, tune_malloc_once).
void run(const Dataflow& flow, const RunConfig& config = {});

}  // namespace sluice
