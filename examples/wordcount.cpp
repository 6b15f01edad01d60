// wordcount: counts the words of a text file (or of every file of a directory) — the
// main example.
//
//   build/examples/wordcount --input examples/data/sluice.txt --output counts.tsv [-w 2]
//
// A word is a maximal run of ASCII letters or digits, lowercased. When the input
// ends, one line "word<TAB>count" is written per distinct word, in no particular
// order (to stdout without --output). Try --graph mermaid to see the dataflow.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <sluice/io/dir_source.hpp>
#include <sluice/io/file_sink.hpp>
#include <sluice/io/file_source.hpp>
#include <sluice/io/stdout_sink.hpp>
#include <sluice/sluice.hpp>

#include "word_split.hpp"

int main(int argc, char** argv) {
  sluice::Cli cli("wordcount: counts the words of a text file");
  std::string input;
  std::string output;
  cli.app().add_option("--input", input, "text file to read, or a directory of them")->required();
  cli.app().add_option("--output", output,
                       "file to write word<TAB>count lines to (default: stdout)");

  return cli.main(argc, argv, [&] {
    namespace op = sluice::op;
    sluice::Dataflow flow("wordcount");
    // The file's lines, in byte ranges of about 1 MiB (up to 32) shared among workers;
    // or the lines of every file of a directory, a partition per file.
    auto lines = std::filesystem::is_directory(input)
                     ? op::input(flow, "lines", sluice::io::DirSource(input))
                     : op::input(flow, "lines", sluice::io::FileSource(input));
    // Lines to words, a batch of lines at a time (one output vector per batch).
    auto words = op::flat_map_batch("split", lines, wordcount::words_of_lines);
    // Counts per word: each worker pre-counts its own words, then the partial counts
    // are exchanged by word and summed; emitted when the input ends.
    auto counts = op::count_final("count", words,
                                  [](const std::string& w) -> const std::string& { return w; });
    auto text = op::map("format", counts, [](const std::pair<std::string, std::uint64_t>& wc) {
      return wc.first + '\t' + std::to_string(wc.second);
    });
    if (output.empty()) {
      op::output("out", text, sluice::io::StdOutSink<std::string>());
    } else {
      op::output("out", text, sluice::io::FileSink<std::string>(output));
    }
    return flow;
  });
}
