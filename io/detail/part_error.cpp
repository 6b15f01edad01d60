// rethrow_from_part: partition errors as StepErrors.
#include <sluice/io/detail/part_error.hpp>

#include <sluice/engine/detail/aborted.hpp>
#include <sluice/engine/error.hpp>

namespace sluice::io::detail {

void rethrow_from_part(const PartContext& where, std::exception_ptr error, const char* doing) {
  std::string prefix = doing ? std::string(doing) + " partition '" : std::string("partition '");
  prefix += where.part + "': ";
  try {
    std::rethrow_exception(error);
  } catch (const sluice::detail::Aborted&) {
    throw;
  } catch (const StepError&) {
    throw;
  } catch (const ItemError& e) {
    throw StepError(where.step, where.worker, where.epoch, prefix + e.what(), e.item());
  } catch (const std::exception& e) {
    throw StepError(where.step, where.worker, where.epoch, prefix + e.what());
  } catch (...) {
    throw StepError(where.step, where.worker, where.epoch,
                    prefix + "an exception not derived from std::exception");
  }
}

}  // namespace sluice::io::detail
