// LinePartition: a source partition of text lines read by a LineReader; its snapshot
// is the byte offset of the next line. The partition of FileSource, DirSource and
// StdInSource. Internal to io/.
//
// locate(k) names the file and the line number of the k-th line of the last batch: the
// partition counts the lines it handed out per batch (one addition per batch), and the
// lines before its range are counted only then (LineReader::first_line).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sluice/io/detail/line_reader.hpp>
#include <sluice/io/detail/line_views.hpp>
#include <sluice/io/source_partition.hpp>

namespace sluice::io::detail {

class LinePartition final : public SourcePartition<std::string>, public LineViews {
 public:
  // With `poll`, a read that would block (an empty pipe, a terminal) is not made:
  // the partition asks to be called again a few milliseconds later instead.
  explicit LinePartition(LineReader reader, bool poll = false)
      : reader_(std::move(reader)), poll_(poll) {}

  // The next complete lines, at most kBatchLines (line_reader.hpp); one read() when none is
  // buffered.
  bool next_batch(std::vector<std::string>& out) override;
  // Assigns the lines into the strings already in `out` (no allocation per line once
  // they have grown to the line length).
  bool refill_batch(std::vector<std::string>& out) override;
  // The same lines as views into the reader's buffer (LineViews).
  bool next_views(std::vector<std::string_view>& out) override;
  std::optional<std::chrono::system_clock::time_point> next_awake() override;
  std::string snapshot() override { return std::to_string(reader_.offset()); }
  std::string locate(std::size_t index) override;

 private:
  // The next batch's lines (at most kBatchLines; a block is read when no complete
  // line is buffered), each given to put(n, line) (n: its index in the batch); the
  // batch's size in n.
  template <class Put>
  bool read_lines(std::size_t& n, Put&& put);

  LineReader reader_;
  std::uint64_t lines_before_ = 0;  // lines of the range handed out before the last batch
  std::size_t last_ = 0;            // lines in the last batch
  bool poll_;
  bool waiting_ = false;
};

}  // namespace sluice::io::detail
