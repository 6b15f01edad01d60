// AppendFile: a file written at its end, one write per batch, that resumes by
// truncating to a committed size. The storage of FileSink and DirSink parts.
// Internal to io/. Not thread-safe (one owning worker).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sluice/io/detail/file_descriptor.hpp>

namespace sluice::io::detail {

class AppendFile {
 public:
  // Opens (creating) `path` and truncates it to the size in `resume_state` (a string
  // snapshot() returned), or to 0 without one: a run that does not resume starts the
  // file empty. Throws ConfigError, naming `part` and what to fix, if the file cannot
  // be opened, the state is not a size, or the file is shorter than that size.
  AppendFile(std::string path, const std::string& part, std::optional<std::string> resume_state);

  // Writes all of `bytes` at the end. Throws std::system_error.
  void append(std::string_view bytes);
  // Makes everything written durable (fdatasync) and returns the size, in decimal.
  std::string snapshot();
  // Flushes to disk and closes; throws std::system_error.
  void close();
  std::uint64_t size() const { return size_; }

 private:
  std::string path_;
  FileDescriptor fd_;
  std::uint64_t size_ = 0;
  bool regular_ = true;  // false: not truncated, seeked or synced
};

}  // namespace sluice::io::detail
