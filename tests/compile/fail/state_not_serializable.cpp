// A state type cereal cannot serialize.
// expect: stateful_map's state type S (its function's first parameter) must be serializable by
// cereal
#include <sluice/sluice.hpp>

struct Stats {
  std::uint64_t count = 0;
  double mean = 0;
};

int main() {
  sluice::Dataflow flow("f");
  auto in =
      sluice::op::input(flow, "in", sluice::TestingSource<std::pair<std::string, double>>::of({}));
  sluice::op::stateful_map("stats", in, [](Stats& s, double v) {  // error here
    s.mean += (v - s.mean) / static_cast<double>(++s.count);
    return s.mean;
  });
}
