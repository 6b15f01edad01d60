// Tests for render_graph and --graph: every step is a node, every input an edge with
// its pact, in Mermaid and in dot.
#include <sluice/engine/graph_output.hpp>

#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include <sluice/sluice.hpp>

using namespace sluice;

namespace {
Dataflow sample() {
  Dataflow flow("g");
  auto in = op::input(flow, "in", TestingSource<std::uint64_t>::of({1, 2, 3}));
  auto [evens, odds] = op::branch("split", in, [](std::uint64_t x) { return x % 2 == 0; });
  auto keyed = op::redistribute("spread", odds);
  op::output("out", op::merge("join", std::vector{evens, keyed}), TestingSink<std::uint64_t>());
  return flow;
}
}  // namespace

TEST_CASE("a dataflow renders as a Mermaid flowchart with pacts and ports on its edges") {
  CHECK(render_graph(sample(), GraphFormat::Mermaid) ==
        "flowchart TD\n"
        "  n0[\"g.in\"]\n"
        "  n1[\"g.split\"]\n"
        "  n2[\"g.spread\"]\n"
        "  n3[\"g.join\"]\n"
        "  n4[\"g.out\"]\n"
        "  n0 --> n1\n"
        "  n1 -->|exchange 1→0| n2\n"
        "  n1 -->|0→0| n3\n"
        "  n2 -->|0→1| n3\n"
        "  n3 --> n4\n");
}

TEST_CASE("a dataflow renders as a Graphviz digraph") {
  CHECK(render_graph(sample(), GraphFormat::Dot) ==
        "digraph \"g\" {\n"
        "  n0 [label=\"g.in\"];\n"
        "  n1 [label=\"g.split\"];\n"
        "  n2 [label=\"g.spread\"];\n"
        "  n3 [label=\"g.join\"];\n"
        "  n4 [label=\"g.out\"];\n"
        "  n0 -> n1;\n"
        "  n1 -> n2 [label=\"exchange 1→0\"];\n"
        "  n1 -> n3 [label=\"0→0\"];\n"
        "  n2 -> n3 [label=\"0→1\"];\n"
        "  n3 -> n4;\n"
        "}\n");
}

TEST_CASE("--graph prints the dataflow and exits without running it") {
  bool ran = false;
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  Cli cli("graph test");
  const char* argv[] = {"prog", "--graph", "dot"};
  const int code = cli.main(3, argv, [&] {
    Dataflow flow("g");
    auto in = op::input(flow, "in", TestingSource<std::uint64_t>::of({1}));
    op::inspect("look", in, [&](const std::uint64_t&) { ran = true; });
    return flow;
  });
  std::cout.rdbuf(old);
  CHECK(code == 0);
  CHECK_FALSE(ran);
  CHECK(captured.str().find("n0 -> n1;") != std::string::npos);
}

TEST_CASE("--graph refuses an unknown format with exit code 2") {
  std::ostringstream err;
  auto* old = std::cerr.rdbuf(err.rdbuf());
  Cli cli("graph test");
  const char* argv[] = {"prog", "--graph", "svg"};
  const int code = cli.parse(3, argv);
  std::cerr.rdbuf(old);
  CHECK(code == 2);
  CHECK(err.str().find("--graph") != std::string::npos);
}
