// LineReader: the lines that start in a byte range [start, end) of a file, read in
// large blocks, handed out as views into its buffer. Internal to io/; shared by the
// line and CSV sources.
//
// Buffer: min(2 * kBlock, the range's length + kSlack) bytes to begin with (a seekable
// file's range to its end is measured with fstat; a stream gets 2 * kBlock), so a tiny
// range costs a few KiB, not 512 KiB per part (-w 64 on a 1 KB file). One read() per
// fill, into the free room; the buffer doubles when less than min(kBlock, half of it)
// is free (a line longer than the room, or a range that grew), up to the line limit.
//
// Lines end at '\n'; one '\r' before it (CRLF) is stripped, and so is a '\r' ending
// a last line that has no '\n'. A last line without '\n' is a line; an empty tail
// after the last '\n' is not (as std::getline). Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/io/detail/file_descriptor.hpp>

namespace sluice::io::detail {

// The first '\n' in [p, p + n), or nullptr. Lines are mostly short, and for a short
// line a call to memchr costs more than scanning: the first 64 bytes are scanned 8 at
// a time in a register (little-endian: the lowest flagged byte is the first match);
// the rest, if any, by memchr.
inline const char* find_newline(const char* p, std::size_t n) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::size_t head = n < 64 ? n : 64;
  std::size_t i = 0;
  for (; i + 8 <= head; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    const std::uint64_t x = w ^ (kOnes * '\n');
    const std::uint64_t zero = (x - kOnes) & ~x & kHigh;
    if (zero != 0) return p + i + (__builtin_ctzll(zero) >> 3);
  }
  for (; i < head; ++i) {
    if (p[i] == '\n') return p + i;
  }
  if (i == n) return nullptr;
  return static_cast<const char*>(std::memchr(p + i, '\n', n - i));
}

// The most lines a line or CSV source hands out in one batch. Decision: a read block
// (256 KiB) holds ~10,000 short lines; handed over whole, their records (64 bytes each
// for a string key and a timed value) outgrow the L2 cache before the next step reads
// them. 1,024 lines (RunConfig's default batch size) measured 21% faster end to end on
// bench/windowed_sum (tumbling, 100 ms epochs, -w 1), peaking at 6 MB instead of 22 MB;
// 512 to 4,096 measured the same. The rest of a block waits in the buffer for the
// next batch, with no further read().
inline constexpr std::size_t kBatchLines = 1024;

class LineReader {
 public:
  static constexpr std::size_t kBlock = 256 * 1024;
  // Room beyond the range's length: the rest of its last line, mostly.
  static constexpr std::size_t kSlack = 4 * 1024;
  static constexpr std::uint64_t kToEnd = std::numeric_limits<std::uint64_t>::max();
  // The default line length limit (16 MiB): a longer line stops the read with an
  // error naming the file and the line (the line number for a seekable file, else its
  // byte offset), instead of growing the buffer without bound (--input /dev/zero).
  static constexpr std::size_t kMaxLine = 16u << 20;

  // Reads `fd` from `start`, which must be a line start, and hands out the lines that
  // start before `end`. A seekable fd is positioned with lseek; otherwise `start`
  // bytes are read and discarded first (a replayed stream). `what` names the file in
  // errors.
  LineReader(FileDescriptor fd, std::string what, std::uint64_t start, std::uint64_t end,
             bool seekable, std::size_t max_line = kMaxLine);

  // Reads one more block (blocking). Returns false, reading nothing, at end of file.
  // Throws std::system_error on a read error, std::length_error for a line longer
  // than the limit. Invalidates views handed out before.
  bool fill();

  // The next complete line in the buffer; false when none is left before fill().
  bool next_line(std::string_view& line) {
    if (base_ + pos_ >= end_) return false;
    const char* begin = buf_.data() + pos_;
    const std::size_t left = len_ - pos_;
    const char* nl = find_newline(begin, left);
    std::size_t n;
    if (nl != nullptr) {
      n = static_cast<std::size_t>(nl - begin);
      pos_ += n + 1;
    } else {
      if (!eof_ || left == 0) return false;
      n = left;  // a last line without '\n'
      pos_ = len_;
    }
    if (n > max_line_) line_too_long(base_ + static_cast<std::uint64_t>(begin - buf_.data()));
    if (n > 0 && begin[n - 1] == '\r') --n;
    line = std::string_view(begin, n);
    return true;
  }

  // The line number (1-based) of the range's first line: counted now, by reading the
  // file before it (a seekable file), or from the bytes skipped to reach it (a stream).
  // For error messages only.
  std::uint64_t first_line() const;

  // True once every line of the range has been handed out.
  bool finished() const { return base_ + pos_ >= end_ || (eof_ && pos_ == len_); }
  // The file offset of the next line to hand out (a line start).
  std::uint64_t offset() const { return base_ + pos_; }
  const std::string& what() const { return what_; }
  int fd() const { return fd_.get(); }
  std::size_t buffer_size() const { return buf_.size(); }

 private:
  void skip_prefix();
  // Throws for the line starting at file offset `start`.
  [[noreturn]] void line_too_long(std::uint64_t start) const;

  FileDescriptor fd_;
  std::string what_;
  std::uint64_t start_;  // file offset of the range's first line
  std::uint64_t base_;   // file offset of buf_[0]
  std::uint64_t end_;
  std::uint64_t to_skip_ = 0;        // bytes still to discard from a non-seekable fd
  std::uint64_t skipped_lines_ = 0;  // the '\n's among the bytes discarded
  std::vector<char> buf_;
  std::size_t pos_ = 0;  // next unread byte
  std::size_t len_ = 0;  // valid bytes
  bool eof_ = false;
  bool seekable_;
  std::size_t max_line_;
};

// The first line start at or after `pos` in the file read by `fd` (the byte after
// the first '\n' at or after pos - 1), or the file's size if there is none. Uses
// pread in blocks; throws std::system_error on a read error.
std::uint64_t line_start_at_or_after(int fd, std::uint64_t pos, const std::string& what);

}  // namespace sluice::io::detail
