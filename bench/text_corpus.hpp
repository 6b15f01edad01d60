// write_corpus: a deterministic English-like text file for the word-count benchmark
// (a 50,000-word vocabulary drawn with a Zipf-like skew, mixed case, digits and
// punctuation, lines of 4 to 16 words). Same bytes for the same (path, bytes, seed).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

inline void write_corpus(const std::string& path, std::uint64_t bytes, std::uint64_t seed = 1) {
  std::uint64_t state = seed;
  auto next = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<std::string> vocabulary(50'000);
  for (auto& w : vocabulary) {
    const std::size_t len = 2 + next() % 9;
    for (std::size_t i = 0; i < len; ++i) {
      const std::uint64_t r = next() % 40;
      w.push_back(r < 36 ? "abcdefghijklmnopqrstuvwxyz0123456789"[r] : "ABCD"[r - 36]);
    }
  }
  // Zipf-like: index = floor(V^u) - 1 for u uniform in [0, 1).
  const double log_v = std::log(static_cast<double>(vocabulary.size()));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write corpus '" + path + "'");
  std::string line;
  std::uint64_t written = 0;
  const char* separators[] = {" ", " ", " ", ", ", ". ", " - ", "; ", " (", ") "};
  while (written < bytes) {
    line.clear();
    const std::size_t words = 4 + next() % 13;
    for (std::size_t i = 0; i < words; ++i) {
      const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
      auto index = static_cast<std::size_t>(std::exp(u * log_v)) - 1;
      if (index >= vocabulary.size()) index = vocabulary.size() - 1;
      line += vocabulary[index];
      if (i + 1 < words) line += separators[next() % 9];
    }
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), f) != line.size()) {
      std::fclose(f);
      throw std::runtime_error("cannot write corpus '" + path + "'");
    }
    written += line.size();
  }
  std::fclose(f);
}

}  // namespace bench
