// A generic lambda where the state type must be read from the parameters.
// expect: stateful_map's function must spell out its parameter types
#include <sluice/sluice.hpp>

int main() {
  sluice::Dataflow flow("f");
  auto in = sluice::op::input(flow, "in",
                              sluice::TestingSource<std::pair<std::string, std::uint64_t>>::of({}));
  // error here (the next line)
  sluice::op::stateful_map("sum", in, [](auto& sum, auto v) { return sum += v; });
}
