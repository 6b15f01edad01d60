// wordcount: the wordcount example's dataflow (io::FileSource -> split -> count_final)
// timed end to end on a text file, with its checks: total words and distinct words
// agree with what the sink received. Prints one JSON line.
//
//   bench/wordcount [--input PATH | --mb 64] [-w 2]
//
// Without --input it writes a generated corpus (bench/text_corpus.hpp) of --mb MiB to
// a temporary file first (not timed). bench/baseline_wordcount does the same work on
// one thread.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/file_source.hpp>
#include <sluice/sluice.hpp>

#include "../examples/word_split.hpp"
#include "bench_util.hpp"
#include "text_corpus.hpp"

int main(int argc, char** argv) {
  CLI::App app("wordcount: sluice's word count over a text file");
  std::string input;
  std::uint64_t mb = 64;
  std::uint32_t workers = 1;
  app.add_option("--input", input, "text file (default: a generated corpus)");
  app.add_option("--mb", mb, "size of the generated corpus in MiB (1..65536)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{65536}))
      ->capture_default_str();
  bench::add_workers(app, workers, "worker threads");
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;

  std::filesystem::path generated;
  if (input.empty()) {
    generated = std::filesystem::temp_directory_path() /
                ("sluice-wordcount-" + std::to_string(mb) + "mb.txt");
    if (!std::filesystem::exists(generated) || std::filesystem::file_size(generated) < mb << 20) {
      bench::write_corpus(generated.string(), mb << 20);
    }
    input = generated.string();
  }
  const std::uint64_t bytes = std::filesystem::file_size(input);

  // Each worker's sink totals its own keys; summed after the run.
  struct Totals {
    std::atomic<std::uint64_t> words{0}, distinct{0}, checksum{0};
  } totals;

  namespace op = sluice::op;
  sluice::Dataflow flow("wordcount");
  auto lines = op::input(flow, "lines", sluice::io::FileSource(input));
  auto words = op::flat_map_batch("split", lines, wordcount::words_of_lines);
  auto counts =
      op::count_final("count", words, [](const std::string& w) -> const std::string& { return w; });
  op::inspect("check", counts, [&totals](const std::pair<std::string, std::uint64_t>& wc) {
    totals.words.fetch_add(wc.second, std::memory_order_relaxed);
    totals.distinct.fetch_add(1, std::memory_order_relaxed);
    totals.checksum.fetch_add(sluice::hash_key(wc.first) * wc.second, std::memory_order_relaxed);
  });

  sluice::RunConfig config;
  config.workers = workers;
  bench::Stopwatch watch;
  sluice::run(flow, config);
  const double seconds = watch.seconds();

  bench::JsonLine()
      .add("bench", "wordcount")
      .add("engine", "sluice")
      .add("workers", workers)
      .add("bytes", bytes)
      .add("words", totals.words.load())
      .add("distinct", totals.distinct.load())
      .add("checksum", totals.checksum.load())
      .add("seconds", seconds)
      .add("mb_per_s", static_cast<double>(bytes) / (1 << 20) / seconds)
      .print();
  return 0;
}
