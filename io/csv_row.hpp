// CsvRow: one data row of a CSV file, its fields addressed by the header's names.
// CsvHeader: the names, shared by every row of a file.
//
// A row stores its (unquoted) fields back to back in one string, plus their end
// offsets: two allocations per row. Field views stay valid as long as the row. Rows
// are immutable values, safe to read from several threads.
//
// Wide headers: the header keeps its names' order sorted, so the duplicate check is
// O(n log n) and a lookup by name O(log n) (a linear scan up to 8 names); messages
// list at most ~200 characters of names. The column count is bounded only by the
// line length limit of the source (CsvSource::set_max_line).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::io {

class CsvHeader {
 public:
  // Throws std::invalid_argument if a name appears twice, naming it and its columns
  // (1-based): "the header names the field 'a' twice (columns 1 and 3)".
  explicit CsvHeader(std::vector<std::string> names);

  std::size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  // The column of `name`, if the header has it.
  std::optional<std::size_t> index(std::string_view name) const;
  // The names joined with ',' (for messages): past 200 characters, cut there and
  // ended with "... (<n> names)".
  std::string joined() const;

 private:
  std::vector<std::string> names_;
  std::vector<std::uint32_t> sorted_;  // indices into names_, by name (then index)
};

class CsvRow {
 public:
  CsvRow() = default;
  // `ends[i]` is the end of field i in `fields` (field i starts where i - 1 ends).
  CsvRow(std::shared_ptr<const CsvHeader> header, std::string fields,
         std::vector<std::uint32_t> ends)
      : header_(std::move(header)), fields_(std::move(fields)), ends_(std::move(ends)) {}

  std::size_t size() const { return ends_.size(); }
  // Field i; throws std::out_of_range.
  std::string_view at(std::size_t i) const;
  // The field named `name`; throws std::out_of_range naming the field and the header.
  std::string_view operator[](std::string_view name) const;
  // Precondition: the row came from a CsvSource (it has a header).
  const CsvHeader& header() const { return *header_; }

  // Equal fields (headers are not compared).
  friend bool operator==(const CsvRow& a, const CsvRow& b) {
    return a.fields_ == b.fields_ && a.ends_ == b.ends_;
  }
  // The row as one CSV line (fields quoted where needed, no '\n').
  friend std::ostream& operator<<(std::ostream& os, const CsvRow& row);

 private:
  std::shared_ptr<const CsvHeader> header_;
  std::string fields_;
  std::vector<std::uint32_t> ends_;
};

namespace detail {
// Parses one CSV line (RFC 4180 quoting: "a,""b""" is a,"b"; commas inside quotes)
// into back-to-back fields and their ends (both cleared first). Returns an error
// message, or an empty string when the line is well formed.
std::string parse_csv_line(std::string_view line, std::string& fields,
                           std::vector<std::uint32_t>& ends);
}  // namespace detail

}  // namespace sluice::io
