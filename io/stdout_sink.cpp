// The process-wide lock of the stream sinks.
#include <sluice/io/stdout_sink.hpp>

#include <mutex>
#include <stdexcept>

namespace sluice::io::detail {

void write_locked(std::ostream& out, std::string_view text) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  if (!out) throw std::runtime_error("cannot write to the output stream");
}

}  // namespace sluice::io::detail
