// LmdbStore: the Store of a recovery directory (store.hpp): one LMDB environment, one
// file, per partition, so a deployment can keep each partition on the machine of the
// process that writes it.
//
//   DIR/STORE            "sluice-recovery-store 1\npartitions N\n": written once, when
//                        the directory is created; N never changes
//   DIR/part-NNNN.mdb    partition NNNN (and LMDB's part-NNNN.mdb-lock beside it)
//   DIR/LOCK             held (flock) while a process has the store open
//
// Opening: a missing or empty directory is created with `create_partitions`
// partitions (if given; else refused); a directory with STORE is opened with the
// partitions it names (create_partitions, if given, must agree); anything else is
// refused. Every refusal is a StoreError naming the directory and what to do: not a
// recovery directory, another process has it open, a partition file missing,
// truncated or not an LMDB file, a directory that cannot be written.
//
// Commits: LMDB with MDB_NOSYNC, so Durability::Buffered costs no fsync (a killed
// process loses nothing: the OS has the pages; tested in research/wave2-facts.md
// E.1) and Durability::Sync or sync() is one mdb_env_sync. A commit that fills the
// map grows it (doubling, up to max_map_bytes) and is redone whole; past the limit it
// is refused naming the partition and its size. Keys are at most 511 bytes (LMDB's
// limit); a longer one is refused.
//
// Read-only opening (Options::read_only, for inspection): nothing in the directory is
// written (LMDB still records its reader in part-NNNN.mdb-lock), an empty or missing
// directory is refused, and commit and sync throw. It takes no lock: it only looks
// whether another process holds DIR/LOCK (in_use()) and reads anyway, each get and
// scan in one LMDB read transaction, consistent within its partition even while a
// run writes (LMDB readers never block nor see a partial commit).
//
// Thread safety as Store's: one thread per partition at a time (growing the map needs
// no other transaction open on that partition).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

#include <sluice/recovery/store.hpp>

namespace sluice::recovery {

class LmdbStore final : public Store {
 public:
  struct Options {
    std::optional<std::uint32_t> create_partitions;  // create the directory if needed
    bool read_only = false;  // see above; create_partitions must then be empty
    std::size_t initial_map_bytes = std::size_t{64} << 20;
    std::size_t max_map_bytes = std::size_t{1} << 40;
  };
  static constexpr int kFormat = 1;
  static constexpr std::uint32_t kMaxPartitions = 4096;

  // Throws StoreError (see above).
  LmdbStore(std::filesystem::path dir, Options options);
  ~LmdbStore() override;
  LmdbStore(const LmdbStore&) = delete;
  LmdbStore& operator=(const LmdbStore&) = delete;

  std::uint32_t partitions() const override;
  std::string where() const override { return dir_.string(); }
  void commit(std::uint32_t p, const Batch& batch, Durability durability) override;
  void sync(std::uint32_t p) override;
  std::optional<std::string> get(std::uint32_t p, std::string_view key) const override;
  void scan(std::uint32_t p, std::string_view prefix,
            const std::function<void(std::string_view, std::string_view)>& f) const override;

  // The file of partition p.
  std::filesystem::path partition_file(std::uint32_t p) const;
  // The current map size of partition p (it grows when a commit fills it).
  std::size_t map_bytes(std::uint32_t p) const;
  // Read-only opening: another process held DIR/LOCK (a run had the store open) when
  // this one opened it. Always false otherwise (this one holds it).
  bool in_use() const { return in_use_; }

 private:
  struct Env;
  [[noreturn]] void fail(std::uint32_t p, const std::string& doing, int rc) const;
  Env& env(std::uint32_t p) const;
  void lock_dir();
  void look_at_lock();
  std::unique_ptr<Env> open_env(std::uint32_t p, bool fresh) const;

  std::filesystem::path dir_;
  Options options_;
  int lock_fd_ = -1;
  bool in_use_ = false;
  std::vector<std::unique_ptr<Env>> envs_;
};

}  // namespace sluice::recovery
