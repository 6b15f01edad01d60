// Tests for CsvHeader: duplicate names found (at their columns) and lookups by name,
// on wide headers too, against a linear reference; messages list a bounded prefix.
#include <sluice/io/csv_row.hpp>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using sluice::io::CsvHeader;

namespace {
// "c<i>" (appended, not operator+: GCC 12's -Wrestrict false positive, PR 105329).
std::string column(std::size_t i) {
  std::string name(1, 'c');
  name += std::to_string(i);
  return name;
}

std::vector<std::string> numbered(std::size_t n) {
  std::vector<std::string> names;
  names.reserve(n);
  for (std::size_t i = 0; i < n; ++i) names.push_back(column(i));
  return names;
}

std::string duplicate_error(std::vector<std::string> names) {
  try {
    CsvHeader header(std::move(names));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a header of 200,000 columns is checked and looked up by name") {
  std::vector<std::string> names = numbered(200'000);
  const CsvHeader header(names);
  CHECK(header.size() == 200'000);
  for (std::size_t i : {0, 1, 8, 12'345, 199'999}) {
    CHECK(header.index(column(i)) == std::optional<std::size_t>(i));
  }
  CHECK(header.index("c200000") == std::nullopt);
  CHECK(header.index("") == std::nullopt);
  names[150'000] = "c17";
  CHECK(duplicate_error(names) == "the header names the field 'c17' twice (columns 18 and 150001)");
}

TEST_CASE("of several repeated names, the one repeated first from the left is named") {
  CHECK(duplicate_error({"b", "a", "x", "a", "b"}) ==
        "the header names the field 'a' twice (columns 2 and 4)");
  CHECK(duplicate_error({"", "v", ""}) == "the header names the field '' twice (columns 1 and 3)");
}

TEST_CASE("header checks and lookups agree with a linear scan on random names") {
  const auto seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 300; ++round) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
      names.push_back(std::string(1, static_cast<char>('a' + rng() % 26)) +
                      std::string(rng() % 2, 'z'));
    }
    // The reference: the first column that repeats an earlier one, and that earlier one.
    std::string expected;
    for (std::size_t i = 0; i < n && expected.empty(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (names[i] == names[j]) {
          expected = "the header names the field '" + names[i] + "' twice (columns " +
                     std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")";
          break;
        }
      }
    }
    CAPTURE(round);
    REQUIRE(duplicate_error(names) == expected);
    if (!expected.empty()) continue;
    const CsvHeader header(names);
    for (char c = 'a'; c <= 'z'; ++c) {
      for (const std::string& name : {std::string(1, c), std::string(1, c) + "z"}) {
        std::optional<std::size_t> linear;
        for (std::size_t i = 0; i < n; ++i) {
          if (names[i] == name) linear = i;
        }
        CHECK(header.index(name) == linear);
      }
    }
  }
}

TEST_CASE("a wide header is listed in messages up to 200 characters and its name count") {
  CHECK(CsvHeader({"a", "b", "c"}).joined() == "a,b,c");
  const std::string joined = CsvHeader(numbered(200'000)).joined();
  std::string all;
  for (const auto& name : numbered(60)) (all += name) += ",";
  CHECK(joined == all.substr(0, 200) + "... (200000 names)");
  CHECK(CsvHeader({std::string(1000, 'x')}).joined() == std::string(200, 'x') + "... (1 names)");
}
