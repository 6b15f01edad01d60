// A stateful_map function that returns nothing.
// expect: stateful_map's function must return the value to emit for the key
#include <sluice/sluice.hpp>

int main() {
  sluice::Dataflow flow("f");
  auto in = sluice::op::input(flow, "in",
                              sluice::TestingSource<std::pair<std::string, std::uint64_t>>::of({}));
  // error here (the next line)
  sluice::op::stateful_map("sum", in, [](std::uint64_t& sum, std::uint64_t v) { sum += v; });
}
