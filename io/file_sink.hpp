// FileSink<T>: writes every record to one file, one line per record (operator<<,
// then '\n').
//
// A partitioned sink with one part, named by the path: every record is exchanged to
// worker 0, which appends each batch with one write. The snapshot is the file's
// size (after fdatasync); a resumed run truncates the file to that size and appends
// after it; a run without resume state starts the file empty.
//
// Unfinished output never looks finished (detail/append_file.hpp): the part writes
// ".<name>.sluice-partial" in the file's directory and renames it over the path
// only when the run ends cleanly (after fdatasync; the directory is synced after the
// rename). A failed run removes the temporary file and leaves the path as it was (no
// file, or an earlier run's); a killed process leaves only the temporary file. A
// resumed part continues its temporary file. A path under /dev/ or /proc/, or naming
// a file that is not regular (/dev/null, /dev/stdout, a FIFO), is appended to in
// place, without truncation or resume. A FIFO without a reader is waited for, saying
// so on stderr after 50 ms ("sluice: step '<step>' waits for a reader on FIFO '<path>'").
//
// Errors: list_parts throws ConfigError when the file's directory is missing or not
// writable, and op::output when the file is one of the run's inputs or another sink's
// file (file_use.hpp), so both are refused before any data moves; build_part when the
// file cannot be opened or is shorter than its committed size.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/detail/file_sink_partition.hpp>
#include <sluice/io/sink.hpp>

namespace sluice::io {

template <class T = std::string>
class FileSink final : public FixedPartitionedSink<T> {
 public:
  explicit FileSink(std::filesystem::path path) : path_(std::move(path)) {}

  std::vector<std::string> list_parts(std::uint32_t) override {
    const auto parent = path_.parent_path();
    detail::check_writable_directory(parent.empty() ? "." : parent.string(),
                                     "FileSink writes '" + path_.string() + "' there");
    return {path_.string()};
  }
  std::size_t part_of(const T&, std::size_t) const override { return 0; }
  std::unique_ptr<SinkPartition<T>> build_part(const std::string& step, const std::string& part,
                                               std::optional<std::string> resume_state) override {
    return std::make_unique<detail::FileSinkPartition<T>>(path_.string(), part,
                                                          std::move(resume_state), step);
  }

  std::vector<FileUse> files() const override {
    return {{path_.string(), FileUse::Access::Write, {}}};
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::io
