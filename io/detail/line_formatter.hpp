// LineFormatter<T>: renders a batch of records as text, one line per record (the
// record, then '\n'), into one reused buffer, for the line sinks. Internal to io/.
//
// Strings (anything convertible to std::string_view) are copied as they are,
// integers with std::to_chars, every other type with its operator<<.
#pragma once

#include <charconv>
#include <concepts>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sluice::io::detail {

template <class T>
concept Streamable = requires(std::ostream& os, const T& x) {
  os << x;
};

template <class T>
class LineFormatter {
  static_assert(std::is_convertible_v<const T&, std::string_view> ||
                    (std::is_integral_v<T> && !std::is_same_v<T, bool>) || Streamable<T>,
                "a line sink writes records with operator<<: give the record type one");

 public:
  // The text of `items`; valid until the next call.
  std::string_view format(const std::vector<T>& items) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      text_.clear();
      for (const T& x : items) {
        text_.append(std::string_view(x));
        text_.push_back('\n');
      }
      return text_;
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      text_.clear();
      char digits[24];
      for (const T& x : items) {
        const auto end = std::to_chars(digits, digits + sizeof digits, x).ptr;
        text_.append(digits, end);
        text_.push_back('\n');
      }
      return text_;
    } else {
      stream_.str(std::string());
      for (const T& x : items) stream_ << x << '\n';
      text_ = std::move(stream_).str();
      return text_;
    }
  }

 private:
  std::string text_;
  std::ostringstream stream_;
};

}  // namespace sluice::io::detail
