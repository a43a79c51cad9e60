// SPDX-License-Identifier: GPL-2.0-or-later
// One program run to its end, for command-line tools that wait for it
// (`vigil`'s meta-data calls, Graphviz's dot): a PosixSpawner on a private
// io_context, and the process group killed when it outlives `timeout`.
#pragma once

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/exec/process.hpp"

namespace vigil::exec {

// How `request` ended. Error (kNotFound) when it could not be started, with
// the spawner's "<path>: <strerror> (<step>)"; Error (kFailed) when it ran
// past `timeout` ("timed out after 5s"; its whole group is killed). A child
// that exits non-zero or on a signal is a ProcessExit, for the caller to judge.
Result<ProcessExit> run_to_exit(const SpawnRequest& request, Duration timeout);

}  // namespace vigil::exec
