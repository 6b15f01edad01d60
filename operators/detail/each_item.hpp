// Runs a user function over the records of a batch and, if it throws, reports which
// record (its rendering and its index in the batch): one try block per batch, so the
// happy path costs nothing per record.
#pragma once

#include <exception>
#include <vector>

#include <sluice/engine/detail/aborted.hpp>
#include <sluice/engine/error.hpp>

namespace sluice::detail {

// Items: a std::vector<T> or a std::span<T>.
template <class Items, class F>
void each_item(Items& items, F&& f) {
  std::size_t i = 0;
  try {
    for (; i < items.size(); ++i) f(items[i]);
  } catch (const Aborted&) {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ItemError(e.what(), render(items[i]), i);
  } catch (...) {
    throw ItemError("an exception not derived from std::exception", render(items[i]), i);
  }
}

// Calls f with an lvalue when it accepts one (so the record survives for an error
// report; a by-value parameter copies), otherwise with an rvalue.
template <class F, class T>
decltype(auto) call_user(F& f, T& record) {
  if constexpr (std::is_invocable_v<F&, T&>) {
    return f(record);
  } else {
    return f(std::move(record));
  }
}

}  // namespace sluice::detail
