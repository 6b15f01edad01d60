// op::join: joins keyed streams on their keys (Bytewax's `join`). Side i is a
// Stream<std::pair<K, Vi>>; the output is (key, std::tuple<std::optional<V1>, ...,
// std::optional<Vn>>), one element per side.
//
// Insert mode — what a side keeps for a key:
//   first:   its first value;  last: its latest value (the default);
//   product: every value (outputs are then the cross product of the sides' values).
// Emit mode — when a key emits:
//   complete: once every side has a value (the default); the key's state is then
//             cleared, so the next values start a new join;
//   final:    once, when the input ends, with nullopt for sides that never had one;
//   running:  on every value, with what each side has so far (nullopt if nothing);
//             the state is kept.
// Values apply in epoch order; within one epoch, in arrival order. Keys whose join
// never completes (complete mode) are dropped at end of input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <sluice/operators/detail/keyed_step.hpp>

namespace sluice {

enum class JoinInsert { first, last, product };
enum class JoinEmit { complete, final, running };
struct JoinMode {
  JoinInsert insert = JoinInsert::last;
  JoinEmit emit = JoinEmit::complete;
};

namespace detail {

template <class K, class... Vs>
struct JoinPolicy {
  static constexpr std::size_t N = sizeof...(Vs);
  using In = std::variant<Vs...>;
  using U = std::tuple<std::optional<Vs>...>;
  using Value = std::tuple<std::vector<Vs>...>;

  JoinMode mode;

  Value make(const K&) { return {}; }
  // `out` is an Emitter<K, U> or a window's WindowEmitter<K, U>.
  template <class Out>
  LogicAction on_item(Value& sides, In& value, Out& out) {
    insert<0>(sides, value);
    switch (mode.emit) {
      case JoinEmit::complete:
        if (!all_present(sides)) return LogicAction::retain;
        emit(sides, out);
        return LogicAction::discard;
      case JoinEmit::running:
        emit(sides, out);
        return LogicAction::retain;
      case JoinEmit::final:
        break;
    }
    return LogicAction::retain;
  }
  template <class Out>
  LogicAction on_eof(Value& sides, Out& out) {
    if (mode.emit == JoinEmit::final) emit(sides, out);
    return LogicAction::discard;
  }
  const Value& snapshot(const Value& sides) { return sides; }

 private:
  template <std::size_t I>
  void insert(Value& sides, In& value) {
    if constexpr (I < N) {
      if (value.index() != I) return insert<I + 1>(sides, value);
      auto& kept = std::get<I>(sides);
      auto& v = std::get<I>(value);
      switch (mode.insert) {
        case JoinInsert::first:
          if (kept.empty()) kept.push_back(std::move(v));
          break;
        case JoinInsert::last:
          kept.clear();
          kept.push_back(std::move(v));
          break;
        case JoinInsert::product:
          kept.push_back(std::move(v));
          break;
      }
    }
  }
  static bool all_present(const Value& sides) {
    return std::apply([](const auto&... kept) { return (!kept.empty() && ...); }, sides);
  }

 public:
  // Folds `later`'s kept values into `sides` as if they had arrived after them.
  void merge(Value& sides, Value&& later) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (merge_side(std::get<I>(sides), std::move(std::get<I>(later))), ...);
    }
    (std::index_sequence_for<Vs...>{});
  }

 private:
  template <class Vec>
  void merge_side(Vec& kept, Vec&& later) const {
    if (later.empty()) return;
    switch (mode.insert) {
      case JoinInsert::first:
        if (kept.empty()) kept = std::move(later);
        break;
      case JoinInsert::last:
        kept = std::move(later);
        break;
      case JoinInsert::product:
        for (auto& v : later) kept.push_back(std::move(v));
        break;
    }
  }
  // Emits the cross product of the sides' values (an empty side contributes nullopt).
  template <std::size_t I = 0, class Out>
  static void emit(const Value& sides, Out& out, U& row) {
    if constexpr (I == N) {
      out(row);
    } else {
      const auto& kept = std::get<I>(sides);
      if (kept.empty()) {
        std::get<I>(row).reset();
        emit<I + 1>(sides, out, row);
      }
      for (const auto& v : kept) {
        std::get<I>(row) = v;
        emit<I + 1>(sides, out, row);
      }
    }
  }
  template <class Out>
  static void emit(const Value& sides, Out& out) {
    U row;
    emit<0>(sides, out, row);
  }
};

// One step that tags each side's values with the side's index and merges them:
// side J's value v becomes tag(std::in_place_index<J>, std::move(v)), a Tagged.
template <class K, class Tagged, class Tag, class... Vs, std::size_t... I>
Stream<std::pair<K, Tagged>> tag_sides(NestedStep id, std::index_sequence<I...>, Tag tag,
                                       const Stream<std::pair<K, Vs>>&... sides) {
  using Out = std::pair<K, Tagged>;
  const auto& first = std::get<0>(std::forward_as_tuple(sides...));
  OperatorBuilder b(first, std::move(id));
  auto ins = std::make_tuple(b.add_input(sides)...);
  auto [out, down] = b.add_output<Out>();
  b.build([ins, out, tag](OperatorContext&) {
    return [ins, out, tag](OperatorContext& ctx) {
      auto output = ctx.output(out);
      auto drain = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        using V = std::tuple_element_t<J, std::tuple<Vs...>>;
        ctx.input(std::get<J>(ins)).for_each([&](InputBatch<std::pair<K, V>>& batch) {
          auto session = output.session(batch);
          for (auto& kv : batch) {
            session.give(
                Out(std::move(kv.first), tag(std::in_place_index<J>, std::move(kv.second))));
          }
        });
      };
      (drain(std::integral_constant<std::size_t, I>{}), ...);
    };
  });
  return down;
}

}  // namespace detail

namespace op {

template <class K, class... Vs>
requires(sizeof...(Vs) >= 2) Stream<std::pair<K, std::tuple<std::optional<Vs>...>>> join(
    std::string id, JoinMode mode, const Stream<std::pair<K, Vs>>&... sides) {
  auto tagged = sluice::detail::tag_sides<K, std::variant<Vs...>>(
      NestedStep{id, "sides"}, std::index_sequence_for<Vs...>{},
      [](auto index, auto&& v) { return std::variant<Vs...>(index, std::move(v)); }, sides...);
  using U = std::tuple<std::optional<Vs>...>;
  return sluice::detail::keyed_step<U>(std::move(id), tagged,
                                       sluice::detail::JoinPolicy<K, Vs...>{mode});
}

// join with the default mode: insert last, emit complete.
template <class K, class... Vs>
requires(sizeof...(Vs) >= 2) Stream<std::pair<K, std::tuple<std::optional<Vs>...>>> join(
    std::string id, const Stream<std::pair<K, Vs>>&... sides) {
  return join(std::move(id), JoinMode{}, sides...);
}

}  // namespace op
}  // namespace sluice
