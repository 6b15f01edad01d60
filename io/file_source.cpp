// FileSource: byte ranges of a file, aligned to line starts.
#include <sluice/io/file_source.hpp>

#include <algorithm>
#include <charconv>

#include <sluice/io/detail/line_partition.hpp>

namespace sluice::io {

namespace {
const char* const kHint =
    "check the path (FileSource reads one regular file; DirSource reads "
    "the files of a directory)";

// Byte k * size / n without overflow.
std::uint64_t boundary(std::uint64_t k, std::uint64_t size, std::uint64_t n) {
  return static_cast<std::uint64_t>(static_cast<unsigned __int128>(k) * size / n);
}
}  // namespace

FileSource::FileSource(std::filesystem::path path, std::uint32_t parts)
    : path_(std::move(path)), parts_(parts) {}

std::vector<std::string> FileSource::list_parts(std::uint32_t workers) {
  const detail::InputFile file = detail::readable_input(path_.string(), kHint);
  size_ = file.size;
  regular_ = file.regular;
  (void)workers;  // the split never depends on it (resume at any -w)
  const auto by_size = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(kAutoParts, std::max<std::uint64_t>(
                                              1, (size_ + kAutoPartBytes - 1) / kAutoPartBytes)));
  split_ = !regular_ ? 1 : parts_ != 0 ? parts_ : by_size;
  std::vector<std::string> names;
  names.reserve(split_);
  for (std::uint32_t k = 0; k < split_; ++k)
    names.push_back(path_.string() + "#" + std::to_string(k));
  return names;
}

std::unique_ptr<SourcePartition<std::string>> FileSource::build_part(
    const std::string& step, const std::string& part, std::optional<std::string> resume_state) {
  const std::string path = path_.string();
  std::uint32_t k = 0;
  const bool ours = part.size() > path.size() + 1 && part.compare(0, path.size(), path) == 0 &&
                    part[path.size()] == '#';
  const char* digits = part.data() + path.size() + 1;
  const char* end = part.data() + part.size();
  if (!ours || std::from_chars(digits, end, k).ptr != end || k >= split_) {
    throw ConfigError("'" + part + "' is not a part of the FileSource of '" + path +
                      "' (its parts are '" + path + "#0' to '" + path + "#" +
                      std::to_string(split_ == 0 ? 0 : split_ - 1) + "'; list_parts runs first)");
  }
  detail::FileDescriptor fd = detail::open_for_reading(path, kHint, step);
  if (!regular_) {
    const std::uint64_t skip = resume_state ? detail::parse_offset(part, *resume_state) : 0;
    return std::make_unique<detail::LinePartition>(
        detail::LineReader(std::move(fd), path, skip, detail::LineReader::kToEnd,
                           /*seekable=*/false, max_line_),
        /*poll=*/true);
  }
  const std::uint64_t begin = boundary(k, size_, split_);
  const std::uint64_t stop =
      k + 1 == split_ ? detail::LineReader::kToEnd : boundary(k + 1, size_, split_);
  const std::uint64_t start = resume_state ? detail::parse_offset(part, *resume_state)
                                           : detail::line_start_at_or_after(fd.get(), begin, path);
  return std::make_unique<detail::LinePartition>(
      detail::LineReader(std::move(fd), path, start, stop, /*seekable=*/true, max_line_));
}

}  // namespace sluice::io
