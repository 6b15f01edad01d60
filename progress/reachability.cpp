// Explicit instantiation of the tracker for uint64_t epochs (every TU that includes
// reachability.hpp reuses it), and the non-template diagnostics helpers.
#include <sluice/progress/reachability.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sluice::progress {

namespace detail {

std::string location_to_string(Location loc) {
  return "node " + std::to_string(loc.node) +
         (loc.kind == PortKind::Source ? " output " : " input ") + std::to_string(loc.port);
}

void progress_bug(const std::string& message) {
  std::fprintf(stderr, "sluice progress invariant broken (a bug): %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail

template class GraphBuilder<uint64_t>;
template class Tracker<uint64_t>;

}  // namespace sluice::progress
