#include "run_sluice.hpp"

#include <memory>

#include "queries.hpp"

namespace sluice::nexmark {
namespace {

// One tally per worker, each on its own cache lines.
struct alignas(64) Slot {
  RowTally tally;
  std::vector<std::string> lines;
};

template <class Row>
void tally(const std::string& id, const Stream<Row>& rows, std::shared_ptr<std::vector<Slot>> slots,
           bool keep_lines) {
  OperatorBuilder b(rows, id);
  auto in = b.add_input(rows);
  b.build([in, slots, keep_lines](OperatorContext& ctx) {
    Slot& mine = (*slots)[ctx.worker_index()];
    if (keep_lines) mine.tally.lines = &mine.lines;
    return [in, &mine](OperatorContext& ctx) {
      ctx.input(in).for_each([&](InputBatch<Row>& batch) {
        for (const Row& r : batch.items()) mine.tally(r);
      });
    };
  });
}

// The rows as lines (rows.hpp) into a FileSink.
template <class Row>
void to_file(const Stream<Row>& rows, const std::string& path) {
  auto lines = op::map("lines", rows, [](const Row& r) {
    std::string line;
    append_row(line, r);
    return line;
  });
  op::output("file", lines, io::FileSink<std::string>(path));
}

}  // namespace

SluiceRun run_sluice(const std::string& query, const GeneratorConfig& generator,
                     const RunConfig& config, const EventClock& clock,
                     const SluiceOutput& output) {
  const bool keep_lines = output.keep_lines;
  if (!known_query(query)) {
    throw ConfigError("unknown query '" + query + "' (known: q0 q1 q2 q3 q4 q5 q7 q8 q9 q11)");
  }
  clock.validate();
  auto slots = std::make_shared<std::vector<Slot>>(config.workers);
  Dataflow flow("nexmark_" + query);
  auto source = std::make_shared<NexmarkSource>(generator, kinds_read_by(query), 1, 1024,
                                                output.source_parts);
  const Input in{flow, source, clock};
  const auto sink = [&](const auto& rows) {
    tally("tally", rows, slots, keep_lines);
    if (!output.file.empty()) to_file(rows, output.file);
  };
  if (query == "q0") sink(q0(in));
  if (query == "q1") sink(q1(in));
  if (query == "q2") sink(q2(in));
  if (query == "q3") sink(q3(in));
  if (query == "q4") sink(q4(in));
  if (query == "q5") sink(q5(in));
  if (query == "q7") sink(q7(in));
  if (query == "q8") sink(q8(in));
  if (query == "q9") sink(q9(in));
  if (query == "q11") sink(q11(in));
  run(flow, config);
  SluiceRun result;
  for (Slot& s : *slots) {
    result.rows += s.tally;
    for (std::string& line : s.lines) result.lines.push_back(std::move(line));
  }
  return result;
}

}  // namespace sluice::nexmark
