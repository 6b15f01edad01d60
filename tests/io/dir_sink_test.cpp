// Tests for DirSink: records split by key into a fixed number of part files (equal
// keys share a file) at 1, 2 and 3 workers; zero-padded part names; resume truncates
// each file to its committed size; bad configurations are refused.
#include <sluice/io/dir_sink.hpp>

#include <map>

#include <doctest/doctest.h>

#include "io_support.hpp"

using namespace sluice;
using namespace io_test;

namespace {
std::string key_of(const std::string& record) {
  return record.substr(0, record.find('='));
}

auto by_key() {
  return [](const std::string& r) { return key_of(r); };
}

// Record i: "k<i % keys>=<i>".
std::string record(std::size_t i, std::size_t keys) {
  return std::string("k").append(std::to_string(i % keys)).append("=").append(std::to_string(i));
}

// Records 0..n-1 over three upstream partitions.
TestingSource<std::string> keyed(std::size_t n, std::size_t keys) {
  std::vector<TestingSource<std::string>::Partition> parts(3);
  for (std::size_t i = 0; i < n; ++i) parts[i % 3].push_back({0, record(i, keys)});
  return TestingSource<std::string>::partitioned(std::move(parts));
}
}  // namespace

TEST_CASE("records are split by key into the part files; equal keys share a file") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    TempDir dir;
    Dataflow flow("flow");
    op::output("write", op::input(flow, "in", keyed(3000, 37)),
               io::dir_sink<std::string>(dir.path(), 4, by_key()));
    run_with(flow, workers, 16);
    std::vector<std::string> all;
    std::map<std::string, std::string> file_of_key;
    std::size_t wrong_file = 0, split_keys = 0;
    for (std::size_t p = 0; p < 4; ++p) {
      const std::string name = "part-" + std::to_string(p);
      REQUIRE(std::filesystem::exists(dir / name));
      for (const auto& line : getline_lines(dir / name)) {
        all.push_back(line);
        const std::string key = key_of(line);
        wrong_file += hash_key(key) % 4 != p;
        auto [it, fresh] = file_of_key.emplace(key, name);
        split_keys += !fresh && it->second != name;
      }
    }
    CHECK(wrong_file == 0);
    CHECK(split_keys == 0);
    CHECK(file_of_key.size() == 37);
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < 3000; ++i) expected.push_back(record(i, 37));
    CHECK(sorted(all) == sorted(expected));
  }
}

TEST_CASE("part names are zero-padded so they sort in numeric order") {
  TempDir dir;
  auto twelve = io::dir_sink<std::string>(dir.path(), 12, by_key());
  const auto names = twelve.list_parts(1);
  REQUIRE(names.size() == 12);
  CHECK(names.front() == "part-00");
  CHECK(names.back() == "part-11");
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(io::dir_sink<std::string>(dir.path(), 1, by_key()).list_parts(1) ==
        std::vector<std::string>{"part-0"});
}

TEST_CASE("a resumed run truncates each part file to its committed size") {
  for (std::uint32_t workers = 1; workers <= 3; ++workers) {
    CAPTURE(workers);
    TempDir dir;
    write_file(dir / "part-0", "keep\nDROP\n");
    write_file(dir / "part-1", "stale\n");
    io::OutputResume resume;
    resume.states["part-0"] = "5";
    Dataflow flow("flow");
    op::output("write", op::input(flow, "in", keyed(40, 8)),
               io::dir_sink<std::string>(dir.path(), 2, by_key()), resume);
    run_with(flow, workers);
    auto zero = getline_lines(dir / "part-0");
    REQUIRE(!zero.empty());
    CHECK(zero.front() == "keep");
    CHECK(std::count(zero.begin(), zero.end(), "DROP") == 0);
    const auto one = getline_lines(dir / "part-1");
    CHECK(std::count(one.begin(), one.end(), "stale") == 0);
    CHECK(zero.size() - 1 + one.size() == 40);
  }
}

TEST_CASE("zero files or a missing directory are refused before any data moves") {
  TempDir dir;
  CHECK_THROWS_AS(io::dir_sink<std::string>(dir.path(), 0, by_key()), ConfigError);
  Dataflow flow("flow");
  auto up = op::input(flow, "in", keyed(10, 2));
  const std::string message = config_error_of(
      [&] { op::output("write", up, io::dir_sink<std::string>(dir / "absent", 3, by_key())); });
  CHECK(message.find("step 'flow.write'") != std::string::npos);
  CHECK(message.find((dir / "absent").string()) != std::string::npos);
}
