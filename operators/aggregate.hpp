// The final aggregates (Bytewax's *_final operators): one value per key, emitted
// when the input ends, at the operator's last epoch.
//   reduce_final(id, keyed, reducer)          (k, v)* -> (k, reducer(reducer(v1, v2), v3)...)
//   fold_final(id, keyed, builder, folder[, merger])
//   count_final(id, stream, key)              x* -> (key(x), how many)
//   max_final(id, keyed[, by]), min_final(id, keyed[, by])
// Each combines records per key and epoch on the worker that read them (a
// pre-aggregation step "<id>.pre") before exchanging them by key to step "<id>", so
// reducer and merger must be associative and commutative. fold_final without a
// merger cannot pre-aggregate: it folds each key's values in epoch order on the
// key's worker. State is a per-key accumulator that cereal can serialize.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <sluice/operators/detail/keyed_step.hpp>
#include <sluice/operators/detail/preaggregate.hpp>

namespace sluice {
namespace detail {

// Final stage: merge(A& acc, A&& partial) combines partials; emits at end of input.
template <class K, class A, class Merge>
struct MergePolicy {
  using Value = std::optional<A>;
  Merge merge;

  Value make(const K&) { return std::nullopt; }
  LogicAction on_item(Value& acc, A& partial, Emitter<K, A>&) {
    if (acc) {
      merge(*acc, std::move(partial));
    } else {
      acc = std::move(partial);
    }
    return LogicAction::retain;
  }
  LogicAction on_eof(Value& acc, Emitter<K, A>& out) {
    out(std::move(*acc));
    return LogicAction::discard;
  }
  const Value& snapshot(const Value& acc) { return acc; }
};

// Final stage without pre-aggregation: folds values into builder()'s state.
template <class K, class V, class S, class Builder, class Folder>
struct FoldPolicy {
  using Value = S;
  Builder builder;
  Folder folder;

  Value make(const K&) { return builder(); }
  LogicAction on_item(Value& acc, V& value, Emitter<K, S>&) {
    acc = folder(std::move(acc), std::move(value));
    return LogicAction::retain;
  }
  LogicAction on_eof(Value& acc, Emitter<K, S>& out) {
    out(std::move(acc));
    return LogicAction::discard;
  }
  const Value& snapshot(const Value& acc) { return acc; }
};

// reduce as pre-aggregation + merge: r(V, V) -> V.
template <class K, class V, class Reduce>
Stream<std::pair<K, V>> reduce_final(std::string id, const Stream<std::pair<K, V>>& up,
                                     Reduce reduce) {
  using In = std::pair<K, V>;
  auto merge = [reduce](V& acc, V&& v) mutable { acc = reduce(std::move(acc), std::move(v)); };
  auto partials = preaggregate<V>(
      NestedStep{id, "pre"}, up, [](const In& kv) -> const K& { return kv.first; },
      [](In& kv) { return std::move(kv.second); },
      [merge](V& acc, In& kv) mutable { merge(acc, std::move(kv.second)); });
  return keyed_step<V>(std::move(id), partials, MergePolicy<K, V, decltype(merge)>{merge});
}

}  // namespace detail

namespace op {

// reduce_final: combines each key's values with reducer(V acc, V value) -> V
// (associative and commutative); emits (key, result) at end of input.
template <class K, class V, class Reduce>
requires std::is_invocable_r_v<V, Reduce&, V&&, V&&> Stream<std::pair<K, V>> reduce_final(
    std::string id, const Stream<std::pair<K, V>>& up, Reduce reducer) {
  return sluice::detail::reduce_final(std::move(id), up, std::move(reducer));
}

// fold_final: folds each key's values into builder()'s state with folder(S acc, V
// value) -> S, in epoch order; emits (key, state) at end of input. With a merger(S, S)
// -> S (associative and commutative), values are folded on the worker that read them
// first and the partial states merged per key.
template <class K, class V, class Builder, class Folder>
auto fold_final(std::string id, const Stream<std::pair<K, V>>& up, Builder builder, Folder folder) {
  using S = std::remove_cvref_t<std::invoke_result_t<Builder&>>;
  static_assert(std::is_invocable_r_v<S, Folder&, S&&, V&&>,
                "fold_final's folder takes (S acc, V value) and returns S");
  return sluice::detail::keyed_step<S>(
      std::move(id), up, sluice::detail::FoldPolicy<K, V, S, Builder, Folder>{builder, folder});
}

template <class K, class V, class Builder, class Folder, class Merger>
auto fold_final(std::string id, const Stream<std::pair<K, V>>& up, Builder builder, Folder folder,
                Merger merger) {
  using S = std::remove_cvref_t<std::invoke_result_t<Builder&>>;
  static_assert(std::is_invocable_r_v<S, Folder&, S&&, V&&>,
                "fold_final's folder takes (S acc, V value) and returns S");
  static_assert(std::is_invocable_r_v<S, Merger&, S&&, S&&>,
                "fold_final's merger takes (S, S) and returns S");
  using In = std::pair<K, V>;
  auto partials = sluice::detail::preaggregate<S>(
      NestedStep{id, "pre"}, up, [](const In& kv) -> const K& { return kv.first; },
      [builder, folder](In& kv) mutable { return folder(builder(), std::move(kv.second)); },
      [folder](S& acc, In& kv) mutable { acc = folder(std::move(acc), std::move(kv.second)); });
  auto merge = [merger](S& acc, S&& s) mutable { acc = merger(std::move(acc), std::move(s)); };
  return sluice::detail::keyed_step<S>(std::move(id), partials,
                                       sluice::detail::MergePolicy<K, S, decltype(merge)>{merge});
}

// count_final: how many records of `up` have each key(record); emits (key, count) at
// end of input.
template <class T, class KeyFn>
requires std::invocable<KeyFn&, const T&>
auto count_final(std::string id, const Stream<T>& up, KeyFn key) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  auto partials = sluice::detail::preaggregate<std::uint64_t>(
      NestedStep{id, "pre"}, up, key, [](T&) { return std::uint64_t{1}; },
      [](std::uint64_t& n, T&) { ++n; });
  auto merge = [](std::uint64_t& acc, std::uint64_t n) { acc += n; };
  return sluice::detail::keyed_step<std::uint64_t>(
      std::move(id), partials,
      sluice::detail::MergePolicy<K, std::uint64_t, decltype(merge)>{merge});
}

// max_final / min_final: each key's greatest / least value, compared by by(value)
// (the value itself by default); among equals, any one of them.
template <class K, class V, class By = std::identity>
Stream<std::pair<K, V>> max_final(std::string id, const Stream<std::pair<K, V>>& up, By by = {}) {
  return sluice::detail::reduce_final(std::move(id), up, [by](V a, V b) mutable {
    return std::invoke(by, std::as_const(b)) > std::invoke(by, std::as_const(a)) ? std::move(b)
                                                                                 : std::move(a);
  });
}
template <class K, class V, class By = std::identity>
Stream<std::pair<K, V>> min_final(std::string id, const Stream<std::pair<K, V>>& up, By by = {}) {
  return sluice::detail::reduce_final(std::move(id), up, [by](V a, V b) mutable {
    return std::invoke(by, std::as_const(b)) < std::invoke(by, std::as_const(a)) ? std::move(b)
                                                                                 : std::move(a);
  });
}

}  // namespace op
}  // namespace sluice
