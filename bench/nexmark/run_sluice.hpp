// Runs one Nexmark query on sluice (queries.hpp) over the generated events and
// tallies its rows per worker (no locking: each worker has its own slot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "baseline.hpp"
#include "generator.hpp"

namespace sluice::nexmark {

struct SluiceRun {
  RowTally rows;
  std::vector<std::string> lines;  // the --output lines, when asked for (any order)
};

// Where the rows go besides the tally: kept as lines in SluiceRun (keep_lines), and/or
// written to `file` (a FileSink step: exact on resume with a recovery directory).
// source_parts: the generator's partitions (0: one per worker).
struct SluiceOutput {
  bool keep_lines = false;
  std::string file;
  std::uint32_t source_parts = 0;
};

// Throws ConfigError for an unknown query or a bad configuration, and whatever run()
// throws. `clock`: the events' epochs and source alignment.
SluiceRun run_sluice(const std::string& query, const GeneratorConfig& generator,
                     const RunConfig& config, const window::EventClock& clock,
                     const SluiceOutput& output);
inline SluiceRun run_sluice(const std::string& query, const GeneratorConfig& generator,
                            const RunConfig& config, const window::EventClock& clock,
                            bool keep_lines) {
  return run_sluice(query, generator, config, clock, SluiceOutput{keep_lines, {}, 0});
}

}  // namespace sluice::nexmark
