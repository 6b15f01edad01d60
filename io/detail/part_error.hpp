// Turns an exception from a source or sink partition into the StepError a run
// reports: the step, the worker, the epoch, and "partition '<part>': <what>".
// Internal to io/.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include <sluice/engine/epoch.hpp>
#include <sluice/engine/error.hpp>

namespace sluice::io::detail {

struct PartContext {
  const std::string& step;
  std::uint32_t worker;
  std::optional<Epoch> epoch;
  const std::string& part;
};

// Rethrows `error` as a StepError with `where`'s context; `doing` (e.g. "building")
// prefixes the reason. A StepError or the runtime's Aborted passes through unchanged;
// an ItemError keeps its item.
[[noreturn]] void rethrow_from_part(const PartContext& where, std::exception_ptr error,
                                    const char* doing = nullptr);

// Rethrows `error`, the failure of the step's function on a record of the last batch of
// `part`, as a StepError whose reason starts with the record's place ("'<file>' line 7:
// ") when the partition can say it (locate); otherwise rethrows it unchanged.
template <class Part>
[[noreturn]] void rethrow_located(const PartContext& where, const ItemError& error, Part& part);

// Calls f(); rethrows whatever it throws with rethrow_from_part.
template <class F>
decltype(auto) in_part(const PartContext& where, F&& f, const char* doing = nullptr) {
  try {
    return f();
  } catch (...) {
    rethrow_from_part(where, std::current_exception(), doing);
  }
}

template <class Part>
void rethrow_located(const PartContext& where, const ItemError& error, Part& part) {
  if (error.index()) {
    const std::string place = in_part(where, [&] { return part.locate(*error.index()); });
    if (!place.empty()) {
      throw StepError(where.step, where.worker, where.epoch, place + ": " + error.what(),
                      error.item());
    }
  }
  throw;
}

}  // namespace sluice::io::detail
