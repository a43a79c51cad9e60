// SPDX-License-Identifier: GPL-2.0-or-later
// Plain-words explanations for schema violations. libxml2's RelaxNG
// messages say where validation failed ("Invalid sequence in interleave",
// "failed to validate attributes") but rarely what is missing; for the
// mistakes people actually make, these hints say it.
#pragma once

#include <libxml/tree.h>

#include <string>

namespace vigil::cib::detail {

// A hint about what is wrong with configuration element `n`, or an empty
// string when none of the known mistakes applies.
std::string hint_for(const xmlNode* n);

}  // namespace vigil::cib::detail
