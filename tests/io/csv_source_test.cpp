// Tests for CsvSource and CsvRow: named and indexed fields, RFC 4180 quoting, the
// errors of malformed rows (step, worker, epoch, file, line), resume, and the
// header checks.
#include <sluice/io/csv_source.hpp>

#include <sluice/io/detail/line_reader.hpp>

#include <sstream>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
std::vector<io::CsvRow> read_rows(const std::filesystem::path& path, std::uint32_t workers) {
  Dataflow flow("flow");
  TestingSink<io::CsvRow> sink;
  op::output("out", op::input(flow, "csv", io::CsvSource(path)), sink);
  run_with(flow, workers, 3);
  return sink.values();
}

std::vector<std::string> fields(const io::CsvRow& row) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < row.size(); ++i) out.emplace_back(row.at(i));
  return out;
}
}  // namespace

TEST_CASE("rows are read with their fields by name and by index, quotes undone") {
  TempDir dir;
  write_file(dir / "people.csv",
             "name,city,note\r\n"
             "Ada,London,plain\r\n"
             "\"Smith, J\",\"Paris\",\"said \"\"hi\"\"\"\r\n"
             "\n"
             ",,\r\n"
             "\"\",x,\"a,b,\"\"c\"\"\"");
  const std::vector<std::vector<std::string>> expected = {{"Ada", "London", "plain"},
                                                          {"Smith, J", "Paris", "said \"hi\""},
                                                          {"", "", ""},
                                                          {"", "x", "a,b,\"c\""}};
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const auto rows = read_rows(dir / "people.csv", workers);
    REQUIRE(rows.size() == expected.size());
    for (std::size_t i = 0; i < rows.size(); ++i) CHECK(fields(rows[i]) == expected[i]);
    CHECK(rows[1]["name"] == "Smith, J");
    CHECK(rows[1]["note"] == "said \"hi\"");
    CHECK(rows[0]["city"] == "London");
    CHECK(rows[0].header().names() == std::vector<std::string>{"name", "city", "note"});
  }
}

TEST_CASE("a row prints as a CSV line that reads back the same") {
  TempDir dir;
  write_file(dir / "in.csv", "a,b,c\n\"x, y\",\"q\"\"q\",plain\n");
  const auto rows = read_rows(dir / "in.csv", 1);
  REQUIRE(rows.size() == 1);
  std::ostringstream line;
  line << rows[0];
  CHECK(line.str() == "\"x, y\",\"q\"\"q\",plain");
  write_file(dir / "again.csv", "a,b,c\n" + line.str() + "\n");
  CHECK(read_rows(dir / "again.csv", 1) == rows);
}

TEST_CASE("an unknown field name or index throws, naming the header") {
  TempDir dir;
  write_file(dir / "in.csv", "a,b\n1,2\n");
  const auto rows = read_rows(dir / "in.csv", 1);
  REQUIRE(rows.size() == 1);
  CHECK_THROWS_WITH_AS(rows[0]["c"], doctest::Contains("no CSV field named 'c' (header: a,b)"),
                       std::out_of_range);
  CHECK_THROWS_AS(rows[0].at(2), std::out_of_range);
}

TEST_CASE("a row with the wrong field count stops the run naming step, worker, file and line") {
  TempDir dir;
  const auto path = dir / "bad.csv";
  write_file(path, "name,city,note\nAda,London,x\n\nBob,Rome\nCy,Oslo,y\n");
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    const StepError e = step_error_of([&] { read_rows(path, workers); });
    CHECK(e.step() == "flow.csv");
    CHECK(e.worker() == std::optional<std::uint32_t>(0));  // the only partition
    CHECK(e.epoch().has_value());
    CHECK(e.reason() == "partition '" + path.string() +
                            "': line 4: expected 3 fields (header: name,city,note), found 2");
    CHECK(e.item() == "Bob,Rome");
    CHECK(std::string(e.what()).find("worker 0") != std::string::npos);
  }
}

TEST_CASE("malformed quoting and multi-line fields are refused with the line number") {
  TempDir dir;
  write_file(dir / "open.csv", "a,b\n1,\"two\n  lines\"\n");
  CHECK(step_error_of([&] { read_rows(dir / "open.csv", 1); })
            .reason()
            .find("line 2: a quoted field is not closed on its line") != std::string::npos);
  write_file(dir / "stray.csv", "a,b\n1,2\n1,x\"y\n");
  CHECK(step_error_of([&] { read_rows(dir / "stray.csv", 2); })
            .reason()
            .find("line 3: field 2 has a quote but does not start with one") != std::string::npos);
  write_file(dir / "after.csv", "a,b\n\"1\"x,2\n");
  CHECK(step_error_of([&] { read_rows(dir / "after.csv", 1); })
            .reason()
            .find("line 2: field 1 has text after its closing quote") != std::string::npos);
}

// The reason of the StepError that building the partition of `path` stops the run with.
std::string header_error(const std::filesystem::path& path) {
  return step_error_of([&] { read_rows(path, 1); }).reason();
}

TEST_CASE("a file without a header or with a repeated name stops the run when it starts") {
  TempDir dir;
  const auto empty = dir / "empty.csv", blank = dir / "blank.csv", twice = dir / "twice.csv";
  write_file(empty, "");
  CHECK(header_error(empty) == "building partition '" + empty.string() + "': '" + empty.string() +
                                   "' is empty; a CSV file starts with a header row");
  write_file(blank, "\n\r\n\n");
  CHECK(header_error(blank) == "building partition '" + blank.string() + "': '" + blank.string() +
                                   "' has only empty lines; a CSV file starts with a header row");
  write_file(twice, "a,b,a\n1,2,3\n");
  CHECK(header_error(twice) == "building partition '" + twice.string() + "': '" + twice.string() +
                                   "' line 1 (the header row): the header names the field 'a' "
                                   "twice (columns 1 and 3)");
}

TEST_CASE(
    "a header-only file without a trailing newline has no rows; a last row without one is "
    "read") {
  TempDir dir;
  write_file(dir / "header.csv", "a,b");
  write_file(dir / "rows.csv", "a,b\n1,2\n3,4");
  write_file(dir / "crlf.csv", "a,b\r\n1,2\r\n3,4\r");
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    CHECK(read_rows(dir / "header.csv", workers).empty());
    for (const char* name : {"rows.csv", "crlf.csv"}) {
      CAPTURE(name);
      const auto rows = read_rows(dir / name, workers);
      REQUIRE(rows.size() == 2);
      CHECK(fields(rows[0]) == std::vector<std::string>{"1", "2"});
      CHECK(fields(rows[1]) == std::vector<std::string>{"3", "4"});
      CHECK(rows[1]["b"] == "4");
    }
  }
}

TEST_CASE("a UTF-8 byte-order mark before the header is stripped") {
  TempDir dir;
  write_file(dir / "bom.csv", "\xEF\xBB\xBFid,name\n7,Ada\n");
  const auto rows = read_rows(dir / "bom.csv", 1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].header().names() == std::vector<std::string>{"id", "name"});
  CHECK(rows[0]["id"] == "7");
  // Only at the start of the file: elsewhere the bytes are data.
  write_file(dir / "inner.csv",
             "id\n\xEF\xBB\xBF"
             "7\n");
  CHECK(read_rows(dir / "inner.csv", 1).at(0)["id"] ==
        "\xEF\xBB\xBF"
        "7");
}

TEST_CASE("empty lines before the header are skipped, and messages keep the file's line numbers") {
  TempDir dir;
  const auto path = dir / "late_header.csv";
  write_file(path, "\n\r\na,b\n1,2\n\n3\n");
  const StepError e = step_error_of([&] { read_rows(path, 2); });
  CHECK(e.reason() ==
        "partition '" + path.string() + "': line 6: expected 2 fields (header: a,b), found 1");
  write_file(path, "\xEF\xBB\xBF\n\na,a\n");  // a mark on an empty first line: still empty
  CHECK(header_error(path) == "building partition '" + path.string() + "': '" + path.string() +
                                  "' line 3 (the header row): the header names the field 'a' "
                                  "twice (columns 1 and 2)");
  write_file(path, "\n\na,b\n1,2\n");
  const auto rows = read_rows(path, 3);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["b"] == "2");
}

TEST_CASE("a missing CSV file is refused by op::input, naming the step and the path") {
  TempDir dir;
  Dataflow flow("flow");
  const std::string message =
      config_error_of([&] { op::input(flow, "csv", io::CsvSource(dir / "none.csv")); });
  CHECK(message.find("step 'flow.csv'") != std::string::npos);
  CHECK(message.find((dir / "none.csv").string()) != std::string::npos);
}

TEST_CASE("a CSV partition resumed from a snapshot continues with the next row and line number") {
  TempDir dir;
  const auto path = dir / "big.csv";
  std::string text = "id,text\n";
  const int rows = 60'000;  // several read blocks
  for (int i = 0; i < rows; ++i) text += std::to_string(i) + ",\"row " + std::to_string(i) + "\"\n";
  text += "broken\n";
  write_file(path, text);
  io::CsvSource source(path);
  REQUIRE(source.list_parts(1) == std::vector<std::string>{path.string()});
  auto first = source.build_part("t", path.string(), std::nullopt);
  std::vector<io::CsvRow> seen;
  REQUIRE(first->next_batch(seen));
  const std::size_t before = seen.size();
  REQUIRE(before > 0);
  REQUIRE(before < static_cast<std::size_t>(rows));
  auto resumed = source.build_part("t", path.string(), first->snapshot());
  std::vector<io::CsvRow> batch;
  std::string error;
  try {
    while (resumed->next_batch(batch)) {
    }
  } catch (const ItemError& e) {
    error = e.what();
  }
  seen.insert(seen.end(), batch.begin(), batch.end());
  REQUIRE(seen.size() == static_cast<std::size_t>(rows));
  std::size_t wrong = 0;
  for (int i = 0; i < rows; ++i) wrong += seen[i]["id"] != std::to_string(i);
  CHECK(wrong == 0);
  CHECK(error ==
        "line " + std::to_string(rows + 2) + ": expected 2 fields (header: id,text), found 1");
}

TEST_CASE("CSV rows come in batches of at most kBatchLines lines, and an error names its line") {
  TempDir dir;
  const auto path = dir / "short.csv";
  std::string text = "id\n";
  const int rows = 3 * static_cast<int>(io::detail::kBatchLines);  // in one read block
  for (int i = 0; i < rows; ++i) text += std::to_string(i) + (i % 100 == 7 ? "\n\n" : "\n");
  text += "1,2\n";  // line rows + rows / 100 + 2: the header and the empty lines before it
  write_file(path, text);
  io::CsvSource source(path);
  auto partition = source.build_part("t", path.string(), std::nullopt);
  std::vector<io::CsvRow> all;
  std::string error;
  try {
    for (bool more = true; more;) {
      const std::size_t before = all.size();  // next_batch appends, up to an error
      more = partition->next_batch(all);
      CHECK(all.size() - before <= io::detail::kBatchLines);
    }
  } catch (const ItemError& e) {
    error = e.what();
  }
  REQUIRE(all.size() == static_cast<std::size_t>(rows));
  std::size_t wrong = 0;
  for (int i = 0; i < rows; ++i) wrong += all[i]["id"] != std::to_string(i);
  CHECK(wrong == 0);
  const int empties = (rows - 8) / 100 + 1;
  CHECK(error ==
        "line " + std::to_string(rows + empties + 2) + ": expected 1 fields (header: id), found 2");
}
