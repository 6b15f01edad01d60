// Exact values for a program's own flags. CLI11 2.1 reads an integer flag with strtoll
// or strtoull (base 0) and keeps what it got: 99999999999999999999 becomes INT64_MAX,
// -1 for an unsigned flag 2^64 - 1, 010 octal 8; a floating-point Range lets nan pass.
//
//   std::int64_t length = 0;
//   sluice::add_integer_option(cli.app(), "--length-ms", length, "window length", 1, max);
//   double threshold = 3.0;
//   sluice::add_number_option(cli.app(), "--threshold", threshold, "sigmas", 1e-3, 1e3);
//
// An integer flag takes a decimal integer (an optional '-', digits; no '+', no base
// prefix, no fraction, nothing after) in [min, max]; a number flag a finite decimal
// number (as std::from_chars reads it: no hex, inf or nan) in [min, max]. Anything else
// is a usage error, "--flag: 'TEXT' is not an integer from MIN to MAX", which
// sluice::Cli::parse prints and answers with exit code 2. A flag whose meaning depends
// on other flags is checked after parsing: throw refuse_flags(...) from an
// app.callback(...), which Cli::parse reports the same way.
#pragma once

#include <charconv>
#include <concepts>
#include <limits>
#include <string>
#include <system_error>
#include <type_traits>

#include <CLI/CLI.hpp>

namespace sluice {
namespace detail {
// "'TEXT' is not an integer from MIN to MAX" (what an integer flag's error says).
std::string not_an_integer(const std::string& text, const std::string& min, const std::string& max);
}  // namespace detail

// The check behind add_integer_option, for an option made otherwise: it accepts exact
// decimal integers in [min, max] and rewrites the text to its canonical decimal form
// (so CLI11's own conversion, which reads "010" as octal, gets the same number).
template <std::integral T>
requires(!std::is_same_v<T, bool>) CLI::Validator
    exact_integer(T min = std::numeric_limits<T>::min(), T max = std::numeric_limits<T>::max()) {
  const std::string lo = std::to_string(min), hi = std::to_string(max);
  return CLI::Validator(
      [min, max, lo, hi](std::string& text) -> std::string {
        T value{};
        const char* end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec != std::errc() || stop != end || value < min || value > max) {
          return detail::not_an_integer(text, lo, hi);
        }
        text = std::to_string(value);
        return {};
      },
      "[" + lo + ", " + hi + "]");
}

// The check behind add_number_option: a finite decimal number in [min, max].
CLI::Validator finite_number(double min, double max);

// Adds `name` (e.g. "--length-ms") to `app`, read exactly into `value` (see above).
template <std::integral T>
requires(!std::is_same_v<T, bool>) CLI::Option* add_integer_option(
    CLI::App& app, const std::string& name, T& value, const std::string& description,
    T min = std::numeric_limits<T>::min(), T max = std::numeric_limits<T>::max()) {
  return app.add_option(name, value, description)->transform(exact_integer<T>(min, max));
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, double& value,
                               const std::string& description, double min, double max);

// A usage error about `flags` (one flag, or several: "--length-ms 1000000 --slide-ms 1")
// found after parsing, to throw from an app.callback: "FLAGS: WHAT" and exit code 2.
CLI::ValidationError refuse_flags(const std::string& flags, const std::string& what);

}  // namespace sluice
