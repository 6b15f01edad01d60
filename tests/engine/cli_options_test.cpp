// Exact flag values (engine/cli_options.hpp): integers past their type's range, with a
// fraction, a base prefix or trailing junk, and non-finite numbers are usage errors
// (exit code 2) naming the flag and the range; valid values arrive exactly.
#include <cstdint>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <CLI/CLI.hpp>

#include <sluice/engine/cli.hpp>
#include <sluice/engine/cli_options.hpp>

using namespace sluice;

namespace {

// Parses `args` with a Cli holding --n (int64, [min, max]), --u (uint64), --x (double,
// [-1, 1]); returns the exit code (-1: continue) and what went to stderr.
struct Parsed {
  int code;
  std::string err;
  std::int64_t n = 7;
  std::uint64_t u = 7;
  double x = 0.5;
};

Parsed parse(std::vector<const char*> args,
             std::int64_t min = std::numeric_limits<std::int64_t>::min(),
             std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
  args.insert(args.begin(), "prog");
  Parsed p{-1, {}};
  Cli cli("test program");
  add_integer_option(cli.app(), "--n", p.n, "a signed integer", min, max);
  add_integer_option(cli.app(), "--u", p.u, "an unsigned integer");
  add_number_option(cli.app(), "--x", p.x, "a number", -1.0, 1.0);
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  p.code = cli.parse(static_cast<int>(args.size()), args.data());
  std::cerr.rdbuf(old);
  p.err = err.str();
  return p;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

TEST_CASE("an integer flag reads decimal integers exactly, up to the ends of its type") {
  Parsed p = parse({"--n", "-9223372036854775808", "--u", "18446744073709551615"});
  CHECK(p.code == -1);
  CHECK(p.n == std::numeric_limits<std::int64_t>::min());
  CHECK(p.u == std::numeric_limits<std::uint64_t>::max());
  p = parse({"--n", "9223372036854775807", "--u", "0"});
  CHECK(p.code == -1);
  CHECK(p.n == std::numeric_limits<std::int64_t>::max());
  CHECK(p.u == 0);
}

TEST_CASE("an integer flag with leading zeros is decimal, not octal") {
  const Parsed p = parse({"--n", "010", "--u", "0010"});
  CHECK(p.code == -1);
  CHECK(p.n == 10);
  CHECK(p.u == 10);
}

TEST_CASE(
    "an integer past the type's range is refused with exit code 2 naming the flag and range") {
  Parsed p = parse({"--n", "99999999999999999999"});
  CHECK(p.code == 2);
  CHECK(first_line(p.err) ==
        "error: --n: '99999999999999999999' is not an integer from -9223372036854775808 to "
        "9223372036854775807");
  p = parse({"--n", "-9223372036854775809"});
  CHECK(p.code == 2);
  CHECK(first_line(p.err) ==
        "error: --n: '-9223372036854775809' is not an integer from -9223372036854775808 to "
        "9223372036854775807");
  p = parse({"--u", "-1"});
  CHECK(p.code == 2);
  CHECK(first_line(p.err) == "error: --u: '-1' is not an integer from 0 to 18446744073709551615");
  p = parse({"--u", "18446744073709551616"});
  CHECK(p.code == 2);
  CHECK(first_line(p.err) ==
        "error: --u: '18446744073709551616' is not an integer from 0 to 18446744073709551615");
}

TEST_CASE("an integer flag refuses a fraction, a base prefix, trailing junk and an empty value") {
  for (const char* bad : {"1.5", "1e3", "0x10", "12abc", "+3", " 4", ""}) {
    CAPTURE(bad);
    const Parsed p = parse({"--n", bad}, 0, 100);
    CHECK(p.code == 2);
    CHECK(first_line(p.err) ==
          "error: --n: '" + std::string(bad) + "' is not an integer from 0 to 100");
    CHECK(p.n == 7);
  }
}

TEST_CASE("an integer flag outside the program's range is refused naming the range") {
  Parsed p = parse({"--n", "0"}, 1, 1000);
  CHECK(p.code == 2);
  CHECK(first_line(p.err) == "error: --n: '0' is not an integer from 1 to 1000");
  p = parse({"--n", "1000"}, 1, 1000);
  CHECK(p.code == -1);
  CHECK(p.n == 1000);
}

TEST_CASE("a number flag refuses nan, infinities, junk and values out of range") {
  for (const char* bad : {"nan", "inf", "-inf", "1e400", "0.5x", "1.5", "-2", "0x1p-1", ""}) {
    CAPTURE(bad);
    const Parsed p = parse({"--x", bad});
    CHECK(p.code == 2);
    CHECK(first_line(p.err) ==
          "error: --x: '" + std::string(bad) + "' is not a finite number from -1 to 1");
  }
  const Parsed p = parse({"--x", "-2.5e-1"});
  CHECK(p.code == -1);
  CHECK(p.x == -0.25);
}

TEST_CASE("refuse_flags thrown from a parse callback is a usage error naming the flags") {
  std::int64_t a = 0, b = 0;
  Cli cli("test program");
  add_integer_option(cli.app(), "--a", a, "a");
  add_integer_option(cli.app(), "--b", b, "b");
  cli.app().callback([&] {
    if (a > b)
      throw refuse_flags("--a " + std::to_string(a) + " --b " + std::to_string(b),
                         "--a must not exceed --b");
  });
  std::vector<const char*> args{"prog", "--a", "5", "--b", "3"};
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  const int code = cli.parse(static_cast<int>(args.size()), args.data());
  std::cerr.rdbuf(old);
  CHECK(code == 2);
  CHECK(first_line(err.str()) == "error: --a 5 --b 3: --a must not exceed --b");
}
