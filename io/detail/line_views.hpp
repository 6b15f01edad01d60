// LineViews: a partition of text lines that can hand out its lines as views into its
// read buffer instead of strings (no copy, no allocation per line). LinePartition
// (FileSource, DirSource, StdInSource) is one. The source step uses it when its
// function takes the line as a std::string_view (event_time_input's time_of,
// op::input's parse). Internal to io/ and windowing/.
#pragma once

#include <string_view>
#include <vector>

namespace sluice::io::detail {

class LineViews {
 public:
  // The lines refill_batch would give, as views valid until the next call (or the
  // partition's end); the same errors, the same locate() for a record of the batch.
  virtual bool next_views(std::vector<std::string_view>& out) = 0;

 protected:
  ~LineViews() = default;
};

}  // namespace sluice::io::detail
