// AppendFile: a temporary name renamed at a clean close, truncate-on-resume, append.
#include <sluice/io/detail/append_file.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include <sluice/engine/error.hpp>

namespace sluice::io::detail {

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// `path` with the symbolic links of its last component followed (at most 40).
std::string follow_links(std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    std::string target(static_cast<std::size_t>(st.st_size) + 256, '\0');
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n <= 0) return path;
    target.resize(static_cast<std::size_t>(n));
    path = target.front() == '/' ? target : parent_of(path) + "/" + target;
  }
  return path;
}

bool written_in_place(const std::string& path) {
  if (path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0) return true;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

[[noreturn]] void cannot_open(const std::string& path) {
  throw ConfigError("cannot open '" + path + "' for writing: " + std::strerror(errno) +
                    "; check that its directory exists and is writable");
}

// Copies the first `bytes` bytes of `from` to the start of `fd`; false if `from` is
// shorter or cannot be read.
bool copy_prefix(const std::string& from, int fd, std::uint64_t bytes) {
  FileDescriptor in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return false;
  std::vector<char> block(256 * 1024);
  std::uint64_t at = 0;
  while (at < bytes) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), bytes - at));
    const ssize_t n = ::pread(in.get(), block.data(), want, static_cast<off_t>(at));
    if (n <= 0) return false;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::pwrite(fd, block.data() + done, static_cast<std::size_t>(n - done),
                                 static_cast<off_t>(at) + done);
      if (w < 0) throw_errno("cannot write '" + from + "'");
      done += w;
    }
    at += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

std::string partial_name(const std::string& path) {
  const std::string final_name = follow_links(path);
  const auto slash = final_name.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : final_name.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? final_name : final_name.substr(slash + 1);
  return dir + "." + name + ".sluice-partial";
}

AppendFile::AppendFile(std::string path, const std::string& part,
                       std::optional<std::string> resume_state, const std::string& step)
    : path_(std::move(path)) {
  std::optional<std::uint64_t> committed;
  if (resume_state) committed = parse_offset(part, *resume_state);
  if (written_in_place(path_)) {
    open_in_place(step);
  } else {
    open_temporary(part, committed);
  }
}

void AppendFile::open_in_place(const std::string& step) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
    // Without a reader, a non-blocking open fails with ENXIO (a blocking one would wait
    // without a word): a reader gets 50 ms to come, then one line on stderr says why
    // the run waits, as open_for_reading does for a FIFO without a writer.
    for (int attempt = 0; attempt < 10; ++attempt) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
      if (fd >= 0) {
        fd_ = FileDescriptor(fd);
        if (::fcntl(fd, F_SETFL, O_APPEND) != 0) throw_errno("cannot set up '" + path_ + "'");
        return;
      }
      if (errno != ENXIO) cannot_open(path_);
      ::usleep(5000);
    }
    std::cerr << "sluice: " << (step.empty() ? std::string() : "step '" + step + "' ")
              << "waits for a reader on FIFO '" << path_ << "'\n";
  }
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) cannot_open(path_);
  fd_ = FileDescriptor(fd);
}

void AppendFile::open_temporary(const std::string& part, std::optional<std::uint64_t> committed) {
  path_ = follow_links(path_);
  temp_ = partial_name(path_);
  const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) cannot_open(temp_);
  fd_ = FileDescriptor(fd);
  const std::uint64_t keep = committed.value_or(0);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("cannot stat '" + temp_ + "'");
  if (static_cast<std::uint64_t>(st.st_size) < keep) {
    if (st.st_size != 0 || !copy_prefix(path_, fd, keep)) {
      throw ConfigError("partition '" + part + "': neither '" + temp_ + "' nor '" + path_ +
                        "' holds the " + std::to_string(keep) +
                        " bytes committed before; the output was changed outside this dataflow: "
                        "restore it or start without resume state");
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0)
    throw_errno("cannot truncate '" + temp_ + "'");
  if (::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0) {
    throw_errno("cannot seek in '" + temp_ + "'");
  }
  size_ = keep;
  committed_ = committed.has_value();
}

AppendFile::~AppendFile() {
  if (!done_ && !committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AppendFile::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write '" + writing() + "'");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
}

std::string AppendFile::snapshot() {
  if (!temp_.empty()) {
    if (::fdatasync(fd_.get()) != 0) throw_errno("cannot sync '" + temp_ + "'");
    committed_ = true;
  }
  return std::to_string(size_);
}

void AppendFile::close() {
  if (done_) return;
  if (!temp_.empty() && ::fdatasync(fd_.get()) != 0) throw_errno("cannot sync '" + temp_ + "'");
  fd_.close();
  if (!temp_.empty()) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      throw_errno("cannot rename '" + temp_ + "' to '" + path_ + "'");
    }
    const std::string dir = parent_of(path_);
    FileDescriptor d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.valid() && ::fsync(d.get()) != 0) throw_errno("cannot sync directory '" + dir + "'");
  }
  done_ = true;
}

}  // namespace sluice::io::detail
