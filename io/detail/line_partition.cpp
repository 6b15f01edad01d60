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

bool LinePartition::refill_batch(std::vector<std::string>& out) {
  std::size_t n = 0;
  lines_before_ += std::exchange(last_, 0);
  const auto done = [&](bool more) {
    out.resize(n);
    last_ = n;
    return more;
  };
  if (reader_.finished()) return done(false);
  waiting_ = poll_ && !readable_now(reader_.fd());
  if (waiting_) return done(true);
  reader_.fill();
  std::string_view line;
  while (reader_.next_line(line)) {
    if (n < out.size()) {
      out[n].assign(line);
    } else {
      out.emplace_back(line);
    }
    ++n;
  }
  return done(!reader_.finished());
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
