// sluice-recovery: creates and inspects recovery directories (LmdbStore) from the
// shell. `init DIR --partitions N` creates one; `info DIR` prints what it holds
// (store_info.hpp) without writing to it, also while a run has it open.
// Exit status: 0 done, 1 a store error (the message names the directory and what
// to do), 2 a usage error.
#include <filesystem>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <sluice/recovery/lmdb_store.hpp>
#include <sluice/recovery/store_info.hpp>

namespace {

namespace fs = std::filesystem;
using sluice::recovery::LmdbStore;
using sluice::recovery::StoreError;

constexpr int kStoreError = 1;
constexpr int kUsageError = 2;

std::string quoted(const fs::path& p) {
  return std::string("'").append(p.string()).append("'");
}

bool holds_store(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "STORE", ec);
}

bool is_empty_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::directory_iterator(dir, ec) == fs::directory_iterator();
}

LmdbStore open_read_only(const fs::path& dir) {
  LmdbStore::Options options;
  options.read_only = true;
  return LmdbStore(dir, options);
}

int init(const fs::path& dir, std::uint32_t partitions) {
  std::error_code ec;
  if (holds_store(dir)) {
    const LmdbStore store = open_read_only(dir);
    if (store.partitions() != partitions) {
      std::cerr << "sluice-recovery: " << quoted(dir) << " already holds a recovery store with "
                << store.partitions() << " partitions, not " << partitions
                << "; the count is fixed when a store is created: use it as it is, or give "
                   "init a new directory\n";
      return kStoreError;
    }
    std::cout << quoted(dir) << " already holds a recovery store with " << partitions
              << " partitions; nothing to do\n";
    return 0;
  }
  if (fs::exists(dir, ec) && !is_empty_dir(dir)) {
    std::cerr << "sluice-recovery: " << quoted(dir)
              << (fs::is_directory(dir, ec) ? " is not empty and holds no STORE file, so it is "
                                              "not a sluice recovery directory"
                                            : " is not a directory")
              << "; give init a new or empty directory\n";
    return kStoreError;
  }
  LmdbStore::Options options;
  options.create_partitions = partitions;
  const LmdbStore store(dir, options);
  std::cout << "created recovery directory " << quoted(dir) << " with " << partitions
            << " partitions (" << store.partition_file(0).filename().string()
            << (partitions > 1 ? " to " + store.partition_file(partitions - 1).filename().string()
                               : std::string())
            << ")\n";
  return 0;
}

int info(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    std::cerr << "sluice-recovery: " << quoted(dir)
              << " does not exist; create a store with `sluice-recovery init " << dir.string()
              << " --partitions N`, or give a run `-r " << dir.string() << "`\n";
    return kStoreError;
  }
  if (!holds_store(dir)) {
    std::cerr << "sluice-recovery: " << quoted(dir)
              << (!fs::is_directory(dir, ec) ? " is not a directory"
                  : is_empty_dir(dir)        ? " is empty: no run has used it"
                                             : " holds no STORE file, so it is not a sluice "
                                               "recovery directory")
              << "; give info the directory a run was given with -r\n";
    return kStoreError;
  }
  const LmdbStore store = open_read_only(dir);
  sluice::recovery::StoreInfo described = sluice::recovery::describe(store);
  described.in_use = store.in_use();
  for (std::uint32_t p = 0; p < store.partitions(); ++p) {
    const fs::path file = store.partition_file(p);
    described.partitions[p].file = file.filename().string();
    const auto bytes = fs::file_size(file, ec);
    if (!ec) described.partitions[p].file_bytes = bytes;
  }
  sluice::recovery::print(std::cout, described);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("sluice-recovery: create and inspect sluice recovery directories (-r)");
  app.require_subcommand(1);
  std::string dir;
  std::uint32_t partitions = 0;
  CLI::App* init_cmd = app.add_subcommand(
      "init", "create a recovery directory with a fixed number of partitions (LMDB files)");
  init_cmd->add_option("DIR", dir, "the directory (new or empty)")->required();
  init_cmd->add_option("--partitions", partitions, "how many partitions (1 to 4096)")
      ->required()
      ->check(CLI::Range(1u, LmdbStore::kMaxPartitions));
  CLI::App* info_cmd = app.add_subcommand(
      "info",
      "print a recovery directory's format, partitions, committed epoch, executions and "
      "per step its live keys and stored versions (writes nothing; reads a store a run has "
      "open as well)");
  info_cmd->add_option("DIR", dir, "the recovery directory")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageError;
  }
  try {
    return *init_cmd ? init(dir, partitions) : info(dir);
  } catch (const StoreError& e) {
    std::cerr << "sluice-recovery: " << e.what() << "\n";
    return kStoreError;
  } catch (const std::exception& e) {
    std::cerr << "sluice-recovery: " << quoted(dir) << ": " << e.what() << "\n";
    return kStoreError;
  }
}
