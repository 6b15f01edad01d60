// StepError formatting and item rendering helpers.
#include <sluice/engine/error.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace sluice {

namespace {
std::string describe(const std::string& step, std::optional<std::uint32_t> worker,
                     std::optional<Epoch> epoch, const std::string& reason,
                     const std::string& item) {
  std::string msg = "step '" + step + "' failed";
  if (worker) msg += " on worker " + std::to_string(*worker);
  if (epoch) msg += " at epoch " + std::to_string(*epoch);
  msg += ": " + reason;
  if (!item.empty()) msg += "; item: " + item;
  return msg;
}
}  // namespace

StepError::StepError(std::string step, std::optional<std::uint32_t> worker,
                     std::optional<Epoch> epoch, std::string reason, std::string item)
    : Error(describe(step, worker, epoch, reason, item)),
      step_(std::move(step)),
      worker_(worker),
      epoch_(epoch),
      reason_(std::move(reason)),
      item_(std::move(item)) {}

namespace detail {

std::string truncate_rendering(std::string s) {
  constexpr std::size_t kMax = 200;
  if (s.size() > kMax) {
    s.resize(kMax);
    s += "...";
  }
  return s;
}

std::string demangled_type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

}  // namespace detail
}  // namespace sluice
