// Stateless operators: map, filter, flat_map, inspect. Records stay on their worker
// (pipeline) and keep their epoch. User functions are inlined into the batch loop.
// A function may take `const T&`, `T&` (it may then move from the record) or `T`
// (a copy); when it throws, the run stops with the step, worker, epoch and record.
#pragma once

#include <concepts>
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

}  // namespace sluice::op
