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

// Throws ConfigError for an unknown query or a bad configuration, and whatever run()
// throws. `clock`: the events' epochs and source alignment.
SluiceRun run_sluice(const std::string& query, const GeneratorConfig& generator,
                     const RunConfig& config, const window::EventClock& clock, bool keep_lines);

}  // namespace sluice::nexmark
