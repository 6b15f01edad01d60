// DirSource: the lines of every file in a directory whose name matches a glob.
//
// One partition per matching regular file (symbolic links followed; not recursive),
// named by the file's name; the sorted list is spread across workers (part i on
// worker i % W). Lines as FileSource (no '\n', CRLF stripped); a part's snapshot is
// the byte offset of its next line.
//
// Errors: list_parts throws ConfigError when the directory is missing, not a
// directory or unreadable, or the glob is malformed or contains '/' (so op::input
// refuses them before any data moves). No matching file is not an error: the source
// is empty.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/source.hpp>

namespace sluice::io {

class DirSource final : public FixedPartitionedSource<std::string> {
 public:
  // `glob` is an fnmatch pattern for file names ("*.log"); a leading '.' must be
  // matched explicitly.
  explicit DirSource(std::filesystem::path dir, std::string glob = "*");

  std::vector<std::string> list_parts(std::uint32_t workers) override;
  std::unique_ptr<SourcePartition<std::string>> build_part(
      const std::string& step_path, const std::string& part,
      std::optional<std::string> resume_state) override;

  // The directory's files matching the glob, present and future.
  std::vector<FileUse> files() const override {
    return {{dir_.string(), FileUse::Access::Read, glob_}};
  }

  // Lines longer than `bytes` stop the read naming the file and line (default 16 MiB).
  void set_max_line(std::size_t bytes) { max_line_ = bytes; }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string glob_;
  std::size_t max_line_ = 16u << 20;
};

}  // namespace sluice::io
