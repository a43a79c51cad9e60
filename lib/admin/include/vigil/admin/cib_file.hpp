// SPDX-License-Identifier: GPL-2.0-or-later
// Reading and writing the CIB file behind `vigil -f FILE`.
#pragma once

#include <string>

#include "vigil/common/result.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

// A missing file reads as pcs's built-in skeleton (validate-with
// pacemaker-3.1, epoch 1), so the first write creates it with epoch 2 as
// pcs does; nothing is created when the command fails.
Result<xml::DocPtr> load_cib_file(const std::string& path);

inline constexpr const char* kSkeletonCib =
    "<cib admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\" validate-with=\"pacemaker-3.1\">"
    "<configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>";

// Bumps epoch (by 1 + extra_writes), validates against the RelaxNG schema (refusing the whole
// write on failure), then writes a temporary file in the same directory,
// fsyncs it and renames it over `path`, so readers see the old or the new
// CIB, never half of one.
Status commit_cib_file(xmlDoc* doc, const std::string& path, int extra_writes = 0);

// The validation + serialisation step alone (for tests): the text that
// commit_cib_file would write.
Result<std::string> finalize_cib(xmlDoc* doc, int extra_writes = 0);

}  // namespace vigil::admin
