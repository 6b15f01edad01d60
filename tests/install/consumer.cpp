// A program outside the source tree, built against the installed sluice with
// `pkg-config --cflags --libs sluice`: squares 1..100 on 2 workers and prints the sum.
#include <cstdint>
#include <iostream>
#include <numeric>

#include <sluice/sluice.hpp>

int main() {
  std::vector<std::uint64_t> values(100);
  std::iota(values.begin(), values.end(), 1);
  sluice::Dataflow flow("consumer");
  auto numbers =
      sluice::op::input(flow, "numbers", sluice::TestingSource<std::uint64_t>::of(values));
  auto squares = sluice::op::map("square", numbers, [](std::uint64_t x) { return x * x; });
  sluice::TestingSink<std::uint64_t> sink;
  sluice::op::output("collect", squares, sink);
  sluice::RunConfig config;
  config.workers = 2;
  sluice::run(flow, config);
  auto got = sink.values();
  std::cout << std::accumulate(got.begin(), got.end(), std::uint64_t{0}) << "\n";
}
