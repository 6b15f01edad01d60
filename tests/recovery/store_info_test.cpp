// Tests for the description of a recovery store (recovery/store_info.hpp) on a
// MemoryStore written through the layout, and for LmdbStore's read-only opening that
// `sluice-recovery info` uses: it writes nothing, reads what runs committed, and says
// when a run holds the store.
#include <sluice/recovery/layout.hpp>
#include <sluice/recovery/lmdb_store.hpp>
#include <sluice/recovery/memory_store.hpp>
#include <sluice/recovery/store_info.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace sluice::recovery;
using namespace sluice::recovery::testing;
namespace fs = std::filesystem;

namespace {

// Writes a state version of (node, key) into the partition the layout routes it to.
void put_version(Store& store, std::uint32_t node, std::uint64_t hash, const std::string& key,
                 sluice::Epoch tag, std::optional<std::string> value) {
  Batch b;
  b.put(layout::state_key(node, hash, key, tag),
        value ? layout::value(*value) : layout::tombstone());
  store.commit(layout::partition_of(node, hash, store.partitions()), b, Durability::Sync);
}

void put_meta(Store& store, std::uint32_t p, const std::string& name, const std::string& value) {
  Batch b;
  b.put(layout::meta_key(name), value);
  store.commit(p, b, Durability::Sync);
}

// A store of two partitions as two executions of a three-step dataflow leave it:
// partition 0 durable at 5, partition 1 at 7 (committed: 5). Step 1 ("flow.count")
// has key "a" at tags 1, 3 and 6 and key "b" at tag 2 and a tombstone at 4; step 2
// ("flow.sink") has key "c" at tag 1.
MemoryStore sample_store() {
  MemoryStore store(2);
  put_meta(store, 0, "format", "1");
  put_meta(store, 0, "fingerprint",
           "step flow.input out string\nstep flow.count in flow.input:0/exchange out "
           "pair\nstep flow.sink in flow.count:0/pipeline\n");
  put_meta(store, 0, "exec/" + layout::encode_u32(1),
           "execution 1 started 2026-12-03T09:00:00Z processes 1 workers 2 resumed_from none");
  put_meta(store, 0, "exec/" + layout::encode_u32(2),
           "execution 2 started 2026-12-03T09:05:00Z processes 1 workers 2 resumed_from 5");
  put_meta(store, 0, "durable", layout::encode_u64(5));
  put_meta(store, 1, "durable", layout::encode_u64(7));
  put_version(store, 1, 11, "a", 1, "xx");
  put_version(store, 1, 11, "a", 3, "yyy");
  put_version(store, 1, 11, "a", 6, "zzzz");
  put_version(store, 1, 22, "b", 2, "q");
  put_version(store, 1, 22, "b", 4, std::nullopt);
  put_version(store, 2, 33, "c", 1, "12345");
  return store;
}

std::string printed(const StoreInfo& info) {
  std::ostringstream out;
  print(out, info);
  return out.str();
}

}  // namespace

TEST_CASE("a description counts each step's live keys and value bytes at the committed epoch") {
  const MemoryStore store = sample_store();
  const StoreInfo info = describe(store);
  CHECK(info.format == std::optional<std::string>("1"));
  REQUIRE(info.partitions.size() == 2);
  CHECK(info.partitions[0].durable == std::optional<sluice::Epoch>(5));
  CHECK(info.partitions[1].durable == std::optional<sluice::Epoch>(7));
  CHECK(info.committed == std::optional<sluice::Epoch>(5));
  CHECK(info.fingerprint_steps == 3);
  REQUIRE(info.steps.size() == 2);
  const StepInfo& count = info.steps[0];
  CHECK(count.node == 1);
  CHECK(count.path == "flow.count");
  CHECK(count.live_keys == 1);  // "a" at tag 3; "b" was discarded at 4
  CHECK(count.live_value_bytes == 3);
  CHECK(count.versions == 5);
  CHECK(count.uncommitted == 1);  // "a" at tag 6
  const StepInfo& sink = info.steps[1];
  CHECK(sink.path == "flow.sink");
  CHECK(sink.live_keys == 1);
  CHECK(sink.live_value_bytes == 5);
  CHECK(sink.versions == 1);
  CHECK(info.malformed_keys == 0);
}

TEST_CASE("a description lists the executions oldest first") {
  const StoreInfo info = describe(sample_store());
  REQUIRE(info.executions.size() == 2);
  CHECK(info.executions[0].find("execution 1 started") == 0);
  CHECK(info.executions[1].find("resumed_from 5") != std::string::npos);
}

TEST_CASE("a store with a partition that has no durable mark has committed nothing") {
  MemoryStore store(2);
  put_meta(store, 0, "durable", layout::encode_u64(9));
  put_version(store, 4, 1, "k", 3, "v");
  const StoreInfo info = describe(store);
  CHECK_FALSE(info.committed);
  CHECK_FALSE(info.format);
  REQUIRE(info.steps.size() == 1);
  CHECK(info.steps[0].live_keys == 0);
  CHECK(info.steps[0].uncommitted == 1);
  CHECK(info.steps[0].path.empty());  // no fingerprint
  CHECK(printed(info).find("committed epoch: none\n") != std::string::npos);
  CHECK(printed(info).find("node 4 (not in the fingerprint)") != std::string::npos);
}

TEST_CASE("a finished run's store reads as complete with every latest value live") {
  MemoryStore store(1);
  put_meta(store, 0, "durable", layout::encode_u64(layout::kComplete));
  put_version(store, 0, 1, "k", 3, "v");
  put_version(store, 0, 1, "k", 8, "vv");
  const StoreInfo info = describe(store);
  CHECK(info.committed == std::optional<sluice::Epoch>(layout::kComplete));
  REQUIRE(info.steps.size() == 1);
  CHECK(info.steps[0].live_value_bytes == 2);
  CHECK(info.steps[0].uncommitted == 0);
  CHECK(printed(info).find("committed epoch: complete (the run finished)\n") != std::string::npos);
}

TEST_CASE("the printed description names the directory, the epochs, executions and steps") {
  StoreInfo info = describe(sample_store());
  info.partitions[1].file = "part-0001.mdb";
  info.partitions[1].file_bytes = 8192;
  const std::string text = printed(info);
  CHECK(text.find("recovery directory: memory\n") == 0);
  CHECK(text.find("format: 1\n") != std::string::npos);
  CHECK(text.find("partitions: 2\n  partition 0  durable 5\n  part-0001.mdb  8192 bytes  "
                  "durable 7\n") != std::string::npos);
  CHECK(text.find("committed epoch: 5\n") != std::string::npos);
  CHECK(text.find("executions: 2\n  execution 1 started") != std::string::npos);
  CHECK(text.find("steps holding state: 2 of 3\n") != std::string::npos);
  CHECK(text.find("  flow.count: 1 live keys, 3 value bytes, 5 stored versions (1 after the "
                  "committed epoch)\n") != std::string::npos);
  CHECK(text.find("in use") == std::string::npos);
  info.in_use = true;
  CHECK(printed(info).find("in use: a run has it open") != std::string::npos);
}

TEST_CASE("a malformed durable mark is an error naming its partition") {
  MemoryStore store(2);
  put_meta(store, 1, "durable", "not eight bytes");
  CHECK_THROWS_WITH_AS(describe(store), doctest::Contains("partition 1"), StoreError);
}

TEST_CASE("a key under the state prefix that is not a state key is counted as malformed") {
  MemoryStore store(1);
  Batch b;
  b.put("Sshort", "V");
  store.commit(0, b, Durability::Sync);
  CHECK(describe(store).malformed_keys == 1);
  CHECK(printed(describe(store)).find("malformed state keys: 1") != std::string::npos);
}

namespace {

// Every file of `dir` with its bytes, except LMDB's reader tables (*.mdb-lock), which
// a reader writes by design.
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".mdb-lock")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out[name] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

LmdbStore::Options read_only() {
  LmdbStore::Options options;
  options.read_only = true;
  return options;
}

void make_store(const fs::path& dir) {
  LmdbStore::Options options;
  options.create_partitions = 2;
  LmdbStore store(dir, options);
  Batch b;
  b.put("Mdurable", layout::encode_u64(3));
  store.commit(1, b, Durability::Sync);
}

}  // namespace

TEST_CASE("a store opened read-only reads what was committed and writes nothing") {
  TempDir dir;
  make_store(dir / "r");
  const auto before = files_of(dir / "r");
  {
    LmdbStore store(dir / "r", read_only());
    CHECK(store.partitions() == 2);
    CHECK_FALSE(store.in_use());
    CHECK(store.get(1, "Mdurable") == std::optional<std::string>(layout::encode_u64(3)));
    CHECK(describe(store).partitions[1].durable == std::optional<sluice::Epoch>(3));
    Batch b;
    b.put("x", "y");
    CHECK_THROWS_WITH_AS(store.commit(0, b, Durability::Sync), doctest::Contains("read-only"),
                         StoreError);
    CHECK_THROWS_AS(store.sync(0), StoreError);
  }
  CHECK(files_of(dir / "r") == before);
}

TEST_CASE("a read-only opening refuses a missing, an empty and a foreign directory") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(LmdbStore(dir / "missing", read_only()),
                       doctest::Contains("holds no recovery store"), StoreError);
  CHECK_FALSE(fs::exists(dir / "missing"));
  fs::create_directories(dir / "empty");
  CHECK_THROWS_WITH_AS(LmdbStore(dir / "empty", read_only()),
                       doctest::Contains("holds no recovery store"), StoreError);
  fs::create_directories(dir / "foreign");
  std::ofstream(dir / "foreign" / "notes.txt") << "hello\n";
  CHECK_THROWS_WITH_AS(LmdbStore(dir / "foreign", read_only()),
                       doctest::Contains("not a sluice recovery directory"), StoreError);
}

TEST_CASE("a read-only opening says when a run holds the store's lock, and takes none") {
  TempDir dir;
  make_store(dir / "r");
  const int run = ::open((dir / "r" / "LOCK").c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(run >= 0);
  REQUIRE(::flock(run, LOCK_EX | LOCK_NB) == 0);  // as a run holds it
  {
    LmdbStore store(dir / "r", read_only());
    CHECK(store.in_use());
    CHECK(store.get(1, "Mdurable").has_value());
  }
  ::flock(run, LOCK_UN);
  LmdbStore store(dir / "r", read_only());
  CHECK_FALSE(store.in_use());
  // It holds no lock: a run could start now.
  CHECK(::flock(run, LOCK_EX | LOCK_NB) == 0);
  ::close(run);
}

TEST_CASE("a read-only opening of a store a run is still creating says so") {
  TempDir dir;
  make_store(dir / "r");
  fs::resize_file(dir / "r" / "part-0001.mdb", 0);  // as LMDB has just created it
  const int run = ::open((dir / "r" / "LOCK").c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(run >= 0);
  REQUIRE(::flock(run, LOCK_EX | LOCK_NB) == 0);
  CHECK_THROWS_WITH_AS(LmdbStore(dir / "r", read_only()), doctest::Contains("a run is creating it"),
                       StoreError);
  ::close(run);
  // Nobody holds it: an empty partition file is damage.
  CHECK_THROWS_WITH_AS(LmdbStore(dir / "r", read_only()), doctest::Contains("part-0001.mdb"),
                       StoreError);
}
