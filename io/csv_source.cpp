// CsvSource: header, rows, field-count checks.
#include <sluice/io/csv_source.hpp>

#include <algorithm>
#include <sstream>

#include <sluice/engine/error.hpp>
#include <sluice/io/detail/line_reader.hpp>

namespace sluice::io {

namespace {
const char* const kHint = "check the path of the CSV file";

class CsvPartition final : public SourcePartition<CsvRow> {
 public:
  CsvPartition(std::shared_ptr<const CsvHeader> header, detail::LineReader reader,
               std::uint64_t line)
      : header_(std::move(header)), reader_(std::move(reader)), line_(line) {}

  bool next_batch(std::vector<CsvRow>& out) override {
    batch_line_ = line_;
    rows_ = 0;
    empties_.clear();
    if (reader_.finished()) return false;
    std::string_view text;
    if (!reader_.next_line(text)) {  // nothing complete is buffered: read one more block
      reader_.fill();
      if (!reader_.next_line(text)) return !reader_.finished();
    }
    // At most kBatchLines lines; the rest wait in the buffer.
    for (std::size_t n = 0; n < detail::kBatchLines && (n == 0 || reader_.next_line(text)); ++n) {
      const std::uint64_t number = line_++;
      if (text.empty()) {
        empties_.push_back(rows_);  // per empty line, not per row
        continue;
      }
      ++rows_;
      if (auto error = detail::parse_csv_line(text, fields_, ends_); !error.empty()) {
        throw ItemError("line " + std::to_string(number) + ": " + error, std::string(text));
      }
      if (ends_.size() != header_->size()) {
        throw ItemError("line " + std::to_string(number) + ": expected " +
                            std::to_string(header_->size()) + " fields (header: " +
                            header_->joined() + "), found " + std::to_string(ends_.size()),
                        std::string(text));
      }
      out.emplace_back(header_, fields_, ends_);
    }
    return !reader_.finished();
  }

  std::string snapshot() override {
    return std::to_string(reader_.offset()) + " " + std::to_string(line_);
  }

  // Row k of the last batch is on line batch_line_ + k + the empty lines before it.
  std::string locate(std::size_t index) override {
    if (index >= rows_) return {};
    const auto skipped =
        std::upper_bound(empties_.begin(), empties_.end(), index) - empties_.begin();
    return "'" + reader_.what() + "' line " +
           std::to_string(batch_line_ + index + static_cast<std::uint64_t>(skipped));
  }

 private:
  std::shared_ptr<const CsvHeader> header_;
  detail::LineReader reader_;
  std::uint64_t line_;  // number of the next line (1-based)
  // The last batch: its first line, its rows, and for each empty line the rows before it.
  std::uint64_t batch_line_ = 0;
  std::size_t rows_ = 0;
  std::vector<std::size_t> empties_;
  std::string fields_;
  std::vector<std::uint32_t> ends_;
};

// The next line of `reader` (filling it as needed), or false at the end of the file
// (a last line without '\n' is a line).
bool read_line(detail::LineReader& reader, std::string_view& line) {
  while (!reader.next_line(line)) {
    if (!reader.fill()) return reader.next_line(line);  // at end of file: the last line
  }
  return true;
}

// The header: the first non-empty line of `reader`, without a UTF-8 byte-order mark
// before it. Sets `line_number` to its line number.
std::shared_ptr<const CsvHeader> read_header(detail::LineReader& reader, const std::string& path,
                                             std::uint64_t& line_number) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  std::string_view line;
  line_number = 0;
  do {
    if (!read_line(reader, line)) {
      throw ConfigError("'" + path + "' " +
                        (line_number == 0 ? std::string("is empty") : "has only empty lines") +
                        "; a CSV file starts with a header row");
    }
    if (line_number++ == 0 && line.starts_with(kBom)) line.remove_prefix(kBom.size());
  } while (line.empty());
  std::string fields;
  std::vector<std::uint32_t> ends;
  std::string error = detail::parse_csv_line(line, fields, ends);
  std::vector<std::string> names;
  for (std::size_t i = 0; error.empty() && i < ends.size(); ++i) {
    const std::uint32_t begin = i == 0 ? 0 : ends[i - 1];
    names.push_back(fields.substr(begin, ends[i] - begin));
  }
  try {
    if (error.empty()) return std::make_shared<const CsvHeader>(std::move(names));
  } catch (const std::invalid_argument& e) {
    error = e.what();
  }
  throw ConfigError("'" + path + "' line " + std::to_string(line_number) +
                    " (the header row): " + error);
}

// "<offset> <line>", as CsvPartition::snapshot writes it.
std::pair<std::uint64_t, std::uint64_t> parse_position(const std::string& part,
                                                       const std::string& state) {
  std::istringstream in(state);
  std::uint64_t offset = 0, line = 0;
  char extra = 0;
  if (!(in >> offset >> line) || line < 2 || (in >> extra)) {
    throw ConfigError("partition '" + part + "': resume state '" + state +
                      "' is not a CSV position; pass the string its snapshot() returned");
  }
  return {offset, line};
}
}  // namespace

CsvSource::CsvSource(std::filesystem::path path) : path_(std::move(path)) {}

std::vector<std::string> CsvSource::list_parts(std::uint32_t) {
  regular_ = detail::readable_input(path_.string(), kHint).regular;
  return {path_.string()};
}

std::unique_ptr<SourcePartition<CsvRow>> CsvSource::build_part(
    const std::string& step, const std::string& part, std::optional<std::string> resume_state) {
  const std::string path = path_.string();
  if (part != path) {
    throw ConfigError("'" + part + "' is not a part of the CsvSource of '" + path + "'");
  }
  detail::LineReader reader(detail::open_for_reading(path, kHint, step), path, 0,
                            detail::LineReader::kToEnd, regular_, max_line_);
  std::uint64_t header_line = 0;
  auto header = read_header(reader, path, header_line);
  if (!resume_state) {
    return std::make_unique<CsvPartition>(std::move(header), std::move(reader), header_line + 1);
  }
  const auto [offset, line] = parse_position(part, *resume_state);
  detail::LineReader resumed(detail::open_for_reading(path, kHint, step), path, offset,
                             detail::LineReader::kToEnd, regular_, max_line_);
  return std::make_unique<CsvPartition>(std::move(header), std::move(resumed), line);
}

}  // namespace sluice::io
