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

// map: one output record per input record.
template <class T, class F>
requires std::invocable<F&, T&> || std::invocable<F&, T&&>
auto map(std::string id, const Stream<T>& up, F f) {
  using U = std::decay_t<decltype(detail::call_user(f, std::declval<T&>()))>;
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<U>();
  b.build([in, out, f](OperatorContext&) {
    return [in, out, f](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto session = output.session(batch);
        detail::each_item(batch.items(), [&](T& x) { session.give(detail::call_user(f, x)); });
      });
    };
  });
  return down;
}

// filter: keeps the records for which `pred` returns true.
template <class T, class F>
requires std::predicate<F&, const T&> Stream<T> filter(std::string id, const Stream<T>& up,
                                                       F pred) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<T>();
  b.build([in, out, pred](OperatorContext&) {
    return [in, out, pred](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto session = output.session(batch);
        detail::each_item(batch.items(), [&](T& x) {
          if (pred(std::as_const(x))) session.give(std::move(x));
        });
      });
    };
  });
  return down;
}

// flat_map: zero or more output records per input record; `f` returns a range
// (a vector, an optional-like view, ...) whose elements are moved out.
template <class T, class F>
requires(std::invocable<F&, T&> ||
         std::invocable<F&, T&&>) auto flat_map(std::string id, const Stream<T>& up, F f) {
  using R = std::decay_t<decltype(detail::call_user(f, std::declval<T&>()))>;
  static_assert(std::ranges::input_range<R>, "flat_map's function must return a range");
  using U = std::ranges::range_value_t<R>;
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [out, down] = b.add_output<U>();
  b.build([in, out, f](OperatorContext&) {
    return [in, out, f](OperatorContext& ctx) mutable {
      auto output = ctx.output(out);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto session = output.session(batch);
        detail::each_item(batch.items(), [&](T& x) {
          for (auto&& u : detail::call_user(f, x)) session.give(std::move(u));
        });
      });
    };
  });
  return down;
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
