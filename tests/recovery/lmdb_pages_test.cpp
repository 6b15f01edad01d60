// Tests for the truncation check of LmdbStore's partition files
// (recovery/detail/lmdb_pages.hpp): LMDB may leave a file shorter than its last page
// number after mass erasures, and such a store reopens; a file cut at any page is
// either refused as truncated or reads back whole (never a fault).
#include <sluice/recovery/detail/lmdb_pages.hpp>
#include <sluice/recovery/lmdb_store.hpp>

#include <lmdb.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace sluice::recovery;
using namespace sluice::recovery::testing;
namespace fs = std::filesystem;

namespace {

using Contents = std::map<std::string, std::string>;

// Commits rewrites of a random key set, then erases 99 in 100 of the keys in one
// transaction, in key number order (not key order: LmdbStore writes a batch in key
// order, which leaves no such file; an older sluice, or any LMDB writer, may), with
// LMDB itself. Returns what is left.
Contents write_then_erase_most(const fs::path& dir, std::mt19937_64& rng) {
  Contents left;
  const int n = 500 + static_cast<int>(rng() % 4000);
  const auto key = [](int i, int c) { return named("k", i).append(named("-", c % 2)); };
  const int commits = 1 + static_cast<int>(rng() % 6);
  {  // closed before LMDB opens the file itself (one environment per file and process)
    LmdbStore store(dir, {.create_partitions = 1});
    for (int c = 0; c < commits; ++c) {
      Batch b;
      for (int i = 0; i < n; ++i) {
        if (c > 0 && rng() % 3 != 0) continue;
        left[key(i, c)] = std::string(8 + rng() % 20, 'v');
        b.put(key(i, c), left[key(i, c)]);
      }
      b.put("Mdurable", std::to_string(c));
      store.commit(0, b, Durability::Buffered);
    }
  }
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_mapsize(env, std::size_t{64} << 20) == 0);
  REQUIRE(mdb_env_open(env, (dir / "part-0000.mdb").c_str(), MDB_NOSUBDIR | MDB_NOLOCK, 0644) == 0);
  MDB_txn* txn = nullptr;
  MDB_dbi dbi = 0;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  REQUIRE(mdb_dbi_open(txn, nullptr, 0, &dbi) == 0);
  const auto val = [](std::string_view s) {
    return MDB_val{s.size(), const_cast<char*>(s.data())};
  };
  for (int i = 0; i < n; ++i) {
    if (rng() % 100 == 0) continue;
    for (int c = 0; c < 2; ++c) {
      const std::string k = key(i, c);
      MDB_val mk = val(k);
      const int rc = mdb_del(txn, dbi, &mk, nullptr);
      REQUIRE((rc == 0 || rc == MDB_NOTFOUND));
      left.erase(k);
    }
  }
  MDB_val mk = val("Mdurable"), mv = val("last");
  REQUIRE(mdb_put(txn, dbi, &mk, &mv, 0) == 0);
  left["Mdurable"] = "last";
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
  return left;
}

Contents contents(const Store& store) {
  Contents out;
  store.scan(0, "", [&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

bool shorter_than_its_pages(const fs::path& file) {
  // LMDB's meta pages (0 and 1) name the last page; see lmdb_pages.hpp.
  std::string meta(2 * 4096, '\0');
  std::FILE* f = std::fopen(file.c_str(), "rb");
  const bool read = f != nullptr && std::fread(meta.data(), 1, meta.size(), f) == meta.size();
  if (f != nullptr) std::fclose(f);
  if (!read) return false;
  std::uint64_t last[2], txn[2];
  for (int m = 0; m < 2; ++m) {
    std::memcpy(&last[m], meta.data() + m * 4096 + 136, 8);
    std::memcpy(&txn[m], meta.data() + m * 4096 + 144, 8);
  }
  const std::uint64_t newest_last = txn[0] >= txn[1] ? last[0] : last[1];
  return fs::file_size(file) < (newest_last + 1) * 4096;
}

}  // namespace

TEST_CASE("a store whose last commit erased most of its keys reopens, randomized") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  int short_files = 0;
  for (int trial = 0; trial < 60; ++trial) {
    CAPTURE(trial);
    TempDir dir;
    const Contents left = write_then_erase_most(dir / "r", rng);
    short_files += shorter_than_its_pages(dir / "r" / "part-0000.mdb") ? 1 : 0;
    LmdbStore store(dir / "r", {});
    CHECK(contents(store) == left);
  }
  // The case this is about happened (LMDB left the last pages unwritten).
  CHECK(short_files > 0);
}

TEST_CASE("a partition file cut at any page is refused as truncated or reads back whole") {
  std::mt19937_64 rng(test_seed());
  TempDir dir;
  const Contents left = write_then_erase_most(dir / "r", rng);
  const fs::path file = dir / "r" / "part-0000.mdb";
  const auto pages = fs::file_size(file) / 4096;
  int refused = 0;
  for (std::uintmax_t keep = 2; keep < pages; ++keep) {
    CAPTURE(keep);
    fs::remove_all(dir / "cut");
    fs::copy(dir / "r", dir / "cut");
    fs::resize_file(dir / "cut" / "part-0000.mdb", keep * 4096);
    try {
      LmdbStore store(dir / "cut", {});
      CHECK(contents(store) == left);
    } catch (const StoreError& e) {
      CHECK(std::string(e.what()).find("is truncated") != std::string::npos);
      ++refused;
    }
  }
  CHECK(refused > 0);
}
