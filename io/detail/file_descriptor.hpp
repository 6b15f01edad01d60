// FileDescriptor: an owned POSIX file descriptor (closed on destruction), and the
// error helpers the file connectors share. Internal to io/.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace sluice::io::detail {

// Move-only. Closing errors on destruction are ignored (nothing can be reported
// there); writers that care call close() and get an exception.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  // Takes ownership of `fd` unless `owned` is false (e.g. standard input).
  explicit FileDescriptor(int fd, bool owned = true) : fd_(fd), owned_(owned) {}
  FileDescriptor(FileDescriptor&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), owned_(other.owned_) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
      owned_ = other.owned_;
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now; throws std::system_error if close() fails.
  void close();

 private:
  void reset() noexcept;

  int fd_ = -1;
  bool owned_ = true;
};

// Opens `path` read-only; throws ConfigError "cannot open '<path>' for reading: <errno
// text>; <hint>" on failure. Decision: opening a FIFO blocks until a writer opens it;
// when the FIFO has no data within 50 ms, one line says so on stderr first:
// "sluice: step '<step>' waits for a writer on FIFO '<path>'".
FileDescriptor open_for_reading(const std::string& path, const std::string& hint,
                                const std::string& step = {});

// What the line sources need to know of an input before reading it.
struct InputFile {
  std::uint64_t size = 0;
  bool regular = true;  // false: a pipe, FIFO or device, read once, in order (one part)
};

// Checks that `path` can be read (a regular file by opening it; a FIFO or device
// without opening it, so a FIFO does not block) and is not a directory. Throws
// ConfigError naming the path and what to fix (`hint` adds a suggestion).
InputFile readable_input(const std::string& path, const std::string& hint);
inline std::uint64_t readable_file_size(const std::string& path, const std::string& hint) {
  return readable_input(path, hint).size;
}

// Throws ConfigError unless `dir` is a directory this process may create files in.
void check_writable_directory(const std::string& dir, const std::string& hint);

// Throws std::system_error for errno with "<what>: <errno text>".
[[noreturn]] void throw_errno(const std::string& what);

// Parses a decimal byte offset written by a snapshot; throws ConfigError naming
// `part` if `text` is not one.
std::uint64_t parse_offset(const std::string& part, const std::string& text);

}  // namespace sluice::io::detail
