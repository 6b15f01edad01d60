// DirSink<T, KeyFn>: writes records into a fixed number of files in a directory,
// one line per record (operator<<, then '\n'), the file chosen by a key.
//
// A partitioned sink: parts are the files "part-<i>" (i zero-padded to the width of
// the largest index, so the sorted list is in numeric order); record r goes to part
// hash_key(key(r)) % files, so equal keys share a file; part i is written by worker
// i % W. Snapshot, resume and the temporary names as FileSink: each file is written
// as ".part-<i>.sluice-partial" and renamed at a clean end; a resume truncates it to
// its committed size; a run without resume state starts the files empty.
//
// Errors: the constructor throws ConfigError for zero files; list_parts when the
// directory is missing or not writable (so op::output refuses it before any data
// moves).
#pragma once

#include <concepts>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <sluice/io/detail/file_sink_partition.hpp>
#include <sluice/io/sink.hpp>

namespace sluice::io {

namespace detail {
// "part-0".."part-<n-1>", zero-padded to one width.
std::vector<std::string> numbered_parts(std::size_t n);
}  // namespace detail

template <class T, class KeyFn>
requires std::invocable<const KeyFn&, const T&> &&
    HashableKey<std::decay_t<std::invoke_result_t<const KeyFn&, const T&>>>
class DirSink final : public FixedPartitionedSink<T> {
 public:
  DirSink(std::filesystem::path dir, std::size_t files, KeyFn key)
      : dir_(std::move(dir)), files_(files), key_(std::move(key)) {
    if (files_ == 0) {
      throw ConfigError("DirSink of '" + dir_.string() + "' needs at least one file");
    }
  }

  std::vector<std::string> list_parts(std::uint32_t) override {
    detail::check_writable_directory(dir_.string(), "DirSink writes its part files there");
    return detail::numbered_parts(files_);
  }
  std::size_t part_of(const T& item, std::size_t parts) const override {
    return static_cast<std::size_t>(hash_key(key_(item)) % parts);
  }
  std::unique_ptr<SinkPartition<T>> build_part(const std::string& step, const std::string& part,
                                               std::optional<std::string> resume_state) override {
    return std::make_unique<detail::FileSinkPartition<T>>((dir_ / part).string(), part,
                                                          std::move(resume_state), step);
  }

  // Its part files.
  std::vector<FileUse> files() const override {
    std::vector<FileUse> uses;
    for (const std::string& part : detail::numbered_parts(files_))
      uses.push_back({(dir_ / part).string(), FileUse::Access::Write, {}});
    return uses;
  }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::size_t files_;
  KeyFn key_;
};

// dir_sink<T>(dir, files, key): a DirSink with the key function's type deduced.
template <class T, class KeyFn>
auto dir_sink(std::filesystem::path dir, std::size_t files, KeyFn key) {
  return DirSink<T, KeyFn>(std::move(dir), files, std::move(key));
}

}  // namespace sluice::io
