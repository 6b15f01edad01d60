// AppendFile: a file written at its end, one write per batch, that resumes by
// truncating to a committed size. The storage of FileSink and DirSink parts.
// Internal to io/. Not thread-safe (one owning worker).
//
// Decision (a run that does not finish must not leave a file that can pass for a
// finished one): a regular file is written under a temporary name in its own
// directory, ".<name>.sluice-partial", and renamed over its final name only by a
// clean close(), after fdatasync of the file and before an fsync of the directory.
// Until then the final name keeps what it had (nothing, or an earlier run's output).
// A part destroyed without close() (the run failed) removes its temporary file,
// unless it has committed a snapshot, which a resumed run continues: a resume
// truncates the temporary file to the committed size and appends after it (if it is
// missing but the final file holds the committed bytes, say after a crash between
// the rename and the next commit, they are copied from it, so the final file is
// still left alone). A process that is killed leaves only the temporary file.
// The final name's symbolic links are followed: the file a link points to is
// replaced, not the link.
//
// A path under /dev/ or /proc/ (/dev/stdout, /dev/null, /dev/fd/N) or naming a file
// that is not regular (a FIFO, a terminal) is written in place, opened for appending
// and never truncated, seeked or synced ("--output /dev/stdout >> log" appends to
// log); such a part cannot resume (its resume state is not used). Opening a FIFO
// waits for a reader; when none comes within 50 ms, one line says so on stderr first:
// "sluice: step '<step>' waits for a reader on FIFO '<path>'".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sluice/io/detail/file_descriptor.hpp>

namespace sluice::io::detail {

class AppendFile {
 public:
  // Opens `path` as above and truncates its temporary file to the size in
  // `resume_state` (a string snapshot() returned), or to 0 without one. Throws
  // ConfigError, naming `part` and what to fix, if the file cannot be opened, the
  // state is not a size, or the committed bytes are not there. `step` names the step
  // in the message of a FIFO that waits for a reader.
  AppendFile(std::string path, const std::string& part, std::optional<std::string> resume_state,
             const std::string& step = {});
  AppendFile(AppendFile&&) = delete;
  // Without close(): removes the temporary file unless a snapshot was committed.
  ~AppendFile();

  // Writes all of `bytes` at the end. Throws std::system_error.
  void append(std::string_view bytes);
  // Makes everything written durable (fdatasync) and returns the size, in decimal.
  std::string snapshot();
  // Flushes to disk, closes and renames the temporary file to the final name (then
  // syncs the directory); throws std::system_error.
  void close();
  std::uint64_t size() const { return size_; }
  // The name written until close(); the final name when written in place.
  const std::string& writing() const { return temp_.empty() ? path_ : temp_; }

 private:
  void open_in_place(const std::string& step);
  void open_temporary(const std::string& part, std::optional<std::uint64_t> committed);

  std::string path_;  // the final name (links followed)
  std::string temp_;  // empty: written in place
  FileDescriptor fd_;
  std::uint64_t size_ = 0;
  bool committed_ = false;  // a snapshot was taken: keep the temporary file for a resume
  bool done_ = false;       // closed cleanly
};

// The name of the temporary file a part of `path` (links followed) is written to.
std::string partial_name(const std::string& path);

}  // namespace sluice::io::detail
