// The pages an LMDB file's trees reference (lmdb_pages.hpp). The on-disk format is
// LMDB's (mdb.c, data version 1, 64-bit little-endian), as much of it as this needs.
#include <sluice/recovery/detail/lmdb_pages.hpp>

#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace sluice::recovery::detail {

namespace {

// A page: header pgno:u64 pad:u16 flags:u16 lower:u16 upper:u16 (an overflow page
// has its page count, u32, where lower and upper are), then the node offsets (u16).
constexpr std::size_t kHeader = 16;
constexpr std::uint16_t kBranch = 0x01;
constexpr std::uint16_t kLeaf = 0x02;
// A node: lo:u16 hi:u16 flags:u16 key_size:u16, the key, then the data (a leaf) or
// nothing (a branch: the child's page number is lo | hi << 16 | flags << 32).
constexpr std::size_t kNode = 8;
constexpr std::uint16_t kBigData = 0x01;  // the data is the number of an overflow page
constexpr std::uint16_t kSubData = 0x02;  // the data is a database record (a tree root)
// The meta page: magic:u32 at 16; the two database records (48 bytes each, the
// root at 40 in each) from 40; the transaction id at 144.
constexpr std::uint32_t kMagic = 0xBEEFC0DE;
constexpr std::size_t kFreeRoot = 40 + 40;
constexpr std::size_t kMainRoot = 40 + 48 + 40;
constexpr std::size_t kTxnId = 144;
constexpr std::size_t kRecordRoot = 40;
constexpr std::uint64_t kNoPage = ~std::uint64_t{0};

template <class T>
T load(const std::string& page, std::size_t at) {
  T v;
  std::memcpy(&v, page.data() + at, sizeof v);
  return v;
}

class Walk {
 public:
  Walk(int fd, std::size_t page_bytes, std::uint64_t file_pages)
      : fd_(fd), page_bytes_(page_bytes), file_pages_(file_pages) {}

  // False: a page could not be read or parsed.
  bool read(std::uint64_t pgno, std::string& page) const {
    page.resize(page_bytes_);
    const auto got = ::pread(fd_, page.data(), page_bytes_, static_cast<off_t>(pgno * page_bytes_));
    return got == static_cast<ssize_t>(page_bytes_);
  }

  std::optional<std::uint64_t> run() {
    std::string meta0, meta1;
    if (!read(0, meta0) || !read(1, meta1)) return std::nullopt;
    const bool ok0 = load<std::uint32_t>(meta0, kHeader) == kMagic;
    const bool ok1 = load<std::uint32_t>(meta1, kHeader) == kMagic;
    if (!ok0 && !ok1) return std::nullopt;
    const std::string& meta =
        !ok1 || (ok0 && load<std::uint64_t>(meta0, kTxnId) >= load<std::uint64_t>(meta1, kTxnId))
            ? meta0
            : meta1;
    std::vector<std::uint64_t> todo{load<std::uint64_t>(meta, kFreeRoot),
                                    load<std::uint64_t>(meta, kMainRoot)};
    std::string page;
    std::uint64_t visited = 0;
    while (!todo.empty()) {
      const std::uint64_t pgno = todo.back();
      todo.pop_back();
      if (pgno == kNoPage) continue;
      if (pgno >= file_pages_) return pgno;
      // More pages than the file has: a cycle in a damaged file.
      if (++visited > file_pages_ || !read(pgno, page)) return std::nullopt;
      if (!nodes(page, todo)) return std::nullopt;
      if (missing_) return missing_;
    }
    return std::nullopt;
  }

 private:
  // Adds the pages `page` references to `todo`; false if it is not a tree page.
  bool nodes(const std::string& page, std::vector<std::uint64_t>& todo) {
    const auto flags = load<std::uint16_t>(page, 10);
    const auto lower = load<std::uint16_t>(page, 12);
    if (!(flags & (kBranch | kLeaf)) || lower < kHeader || lower > page_bytes_) return false;
    for (std::size_t i = kHeader; i + 2 <= lower; i += 2) {
      const auto at = load<std::uint16_t>(page, i);
      if (at + kNode > page_bytes_) return false;
      const auto lo = load<std::uint16_t>(page, at);
      const auto hi = load<std::uint16_t>(page, at + 2);
      const auto node_flags = load<std::uint16_t>(page, at + 4);
      const auto key_size = load<std::uint16_t>(page, at + 6);
      if (flags & kBranch) {
        todo.push_back(lo | (std::uint64_t{hi} << 16) | (std::uint64_t{node_flags} << 32));
        continue;
      }
      const std::size_t data = at + kNode + key_size;
      if (node_flags & kBigData) {
        if (data + 8 > page_bytes_ || !overflow(load<std::uint64_t>(page, data))) return false;
      } else if (node_flags & kSubData) {
        if (data + kRecordRoot + 8 > page_bytes_) return false;
        todo.push_back(load<std::uint64_t>(page, data + kRecordRoot));
      }
      if (missing_) return true;
    }
    return true;
  }

  // Checks the overflow pages from `pgno` (their count is in the first one's header).
  bool overflow(std::uint64_t pgno) {
    if (pgno >= file_pages_) {
      missing_ = pgno;
      return true;
    }
    std::string head;
    if (!read(pgno, head)) return false;
    const auto count = load<std::uint32_t>(head, 12);
    if (count == 0) return false;
    if (pgno + count > file_pages_) missing_ = file_pages_;
    return true;
  }

  int fd_;
  std::size_t page_bytes_;
  std::uint64_t file_pages_;
  std::optional<std::uint64_t> missing_;
};

}  // namespace

std::optional<std::uint64_t> first_page_past_end(int fd, std::size_t page_bytes,
                                                 std::uint64_t file_pages) {
  if (page_bytes < 256) return std::nullopt;
  return Walk(fd, page_bytes, file_pages).run();
}

}  // namespace sluice::recovery::detail
