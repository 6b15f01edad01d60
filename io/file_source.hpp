// FileSource: the lines of a text file, optionally split into byte ranges read by
// several workers.
//
// Records are the lines without their '\n'; a CRLF line loses its '\r' too (so a CRLF
// file reads like an LF file); a last line without '\n' is a line, an empty tail after
// the last '\n' is not (as std::getline).
//
// Splitting: with N parts ("<path>#0" .. "<path>#N-1"; N = the constructor's `parts`,
// or, when it is 0, one per started MiB of the file, at most kAutoParts), part k covers the bytes [k*S/N, (k+1)*S/N) of the
// file (S = its size when list_parts ran; the last part reads to the end of the file,
// even if it grew) and reads the lines that start in its range, so the parts together
// read every line exactly once. Reads are blocks of up to 512 KiB (a small range gets
// a buffer of its length plus 4 KiB, which grows for a longer line); per line the
// only work is finding '\n' and constructing the std::string.
//
// Resume: a part's snapshot is the decimal byte offset of its next line. The split
// depends on the file (and `parts`) only, never on the worker count, so a run resumes
// at any -w. Decision: parts = 0 splits by size (1 MiB a part, at most kAutoParts),
// enough ranges to keep kAutoParts workers busy on a large file, one for a small
// file; a worker reads its parts one batch each in turn.
//
// A path that is not a regular file (a pipe, a FIFO, /dev/stdin, "<(cmd)", a device)
// is one part, read once, in order ("<path>#0"; its snapshot counts the bytes read and
// a resume discards that many, as StdInSource). Lines longer than the limit
// (set_max_line, 16 MiB by default) stop the run naming the file and the line.
//
// Errors: list_parts throws ConfigError when the file is missing, unreadable or a
// directory (so op::input refuses it before any data moves).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/source.hpp>

namespace sluice::io {

class FileSource final : public FixedPartitionedSource<std::string> {
 public:
  static constexpr std::uint32_t kAutoParts = 32;
  static constexpr std::uint64_t kAutoPartBytes = std::uint64_t{1} << 20;
  explicit FileSource(std::filesystem::path path, std::uint32_t parts = 0);

  std::vector<std::string> list_parts(std::uint32_t workers) override;
  // Precondition: list_parts ran (it fixes the split). Throws ConfigError for a part
  // this source did not list or a resume state that is not an offset.
  std::unique_ptr<SourcePartition<std::string>> build_part(
      const std::string& step_path, const std::string& part,
      std::optional<std::string> resume_state) override;

  std::vector<FileUse> files() const override {
    return {{path_.string(), FileUse::Access::Read, {}}};
  }

  // Lines longer than `bytes` stop the read naming the file and line (default
  // LineReader::kMaxLine, 16 MiB).
  void set_max_line(std::size_t bytes) { max_line_ = bytes; }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::uint32_t parts_;
  // Fixed by list_parts, read by build_part.
  std::uint32_t split_ = 0;
  std::uint64_t size_ = 0;
  bool regular_ = true;
  std::size_t max_line_ = 16u << 20;
};

}  // namespace sluice::io
