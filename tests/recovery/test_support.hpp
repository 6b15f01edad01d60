// Test support for the recovery/ suite: the randomized tests' seed (SLUICE_SEED or a
// fixed one), names with numbers, a temporary directory removed afterwards, and the
// number of state versions a store holds.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/store.hpp>

namespace sluice::recovery::testing {

inline std::uint64_t test_seed() {
  const char* s = std::getenv("SLUICE_SEED");
  return s ? std::strtoull(s, nullptr, 0) : 20261202;
}

// prefix followed by n in decimal (built with append: GCC 12 reports a false
// -Wrestrict on "literal" + std::string).
inline std::string named(const char* prefix, std::uint64_t n) {
  return std::string(prefix).append(std::to_string(n));
}

// Every state version (layout.hpp) in every partition of `store`.
inline std::size_t state_versions(const Store& store) {
  std::size_t n = 0;
  for (std::uint32_t p = 0; p < store.partitions(); ++p) {
    store.scan(p, layout::kStatePrefix, [&](std::string_view, std::string_view) { ++n; });
  }
  return n;
}

class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (named("sluice-recovery-", static_cast<std::uint64_t>(::getpid()))
                 .append(named("-", counter++)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  ~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::recovery::testing
