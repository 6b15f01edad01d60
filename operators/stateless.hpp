// Stateless operators: map, filter, filter_map, flat_map, flat_map_batch, flatten,
// inspect, inspect_debug, and on keyed streams (std::pair<K, V>) key_on, key_rm,
// map_value, filter_value, flat_map_value. Records stay on their worker (pipeline)
// and keep their epoch; redistribute is the one that moves them. User functions are inlined into
// the batch loop. A function may take `const T&`, `T&` (it may then move from the record) or `T` (a
// copy); when it throws, the run stops with the step, worker, epoch and record.
#pragma once

#include <concepts>
#include <iostream>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>

#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice::op {

namespace detail {
using sluice::detail::call_user;
using sluice::detail::each_item;

// The shape of map, filter and flat_map: a pipeline step that calls
// per_record(session, record) for every record, the session writing at its epoch.
template <class U, class T, class PerRecord>
Stream<U> per_record_step(std::string id, const Stream<T>& up, PerRecord per_record) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<U>();
  b.build([in, out, per_record](OperatorContext&) {
    return [in, out, per_record](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto session = output.session(batch);
        each_item(batch.items(), [&](T& x) { per_record(session, x); });
      });
    };
  });
  return down;
}
}  // namespace detail

// map: one output record per input record.
template <class T, class F>
requires std::invocable<F&, T&> || std::invocable<F&, T&&>
auto map(std::string id, const Stream<T>& up, F f) {
  using U = std::decay_t<decltype(detail::call_user(f, std::declval<T&>()))>;
  return detail::per_record_step<U>(
      std::move(id), up, [f](Session<U>& out, T& x) mutable { out.give(detail::call_user(f, x)); });
}

// filter: keeps the records for which `pred` returns true.
template <class T, class F>
requires std::predicate<F&, const T&> Stream<T> filter(std::string id, const Stream<T>& up,
                                                       F pred) {
  return detail::per_record_step<T>(std::move(id), up, [pred](Session<T>& out, T& x) mutable {
    if (pred(std::as_const(x))) out.give(std::move(x));
  });
}

// flat_map: zero or more output records per input record; `f` returns a range
// (a vector, an optional-like view, ...) whose elements are moved out.
template <class T, class F>
requires(std::invocable<F&, T&> ||
         std::invocable<F&, T&&>) auto flat_map(std::string id, const Stream<T>& up, F f) {
  using R = std::decay_t<decltype(detail::call_user(f, std::declval<T&>()))>;
  static_assert(std::ranges::input_range<R>, "flat_map's function must return a range");
  using U = std::ranges::range_value_t<R>;
  return detail::per_record_step<U>(std::move(id), up, [f](Session<U>& out, T& x) mutable {
    for (auto&& u : detail::call_user(f, x)) out.give(std::move(u));
  });
}

// inspect: calls `f` on every record and passes the batch on unchanged (no copy).
// With a second parameter, `f` also receives the record's epoch.
template <class T, class F>
requires std::invocable<F&, const T&> || std::invocable<F&, const T&, Epoch> Stream<T> inspect(
    std::string id, const Stream<T>& up, F f) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<T>();
  b.build([in, out, f](OperatorContext&) {
    return [in, out, f](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        const Epoch epoch = batch.epoch();
        detail::each_item(batch.items(), [&](T& x) {
          if constexpr (std::is_invocable_v<F&, const T&, Epoch>) {
            f(std::as_const(x), epoch);
          } else {
            f(std::as_const(x));
          }
        });
        output.session(batch).give_vector(batch.items());
      });
    };
  });
  return down;
}

// filter_map: `f` returns an optional-like value (std::optional<U>, a pointer-like
// type); the present ones are emitted.
template <class T, class F>
requires(std::invocable<F&, T&> ||
         std::invocable<F&, T&&>) auto filter_map(std::string id, const Stream<T>& up, F f) {
  using O = std::decay_t<decltype(detail::call_user(f, std::declval<T&>()))>;
  using U = std::decay_t<decltype(*std::declval<O&>())>;
  return detail::per_record_step<U>(std::move(id), up, [f](Session<U>& out, T& x) mutable {
    auto maybe = detail::call_user(f, x);
    if (maybe) out.give(std::move(*maybe));
  });
}

// flat_map_batch: `f` receives a whole batch (std::vector<T>&&, records of one epoch)
// and returns a range of output records for that epoch.
template <class T, class F>
requires std::invocable<F&, std::vector<T> &&> auto flat_map_batch(std::string id,
                                                                   const Stream<T>& up, F f) {
  using R = std::decay_t<std::invoke_result_t<F&, std::vector<T>&&>>;
  using U = std::ranges::range_value_t<R>;
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<U>();
  b.build([in, out, f](OperatorContext&) {
    return [in, out, f](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto session = output.session(batch);
        if constexpr (std::is_same_v<R, std::vector<U>>) {
          R result = f(std::move(batch.items()));
          session.give_vector(result);  // handed on whole, records not moved one by one
        } else {
          for (auto&& u : f(std::move(batch.items()))) session.give(std::move(u));
        }
      });
    };
  });
  return down;
}

// flatten: each record is a range; emits its elements.
template <class T>
requires std::ranges::input_range<T>
auto flatten(std::string id, const Stream<T>& up) {
  using U = std::ranges::range_value_t<T>;
  return detail::per_record_step<U>(std::move(id), up, [](Session<U>& out, T& range) {
    for (auto&& u : range) out.give(std::move(u));
  });
}

// inspect_debug: prints "<step path> W<worker> @<epoch>: <record>" for every record to
// stdout (or calls f(step_path, record, epoch, worker)), and passes the stream on.
template <class T>
Stream<T> inspect_debug(std::string id, const Stream<T>& up) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<T>();
  b.build([in, out](OperatorContext&) {
    return [in, out](OperatorContext& ctx) {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        for (const T& x : batch) {
          std::cout << ctx.step_path() << " W" << ctx.worker_index() << " @" << batch.epoch()
                    << ": " << render(x) << '\n';
        }
        output.session(batch).give_vector(batch.items());
      });
    };
  });
  return down;
}

// key_on: pairs every record with its key, (key(record), record), for keyed steps.
template <class T, class F>
requires std::invocable<F&, const T&>
auto key_on(std::string id, const Stream<T>& up, F key) {
  using K = std::decay_t<std::invoke_result_t<F&, const T&>>;
  using U = std::pair<K, T>;
  return detail::per_record_step<U>(std::move(id), up, [key](Session<U>& out, T& x) mutable {
    K k = key(std::as_const(x));
    out.give(U{std::move(k), std::move(x)});
  });
}

// key_rm: drops the keys of a keyed stream.
template <class K, class V>
Stream<V> key_rm(std::string id, const Stream<std::pair<K, V>>& up) {
  return detail::per_record_step<V>(std::move(id), up, [](Session<V>& out, std::pair<K, V>& kv) {
    out.give(std::move(kv.second));
  });
}

// map_value: (k, v) -> (k, f(v)).
template <class K, class V, class F>
requires(std::invocable<F&, V&> ||
         std::invocable<F&, V&&>) auto map_value(std::string id, const Stream<std::pair<K, V>>& up,
                                                 F f) {
  using W = std::decay_t<decltype(detail::call_user(f, std::declval<V&>()))>;
  using U = std::pair<K, W>;
  return detail::per_record_step<U>(
      std::move(id), up, [f](Session<U>& out, std::pair<K, V>& kv) mutable {
        out.give(U{std::move(kv.first), detail::call_user(f, kv.second)});
      });
}

// filter_value: keeps (k, v) when pred(v).
template <class K, class V, class F>
requires std::predicate<F&, const V&> Stream<std::pair<K, V>> filter_value(
    std::string id, const Stream<std::pair<K, V>>& up, F pred) {
  using U = std::pair<K, V>;
  return detail::per_record_step<U>(std::move(id), up, [pred](Session<U>& out, U& kv) mutable {
    if (pred(std::as_const(kv.second))) out.give(std::move(kv));
  });
}

// flat_map_value: (k, v) -> (k, u) for every u in f(v).
template <class K, class V, class F>
requires(std::invocable<F&, V&> ||
         std::invocable<F&, V&&>) auto flat_map_value(std::string id,
                                                      const Stream<std::pair<K, V>>& up, F f) {
  using R = std::decay_t<decltype(detail::call_user(f, std::declval<V&>()))>;
  using U = std::pair<K, std::ranges::range_value_t<R>>;
  return detail::per_record_step<U>(std::move(id), up,
                                    [f](Session<U>& out, std::pair<K, V>& kv) mutable {
                                      for (auto&& w : detail::call_user(f, kv.second))
                                        out.give(U{kv.first, std::move(w)});
                                    });
}

// redistribute: spreads records evenly over all workers (round-robin per worker),
// e.g. after a source that one worker reads.
template <class T>
Stream<T> redistribute(std::string id, const Stream<T>& up) {
  OperatorBuilder b(up, std::move(id));
  // Each worker thread numbers the records it sends; the routing hash spreads them.
  auto in = b.add_input(up, exchange([](const T&) {
                          thread_local std::uint64_t sequence = 0;
                          return sequence++;
                        }));
  auto [out, down] = b.add_output<T>();
  b.build([in, out](OperatorContext&) {
    return [in, out](OperatorContext& ctx) {
      auto output = ctx.output(out);
      ctx.input(in).for_each(
          [&](InputBatch<T>& batch) { output.session(batch).give_vector(batch.items()); });
    };
  });
  return down;
}

}  // namespace sluice::op
