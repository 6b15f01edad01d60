// Exact flag checks (cli_options.hpp): the non-template parts.
#include <sluice/engine/cli_options.hpp>

#include <cmath>

namespace sluice {
namespace {
// The shortest text that reads back as x.
std::string shortest(double x) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, x);
  return std::string(text, ec == std::errc() ? end : text);
}
}  // namespace

namespace detail {
std::string not_an_integer(const std::string& text, const std::string& min,
                           const std::string& max) {
  return "'" + text + "' is not an integer from " + min + " to " + max;
}
}  // namespace detail

CLI::Validator finite_number(double min, double max) {
  const std::string lo = shortest(min), hi = shortest(max);
  return CLI::Validator(
      [min, max, lo, hi](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec != std::errc() || stop != end || !std::isfinite(value) ||
            value < min || value > max) {
          return "'" + text + "' is not a finite number from " + lo + " to " + hi;
        }
        return {};
      },
      "[" + lo + ", " + hi + "]");
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, double& value,
                               const std::string& description, double min, double max) {
  return app.add_option(name, value, description)->check(finite_number(min, max));
}

CLI::ValidationError refuse_flags(const std::string& flags, const std::string& what) {
  return CLI::ValidationError(flags, what);
}

}  // namespace sluice
