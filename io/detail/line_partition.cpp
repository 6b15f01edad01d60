// LinePartition: one block of lines per batch.
#include <sluice/io/detail/line_partition.hpp>

#include <poll.h>

namespace sluice::io::detail {

namespace {
constexpr auto kPollDelay = std::chrono::milliseconds(5);

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;  // data, end of file, or an error read() will report
}
}  // namespace

bool LinePartition::next_batch(std::vector<std::string>& out) {
  if (reader_.finished()) return false;
  waiting_ = poll_ && !readable_now(reader_.fd());
  if (waiting_) return true;
  reader_.fill();
  std::string_view line;
  while (reader_.next_line(line)) out.emplace_back(line);
  return !reader_.finished();
}

std::optional<std::chrono::system_clock::time_point> LinePartition::next_awake() {
  if (!waiting_) return std::nullopt;
  return std::chrono::system_clock::now() + kPollDelay;
}

}  // namespace sluice::io::detail
