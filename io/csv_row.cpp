// CsvHeader, CsvRow and the CSV line parser.
#include <sluice/io/csv_row.hpp>

#include <stdexcept>

namespace sluice::io {

CsvHeader::CsvHeader(std::vector<std::string> names) : names_(std::move(names)) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (names_[i] == names_[j]) {
        throw std::invalid_argument("the header names the field '" + names_[i] + "' twice");
      }
    }
  }
}

std::optional<std::size_t> CsvHeader::index(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return std::nullopt;
}

std::string CsvHeader::joined() const {
  std::string out;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += names_[i];
  }
  return out;
}

std::string_view CsvRow::at(std::size_t i) const {
  if (i >= ends_.size()) {
    throw std::out_of_range("field " + std::to_string(i) + " of a CSV row with " +
                            std::to_string(ends_.size()) + " fields");
  }
  const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
  return std::string_view(fields_).substr(begin, ends_[i] - begin);
}

std::string_view CsvRow::operator[](std::string_view name) const {
  const auto i = header_ ? header_->index(name) : std::nullopt;
  if (!i) {
    throw std::out_of_range("no CSV field named '" + std::string(name) + "' (header: " +
                            (header_ ? header_->joined() : std::string("none")) + ")");
  }
  return at(*i);
}

std::ostream& operator<<(std::ostream& os, const CsvRow& row) {
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) os << ',';
    const std::string_view field = row.at(i);
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
      os << field;
      continue;
    }
    os << '"';
    for (char c : field) {
      if (c == '"') os << '"';
      os << c;
    }
    os << '"';
  }
  return os;
}

namespace detail {

std::string parse_csv_line(std::string_view line, std::string& fields,
                           std::vector<std::uint32_t>& ends) {
  fields.clear();
  ends.clear();
  std::size_t i = 0;
  for (;;) {
    if (i < line.size() && line[i] == '"') {  // a quoted field
      for (++i;; ++i) {
        if (i == line.size()) {
          return "a quoted field is not closed on its line (fields with line breaks are "
                 "not supported)";
        }
        if (line[i] != '"') {
          fields.push_back(line[i]);
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          fields.push_back('"');
          ++i;
        } else {
          break;
        }
      }
      ++i;  // past the closing quote
      if (i < line.size() && line[i] != ',') {
        return "field " + std::to_string(ends.size() + 1) +
               " has text after its closing quote (write a quote inside a quoted field as \"\")";
      }
    } else {
      const std::size_t stop = std::min(line.find(',', i), line.size());
      const std::string_view text = line.substr(i, stop - i);
      if (text.find('"') != std::string_view::npos) {
        return "field " + std::to_string(ends.size() + 1) +
               " has a quote but does not start with one (quote the whole field)";
      }
      fields.append(text);
      i = stop;
    }
    ends.push_back(static_cast<std::uint32_t>(fields.size()));
    if (i >= line.size()) return {};
    ++i;  // past the ','
  }
}

}  // namespace detail
}  // namespace sluice::io
