// Errors a run reports. Every error names what failed and what to fix; errors
// from a step also name the step path, the worker and the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <typeinfo>

#include <sluice/engine/epoch.hpp>

namespace sluice {

// Base of every error sluice throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad configuration or graph construction (unknown flag value, duplicate step id,
// an unreadable input): refused before any data moves.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// The run was stopped by a signal (SIGINT or SIGTERM). what() says where it stopped:
// with a recovery directory, the epoch committed and how to resume; without, that
// nothing of it was kept. Cli::main exits with 128 + signal().
class Interrupted : public Error {
 public:
  Interrupted(int signo, const std::string& what) : Error(what), signal_(signo) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// A step failed while running: a user function threw, or a record was malformed.
class StepError : public Error {
 public:
  StepError(std::string step, std::optional<std::uint32_t> worker, std::optional<Epoch> epoch,
            std::string reason, std::string item = {});

  const std::string& step() const { return step_; }
  std::optional<std::uint32_t> worker() const { return worker_; }
  std::optional<Epoch> epoch() const { return epoch_; }
  const std::string& reason() const { return reason_; }
  const std::string& item() const { return item_; }  // empty when no single item is to blame

 private:
  std::string step_;
  std::optional<std::uint32_t> worker_;
  std::optional<Epoch> epoch_;
  std::string reason_;
  std::string item_;
};

// Thrown inside a step's user code: "this item is at fault"; the runtime adds the
// step, worker and epoch. Built-in operators wrap user exceptions into it, with the
// item's index in the batch the step was given (so a source step can say which line
// of which file it was: io/source_partition.hpp, locate).
class ItemError : public Error {
 public:
  ItemError(std::string reason, std::string item)
      : Error(std::move(reason)), item_(std::move(item)) {}
  ItemError(std::string reason, std::string item, std::size_t index)
      : Error(std::move(reason)), item_(std::move(item)), index_(index) {}
  const std::string& item() const { return item_; }
  std::optional<std::size_t> index() const { return index_; }

 private:
  std::string item_;
  std::optional<std::size_t> index_;
};

namespace detail {
std::string truncate_rendering(std::string s);
std::string demangled_type_name(const std::type_info& type);
}  // namespace detail

// A short human rendering of a record for error messages: operator<< when the type
// has one, otherwise its type name. At most ~200 characters.
template <class T>
std::string render(const T& value) {
  if constexpr (requires(std::ostream & os) { os << value; }) {
    std::ostringstream os;
    os << value;
    return detail::truncate_rendering(os.str());
  } else if constexpr (requires {
                         value.first;
                         value.second;
                       }) {
    std::string out("(");
    out.append(render(value.first)).append(", ").append(render(value.second)).append(")");
    return detail::truncate_rendering(std::move(out));
  } else {
    std::string out("<");
    out.append(detail::demangled_type_name(typeid(T))).append(">");
    return out;
  }
}

}  // namespace sluice
