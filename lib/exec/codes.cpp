// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/codes.hpp"

namespace vigil::exec {

std::string_view to_string(OcfRc rc) {
  switch (rc) {
    case OcfRc::kOk:
      return "ok";
    case OcfRc::kUnknownError:
      return "error";
    case OcfRc::kInvalidParam:
      return "invalid parameter";
    case OcfRc::kUnimplementFeature:
      return "unimplemented feature";
    case OcfRc::kInsufficientPriv:
      return "insufficient privileges";
    case OcfRc::kNotInstalled:
      return "not installed";
    case OcfRc::kNotConfigured:
      return "not configured";
    case OcfRc::kNotRunning:
      return "not running";
    case OcfRc::kRunningPromoted:
      return "promoted";
    case OcfRc::kFailedPromoted:
      return "promoted (failed)";
    case OcfRc::kDegraded:
      return "OCF_DEGRADED";
    case OcfRc::kDegradedPromoted:
      return "promoted (degraded)";
    case OcfRc::kPending:
      return "pending";
  }
  return "unknown";
}

std::string_view to_string(ExecStatus status) {
  switch (status) {
    case ExecStatus::kPending:
      return "pending";
    case ExecStatus::kDone:
      return "complete";
    case ExecStatus::kCancelled:
      return "Cancelled";
    case ExecStatus::kTimeout:
      return "Timed Out";
    case ExecStatus::kNotSupported:
      return "NOT SUPPORTED";
    case ExecStatus::kError:
      return "Error";
    case ExecStatus::kErrorHard:
      return "Hard error";
    case ExecStatus::kErrorFatal:
      return "Fatal error";
    case ExecStatus::kNotInstalled:
      return "Not installed";
  }
  return "UNKNOWN!";
}

OcfRc ocf_exit_to_rc(int exit_code) {
  if (exit_code == static_cast<int>(OcfRc::kDegraded) ||
      exit_code == static_cast<int>(OcfRc::kDegradedPromoted)) {
    return static_cast<OcfRc>(exit_code);
  }
  if (exit_code < 0 || exit_code > static_cast<int>(OcfRc::kFailedPromoted)) {
    return OcfRc::kUnknownError;
  }
  return static_cast<OcfRc>(exit_code);
}

OcfRc lsb_exit_to_rc(std::string_view action, int exit_code) {
  if (action != "status" && action != "monitor") {
    // For other actions LSB and OCF share the codes up to 7 ("not running").
    if (exit_code < 0 || exit_code > static_cast<int>(OcfRc::kNotRunning)) {
      return OcfRc::kUnknownError;
    }
    return static_cast<OcfRc>(exit_code);
  }
  switch (exit_code) {
    case 0:
      return OcfRc::kOk;
    case 1:  // dead, but a pid file exists
    case 2:  // dead, but a lock file exists
    case 3:  // not running
      return OcfRc::kNotRunning;
    case 150:
      return OcfRc::kNotInstalled;
    case 151:
      return OcfRc::kInsufficientPriv;
    default:
      return OcfRc::kUnknownError;  // 4 = status unknown, and garbage
  }
}

}  // namespace vigil::exec
