// append_words: the word splitting of the wordcount example, shared with its
// benchmark and baseline (bench/wordcount.cpp, bench/baseline_wordcount.cpp) so
// both measure the same per-word work.
//
// A word is a maximal run of ASCII letters or digits, lowercased; every other byte
// separates words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wordcount {

inline bool is_word_char(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// Calls f(std::string_view word_as_in_text, std::size_t begin) for each word of `text`.
template <class F>
void for_each_word(std::string_view text, F&& f) {
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    if (!is_word_char(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && is_word_char(static_cast<unsigned char>(text[j]))) ++j;
    f(text.substr(i, j - i));
    i = j;
  }
}

inline void lowercase(std::string& word) {
  for (char& c : word) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  }
}

// Appends the lowercased words of `line` to `words`.
inline void append_words(std::string_view line, std::vector<std::string>& words) {
  for_each_word(line, [&](std::string_view w) { lowercase(words.emplace_back(w)); });
}

// The words of a batch of lines, in one vector (flat_map_batch's function).
inline std::vector<std::string> words_of_lines(std::vector<std::string>&& lines) {
  std::vector<std::string> words;
  words.reserve(lines.size() * 8);
  for (const auto& line : lines) append_words(line, words);
  return words;
}

}  // namespace wordcount
