// LineReader: block reads and the line-start search used to split files.
#include <sluice/io/detail/line_reader.hpp>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace sluice::io::detail {

namespace {
// read() that retries on EINTR; throws on error.
std::size_t read_some(int fd, char* into, std::size_t size, const std::string& what) {
  for (;;) {
    const ssize_t n = ::read(fd, into, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw_errno("cannot read '" + what + "'");
  }
}
// The '\n's in the first `end` bytes of `fd` (pread: the read position stays).
std::uint64_t newlines_before(int fd, std::uint64_t end) {
  std::uint64_t lines = 0;
  std::vector<char> block(256 * 1024);
  for (std::uint64_t at = 0; at < end;) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), end - at));
    const ssize_t n = ::pread(fd, block.data(), want, static_cast<off_t>(at));
    if (n <= 0) break;
    lines += static_cast<std::uint64_t>(std::count(block.data(), block.data() + n, '\n'));
    at += static_cast<std::uint64_t>(n);
  }
  return lines;
}
}  // namespace

LineReader::LineReader(FileDescriptor fd, std::string what, std::uint64_t start, std::uint64_t end,
                       bool seekable, std::size_t max_line)
    : fd_(std::move(fd)),
      what_(std::move(what)),
      start_(start),
      base_(start),
      end_(end),
      seekable_(seekable),
      max_line_(max_line) {
  std::uint64_t room = 2 * kBlock;  // a stream: its length is unknown
  if (seekable) {
    if (::lseek(fd_.get(), static_cast<off_t>(start), SEEK_SET) < 0) {
      throw_errno("cannot seek in '" + what_ + "'");
    }
    std::uint64_t stop = end;
    struct stat st {};
    if (end == kToEnd && ::fstat(fd_.get(), &st) == 0)
      stop = static_cast<std::uint64_t>(st.st_size);
    if (stop != kToEnd) room = std::min(room, (stop > start ? stop - start : 0) + kSlack);
  } else {
    to_skip_ = start;
  }
  buf_.resize(static_cast<std::size_t>(room));
}

void LineReader::skip_prefix() {
  while (to_skip_ > 0) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(to_skip_, buf_.size()));
    const std::size_t n = read_some(fd_.get(), buf_.data(), want, what_);
    if (n == 0) {
      eof_ = true;  // the stream is shorter than the resume position: nothing is left
      return;
    }
    to_skip_ -= n;
    skipped_lines_ += static_cast<std::uint64_t>(std::count(buf_.data(), buf_.data() + n, '\n'));
  }
}

bool LineReader::fill() {
  skip_prefix();
  if (eof_) return false;
  if (pos_ > 0) {  // keep only the unfinished line, at the front
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    base_ += pos_;
    len_ -= pos_;
    pos_ = 0;
  }
  if (len_ > max_line_) line_too_long(base_);
  if (buf_.size() - len_ < std::min(kBlock, buf_.size() / 2)) {
    buf_.resize(buf_.size() * 2);  // a long line, or more to read than the range promised
  }
  const std::size_t n = read_some(fd_.get(), buf_.data() + len_, buf_.size() - len_, what_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  len_ += n;
  return true;
}

std::uint64_t LineReader::first_line() const {
  return 1 + (seekable_ ? newlines_before(fd_.get(), start_) : skipped_lines_);
}

void LineReader::line_too_long(std::uint64_t start) const {
  std::string where = "at byte offset " + std::to_string(start);
  if (seekable_) {  // the line number, counted now (only on this error)
    where = "line " + std::to_string(1 + newlines_before(fd_.get(), start));
  }
  throw std::length_error("'" + what_ + "' " + where + " is longer than " +
                          std::to_string(max_line_) +
                          " bytes, the line length limit (is it a text file? set_max_line() "
                          "of the source raises the limit)");
}

std::uint64_t line_start_at_or_after(int fd, std::uint64_t pos, const std::string& what) {
  if (pos == 0) return 0;
  std::vector<char> block(4 * 1024);  // grows to 64 KiB: most lines are short
  std::uint64_t at = pos - 1;
  for (;; block.resize(std::min<std::size_t>(block.size() * 2, 64 * 1024))) {
    ssize_t n;
    do {
      n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(at));
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("cannot read '" + what + "'");
    if (n == 0) return std::max(at, pos);  // no '\n' before the end: no line starts here
    const void* nl = std::memchr(block.data(), '\n', static_cast<std::size_t>(n));
    if (nl != nullptr)
      return at + static_cast<std::uint64_t>(static_cast<const char*>(nl) - block.data()) + 1;
    at += static_cast<std::uint64_t>(n);
  }
}

}  // namespace sluice::io::detail
