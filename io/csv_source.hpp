// CsvSource: the data rows of a CSV file as CsvRows whose fields are named by the
// file's header row.
//
// One partition, named by the path. Lines as FileSource (CRLF stripped; a last line
// without '\n' is a line, so a header-only file without '\n' has zero rows); empty
// lines are skipped, before the header too (as Python's csv.DictReader: the header is
// the first non-empty line, and line numbers in messages stay the file's); a UTF-8
// byte-order mark (EF BB BF) at the start of the file is stripped before the header
// is parsed. Fields follow RFC 4180 quoting ("a,""b""" is a,"b"; commas inside
// quotes), but a quoted field may not span lines. A row whose field count differs
// from the header's, or a malformed row, stops the run with a StepError naming the
// step, the worker, the epoch, the file (the partition) and the line:
// "partition '<path>': line 7: expected 3 fields (header: a,b,c), found 2".
//
// Wide headers: the duplicate check is O(n log n) (csv_row.hpp); the column count is
// bounded by the line length limit (set_max_line, 16 MiB by default).
//
// Resume: the snapshot is "<byte offset of the next line> <its line number>"; the
// header is read again from the start of the file.
//
// Errors: list_parts throws ConfigError when the file is missing, unreadable or a
// directory; build_part when the file is empty or has only empty lines, or the
// header row is malformed or repeats a name ("'<path>' line 1 (the header row): the
// header names the field 'a' twice (columns 1 and 3)").
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/csv_row.hpp>
#include <sluice/io/source.hpp>

namespace sluice::io {

class CsvSource final : public FixedPartitionedSource<CsvRow> {
 public:
  explicit CsvSource(std::filesystem::path path);

  std::vector<std::string> list_parts(std::uint32_t workers) override;
  std::unique_ptr<SourcePartition<CsvRow>> build_part(
      const std::string& step_path, const std::string& part,
      std::optional<std::string> resume_state) override;

  std::vector<FileUse> files() const override {
    return {{path_.string(), FileUse::Access::Read, {}}};
  }

  // Lines longer than `bytes` stop the read naming the file and line (default 16 MiB).
  void set_max_line(std::size_t bytes) { max_line_ = bytes; }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool regular_ = true;  // false: a pipe or device, read in order (not seeked)
  std::size_t max_line_ = 16u << 20;
};

}  // namespace sluice::io
