// LinePartition: a source partition of text lines read by a LineReader; its snapshot
// is the byte offset of the next line. The partition of FileSource, DirSource and
// StdInSource. Internal to io/.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/detail/line_reader.hpp>
#include <sluice/io/source_partition.hpp>

namespace sluice::io::detail {

class LinePartition final : public SourcePartition<std::string> {
 public:
  // With `poll`, a read that would block (an empty pipe, a terminal) is not made:
  // the partition asks to be called again a few milliseconds later instead.
  explicit LinePartition(LineReader reader, bool poll = false)
      : reader_(std::move(reader)), poll_(poll) {}

  // All complete lines of one more block (one read()).
  bool next_batch(std::vector<std::string>& out) override;
  // Assigns the lines into the strings already in `out` (no allocation per line once
  // they have grown to the line length).
  bool refill_batch(std::vector<std::string>& out) override;
  std::optional<std::chrono::system_clock::time_point> next_awake() override;
  std::string snapshot() override { return std::to_string(reader_.offset()); }

 private:
  LineReader reader_;
  bool poll_;
  bool waiting_ = false;
};

}  // namespace sluice::io::detail
