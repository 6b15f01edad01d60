// FileDescriptor and the error helpers of the file connectors.
#include <sluice/io/detail/file_descriptor.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>
#include <system_error>

#include <sluice/engine/error.hpp>

namespace sluice::io::detail {

void FileDescriptor::close() {
  if (fd_ < 0) return;
  const int fd = std::exchange(fd_, -1);
  if (owned_ && ::close(fd) != 0) throw_errno("close");
}

void FileDescriptor::reset() noexcept {
  if (fd_ >= 0 && owned_) ::close(fd_);
  fd_ = -1;
}

FileDescriptor open_for_reading(const std::string& path, const std::string& hint,
                                const std::string& step) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
    FileDescriptor probe(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    pollfd p{probe.get(), POLLIN, 0};
    if (probe.valid() && ::poll(&p, 1, 50) == 0) {
      std::cerr << "sluice: " << (step.empty() ? std::string() : "step '" + step + "' ")
                << "waits for a writer on FIFO '" << path << "'\n";
    }
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw ConfigError("cannot open '" + path + "' for reading: " + std::strerror(errno) + "; " +
                      hint);
  }
  return FileDescriptor(fd);
}

InputFile readable_input(const std::string& path, const std::string& hint) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    if (::access(path.c_str(), R_OK) != 0) {
      throw ConfigError("cannot open '" + path + "' for reading: " + std::strerror(errno) + "; " +
                        hint);
    }
    return InputFile{0, false};
  }
  FileDescriptor fd = open_for_reading(path, hint);
  if (::fstat(fd.get(), &st) != 0) throw_errno("cannot stat '" + path + "'");
  if (S_ISDIR(st.st_mode)) {
    throw ConfigError("'" + path + "' is a directory, not a file; " + hint);
  }
  return InputFile{static_cast<std::uint64_t>(st.st_size), S_ISREG(st.st_mode)};
}

void check_writable_directory(const std::string& dir, const std::string& hint) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    throw ConfigError("cannot use directory '" + dir + "': " + std::strerror(errno) + "; " + hint);
  }
  if (!S_ISDIR(st.st_mode)) {
    throw ConfigError("'" + dir + "' is not a directory; " + hint);
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw ConfigError("cannot create files in directory '" + dir + "': " + std::strerror(errno) +
                      "; " + hint);
  }
}

void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::uint64_t parse_offset(const std::string& part, const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw ConfigError("partition '" + part + "': resume state '" + text +
                      "' is not a byte offset; pass the string its snapshot() returned");
  }
  return value;
}

}  // namespace sluice::io::detail
