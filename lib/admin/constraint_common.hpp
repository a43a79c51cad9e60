// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: what the constraint, node and tag commands share
// (constraint.cpp, constraint_show.cpp, constraint_sets.cpp,
// location_rule.cpp, node.cpp).
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <vector>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/time.hpp"

namespace vigil::admin {

// pcs's prepare_options: NAME=VALUE words (an empty value is kept; a name
// given twice must repeat its value) (node.cpp).
Result<std::vector<KeyValue>> pcs_name_values(const std::vector<std::string>& words);

// pcs's one-line renderings of plain constraints (constraint.cpp), and of
// a constraint with resource sets ("set A B (id:..) setoptions ..").
std::string order_plain(const xmlNode* c, bool with_id);
std::string colocation_plain(const xmlNode* c, bool with_id);
std::string ticket_plain(const xmlNode* c, bool with_id);
std::string constraint_with_sets(const xmlNode* c, bool with_id);

// A rule-based rsc_location as `pcs constraint` lists it ("    Constraint:
// ID" and its rules), or nullopt when all its rules expired and expired
// ones are not shown (constraint_show.cpp).
std::optional<std::string> location_rule_listing(const xmlNode* loc, bool ids, bool show_expired,
                                                 EpochSeconds now);
// One rule as pcs's ExportDetailed prints it, each line after a newline,
// "Rule (expired):" when `expired` (location_rule.cpp).
std::string rule_lines(const xmlNode* rule, const std::string& indent, bool ids,
                       bool expired = false);

// pcs's typed subject: "regexp%PATTERN" (true: a pattern), or
// "resource%ID", "%ID" or "ID" (false); the prefix is taken off. Another
// type is refused.
Result<bool> strip_subject_type(std::string& subject);

// `constraint [config]`, `location|order|colocation|ticket [config]`,
// `constraint ref` (constraint_show.cpp).
Status constraint_listing(Context& ctx, const std::string& family,
                          const std::vector<std::string>& args);
Status constraint_ref(Context& ctx, const std::vector<std::string>& args);

// `colocation|order|ticket set`, `ticket add|remove`, `colocation|order
// remove`, `location add|remove`, `rule remove` (constraint_sets.cpp);
// `rule add` (location_rule.cpp).
Status constraint_set(Context& ctx, const std::string& family,
                      const std::vector<std::string>& args);
Status ticket_add(Context& ctx, const std::vector<std::string>& args);
Status ticket_remove(Context& ctx, const std::vector<std::string>& args);
Status pair_remove(Context& ctx, const std::string& family, const std::vector<std::string>& args);
Status location_add(Context& ctx, const std::vector<std::string>& args);
Status location_remove(Context& ctx, const std::vector<std::string>& args);
Status rule_add(Context& ctx, const std::vector<std::string>& args);
Status rule_remove(Context& ctx, const std::vector<std::string>& args);

}  // namespace vigil::admin
