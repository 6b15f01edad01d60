// A fold_window folder with its parameters the wrong way round.
// expect: fold_window's folder must be `S folder(S acc, const V& value)`
#include <sluice/sluice.hpp>

namespace window = sluice::window;

int main() {
  sluice::Dataflow flow("f");
  auto in = sluice::op::input(
      flow, "in",
      sluice::TestingSource<std::pair<std::string, window::Timed<std::string>>>::of({}));
  const window::EventClock clock{window::Millis(1000), window::Millis(0)};
  window::fold_window(  // error here
      "lengths", in, clock, window::TumblingWindower(window::Millis(1000), window::EventTime{}),
      [] { return std::uint64_t{0}; },
      [](const std::string& s, std::uint64_t acc) { return acc + s.size(); });
}
