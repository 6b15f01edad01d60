// Thrown into a fiber that is blocked inside the runtime when the run is being torn
// down after an error elsewhere; never reported as an error of its own.
#pragma once

namespace sluice::detail {

struct Aborted {};

}  // namespace sluice::detail
