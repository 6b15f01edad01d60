// The single-threaded baselines: each query as a plain loop over the same generated
// events (event numbers 0 .. events - 1, in order, so in time order), with no sluice
// runtime. They define the expected results the tests compare sluice's with, and the
// speed sluice is measured against (bench/README.md, "nexmark").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generator.hpp"
#include "rows.hpp"

namespace sluice::nexmark {

// Rows seen: their count, the sum of their row_hash, and (when lines is set) their
// --output lines.
struct RowTally {
  std::uint64_t rows = 0;
  std::uint64_t checksum = 0;
  std::vector<std::string>* lines = nullptr;

  template <class Row>
  void operator()(const Row& r) {
    ++rows;
    checksum += row_hash(r);
    if (lines != nullptr) {
      std::string line;
      append_row(line, r);
      lines->push_back(std::move(line));
    }
  }
  RowTally& operator+=(const RowTally& o) {
    rows += o.rows;
    checksum += o.checksum;
    return *this;
  }
};

// The query names the driver accepts: q0 q1 q2 q3 q4 q5 q7 q8 q9 q11.
const std::vector<std::string>& query_names();
bool known_query(const std::string& name);

// Runs `query` over the events of `config` and tallies its rows into `out`. Throws
// ConfigError for an unknown query.
void run_baseline(const std::string& query, const GeneratorConfig& config, RowTally& out);

}  // namespace sluice::nexmark
