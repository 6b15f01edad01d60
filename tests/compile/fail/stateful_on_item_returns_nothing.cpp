// A stateful logic whose on_item returns nothing.
// expect: a stateful logic's on_item must return sluice::LogicAction
#include <sluice/sluice.hpp>

struct Logic {
  std::uint64_t n = 0;
  void on_item(std::uint64_t v, sluice::Emitter<std::string, std::uint64_t>& out) { out(n += v); }
  std::uint64_t snapshot() const { return n; }
};

int main() {
  sluice::Dataflow flow("f");
  auto in = sluice::op::input(flow, "in",
                              sluice::TestingSource<std::pair<std::string, std::uint64_t>>::of({}));
  sluice::op::stateful("sum", in, [](std::optional<std::uint64_t> r) {  // error here
    return Logic{r.value_or(0)};
  });
}
