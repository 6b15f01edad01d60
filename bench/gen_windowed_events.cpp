// gen_windowed_events: writes the windowed_sum workload (bench/windowed_events.hpp) as
// `event_ms,key,value` lines, the input of examples/windowed_sum, bench/windowed_sum and
// bench/baseline_windowed_sum. Deterministic: the same flags give the same bytes.
//
//   bench/gen_windowed_events --output PATH [--records 10000000] [--keys 100000]
//       [--seed 1] [--rate 50000] [--start-ms ...] [--jitter-ms 2000] [--late-ppm 1000]
//       [--late-behind-ms 6000]
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "windowed_events.hpp"

int main(int argc, char** argv) {
  CLI::App app("gen_windowed_events: writes event_ms,key,value lines for windowed_sum");
  std::string output;
  bench::windowed::EventsSpec spec;
  app.add_option("--output", output, "file to write")->required();
  bench::windowed::add_spec_options(app, spec);
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  std::FILE* f = std::fopen(output.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "error: cannot write --output '%s'\n", output.c_str());
    return 1;
  }
  const bench::windowed::EventMaker maker(spec);
  std::vector<char> block(1 << 20);
  std::size_t used = 0;
  bool ok = true;
  for (std::uint64_t i = 0; i < spec.records && ok; ++i) {
    if (block.size() - used < bench::windowed::EventMaker::kLineMax + 1) {
      ok = std::fwrite(block.data(), 1, used, f) == used;
      used = 0;
    }
    used += maker.format(i, block.data() + used);
    block[used++] = '\n';
  }
  ok = ok && std::fwrite(block.data(), 1, used, f) == used;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::fprintf(stderr, "error: writing '%s' failed\n", output.c_str());
    return 1;
  }
  return 0;
}
