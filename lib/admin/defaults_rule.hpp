// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: pcs 0.11's rule expressions for option sets
// (defaults_rule.cpp), used by `resource [op] defaults set create`.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <utility>
#include <vector>

#include "resource_edit.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"

namespace vigil::admin {

// One node of a parsed rule: an and/or of children, or one expression.
struct RuleNode {
  enum Kind { kBool, kDateUnary, kDateRange, kDateSpec, kAttrUnary, kAttrBinary, kRsc, kOp };
  Kind kind = kBool;
  std::string op;  // and|or, gt|lt, eq|ne|..., defined|not_defined
  std::vector<RuleNode> children;
  std::string attribute, value, type, start, interval;     // per kind
  std::string standard, provider;                          // resource expressions
  std::vector<std::pair<std::string, std::string>> parts;  // date-spec or duration
};

// The rule's tree, its top always an and/or; pcs's parse error (with the
// column and a caret line) when it does not parse.
Result<RuleNode> parse_defaults_rule(const std::string& text);

// pcs's refusals of expression kinds a command does not allow.
std::vector<std::string> disallowed_rule_parts(const RuleNode& rule, bool allow_rsc, bool allow_op,
                                               bool allow_node_attr);

// Appends the rule under `nvset` with pcs's ids (nvset id + "-rule" ...).
void rule_to_cib(xmlDoc* doc, xmlNode* nvset, const RuleNode& rule);

// "Rule: boolean-op=and score=INFINITY" and its expressions, as pcs lists
// them (ids with `with_ids`, i.e. --full).
// Nested rules carry their in-effect label as the top one does.
std::vector<std::string> rule_lines(const xmlNode* rule, bool with_ids, EpochSeconds now);

// "expired", "not yet in effect" or "" (in effect, or not judged), as
// crm_rule --check judges the rule at `now` for pcs.
std::string rule_in_effect_label(const xmlNode* rule, EpochSeconds now);

}  // namespace vigil::admin
