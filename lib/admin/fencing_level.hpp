// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: `stonith level ...` (fencing_level.cpp).
#pragma once

#include <string>
#include <vector>

#include "vigil/admin/commands.hpp"

namespace vigil::admin {

// `stonith level [config]|add|remove|delete|clear|verify ...`.
Status run_fencing_level(Context& ctx, const std::vector<std::string>& args);

// pcs's "Target: node1\n  Level 1 - f1\n" listing, each line prefixed by
// `indent`; empty when there are no levels.
std::string fencing_levels_text(xmlDoc* doc, const std::string& indent);

// Removes `device` from every level (a level left without devices goes),
// as deleting a device does.
void remove_device_from_levels(Context& ctx, const std::string& device);

}  // namespace vigil::admin
