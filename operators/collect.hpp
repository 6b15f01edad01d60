// op::collect: gathers each key's values into lists (Bytewax's `collect`). A key's
// list is emitted as (key, std::vector<V>) when it holds `max_size` values, when
// `timeout` of wall time has passed since its first value, or when the input ends,
// whichever comes first; the key then starts a new list. Values keep their order
// within a list (epoch order, then arrival order). A list emitted by size carries
// its last value's epoch; one emitted by timeout or at end of input carries the
// operator's current epoch (see op::stateful).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/operators/detail/keyed_step.hpp>

namespace sluice {
namespace detail {

template <class K, class V>
struct CollectPolicy {
  using U = std::vector<V>;
  struct Value {
    std::vector<V> items;
    LogicClock::time_point deadline{};
    template <class Archive>
    void serialize(Archive& a) {
      a(items, deadline);
    }
  };

  LogicClock::duration timeout;
  std::size_t max_size;

  Value make(const K&) { return {}; }
  LogicAction on_item(Value& v, V& value, Emitter<K, U>& out) {
    if (v.items.empty()) v.deadline = LogicClock::now() + timeout;
    v.items.push_back(std::move(value));
    if (v.items.size() < max_size) return LogicAction::retain;
    out(std::move(v.items));
    return LogicAction::discard;
  }
  std::optional<LogicClock::time_point> notify_at(const Value& v) {
    if (v.items.empty()) return std::nullopt;
    return v.deadline;
  }
  LogicAction on_notify(Value& v, Emitter<K, U>& out) { return flush(v, out); }
  LogicAction on_eof(Value& v, Emitter<K, U>& out) { return flush(v, out); }
  const Value& snapshot(const Value& v) { return v; }

 private:
  LogicAction flush(Value& v, Emitter<K, U>& out) {
    if (!v.items.empty()) out(std::move(v.items));
    return LogicAction::discard;
  }
};

}  // namespace detail

namespace op {

// Throws ConfigError if max_size is 0 or timeout is negative.
template <class K, class V, class Rep, class Period>
Stream<std::pair<K, std::vector<V>>> collect(std::string id, const Stream<std::pair<K, V>>& up,
                                             std::chrono::duration<Rep, Period> timeout,
                                             std::size_t max_size) {
  if (max_size == 0 || timeout.count() < 0) {
    throw ConfigError("step '" + id +
                      "': collect needs max_size >= 1 and a timeout >= 0 (got max_size " +
                      std::to_string(max_size) + ")");
  }
  return sluice::detail::keyed_step<std::vector<V>>(
      std::move(id), up,
      sluice::detail::CollectPolicy<K, V>{std::chrono::duration_cast<LogicClock::duration>(timeout),
                                          max_size});
}

}  // namespace op
}  // namespace sluice
