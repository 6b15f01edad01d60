// A user's program outside the source tree, built against the installed sluice with
// `pkg-config --cflags --libs sluice` and -O2 -Wall -Wextra -Werror (check_install.sh):
// the main operator families on one small input, at 2 workers: stateless (flat_map,
// filter, map), final aggregates (count_final, reduce_final), stateful_map,
// stateful, the window aggregates (count_window, fold_window) and a pair key. Prints
// one line per result, sorted within each operator; consumer.expected holds the answer
// (worked out by hand from the input).
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <sluice/sluice.hpp>

namespace {

namespace op = sluice::op;
namespace window = sluice::window;
using Count = std::pair<std::string, std::uint64_t>;

// Per-word logic: emits the word's running count at every 2nd occurrence.
struct EverySecond {
  std::uint64_t seen = 0;
  sluice::LogicAction on_item(std::uint64_t, sluice::Emitter<std::string, std::uint64_t>& out) {
    if (++seen % 2 == 0) out(seen);
    return sluice::LogicAction::retain;
  }
  std::uint64_t snapshot() const { return seen; }
};

template <class T>
void print(const std::string& what, const sluice::TestingSink<T>& sink, auto format) {
  std::vector<std::string> lines;
  for (const auto& v : sink.values()) lines.push_back(what + " " + format(v));
  std::sort(lines.begin(), lines.end());
  for (const auto& line : lines) std::cout << line << "\n";
}

}  // namespace

int main() {
  sluice::TestingSink<Count> counts, every_second, running_totals;
  sluice::TestingSink<std::pair<std::string, std::uint64_t>> sums;
  sluice::TestingSink<std::pair<std::string, window::Windowed<std::uint64_t>>> per_window;
  sluice::TestingSink<std::pair<std::pair<std::string, int>, std::uint64_t>> by_pair;

  sluice::Dataflow flow("consumer");
  auto lines =
      op::input(flow, "lines", sluice::TestingSource<std::string>::of({"b a c", "a b", "", "a d"}));
  auto words = op::flat_map("split", lines, [](const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  });
  auto kept = op::filter("not_d", words, [](const std::string& w) { return w != "d"; });
  op::output("counts_out", op::count_final("count", kept, [](const std::string& w) { return w; }),
             counts);

  auto ones = op::map("one", kept, [](const std::string& w) { return Count{w, 1}; });
  op::output("sums_out",
             op::reduce_final("sum", ones, [](std::uint64_t a, std::uint64_t b) { return a + b; }),
             sums);
  op::output("running_totals_out",
             op::stateful_map("running_total", ones,
                              [](std::uint64_t& total, std::uint64_t v) { return total += v; }),
             running_totals);
  op::output("every_second_out",
             op::stateful("every_second", ones,
                          [](std::optional<std::uint64_t> resume) {
                            return EverySecond{resume.value_or(0)};
                          }),
             every_second);

  // Number i's event time is 1000 * i ms; tumbling windows of 3 s; keys "even" and "odd".
  const window::EventClock clock{window::Millis(1000), window::Millis(0)};
  auto numbered =
      op::input(flow, "numbered", sluice::TestingSource<std::int64_t>::of({0, 1, 2, 3, 4, 5, 6}));
  auto timed = op::map("timed", numbered, [](std::int64_t i) {
    return std::pair<std::string, window::Timed<std::int64_t>>{
        i % 2 ? "odd" : "even",
        window::Timed<std::int64_t>{i, window::EventTime(window::Millis(1000 * i)), false}};
  });
  const window::TumblingWindower tumbling(window::Millis(3000), window::EventTime{});
  op::output("per_window_out", window::count_window("count_window", timed, clock, tumbling).down,
             per_window);
  auto folded = window::fold_window(
      "fold_window", timed, clock, tumbling, [] { return std::uint64_t{0}; },
      [](std::uint64_t acc, std::int64_t i) { return acc + static_cast<std::uint64_t>(i); });
  auto pair_keyed =
      op::map("pair_key", folded.down,
              [](const std::pair<std::string, window::Windowed<std::uint64_t>>& kw) {
                return std::pair<std::pair<std::string, int>, std::uint64_t>{
                    {kw.first, kw.second.window.start.time_since_epoch().count() >= 3000 ? 1 : 0},
                    kw.second.value};
              });
  op::output("by_pair_out",
             op::reduce_final("by_pair", pair_keyed,
                              [](std::uint64_t a, std::uint64_t b) { return a + b; }),
             by_pair);

  sluice::RunConfig config;
  config.workers = 2;
  sluice::run(flow, config);

  const auto kv = [](const auto& p) { return p.first + "=" + std::to_string(p.second); };
  print("count_final", counts, kv);
  print("reduce_final", sums, kv);
  print("stateful_map", running_totals, kv);
  print("stateful", every_second, kv);
  print("count_window", per_window, [](const auto& p) {
    return p.first + "@" + std::to_string(p.second.window.start.time_since_epoch().count()) + "=" +
           std::to_string(p.second.value);
  });
  print("pair_key", by_pair, [](const auto& p) {
    return p.first.first + "," + std::to_string(p.first.second) + "=" + std::to_string(p.second);
  });
}
