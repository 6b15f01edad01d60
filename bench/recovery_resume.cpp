// recovery_resume: how long a run takes to resume K keys of keyed state from a recovery
// store (issue 15's target: 1 M keys within 2 s), against a baseline that reads the
// same store with LMDB directly.
//
//   build/bench/recovery_resume --keys 1000000 -w 2 --dir /tmp/resume-store
//
// Setup (not timed): a run with -r DIR (fresh) counts K keys through op::stateful_map
// (each key once, from a partitioned source of --source-parts parts); then its sources
// idle and the process raises SIGTERM: the savepoint commits every key and stops the
// run, as a user's Ctrl-C would. Timed ("seconds"): the same command again: it opens
// the store, loads the K keys (decoded, and routed by their hash to the -w workers'
// state), and its sources, resumed at their positions, count every key once more; the
// sink checks that each count it sees is 2 (the restore was whole and exact).
//
// Baseline ("baseline_seconds"): one thread opens the partition files with LMDB, walks
// every state version with a cursor, decodes each count's latest version (u64 key, u64
// count) into an absl::flat_hash_map, and adds 1 to each key: the reading, decoding
// and counting a resume cannot avoid, without a dataflow. It also checks that the
// store holds K keys counted once. Prints one JSON line with both and their ratio.
#include <lmdb.h>
#include <sys/types.h>
#include <unistd.h>

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "bench_util.hpp"

namespace {

using Record = std::pair<std::uint64_t, std::uint64_t>;

struct Setup {
  std::uint64_t keys = 0;
  std::uint32_t parts = 0;
  std::uint64_t until = 0;   // positions < until are emitted: K (setup), then 2K
  bool idle_at_end = false;  // the setup run: idle once done, until the savepoint
  std::shared_ptr<std::atomic<std::uint32_t>> finished;
};

// Part p of P emits positions i = p, p + P, ... < until, key i % K, 1024 per batch;
// its position is the next i.
class KeyPart final : public sluice::io::SourcePartition<Record> {
 public:
  KeyPart(Setup setup, std::uint64_t next) : setup_(std::move(setup)), next_(next) {}
  bool next_batch(std::vector<Record>& out) override {
    for (int n = 0; n < 1024 && next_ < setup_.until; ++n, next_ += setup_.parts) {
      out.emplace_back(next_ % setup_.keys, 1);
    }
    if (next_ < setup_.until) return true;
    if (!setup_.idle_at_end) return false;
    // The last part to finish asks for the savepoint (the signal's path in the engine;
    // to the process, not raise()'s thread: the engine's signal thread takes it).
    if (!reported_ && ++*setup_.finished == setup_.parts) ::kill(::getpid(), SIGTERM);
    reported_ = true;
    return true;
  }
  std::optional<std::chrono::system_clock::time_point> next_awake() override {
    if (next_ < setup_.until) return std::nullopt;
    return std::chrono::system_clock::now() + std::chrono::milliseconds(5);
  }
  std::string snapshot() override { return std::to_string(next_); }

 private:
  Setup setup_;
  std::uint64_t next_;
  bool reported_ = false;
};

class KeySource final : public sluice::io::FixedPartitionedSource<Record> {
 public:
  explicit KeySource(Setup setup) : setup_(std::move(setup)) {}
  std::vector<std::string> list_parts(std::uint32_t) override {
    std::vector<std::string> names;
    for (std::uint32_t p = 0; p < setup_.parts; ++p) names.push_back("part-" + std::to_string(p));
    return names;
  }
  std::unique_ptr<sluice::io::SourcePartition<Record>> build_part(
      const std::string&, const std::string& part, std::optional<std::string> resume) override {
    std::uint64_t next = std::stoull(part.substr(5));
    if (resume) next = std::stoull(*resume);
    return std::make_unique<KeyPart>(setup_, next);
  }

 private:
  Setup setup_;
};

// Counts seen by the sink, and those that differ from `expect`.
struct Seen {
  std::atomic<std::uint64_t> counts{0};
  std::atomic<std::uint64_t> wrong{0};
};

void run_once(const Setup& setup, std::uint32_t workers, const std::string& dir,
              std::uint64_t expect, Seen& seen) {
  sluice::Dataflow flow("recovery_resume");
  auto records = sluice::op::input(flow, "keys", KeySource(setup));
  auto counts = sluice::op::stateful_map("count", records,
                                         [](std::uint64_t& n, std::uint64_t v) { return n += v; });
  sluice::op::inspect("check", counts, [&seen, expect](const Record& r) {
    seen.counts.fetch_add(1, std::memory_order_relaxed);
    if (r.second != expect) seen.wrong.fetch_add(1, std::memory_order_relaxed);
  });
  sluice::RunConfig config;
  config.workers = workers;
  config.recovery_dir = dir;
  config.snapshot_interval = std::chrono::hours(1);  // only the savepoint
  sluice::run(flow, config);
}

// The baseline: every partition file's state versions, the latest of each u64 key.
struct Scan {
  std::uint64_t keys = 0;
  std::uint64_t bad_counts = 0;
};
Scan scan_store(const std::string& dir) {
  absl::flat_hash_map<std::uint64_t, std::uint64_t> state;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".mdb") continue;
    MDB_env* env = nullptr;
    mdb_env_create(&env);
    mdb_env_set_mapsize(env, std::filesystem::file_size(entry.path()) * 2);
    if (mdb_env_open(env, entry.path().c_str(), MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644) !=
        0) {
      std::fprintf(stderr, "error: cannot open %s\n", entry.path().c_str());
      std::exit(1);
    }
    MDB_txn* txn = nullptr;
    mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    MDB_dbi dbi;
    mdb_dbi_open(txn, nullptr, 0, &dbi);
    MDB_cursor* cursor = nullptr;
    mdb_cursor_open(txn, dbi, &cursor);
    MDB_val k{1, const_cast<char*>("S")};
    MDB_val v;
    // 'S' node:u32 hash:u64 length:u32 key tag:u64 -> 'V' value (recovery/layout.hpp):
    // a count's key is 8 bytes (a source position's is its name), its value 'V' + 8.
    for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      const auto* key = static_cast<const unsigned char*>(k.mv_data);
      if (k.mv_size == 0 || key[0] != 'S') break;
      if (k.mv_size != 1 + 4 + 8 + 4 + 8 + 8 || v.mv_size != 9) continue;
      std::uint64_t id = 0, count = 0;
      std::memcpy(&id, key + 17, 8);
      std::memcpy(&count, static_cast<const char*>(v.mv_data) + 1, 8);
      state[id] = count;  // versions oldest first: the latest wins
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    mdb_env_close(env);
  }
  Scan out;
  out.keys = state.size();
  for (auto& [id, count] : state) {
    out.bad_counts += count != 1;
    count += 1;  // the resumed run's second count of each key
  }
  bench::do_not_optimize(state.size());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("recovery_resume: seconds to resume K keys of keyed state from a recovery store");
  std::uint32_t workers = 1;
  std::uint64_t keys = 1'000'000;
  std::uint32_t parts = 32;
  std::string dir;
  bench::add_workers(app, workers, "worker threads of the resumed run");
  app.add_option("--keys", keys, "keys of state, K")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}))
      ->capture_default_str();
  app.add_option("--source-parts", parts, "partitions of the source")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  app.add_option("--dir", dir, "the recovery store to create (must not exist)")->required();
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "error: --dir %s exists; give a new directory\n", dir.c_str());
    return 2;
  }

  Setup setup{keys, parts, keys, true, std::make_shared<std::atomic<std::uint32_t>>(0)};
  Seen first;
  try {
    run_once(setup, workers, dir, 1, first);
    std::fprintf(stderr, "error: the setup run finished without its savepoint\n");
    return 1;
  } catch (const sluice::Interrupted&) {
    // The savepoint: every key is committed.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: setup: %s\n", e.what());
    return 1;
  }

  setup.idle_at_end = false;
  setup.until = 2 * keys;
  double seconds = 0;
  Seen second;
  try {
    bench::Stopwatch watch;
    run_once(setup, workers, dir, 2, second);
    seconds = watch.seconds();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: resume: %s\n", e.what());
    return 1;
  }
  if (second.counts != keys || second.wrong != 0) {
    std::fprintf(stderr,
                 "error: the resumed run emitted %llu counts, %llu of them not 2; expected %llu "
                 "counts of 2\n",
                 static_cast<unsigned long long>(second.counts.load()),
                 static_cast<unsigned long long>(second.wrong.load()),
                 static_cast<unsigned long long>(keys));
    return 1;
  }

  bench::Stopwatch watch;
  const Scan scan = scan_store(dir);
  const double baseline = watch.seconds();
  if (scan.keys != keys || scan.bad_counts != 0) {
    std::fprintf(stderr,
                 "error: the store holds %llu keys (%llu with a count other than 1); "
                 "expected %llu keys counted once\n",
                 static_cast<unsigned long long>(scan.keys),
                 static_cast<unsigned long long>(scan.bad_counts),
                 static_cast<unsigned long long>(keys));
    return 1;
  }
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  bench::JsonLine()
      .add("bench", "recovery_resume")
      .add("workers", workers)
      .add("keys", keys)
      .add("seconds", seconds)
      .add("baseline_seconds", baseline)
      .add("ratio_to_baseline", baseline > 0 ? seconds / baseline : 0.0)
      .add("store_bytes", static_cast<std::uint64_t>(bytes))
      .add("bytes_per_key", static_cast<double>(bytes) / static_cast<double>(keys))
      .print();
  return 0;
}
