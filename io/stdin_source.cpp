// StdInSource: one polled, non-seekable line partition.
#include <sluice/io/stdin_source.hpp>

#include <sluice/engine/error.hpp>
#include <sluice/io/detail/line_partition.hpp>

namespace sluice::io {

std::vector<std::string> StdInSource::list_parts(std::uint32_t) {
  return {"stdin"};
}

std::unique_ptr<SourcePartition<std::string>> StdInSource::build_part(
    const std::string&, const std::string& part, std::optional<std::string> resume_state) {
  if (part != "stdin") throw ConfigError("'" + part + "' is not a part of StdInSource ('stdin')");
  const std::uint64_t skip = resume_state ? detail::parse_offset(part, *resume_state) : 0;
  detail::LineReader reader(detail::FileDescriptor(fd_, /*owned=*/false), "standard input", skip,
                            detail::LineReader::kToEnd, /*seekable=*/false, max_line_);
  return std::make_unique<detail::LinePartition>(std::move(reader), /*poll=*/true);
}

}  // namespace sluice::io
