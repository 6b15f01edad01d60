// FileSinkPartition<T>: a sink partition that appends one line per record to a file
// (an AppendFile), one write per batch. The partition of FileSink and DirSink.
// Internal to io/.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/detail/append_file.hpp>
#include <sluice/io/detail/line_formatter.hpp>
#include <sluice/io/sink_partition.hpp>

namespace sluice::io::detail {

template <class T>
class FileSinkPartition final : public SinkPartition<T> {
 public:
  FileSinkPartition(std::string path, const std::string& part,
                    std::optional<std::string> resume_state, const std::string& step = {})
      : file_(std::move(path), part, std::move(resume_state), step) {}

  void write_batch(std::vector<T>& items) override { file_.append(format_.format(items)); }
  std::string snapshot() override { return file_.snapshot(); }
  void close() override { file_.close(); }

 private:
  AppendFile file_;
  LineFormatter<T> format_;
};

}  // namespace sluice::io::detail
