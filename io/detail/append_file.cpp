// AppendFile: open, truncate-on-resume, append, sync.
#include <sluice/io/detail/append_file.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sluice/engine/error.hpp>

namespace sluice::io::detail {

AppendFile::AppendFile(std::string path, const std::string& part,
                       std::optional<std::string> resume_state)
    : path_(std::move(path)) {
  const std::uint64_t committed = resume_state ? parse_offset(part, *resume_state) : 0;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw ConfigError("cannot open '" + path_ + "' for writing: " + std::strerror(errno) +
                      "; check that its directory exists and is writable");
  }
  fd_ = FileDescriptor(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("cannot stat '" + path_ + "'");
  if (!S_ISREG(st.st_mode)) {  // /dev/null, a pipe, a terminal: written in place
    regular_ = false;
    return;
  }
  if (static_cast<std::uint64_t>(st.st_size) < committed) {
    throw ConfigError("'" + path_ + "' has " + std::to_string(st.st_size) +
                      " bytes, fewer than the " + std::to_string(committed) +
                      " committed before; it was changed outside this dataflow: restore it or "
                      "start without resume state");
  }
  if (::ftruncate(fd, static_cast<off_t>(committed)) != 0) {
    throw_errno("cannot truncate '" + path_ + "'");
  }
  if (::lseek(fd, static_cast<off_t>(committed), SEEK_SET) < 0) {
    throw_errno("cannot seek in '" + path_ + "'");
  }
  size_ = committed;
}

void AppendFile::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write '" + path_ + "'");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
}

std::string AppendFile::snapshot() {
  if (regular_ && ::fdatasync(fd_.get()) != 0) throw_errno("cannot sync '" + path_ + "'");
  return std::to_string(size_);
}

void AppendFile::close() {
  if (!fd_.valid()) return;
  if (regular_ && ::fdatasync(fd_.get()) != 0) throw_errno("cannot sync '" + path_ + "'");
  fd_.close();
}

}  // namespace sluice::io::detail
