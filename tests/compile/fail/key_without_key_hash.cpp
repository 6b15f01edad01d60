// A key type with no KeyHash.
// expect: this key type has no sluice::KeyHash
#include <sluice/sluice.hpp>

struct UserDay {
  std::uint64_t user = 0;
  int day = 0;
  bool operator==(const UserDay&) const = default;
  template <class A>
  void serialize(A& a) {
    a(user, day);
  }
};

int main() {
  sluice::Dataflow flow("f");
  auto in = sluice::op::input(flow, "in",
                              sluice::TestingSource<std::pair<UserDay, std::uint64_t>>::of({}));
  // error here (the next line)
  sluice::op::reduce_final("sum", in, [](std::uint64_t a, std::uint64_t b) { return a + b; });
}
