// Everything in windowing/: clocks, windowers, event-time sources and the window
// operators (namespace sluice::window).
#pragma once

#include <sluice/windowing/clock.hpp>
#include <sluice/windowing/event_time_input.hpp>
#include <sluice/windowing/join_window.hpp>
#include <sluice/windowing/watermark.hpp>
#include <sluice/windowing/window.hpp>
#include <sluice/windowing/window_aggregate.hpp>
#include <sluice/windowing/windower.hpp>
