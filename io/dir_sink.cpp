// DirSink's part names.
#include <sluice/io/dir_sink.hpp>

namespace sluice::io::detail {

std::vector<std::string> numbered_parts(std::size_t n) {
  const std::size_t width = std::to_string(n - 1).size();
  std::vector<std::string> names;
  names.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string digits = std::to_string(i);
    names.push_back("part-" + std::string(width - digits.size(), '0') + digits);
  }
  return names;
}

}  // namespace sluice::io::detail
