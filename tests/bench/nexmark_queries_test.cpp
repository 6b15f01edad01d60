// Every Nexmark query on sluice against its single-threaded baseline, on the same
// generated events, at 1 and 2 workers (and 3 for a few). Rows are compared as sorted
// --output lines; q4 prints updates, so its last value per category is compared.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "baseline.hpp"
#include "run_sluice.hpp"

using namespace sluice;
using namespace sluice::nexmark;

namespace {

constexpr std::uint64_t kEvents = 300'000;  // 30 s of event time

std::vector<std::string> baseline_lines(const std::string& query, const GeneratorConfig& g) {
  std::vector<std::string> lines;
  RowTally tally;
  tally.lines = &lines;
  run_baseline(query, g, tally);
  return lines;
}

// q4's final value per category: its last row (rows of one category are in order).
std::map<std::string, std::string> last_per_category(const std::vector<std::string>& lines) {
  std::map<std::string, std::string> last;
  for (const std::string& l : lines) last[l.substr(0, l.find(','))] = l;
  return last;
}

void check_query(const std::string& query, std::uint32_t workers, std::int64_t epoch_ms) {
  CAPTURE(query);
  CAPTURE(workers);
  CAPTURE(epoch_ms);
  GeneratorConfig g;
  g.events = kEvents;
  RunConfig config;
  config.workers = workers;
  std::vector<std::string> want = baseline_lines(query, g);
  SluiceRun got = run_sluice(query, g, config, epoch_ms, true);
  REQUIRE(got.rows.rows == got.lines.size());
  if (query == "q4") {
    const auto w = last_per_category(want), s = last_per_category(got.lines);
    CHECK(w.size() == 5);
    CHECK(s == w);
    return;
  }
  CHECK(!want.empty());
  std::sort(want.begin(), want.end());
  std::sort(got.lines.begin(), got.lines.end());
  CHECK(got.lines.size() == want.size());
  CHECK(got.lines == want);
}

}  // namespace

TEST_CASE("every query's rows on sluice equal its baseline's, at 1 and 2 workers") {
  for (const std::string& query : query_names()) {
    for (std::uint32_t workers : {1u, 2u}) check_query(query, workers, 1000);
  }
}

TEST_CASE("windowed and joining queries do not depend on the epoch length or 3 workers") {
  for (const std::string query : {"q4", "q5", "q7", "q8", "q9", "q11"}) {
    check_query(query, 3, 250);
    check_query(query, 2, 3000);
  }
}

TEST_CASE("an unknown query is refused by name") {
  GeneratorConfig g;
  g.events = 10;
  RowTally tally;
  CHECK_THROWS_WITH_AS(run_baseline("q6", g, tally), doctest::Contains("unknown query 'q6'"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(run_sluice("q12", g, RunConfig{}, 1000, false),
                       doctest::Contains("unknown query 'q12'"), ConfigError);
}
