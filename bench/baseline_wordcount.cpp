// baseline_wordcount: the word count of bench/wordcount done by one plain loop: read
// the file in 1 MiB blocks, split it into words (the same examples/word_split.hpp),
// count them in an absl::flat_hash_map (sluice's xxh3 hash) looked up by string_view (no string is
// built for a word already counted). Prints the same JSON line, engine "baseline".
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include <sluice/engine/key_hash.hpp>

#include "../examples/word_split.hpp"
#include "bench_util.hpp"
#include "text_corpus.hpp"

namespace {
// sluice's string hash (xxh3), as the library's keyed state uses, with lookup by
// string_view.
struct WordHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return sluice::hash_key(s); }
};
struct WordEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};
}  // namespace

int main(int argc, char** argv) {
  CLI::App app("baseline_wordcount: word count on one thread");
  std::string input;
  std::uint64_t mb = 64;
  app.add_option("--input", input, "text file (default: a generated corpus)");
  app.add_option("--mb", mb, "size of the generated corpus in MiB (1..65536)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{65536}))
      ->capture_default_str();
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;
  if (input.empty()) {
    auto path = std::filesystem::temp_directory_path() /
                ("sluice-wordcount-" + std::to_string(mb) + "mb.txt");
    if (!std::filesystem::exists(path) || std::filesystem::file_size(path) < mb << 20) {
      bench::write_corpus(path.string(), mb << 20);
    }
    input = path.string();
  }
  const std::uint64_t bytes = std::filesystem::file_size(input);

  bench::Stopwatch watch;
  std::FILE* f = std::fopen(input.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "error: cannot read --input '%s'\n", input.c_str());
    return 1;
  }
  absl::flat_hash_map<std::string, std::uint64_t, WordHash, WordEq> counts;
  std::vector<char> block(1 << 20);
  std::string carry;  // a partial line from the previous block
  std::string word;
  auto count_text = [&](std::string_view text) {
    wordcount::for_each_word(text, [&](std::string_view w) {
      word.assign(w);
      wordcount::lowercase(word);
      auto it = counts.find(std::string_view(word));
      if (it != counts.end()) {
        ++it->second;
      } else {
        counts.emplace(word, 1);
      }
    });
  };
  for (std::size_t n; (n = std::fread(block.data(), 1, block.size(), f)) > 0;) {
    std::string_view text(block.data(), n);
    const std::size_t last_newline = text.rfind('\n');
    if (last_newline == std::string_view::npos) {
      carry.append(text);
      continue;
    }
    carry.append(text.substr(0, last_newline + 1));
    count_text(carry);
    carry.assign(text.substr(last_newline + 1));
  }
  count_text(carry);
  std::fclose(f);
  std::uint64_t words = 0, checksum = 0;
  for (const auto& [w, n] : counts) {
    words += n;
    checksum += sluice::hash_key(w) * n;
  }
  const double seconds = watch.seconds();

  bench::JsonLine()
      .add("bench", "wordcount")
      .add("engine", "baseline")
      .add("workers", 1)
      .add("bytes", bytes)
      .add("words", words)
      .add("distinct", static_cast<std::uint64_t>(counts.size()))
      .add("checksum", checksum)
      .add("seconds", seconds)
      .add("mb_per_s", static_cast<double>(bytes) / (1 << 20) / seconds)
      .print();
  return 0;
}
