// DirSource: glob the directory, one partition per file.
#include <sluice/io/dir_source.hpp>

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sluice/engine/error.hpp>
#include <sluice/io/detail/line_partition.hpp>

namespace sluice::io {

namespace {
struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
}  // namespace

DirSource::DirSource(std::filesystem::path dir, std::string glob)
    : dir_(std::move(dir)), glob_(std::move(glob)) {}

std::vector<std::string> DirSource::list_parts(std::uint32_t) {
  const std::string dir = dir_.string();
  if (glob_.empty() || glob_.find('/') != std::string::npos) {
    throw ConfigError("the glob '" + glob_ + "' must be a non-empty pattern for file names " +
                      "inside '" + dir + "' (no '/')");
  }
  std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
  if (!handle) {
    throw ConfigError("cannot read directory '" + dir + "': " + std::strerror(errno) +
                      "; check that it exists, is a directory and is readable");
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(handle.get())) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const int match = ::fnmatch(glob_.c_str(), name.c_str(), FNM_PERIOD);
    if (match == FNM_NOMATCH) continue;
    if (match != 0) throw ConfigError("the glob '" + glob_ + "' is malformed");
    struct stat st {};
    if (::stat((dir_ / name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(name);
    errno = 0;
  }
  if (errno != 0) {
    throw ConfigError("cannot list directory '" + dir + "': " + std::strerror(errno));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<SourcePartition<std::string>> DirSource::build_part(
    const std::string&, const std::string& part, std::optional<std::string> resume_state) {
  const std::string path = (dir_ / part).string();
  detail::FileDescriptor fd = detail::open_for_reading(
      path, "the file was listed in '" + dir_.string() + "' but cannot be read now");
  const std::uint64_t start = resume_state ? detail::parse_offset(part, *resume_state) : 0;
  return std::make_unique<detail::LinePartition>(detail::LineReader(
      std::move(fd), path, start, detail::LineReader::kToEnd, /*seekable=*/true, max_line_));
}

}  // namespace sluice::io
