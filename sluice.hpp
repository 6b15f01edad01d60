// sluice: the umbrella header. Include this to build and run dataflows.
#pragma once

#include <sluice/engine/cli.hpp>
#include <sluice/engine/dataflow.hpp>
#include <sluice/engine/error.hpp>
#include <sluice/engine/graph_output.hpp>
#include <sluice/engine/key_hash.hpp>
#include <sluice/engine/pact.hpp>
#include <sluice/engine/run.hpp>
#include <sluice/engine/stream.hpp>
#include <sluice/io/io.hpp>
#include <sluice/operators/aggregate.hpp>
#include <sluice/operators/branch_merge.hpp>
#include <sluice/operators/capability.hpp>
#include <sluice/operators/collect.hpp>
#include <sluice/operators/enrich_cached.hpp>
#include <sluice/operators/join.hpp>
#include <sluice/operators/operator_builder.hpp>
#include <sluice/operators/probe.hpp>
#include <sluice/operators/stateful.hpp>
#include <sluice/operators/stateful_map.hpp>
#include <sluice/operators/stateless.hpp>
#include <sluice/operators/testing_sink.hpp>
#include <sluice/operators/testing_source.hpp>
#include <sluice/windowing/windowing.hpp>
