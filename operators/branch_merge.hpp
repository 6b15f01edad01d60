// branch and merge: split one stream in two by a predicate; join several streams of
// one type into one. Both are pipeline steps: records keep their worker and epoch.
#pragma once

#include <string>
#include <vector>

#include <sluice/operators/detail/each_item.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice::op {

template <class T>
struct BranchOut {
  Stream<T> trues;   // records for which the predicate held
  Stream<T> falses;  // the others
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
