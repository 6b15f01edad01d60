// LinePartition: one block of lines per batch.
#include <sluice/io/detail/line_partition.hpp>

#include <poll.h>

#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace sluice::io::detail {

namespace {
constexpr auto kPollDelay = std::chrono::milliseconds(5);

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;  // data, end of file, or an error read() will report
}
}  // namespace

bool LinePartition::next_batch(std::vector<std::string>& out) {
  std::vector<std::string> lines;
  const bool more = refill_batch(lines);
  out.insert(out.end(), std::make_move_iterator(lines.begin()),
             std::make_move_iterator(lines.end()));
  return more;
}

template <class Put>
bool LinePartition::read_lines(std::size_t& n, Put&& put) {
  n = 0;
  lines_before_ += std::exchange(last_, 0);
  if (reader_.finished()) return false;
  std::string_view line;
  if (!reader_.next_line(line)) {  // nothing complete is buffered: read one more block
    waiting_ = poll_ && !readable_now(reader_.fd());
    if (waiting_) return true;
    reader_.fill();
    if (!reader_.next_line(line)) return !reader_.finished();
  }
  put(n++, line);
  while (n < kBatchLines && reader_.next_line(line)) put(n++, line);
  return !reader_.finished();
}

bool LinePartition::refill_batch(std::vector<std::string>& out) {
  std::size_t n = 0;
  const bool more = read_lines(n, [&](std::size_t i, std::string_view line) {
    if (i < out.size()) {
      out[i].assign(line);
    } else {
      out.emplace_back(line);
    }
  });
  out.resize(n);
  last_ = n;
  return more;
}

bool LinePartition::next_views(std::vector<std::string_view>& out) {
  out.clear();
  std::size_t n = 0;
  const bool more = read_lines(n, [&](std::size_t, std::string_view line) { out.push_back(line); });
  last_ = n;
  return more;
}

std::string LinePartition::locate(std::size_t index) {
  if (index >= last_) return {};
  return "'" + reader_.what() + "' line " +
         std::to_string(reader_.first_line() + lines_before_ + index);
}

std::optional<std::chrono::system_clock::time_point> LinePartition::next_awake() {
  if (!waiting_) return std::nullopt;
  return std::chrono::system_clock::now() + kPollDelay;
}

}  // namespace sluice::io::detail
