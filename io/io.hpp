// The io/ umbrella header: the source and sink interfaces and every connector.
#pragma once

#include <sluice/io/csv_source.hpp>
#include <sluice/io/dir_sink.hpp>
#include <sluice/io/dir_source.hpp>
#include <sluice/io/file_sink.hpp>
#include <sluice/io/file_source.hpp>
#include <sluice/io/sink.hpp>
#include <sluice/io/source.hpp>
#include <sluice/io/stdin_source.hpp>
#include <sluice/io/stdout_sink.hpp>
