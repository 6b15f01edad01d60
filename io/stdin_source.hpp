// StdInSource: the lines of standard input (or of another readable file
// descriptor), as one partition named "stdin".
//
// Lines as FileSource (no '\n', CRLF stripped). Reading never blocks the worker: when
// no input is ready (an idle pipe or terminal) the partition sleeps a few
// milliseconds and polls again. The snapshot is the number of bytes consumed; a
// resumed run discards that many bytes first, so it assumes the same input is fed
// again (a replayed file).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/source.hpp>

namespace sluice::io {

class StdInSource final : public FixedPartitionedSource<std::string> {
 public:
  // Reads `fd` (not owned, never closed; 0 = standard input).
  explicit StdInSource(int fd = 0) : fd_(fd) {}

  std::vector<std::string> list_parts(std::uint32_t workers) override;
  std::unique_ptr<SourcePartition<std::string>> build_part(
      const std::string& step_path, const std::string& part,
      std::optional<std::string> resume_state) override;
  // Lines longer than `bytes` stop the read naming the offset (default 16 MiB).
  void set_max_line(std::size_t bytes) { max_line_ = bytes; }
  // The file behind the descriptor, when it is one ("prog < x.txt").
  std::vector<FileUse> files() const override {
    return {{"/dev/fd/" + std::to_string(fd_), FileUse::Access::Read, {}}};
  }

 private:
  int fd_;
  std::size_t max_line_ = 16u << 20;
};

}  // namespace sluice::io
