// SPDX-License-Identifier: GPL-2.0-or-later
// Operation digests, shared by the scheduler (which compares them) and the
// transition engine (which records them with every operation result): both
// sides must hash exactly the same parameters the same way.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "vigil/common/rules.hpp"

namespace vigil::pengine {

// Parameters never part of a digest besides the CRM_meta_* ones.
inline constexpr std::array<std::string_view, 6> kDigestExcludedParams = {
    "id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip"};

// Pacemaker's v1 operation digest: MD5 of the sorted <parameters/> element.
std::string params_digest(const rules::AttrMap& params);

// An action's full parameter set (instance attributes and CRM_meta_*, as a
// graph action carries them) filtered for the digest, as Pacemaker's
// controller does before recording: every CRM_meta_* and excluded parameter
// goes, except CRM_meta_timeout of a recurring operation (CRM_meta_interval
// not 0), which stays.
rules::AttrMap filter_for_digest(const rules::AttrMap& op_params);

}  // namespace vigil::pengine
