// preaggregate: combines the records of one epoch on one worker into one partial
// value per key before they are exchanged, so a final aggregate moves one record per
// key per worker and epoch instead of one per input record (Flink's and Timely's
// combiners). Partials of epoch e are sent when the input frontier passes e, or
// early when an epoch holds `kMaxKeys` keys (bounding memory); the final stage merges
// them in any order, so the combining function must be associative and commutative.
//
// Holds no state across epochs: once the frontier has passed e, every partial of e is
// downstream, which keeps snapshots of the final stage exact.
#pragma once

#include <cstddef>
#include <map>
#include <type_traits>
#include <utility>

#include <absl/container/flat_hash_map.h>

#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/keyed_state.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice::detail {

inline constexpr std::size_t kMaxPreaggregateKeys = 1 << 16;

// key(const T&) -> K; start(T&) -> A (a first record's partial); fold(A&, T&) adds a
// record. Emits (K, A) at each epoch.
template <class A, class T, class KeyFn, class Start, class Fold>
auto preaggregate(NestedStep id, const Stream<T>& up, KeyFn key, Start start, Fold fold) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  using Out = std::pair<K, A>;
  struct Open {
    Capability cap;
    absl::flat_hash_map<K, A, StateHash<K>> partials;
  };
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<Out>();
  b.build([in, out, key, start, fold](OperatorContext&) {
    return
        [in, out, key, start, fold, open = std::map<Epoch, Open>{}](OperatorContext& ctx) mutable {
          auto output = ctx.output(out);
          auto flush = [&](Open& o) {
            auto session = output.session(o.cap);
            for (auto& [k, a] : o.partials) session.give(Out(k, std::move(a)));
            o.partials.clear();
          };
          ctx.input(in).for_each([&](InputBatch<T>& batch) {
            Open& o = open[batch.epoch()];
            if (!o.cap) o.cap = batch.retain();
            each_item(batch.items(), [&](T& x) {
              decltype(auto) k = key(std::as_const(x));
              auto it = o.partials.find(k);
              if (it == o.partials.end()) {
                o.partials.emplace(std::forward<decltype(k)>(k), start(x));
                if (o.partials.size() >= kMaxPreaggregateKeys) flush(o);
              } else {
                fold(it->second, x);
              }
            });
          });
          const Frontier& frontier = ctx.frontier(0);
          while (!open.empty() && frontier.passed(open.begin()->first)) {
            flush(open.begin()->second);
            open.erase(open.begin());
          }
        };
  });
  return down;
}

}  // namespace sluice::detail
