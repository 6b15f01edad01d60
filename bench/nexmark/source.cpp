#include "source.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <type_traits>

namespace sluice::nexmark {
namespace {

// "part-00003/00008": the partition's index and the partition count, zero-padded so
// the list sorts by index.
std::string part_name(std::uint32_t index, std::uint32_t parts) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%05u/%05u", index, parts);
  return buf;
}

// Appends event n to `out` (a bid is written in place: fill_bid).
template <class T>
void append(const GeneratorConfig& c, std::uint64_t n, std::vector<T>& out) {
  if constexpr (std::is_same_v<T, Bid>) {
    fill_bid(c, n, out.emplace_back());
  } else {
    out.push_back(make_event(c, n));
  }
}

template <class T>
class Partition final : public io::SourcePartition<T> {
 public:
  Partition(const GeneratorConfig& config, unsigned kinds, std::uint64_t next, std::uint64_t stride,
            std::size_t batch)
      : config_(config), kinds_(kinds), next_(next), stride_(stride), batch_(batch) {}

  bool next_batch(std::vector<T>& out) override {
    std::size_t made = 0;
    for (; made < batch_ && next_ < config_.events; next_ += stride_) {
      if (kinds_ != kAllKinds && !has_kind(kinds_, kind_of(config_, next_))) continue;
      append(config_, next_, out);
      ++made;
    }
    return next_ < config_.events;
  }
  std::string snapshot() override { return std::to_string(next_); }

 private:
  GeneratorConfig config_;
  unsigned kinds_;
  std::uint64_t next_;
  std::uint64_t stride_;
  std::size_t batch_;
};

std::uint64_t parse_u64(const std::string& s, const std::string& what) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || s.front() == '-') {
    throw ConfigError("nexmark source: " + what + " '" + s + "' is not an event number");
  }
  return v;
}

}  // namespace

template <class T>
GeneratorSource<T>::GeneratorSource(GeneratorConfig config, unsigned kinds, std::uint32_t min_parts,
                                    std::size_t batch, std::uint32_t fixed_parts)
    : config_(config),
      kinds_(std::is_same_v<T, Bid> ? unsigned{kBids} : kinds),
      min_parts_(std::max<std::uint32_t>(min_parts, 1)),
      batch_(std::max<std::size_t>(batch, 1)),
      fixed_parts_(fixed_parts) {
  config_.validate();
}

template <class T>
std::vector<std::string> GeneratorSource<T>::list_parts(std::uint32_t workers) {
  const std::uint32_t parts = fixed_parts_ != 0 ? fixed_parts_ : std::max(workers, min_parts_);
  std::vector<std::string> names;
  for (std::uint32_t p = 0; p < parts; ++p) names.push_back(part_name(p, parts));
  return names;
}

template <class T>
std::unique_ptr<io::SourcePartition<T>> GeneratorSource<T>::build_part(
    const std::string& step_path, const std::string& part,
    std::optional<std::string> resume_state) {
  unsigned index = 0, parts = 0;
  char tail = 0;
  if (std::sscanf(part.c_str(), "part-%u/%u%c", &index, &parts, &tail) != 2 || parts == 0 ||
      index >= parts) {
    throw ConfigError("step '" + step_path + "': '" + part + "' is not a nexmark partition name");
  }
  std::uint64_t next = index;
  if (resume_state) {
    next = parse_u64(*resume_state, "partition " + part + "'s resume state");
    if (next % parts != index) {
      throw ConfigError("step '" + step_path + "': resume state " + *resume_state +
                        " is not an event of partition " + part);
    }
  }
  return std::make_unique<Partition<T>>(config_, kinds_, next, parts, batch_);
}

template class GeneratorSource<Event>;
template class GeneratorSource<Bid>;

}  // namespace sluice::nexmark
