// wordcount: counts the words of a text file with sluice's primitives.
//
//   build/examples/wordcount --input examples/data/sluice.txt [--output counts.tsv] [-w 2]
//
// A word is a maximal run of ASCII letters or digits, lowercased. When the input
// ends, one line "word<TAB>count" is written per distinct word (sorted by word).
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <sluice/sluice.hpp>

using WordCount = std::pair<std::string, std::uint64_t>;

namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : line) {
    if (std::isalnum(c) && c < 128) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// A user-written keyed operator: words are exchanged by their text so each word is
// counted on one worker; the counts are emitted once every input is done.
sluice::Stream<WordCount> count_words(const sluice::Stream<std::string>& words) {
  sluice::OperatorBuilder b(words, "count");
  auto in = b.add_input(words, sluice::exchange([](const std::string& w) { return w; }));
  auto [out, counts] = b.add_output<WordCount>();
  b.build([in, out](sluice::OperatorContext& ctx) {
    // Hold the initial capability: the counts are output at epoch 0 at the end.
    return [in, out, cap = ctx.take_initial_capability(),
            table = std::unordered_map<std::string, std::uint64_t>()](
               sluice::OperatorContext& ctx) mutable {
      ctx.input(in).for_each([&](sluice::InputBatch<std::string>& batch) {
        for (auto& w : batch) ++table[std::move(w)];
      });
      if (cap && ctx.inputs_done()) {
        auto session = ctx.output(out).session(cap);
        for (auto& [word, n] : table) session.give(WordCount{word, n});
        table.clear();
        cap.drop();
      }
    };
  });
  return counts;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw sluice::ConfigError("cannot read --input '" + path + "'");
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(std::move(line));
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("wordcount: counts the words of a text file");
  std::string input;
  std::string output;
  cli.app().add_option("--input", input, "text file to read")->required();
  cli.app().add_option("--output", output,
                       "file to write word<TAB>count lines to (default: stdout)");

  sluice::TestingSink<WordCount> sink;
  const int code = cli.main(argc, argv, [&] {
    // One partition per worker, lines dealt round-robin, all at epoch 0.
    const std::uint32_t workers = cli.config().workers;
    std::vector<sluice::TestingSource<std::string>::Partition> parts(workers);
    auto lines = read_lines(input);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      parts[i % workers].push_back({0, std::move(lines[i])});
    }
    sluice::Dataflow flow("wordcount");
    auto text = sluice::op::input(
        flow, "lines", sluice::TestingSource<std::string>::partitioned(std::move(parts)));
    auto words = sluice::op::flat_map("split", text, split_words);
    sluice::op::output("collect", count_words(words), sink);
    return flow;
  });
  if (code != 0) return code;

  auto counts = sink.values();
  std::sort(counts.begin(), counts.end());
  std::ofstream file;
  if (!output.empty()) {
    file.open(output);
    if (!file) {
      std::cerr << "error: cannot write --output '" << output << "'\n";
      return 1;
    }
  }
  std::ostream& os = output.empty() ? std::cout : file;
  for (const auto& [word, n] : counts) os << word << '\t' << n << '\n';
  return os ? 0 : 1;
}
