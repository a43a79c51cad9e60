// SPDX-License-Identifier: GPL-2.0-or-later
// The two numbers every operation result carries, as Pacemaker records them:
// the agent's exit code mapped to OCF (rc-code) and the execution status
// (op-status). The numeric values are Pacemaker 2.1.5's (enum ocf_exitcode and
// enum pcmk_exec_status in include/crm/common/results.h), because they are
// written into the CIB status section and read back by the policy engine.
#pragma once

#include <string_view>

namespace vigil::exec {

enum class OcfRc : int {
  kOk = 0,
  kUnknownError = 1,  // "error": also any code an agent should not return
  kInvalidParam = 2,
  kUnimplementFeature = 3,
  kInsufficientPriv = 4,
  kNotInstalled = 5,
  kNotConfigured = 6,
  kNotRunning = 7,
  kRunningPromoted = 8,
  kFailedPromoted = 9,
  kDegraded = 190,
  kDegradedPromoted = 191,
  kPending = 193,  // PCMK_OCF_UNKNOWN: no result yet (systemd unit activating)
};

enum class ExecStatus : int {
  kPending = -1,
  kDone = 0,  // the agent ran and its exit code is the result
  kCancelled = 1,
  kTimeout = 2,
  kNotSupported = 3,
  kError = 4,  // could not run, or killed by a signal; may be retried
  kErrorHard = 5,
  kErrorFatal = 6,
  kNotInstalled = 7,  // the agent (or what it needs) is missing on this node
};

// Pacemaker's services_ocf_exitcode_str() and pcmk_exec_status_str() wording.
std::string_view to_string(OcfRc rc);
std::string_view to_string(ExecStatus status);

// Any raw exit status of an OCF agent to its OCF result (services__ocf2ocf):
// 0..9, 190 and 191 stand; anything else is a generic error.
OcfRc ocf_exit_to_rc(int exit_code);

// An LSB init script's exit status (services__lsb2ocf). "status" (and
// "monitor", which is run as "status") has its own codes: 0 running, 1 and 2
// dead with a pid/lock file, 3 not running, 4 unknown, 150 not installed,
// 151 insufficient privileges. Other actions share OCF's codes 0..7.
OcfRc lsb_exit_to_rc(std::string_view action, int exit_code);

}  // namespace vigil::exec
