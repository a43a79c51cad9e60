// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/codes.hpp"

#include <catch2/catch.hpp>

using namespace vigil;
using namespace vigil::exec;

TEST_CASE("OCF exit codes map to themselves, anything else is a generic error") {
  for (int rc = 0; rc <= 9; ++rc) CHECK(static_cast<int>(ocf_exit_to_rc(rc)) == rc);
  CHECK(ocf_exit_to_rc(190) == OcfRc::kDegraded);
  CHECK(ocf_exit_to_rc(191) == OcfRc::kDegradedPromoted);
  for (int rc : {-1, 10, 42, 126, 127, 189, 192, 193, 255, 256}) {
    CHECK(ocf_exit_to_rc(rc) == OcfRc::kUnknownError);
  }
}

TEST_CASE("LSB status codes have their own meaning") {
  CHECK(lsb_exit_to_rc("status", 0) == OcfRc::kOk);
  CHECK(lsb_exit_to_rc("status", 1) == OcfRc::kNotRunning);  // dead, pid file left
  CHECK(lsb_exit_to_rc("status", 2) == OcfRc::kNotRunning);  // dead, lock file left
  CHECK(lsb_exit_to_rc("status", 3) == OcfRc::kNotRunning);
  CHECK(lsb_exit_to_rc("status", 4) == OcfRc::kUnknownError);
  CHECK(lsb_exit_to_rc("status", 150) == OcfRc::kNotInstalled);
  CHECK(lsb_exit_to_rc("status", 151) == OcfRc::kInsufficientPriv);
  CHECK(lsb_exit_to_rc("status", 7) == OcfRc::kUnknownError);
  CHECK(lsb_exit_to_rc("monitor", 3) == OcfRc::kNotRunning);
}

TEST_CASE("LSB codes of other actions are OCF's up to 7") {
  for (int rc = 0; rc <= 7; ++rc) CHECK(static_cast<int>(lsb_exit_to_rc("start", rc)) == rc);
  CHECK(lsb_exit_to_rc("stop", 8) == OcfRc::kUnknownError);
  CHECK(lsb_exit_to_rc("start", 150) == OcfRc::kUnknownError);
  CHECK(lsb_exit_to_rc("restart", -1) == OcfRc::kUnknownError);
}

TEST_CASE("codes are named as Pacemaker names them") {
  CHECK(to_string(OcfRc::kOk) == "ok");
  CHECK(to_string(OcfRc::kNotRunning) == "not running");
  CHECK(to_string(OcfRc::kFailedPromoted) == "promoted (failed)");
  CHECK(to_string(ExecStatus::kDone) == "complete");
  CHECK(to_string(ExecStatus::kTimeout) == "Timed Out");
  CHECK(to_string(ExecStatus::kNotInstalled) == "Not installed");
  CHECK(static_cast<int>(ExecStatus::kNotInstalled) == 7);  // PCMK_EXEC_NOT_INSTALLED
  CHECK(static_cast<int>(ExecStatus::kCancelled) == 1);     // PCMK_EXEC_CANCELLED
}
