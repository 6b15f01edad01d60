// LmdbStore: the directory's STORE file and lock, an LMDB environment per partition.
#include <sluice/recovery/lmdb_store.hpp>

#include <sluice/recovery/detail/lmdb_pages.hpp>

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice::recovery {

namespace fs = std::filesystem;

struct LmdbStore::Env {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  std::size_t map_bytes = 0;
  ~Env() {
    if (env != nullptr) mdb_env_close(env);
  }
};

namespace {

// (Built by append: GCC 12 reports a false -Wrestrict on "literal" + std::string.)
std::string quoted(const fs::path& p) {
  return std::string("'").append(p.string()).append("'");
}

std::string part_name(std::uint32_t p) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%04u.mdb", p);
  return name;
}

[[noreturn]] void refuse(const fs::path& dir, const std::string& what) {
  throw StoreError("recovery directory " + quoted(dir) + ": " + what);
}

// STORE's partition count; refuses a file that is not one.
std::uint32_t read_store_file(const fs::path& dir) {
  std::ifstream in(dir / "STORE");
  std::string magic, word;
  int format = 0;
  std::uint64_t partitions = 0;
  if (!(in >> magic >> format >> word >> partitions) || magic != "sluice-recovery-store" ||
      word != "partitions") {
    refuse(dir, "its STORE file is damaged (expected \"sluice-recovery-store " +
                    std::to_string(LmdbStore::kFormat) +
                    "\" and \"partitions N\"); restore it from a backup or start a new directory");
  }
  if (format != LmdbStore::kFormat) {
    refuse(dir, "it was written in store format " + std::to_string(format) +
                    ", this sluice reads format " + std::to_string(LmdbStore::kFormat) +
                    "; use the sluice that wrote it, or start a new directory");
  }
  if (partitions == 0 || partitions > LmdbStore::kMaxPartitions) {
    refuse(dir, "its STORE file names " + std::to_string(partitions) + " partitions (1 to " +
                    std::to_string(LmdbStore::kMaxPartitions) +
                    "); restore it from a backup or start a new directory");
  }
  return static_cast<std::uint32_t>(partitions);
}

void write_store_file(const fs::path& dir, std::uint32_t partitions) {
  const fs::path tmp = dir / "STORE.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "sluice-recovery-store " << LmdbStore::kFormat << "\npartitions " << partitions << "\n";
    out.flush();
    if (!out) refuse(dir, "cannot write its STORE file; check the directory is writable");
  }
  // Durable before the rename makes it visible.
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(tmp, dir / "STORE", ec);
  if (ec) refuse(dir, "cannot write its STORE file: " + ec.message());
}

// A read transaction; a map another process grew is adopted (this process has no
// transaction open on the environment then: one thread per partition).
int begin_read(MDB_env* env, MDB_txn** txn) {
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, txn);
  if (rc == MDB_MAP_RESIZED) {
    rc = mdb_env_set_mapsize(env, 0);
    if (rc == 0) rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, txn);
  }
  return rc;
}

bool empty_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::directory_iterator(dir, ec) == fs::directory_iterator();
}

// A file a store's creation makes before its STORE file: LOCK, STORE.tmp, part-NNNN.mdb
// and LMDB's part-NNNN.mdb-lock.
bool creation_file(const std::string& name) {
  if (name == "LOCK" || name == "STORE.tmp") return true;
  if (name.size() < 13 || name.compare(0, 5, "part-") != 0) return false;
  for (std::size_t i = 5; i < 9; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  const std::string rest = name.substr(9);
  return rest == ".mdb" || rest == ".mdb-lock";
}

// Decision: STORE is written last, after every partition file exists, so a directory
// without STORE that holds only creation files is a creation that was killed: it is
// created again (its leftovers removed under the lock), not refused as foreign.
bool interrupted_creation(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || fs::exists(dir / "STORE", ec)) return false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!creation_file(entry.path().filename().string())) return false;
  }
  return !ec;
}

// A batch's ops through one cursor: in key order, most of them land on the page the
// cursor is at, where LMDB looks first (mdb_put would descend from the root each time).
// A versioned put under a horizon (batch.hpp) finds its identity's versions at or
// before the horizon with the same cursor, erases the superseded ones, then puts.
// Each call returns an LMDB error code (0: done). The scratch buffers are reused.
class BatchWriter {
 public:
  // close() before the transaction ends: LMDB frees a write transaction's cursors.
  BatchWriter(MDB_txn* txn, MDB_dbi dbi) : txn_(txn), dbi_(dbi) {}
  void close() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    cursor_ = nullptr;
  }

  int put(std::string_view k, std::string_view v) {
    if (const int rc = open(); rc != 0) return rc;
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val value{v.size(), const_cast<char*>(v.data())};
    return mdb_cursor_put(cursor_, &key, &value, 0);
  }

  int erase(std::string_view k) {
    if (const int rc = open(); rc != 0) return rc;
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val value;
    int rc = mdb_cursor_get(cursor_, &key, &value, MDB_SET);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc == 0) rc = mdb_cursor_del(cursor_, 0);
    return rc;
  }

  int put_versioned(const Batch::Op& op, const Batch::Horizon& h) {
    if (const int rc = open(); rc != 0) return rc;
    const std::size_t id_len = op.key.size() - 8;
    stored_.clear();
    keys_.clear();
    MDB_val k{id_len, const_cast<char*>(op.key.data())};
    MDB_val v;
    int rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(cursor_, &k, &v, MDB_NEXT)) {
      const std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
      if (key.size() != op.key.size() || key.compare(0, id_len, op.key.substr(0, id_len)) != 0) {
        break;
      }
      const std::uint64_t version = key_version(key);
      if (version > h.at) break;
      const bool tombstone = v.mv_size == 0 || static_cast<const char*>(v.mv_data)[0] != h.live;
      stored_.push_back(StoredVersion{version, tombstone});
      keys_.append(key);  // all of one length: the j-th is at j * size
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
    const bool tombstone = op.value->empty() || (*op.value)[0] != h.live;
    const Superseding s = supersede(stored_, key_version(op.key), tombstone, h.at);
    for (std::size_t j = 0; j < s.erase; ++j) {
      rc = erase(std::string_view(keys_.data() + j * op.key.size(), op.key.size()));
      if (rc != 0) return rc;
    }
    return s.write ? put(op.key, *op.value) : 0;
  }

 private:
  int open() { return cursor_ != nullptr ? 0 : mdb_cursor_open(txn_, dbi_, &cursor_); }

  MDB_txn* txn_;
  MDB_dbi dbi_;
  MDB_cursor* cursor_ = nullptr;
  std::vector<StoredVersion> stored_;
  std::string keys_;
};

}  // namespace

LmdbStore::LmdbStore(fs::path dir, Options options) : dir_(std::move(dir)), options_(options) {
  if (options_.create_partitions &&
      (*options_.create_partitions == 0 || *options_.create_partitions > kMaxPartitions)) {
    refuse(dir_, "a new store needs 1 to " + std::to_string(kMaxPartitions) + " partitions, not " +
                     std::to_string(*options_.create_partitions));
  }
  if (options_.read_only && options_.create_partitions) {
    refuse(dir_, "a store opened read-only cannot be created");
  }
  std::error_code ec;
  const bool exists = fs::exists(dir_, ec);
  if (exists && !fs::is_directory(dir_, ec)) {
    refuse(dir_, "it is not a directory; give -r a directory (it is created if missing)");
  }
  const bool leftovers = exists && !empty_dir(dir_) && interrupted_creation(dir_);
  if (leftovers && options_.read_only) {
    refuse(dir_,
           "a run is creating it (its STORE file is not written yet), or a run was killed "
           "while creating it; try again, or give a run this -r to create it");
  }
  const bool fresh = !exists || empty_dir(dir_) || leftovers;
  if (fresh && !options_.create_partitions) {
    refuse(dir_, "it holds no recovery store; create one first");
  }
  if (!exists) {
    fs::create_directories(dir_, ec);
    if (ec) refuse(dir_, "cannot create it: " + ec.message());
  }
  if (!fresh && !fs::exists(dir_ / "STORE", ec)) {
    refuse(dir_,
           "it is not empty and holds no STORE file, so it is not a sluice recovery "
           "directory; give -r an empty or new directory");
  }
  if (options_.read_only) {
    look_at_lock();
  } else {
    lock_dir();
  }
  try {
    std::uint32_t n;
    if (fresh) {
      n = *options_.create_partitions;
      if (leftovers) {
        for (const auto& entry : fs::directory_iterator(dir_, ec)) {
          const std::string name = entry.path().filename().string();
          if (name != "LOCK") fs::remove(entry.path(), ec);
        }
      }
    } else {
      n = read_store_file(dir_);
      if (options_.create_partitions && *options_.create_partitions != n) {
        refuse(dir_, "it has " + std::to_string(n) + " partitions, not the " +
                         std::to_string(*options_.create_partitions) +
                         " asked for; the count is fixed when a store is created");
      }
      for (std::uint32_t p = 0; p < n; ++p) {
        // Read-only, a run holding the LOCK may be creating the files (LMDB writes its
        // two meta pages first): not a damaged store.
        if (in_use_ && (!fs::exists(partition_file(p), ec) ||
                        fs::file_size(partition_file(p), ec) < 2 * 4096)) {
          refuse(dir_, "a run is creating it (it holds the LOCK; partition file " +
                           quoted(partition_file(p)) + " is not written yet); try again");
        }
        if (!fs::exists(partition_file(p), ec)) {
          refuse(dir_, "partition file " + quoted(partition_file(p)) + " of " + std::to_string(n) +
                           " is missing; restore it, or start a new directory");
        }
      }
    }
    for (std::uint32_t p = 0; p < n; ++p) envs_.push_back(open_env(p, fresh));
    if (fresh) write_store_file(dir_, n);  // last: the store is whole
  } catch (...) {
    envs_.clear();
    if (lock_fd_ >= 0) ::close(lock_fd_);
    throw;
  }
}

void LmdbStore::lock_dir() {
  // One process at a time: LMDB itself would let two runs write the same store.
  lock_fd_ = ::open((dir_ / "LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    refuse(dir_, std::string("cannot open its LOCK file: ") + std::strerror(errno) +
                     "; the directory must be writable");
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) {
      refuse(dir_,
             "another process has it open (a run with the same -r is still going); "
             "stop it, or give this run another directory");
    }
    refuse(dir_, std::string("cannot lock it: ") + std::strerror(err));
  }
}

void LmdbStore::look_at_lock() {
  // A shared lock taken and dropped at once: held, it would refuse a run starting now.
  const int fd = ::open((dir_ / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // never opened by a run
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    in_use_ = errno == EWOULDBLOCK;
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
}

std::unique_ptr<LmdbStore::Env> LmdbStore::open_env(std::uint32_t p, bool fresh) const {
  auto e = std::make_unique<Env>();
  const fs::path file = partition_file(p);
  std::error_code ec;
  int rc = mdb_env_create(&e->env);
  if (rc != 0) fail(p, "creating its environment", rc);
  e->map_bytes = options_.initial_map_bytes;
  if (!fresh) {
    // Never map less than the file holds.
    e->map_bytes = std::max<std::size_t>(e->map_bytes, fs::file_size(file, ec));
  }
  mdb_env_set_mapsize(e->env, e->map_bytes);
  const unsigned mode = options_.read_only ? MDB_RDONLY : MDB_NOSYNC;
  rc = mdb_env_open(e->env, file.c_str(), MDB_NOSUBDIR | MDB_NOTLS | mode, 0644);
  if (rc != 0) fail(p, "opening it", rc);
  if (!options_.read_only) {
    int dead = 0;
    mdb_reader_check(e->env, &dead);  // readers a killed process left behind
  }
  // A truncated file would fault when a page past its end is read: refuse it. LMDB
  // may leave its last pages unwritten (freed in the commit that took them), so a
  // file shorter than its last page number is looked at page by page.
  MDB_envinfo info;
  MDB_stat stat;
  mdb_env_info(e->env, &info);
  mdb_env_stat(e->env, &stat);
  const auto needed = (static_cast<std::uintmax_t>(info.me_last_pgno) + 1) * stat.ms_psize;
  const auto bytes = fs::file_size(file, ec);
  if (bytes < needed) {
    mdb_filehandle_t fd = -1;
    mdb_env_get_fd(e->env, &fd);
    if (const auto missing =
            detail::first_page_past_end(fd, stat.ms_psize, bytes / stat.ms_psize)) {
      refuse(dir_, "partition file " + quoted(file) + " is truncated (" + std::to_string(bytes) +
                       " bytes; it refers to page " + std::to_string(*missing) + ", at byte " +
                       std::to_string(*missing * stat.ms_psize) +
                       "); restore it, or start a new directory");
    }
  }
  e->map_bytes = std::max<std::size_t>(e->map_bytes, info.me_mapsize);
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(e->env, nullptr, options_.read_only ? MDB_RDONLY : 0, &txn);
  if (rc != 0) fail(p, "reading it", rc);
  rc = mdb_dbi_open(txn, nullptr, 0, &e->dbi);
  if (rc != 0) {
    mdb_txn_abort(txn);
    fail(p, "reading it", rc);
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) fail(p, "reading it", rc);
  return e;
}

LmdbStore::~LmdbStore() {
  envs_.clear();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::uint32_t LmdbStore::partitions() const {
  return static_cast<std::uint32_t>(envs_.size());
}

fs::path LmdbStore::partition_file(std::uint32_t p) const {
  return dir_ / part_name(p);
}

std::size_t LmdbStore::map_bytes(std::uint32_t p) const {
  return env(p).map_bytes;
}

void LmdbStore::fail(std::uint32_t p, const std::string& doing, int rc) const {
  std::string what =
      "partition file " + quoted(partition_file(p)) + ": " + doing + ": " + mdb_strerror(rc);
  if (rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
      rc == MDB_VERSION_MISMATCH) {
    what += "; it is damaged or not an LMDB file: restore it, or start a new directory";
  } else if (rc == EACCES || rc == EROFS) {
    what += "; the directory and its files must be writable";
  } else if (rc == ENOSPC) {
    what += "; the disk is full";
  }
  refuse(dir_, what);
}

LmdbStore::Env& LmdbStore::env(std::uint32_t p) const {
  if (p >= envs_.size()) {
    refuse(dir_,
           "no partition " + std::to_string(p) + " (it has " + std::to_string(envs_.size()) + ")");
  }
  return *envs_[p];
}

void LmdbStore::commit(std::uint32_t p, const Batch& batch, Durability durability) {
  Env& e = env(p);
  if (options_.read_only) refuse(dir_, "it was opened read-only; nothing can be written");
  const std::vector<std::uint32_t> order = batch.key_order();
  for (;;) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(e.env, nullptr, 0, &txn);
    if (rc != 0) fail(p, "starting a write", rc);
    // In key order: each page is touched once, not once per op.
    BatchWriter writer(txn, e.dbi);
    std::optional<std::size_t> bad_key;
    for (const std::uint32_t i : order) {
      const Batch::Op op = batch.op(i);
      if (op.key.empty() || op.key.size() > 511) {
        bad_key = op.key.size();
        break;
      }
      if (op.value && op.versioned && batch.horizon()) {
        rc = writer.put_versioned(op, *batch.horizon());
      } else if (op.value) {
        rc = writer.put(op.key, *op.value);
      } else {
        rc = writer.erase(op.key);
      }
      if (rc != 0) break;
    }
    writer.close();  // before the transaction ends (which frees its cursors)
    if (bad_key) {
      mdb_txn_abort(txn);
      refuse(dir_, "partition " + std::to_string(p) + ": a key of " + std::to_string(*bad_key) +
                       " bytes (keys are 1 to 511 bytes)");
    }
    if (rc == 0) {
      rc = mdb_txn_commit(txn);  // frees the transaction, whatever it returns
    } else {
      mdb_txn_abort(txn);
    }
    if (rc == MDB_MAP_FULL) {
      if (e.map_bytes >= options_.max_map_bytes) {
        refuse(dir_, "partition file " + quoted(partition_file(p)) + " is full at " +
                         std::to_string(e.map_bytes >> 20) +
                         " MiB (the most a partition may map); use more partitions or "
                         "garbage-collect the store");
      }
      // No transaction of this partition is open (one thread per partition): grow
      // the map and redo the whole batch.
      e.map_bytes = std::min(options_.max_map_bytes, e.map_bytes * 2);
      rc = mdb_env_set_mapsize(e.env, e.map_bytes);
      if (rc != 0) fail(p, "growing its map", rc);
      continue;
    }
    if (rc != 0) fail(p, "writing", rc);
    break;
  }
  if (durability == Durability::Sync) sync(p);
}

void LmdbStore::sync(std::uint32_t p) {
  if (options_.read_only) refuse(dir_, "it was opened read-only; nothing can be written");
  const int rc = mdb_env_sync(env(p).env, 1);
  if (rc != 0) fail(p, "syncing to disk", rc);
}

std::optional<std::string> LmdbStore::get(std::uint32_t p, std::string_view key) const {
  Env& e = env(p);
  if (key.empty() || key.size() > 511) return std::nullopt;
  MDB_txn* txn = nullptr;
  int rc = begin_read(e.env, &txn);
  if (rc != 0) fail(p, "reading", rc);
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v;
  rc = mdb_get(txn, e.dbi, &k, &v);
  std::optional<std::string> out;
  if (rc == 0) out.emplace(static_cast<const char*>(v.mv_data), v.mv_size);
  mdb_txn_abort(txn);
  if (rc != 0 && rc != MDB_NOTFOUND) fail(p, "reading", rc);
  return out;
}

void LmdbStore::scan(std::uint32_t p, std::string_view prefix,
                     const std::function<void(std::string_view, std::string_view)>& f) const {
  Env& e = env(p);
  MDB_txn* txn = nullptr;
  int rc = begin_read(e.env, &txn);
  if (rc != 0) fail(p, "reading", rc);
  MDB_cursor* cursor = nullptr;
  rc = mdb_cursor_open(txn, e.dbi, &cursor);
  if (rc != 0) {
    mdb_txn_abort(txn);
    fail(p, "reading", rc);
  }
  struct Close {
    MDB_cursor* c;
    MDB_txn* t;
    ~Close() {
      mdb_cursor_close(c);
      mdb_txn_abort(t);
    }
  } close{cursor, txn};
  MDB_val k{prefix.size(), const_cast<char*>(prefix.data())};
  MDB_val v;
  rc = prefix.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                      : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    const std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
    if (key.substr(0, prefix.size()) != prefix) return;
    f(key, std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
  }
  if (rc != MDB_NOTFOUND) fail(p, "reading", rc);
}

}  // namespace sluice::recovery
