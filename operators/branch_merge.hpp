// branch and merge: split one stream in two by a predicate; join several streams of
// one type into one. Both are pipeline steps: records keep their worker and epoch.
#pragma once

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice::op {

template <class T, class U = T>
struct BranchOut {
  Stream<T> trues;   // records for which the predicate held (or the split's first type)
  Stream<U> falses;  // the others
};

template <class T, class F>
requires std::predicate<F&, const T&> BranchOut<T> branch(std::string id, const Stream<T>& up,
                                                          F pred) {
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [yes, trues] = b.add_output<T>();
  auto [no, falses] = b.add_output<T>();
  b.build([in, yes, no, pred](OperatorContext&) {
    return [in, yes, no, pred](OperatorContext& ctx) mutable {
      auto out_yes = ctx.output(yes);
      auto out_no = ctx.output(no);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto s_yes = out_yes.session(batch);
        auto s_no = out_no.session(batch);
        sluice::detail::each_item(batch.items(), [&](T& x) {
          if (pred(std::as_const(x))) {
            s_yes.give(std::move(x));
          } else {
            s_no.give(std::move(x));
          }
        });
      });
    };
  });
  return BranchOut<T>{trues, falses};
}

// branch with two output types: `split(T) -> std::variant<A, B>` turns each record into
// an A (to `trues`) or a B (to `falses`), e.g. parsed records and the lines that did
// not parse.
template <class V>
concept TwoWayVariant = requires {
  std::variant_size<V>::value;
}
&&std::variant_size_v<V> == 2;

template <class T, class F>
requires std::invocable<F&, T&&> && TwoWayVariant<std::invoke_result_t<F&, T&&>>
auto branch(std::string id, const Stream<T>& up, F split)
    -> BranchOut<std::variant_alternative_t<0, std::invoke_result_t<F&, T&&>>,
                 std::variant_alternative_t<1, std::invoke_result_t<F&, T&&>>> {
  using V = std::invoke_result_t<F&, T&&>;
  using A = std::variant_alternative_t<0, V>;
  using B = std::variant_alternative_t<1, V>;
  OperatorBuilder b(up, std::move(id));
  auto in = b.add_input(up);
  auto [first, firsts] = b.add_output<A>();
  auto [second, seconds] = b.add_output<B>();
  b.build([in, first, second, split](OperatorContext&) {
    return [in, first, second, split](OperatorContext& ctx) mutable {
      auto out_a = ctx.output(first);
      auto out_b = ctx.output(second);
      ctx.input(in).for_each([&](InputBatch<T>& batch) {
        auto s_a = out_a.session(batch);
        auto s_b = out_b.session(batch);
        sluice::detail::each_item(batch.items(), [&](T& x) {
          V v = sluice::detail::call_user(split, x);
          if (v.index() == 0) {
            s_a.give(std::get<0>(std::move(v)));
          } else {
            s_b.give(std::get<1>(std::move(v)));
          }
        });
      });
    };
  });
  return {firsts, seconds};
}

// merge: every record of every stream in `ups` (at least one), in one stream.
template <class T>
Stream<T> merge(std::string id, const std::vector<Stream<T>>& ups) {
  if (ups.empty()) throw ConfigError("merge step '" + id + "' needs at least one stream");
  OperatorBuilder b(ups.front(), std::move(id));
  std::vector<InputPort<T>> ins;
  for (const auto& up : ups) ins.push_back(b.add_input(up));
  auto [out, down] = b.add_output<T>();
  b.build([ins, out](OperatorContext&) {
    return [ins, out](OperatorContext& ctx) {
      auto output = ctx.output(out);
      for (const auto& in : ins) {
        ctx.input(in).for_each(
            [&](InputBatch<T>& batch) { output.session(batch).give_vector(batch.items()); });
      }
    };
  });
  return down;
}

}  // namespace sluice::op
