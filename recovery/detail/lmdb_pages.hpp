// Which page of an LMDB file its trees reference past the file's end: LmdbStore's
// check for a truncated partition file. Internal to recovery/ (not installed).
//
// LMDB may leave a file shorter than its last page number says: a page allocated and
// freed again in one commit (mass erasures do that) is never written. Only a page
// one of the trees references is needed, so only such a page past the end means the
// file was cut short. Read with pread, never through the map, so that such a file
// is reported, not faulted on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sluice::recovery::detail {

// The first page past `file_pages` that the newer meta page's trees (the free list
// and the main database, their branch, leaf and overflow pages) reference, if any.
// `fd` is the data file, `page_bytes` its page size. A page that cannot be read or
// parsed ends the walk with nullopt: LMDB's own reads then report the damage.
std::optional<std::uint64_t> first_page_past_end(int fd, std::size_t page_bytes,
                                                 std::uint64_t file_pages);

}  // namespace sluice::recovery::detail
