// Shared helpers for the micro-benchmarks: CLI11 parsing with the bench exit codes
// (0 after --help, 2 for a bad flag), one-line JSON output, a wall clock, and a
// compiler barrier. Header-only; used by the sluice benchmarks and the baselines.
#pragma once

#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include <CLI/CLI.hpp>

namespace bench {

// Parses argv. Returns -1 to continue, or the exit code to return now: 0 after
// --help (printed to stdout), 2 after a usage error (printed to stderr).
inline int parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for the available flags.\n", e.what());
    return 2;
  }
  return -1;
}

// Adds the standard -w/--workers flag (1..max_workers) to `app`.
inline CLI::Option* add_workers(CLI::App& app, std::uint32_t& workers, const char* what,
                                std::uint32_t max_workers = 64) {
  return app.add_option("-w,--workers", workers, what)
      ->check(CLI::Range(1u, max_workers))
      ->capture_default_str();
}

// Builds one flat JSON object and prints it as a single line on stdout.
class JsonLine {
 public:
  JsonLine& add(const char* key, const std::string& value) {
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return raw(key, quoted + "\"");
  }
  JsonLine& add(const char* key, const char* value) { return add(key, std::string(value)); }
  JsonLine& add(const char* key, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", std::isfinite(value) ? value : 0.0);
    return raw(key, buf);
  }
  template <class I>
  requires std::is_integral_v<I> JsonLine& add(const char* key, I value) {
    return raw(key, std::to_string(value));
  }

  void print() const {
    std::printf("{%s}\n", body_.c_str());
    std::fflush(stdout);
  }

 private:
  JsonLine& raw(const char* key, const std::string& value) {
    if (!body_.empty()) body_ += ',';
    body_ += '"';
    body_ += key;
    body_ += "\":";
    body_ += value;
    return *this;
  }
  std::string body_;
};

// Seconds of wall time since construction.
class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Makes the compiler assume `value` is read, so the work producing it is kept.
template <class T>
inline void do_not_optimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// 0 + 1 + ... + (n - 1), modulo 2^64 (what a u64 accumulator holds).
constexpr std::uint64_t sum_below(std::uint64_t n) {
  return n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
}

// splitmix64(x) modulo 2^64: add the golden-ratio increment, then the splitmix64
// finalizer (the keyed_count workload: record i has key splitmix64(i) % K).
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// a % d for a fixed d >= 1, exact for every 64-bit a, without a division per call
// (Lemire, Kaser, Kurz: "Faster remainder by direct computation", 128-bit variant).
class FastMod {
 public:
  explicit FastMod(std::uint64_t d)
      : m_(~static_cast<unsigned __int128>(0) / d + 1), d_(d) {}  // d == 1: m_ == 0
  std::uint64_t operator()(std::uint64_t a) const {
    const unsigned __int128 low = m_ * a;  // the fraction a / d, mod 1, in 128 bits
    const auto lo = static_cast<std::uint64_t>(low);
    const auto hi = static_cast<std::uint64_t>(low >> 64);
    const unsigned __int128 bottom = (static_cast<unsigned __int128>(lo) * d_) >> 64;
    const unsigned __int128 top = static_cast<unsigned __int128>(hi) * d_;
    return static_cast<std::uint64_t>((bottom + top) >> 64);
  }
  std::uint64_t divisor() const { return d_; }

 private:
  unsigned __int128 m_;
  std::uint64_t d_;
};

// Writes "w" followed by `key` in decimal to buf and returns its length (2..21). Keys
// below 10^7 are formatted in a register and stored with one 8-byte write, so copying
// the bytes right after is not stalled by reading back many small stores (store
// forwarding), which costs a measurable share of a record otherwise.
inline std::size_t format_key(std::uint64_t key, char (&buf)[24]) {
  if (key < 10'000'000) {
    std::uint64_t word = 0;
    std::size_t len = 1;
    do {
      word = (word << 8) | ('0' + key % 10);
      key /= 10;
      ++len;
    } while (key != 0);
    word = (word << 8) | 'w';
    std::memcpy(buf, &word, sizeof word);
    return len;
  }
  buf[0] = 'w';
  return static_cast<std::size_t>(std::to_chars(buf + 1, buf + sizeof buf, key).ptr - buf);
}

}  // namespace bench
