// CsvHeader, CsvRow and the CSV line parser.
#include <sluice/io/csv_row.hpp>

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace sluice::io {

CsvHeader::CsvHeader(std::vector<std::string> names) : names_(std::move(names)) {
  if (names_.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("the header has " + std::to_string(names_.size()) +
                                " fields, more than 2^32 - 1");
  }
  sorted_.resize(names_.size());
  std::iota(sorted_.begin(), sorted_.end(), std::uint32_t{0});
  std::sort(sorted_.begin(), sorted_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int c = names_[a].compare(names_[b]);
    return c < 0 || (c == 0 && a < b);
  });
  // Of the repeated names, the one whose second column comes first (a reader scanning
  // from the left meets it first).
  std::size_t first = 0, second = names_.size();
  for (std::size_t k = 1; k < sorted_.size(); ++k) {
    if (names_[sorted_[k]] == names_[sorted_[k - 1]] && sorted_[k] < second) {
      first = sorted_[k - 1];
      second = sorted_[k];
    }
  }
  if (second < names_.size()) {
    throw std::invalid_argument("the header names the field '" + names_[second] +
                                "' twice (columns " + std::to_string(first + 1) + " and " +
                                std::to_string(second + 1) + ")");
  }
}

std::optional<std::size_t> CsvHeader::index(std::string_view name) const {
  if (names_.size() <= 8) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return i;
    }
    return std::nullopt;
  }
  const auto it =
      std::lower_bound(sorted_.begin(), sorted_.end(), name,
                       [&](std::uint32_t i, std::string_view n) { return names_[i] < n; });
  if (it == sorted_.end() || names_[*it] != name) return std::nullopt;
  return *it;
}

std::string CsvHeader::joined() const {
  constexpr std::size_t kShown = 200;
  std::string out;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(names_[i], 0, kShown + 1);
    if (out.size() > kShown) {
      out.resize(kShown);
      out += "... (" + std::to_string(names_.size()) + " names)";
      break;
    }
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
