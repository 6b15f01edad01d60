// FileUse: a file a source or sink reads or writes, as it declares it to the dataflow,
// so that op::input / op::output refuse a sink that would overwrite one of the run's
// inputs or another sink's file (and run() checks again before any worker starts).
//
// Files are compared by device and inode, not by spelling (a symbolic link, "./a/../x"
// and "x" are one file); a file that does not exist yet by its resolved directory and
// name. Non-regular files (/dev/null, /dev/stdout on a terminal or pipe, FIFOs,
// character devices) never conflict. Two readers never conflict; two SharedWrite users
// (sinks appending through one stream, standard output) neither.
//
// Decisions: the check runs when op::input / op::output add the step (the files as
// they are then) and again at the start of run() (they may have changed since: an
// output created, a link replaced). A DirSource claims its directory's files that
// match its glob, present and future, so a sink cannot create a file it would read.
// The message names both steps, both paths as given, and what to fix; through
// sluice::Cli it exits 1, as every ConfigError raised while building the dataflow
// (a missing input does too; exit 2 stays for flags CLI11 refuses).
#pragma once

#include <string>
#include <vector>

#include <sluice/engine/dataflow.hpp>

namespace sluice::io {

struct FileUse {
  using Access = sluice::detail::FileClaim::Access;
  std::string path;
  Access access = Access::Read;
  // Non-empty: `path` is a directory and the use covers its entries whose names match
  // this fnmatch pattern (FNM_PERIOD), those present and those created later.
  std::string glob;
};

namespace detail {
// Claims `uses` for step `step` (sluice::detail::claim_file): throws ConfigError
// naming both steps and both paths on a conflict.
inline void claim_files(sluice::detail::Graph& graph, const std::string& step,
                        const std::vector<FileUse>& uses) {
  for (const FileUse& use : uses) {
    sluice::detail::claim_file(graph,
                               sluice::detail::FileClaim{step, use.path, use.access, use.glob});
  }
}
}  // namespace detail

}  // namespace sluice::io
