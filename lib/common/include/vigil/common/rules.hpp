// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker rules: parsed once from XML into plain values, then evaluated
// against a RuleInput (node attributes, "now", resource and op identity).
#pragma once

#include <libxml/tree.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/score.hpp"
#include "vigil/common/time.hpp"

namespace vigil::rules {

using AttrMap = std::map<std::string, std::string, std::less<>>;

// Looks up an element by its id (for id-ref); nullptr when unknown.
using IdResolver = std::function<const xmlNode*(const std::string& id)>;

struct Rule;

// <expression attribute= operation= value= type= value-source=>. operation,
// type and value_source are stored lower-case; an empty type means "infer"
// (lt/lte/gt/gte: number if either side has a '.', else integer; eq/ne: string).
struct AttrExpression {
  std::string id, attribute, operation, value, type, value_source;
};
// <date_expression operation="lt|gt|in_range|date_spec" start= end=> with
// optional <duration> and <date_spec> children.
struct DateSpec {
  // Each field is a list of ranges [lo, hi]; empty list means "any". Open
  // ends ("5-", "-5") are INT_MAX / INT_MIN. "moon" is parsed but ignored.
  std::map<std::string, std::vector<std::pair<int, int>>> fields;
};
struct DateExpression {
  std::string id, operation;
  std::optional<EpochSeconds> start, end;
  std::optional<IsoDuration> duration;
  std::optional<DateSpec> spec;
};
// Empty class or type = any. As in Pacemaker 2.1.5, an empty provider matches
// only agents without a provider.
struct RscExpression {
  std::string id, rsc_class, provider, type;
};
struct OpExpression {
  std::string id, name;
  std::optional<std::int64_t> interval_ms;  // nullopt = any
};

struct Expression {
  enum class Kind { kAttr, kDate, kRsc, kOp, kRule } kind;
  AttrExpression attr;
  DateExpression date;
  RscExpression rsc;
  OpExpression op;
  std::shared_ptr<Rule> rule;  // nested <rule>
};

struct Rule {
  std::string id;
  std::optional<Score> score;   // "score" attribute (INFINITY etc.)
  std::string score_attribute;  // deprecated "score-attribute"
  std::string role;             // deprecated "role" on location rules
  bool boolean_or = false;      // boolean-op="or"
  std::vector<Expression> expressions;
};

struct RuleInput {
  const AttrMap* node_attrs = nullptr;  // with #uname, #id, #kind, #cluster-name
  std::optional<EpochSeconds> now;
  const std::string* rsc_class = nullptr;
  const std::string* rsc_provider = nullptr;
  const std::string* rsc_type = nullptr;
  const std::string* op_name = nullptr;
  std::optional<std::int64_t> op_interval_ms;
  const AttrMap* rsc_params = nullptr;  // value-source="param"
  const AttrMap* rsc_meta = nullptr;    // value-source="meta"
  // When set, lowered to the earliest time (epoch seconds) at which a date
  // expression evaluated here would change its result (0: none yet), so the
  // scheduler can ask to be run again then. As Pacemaker 2.1.5, date_spec
  // expressions do not report one.
  EpochSeconds* next_change = nullptr;
};

// Parses a <rule> (following id-ref). Errors name the element id.
Result<Rule> parse_rule(const xmlNode* rule, const IdResolver& resolve);
// True when the rule passes. As in Pacemaker 2.1.5 (pe_eval_expr), an empty
// "and" rule passes and an empty "or" rule fails.
bool evaluate(const Rule& rule, const RuleInput& in);

// One <instance_attributes>/<meta_attributes>/<utilization>/<cluster_property_set>.
struct NvSet {
  std::string id;
  Score score;               // precedence; higher first
  std::optional<Rule> rule;  // the set applies only when it passes
  // Document order; pairs lacking a name or a value are dropped, and the
  // special value "#default" is kept as is (apply_nvsets unsets the name).
  std::vector<std::pair<std::string, std::string>> pairs;
  bool has_value_unset = false;  // some pair's value is "#default
};

// All sets named `element` under `parent` (id-ref sets resolved), in document order.
Result<std::vector<NvSet>> parse_nvsets(const xmlNode* parent, const char* element,
                                        const IdResolver& resolve);
// Applies sets Pacemaker 2.1.5's way: sets sorted by score (highest first;
// ties in REVERSE document order, as Pacemaker's prepend-then-stable-sort
// does; `first_id`, compared without case, always first), sets whose rule
// fails are skipped, and a name already in `out` is kept unless `overwrite`
// (so without it the first set to define a name wins, and with it the last
// processed set does). A "#default" value erases the name from `out`.
// `on_change`, when given, sees every change in the order it is made (the
// value null when a name is erased): Pacemaker's hash tables, whose output
// order follows their insertions, need it.
using NvChangeFn = std::function<void(const std::string& name, const std::string* value)>;
void apply_nvsets(const std::vector<NvSet>& sets, const RuleInput& in, AttrMap& out,
                  bool overwrite = false, const std::string& first_id = {},
                  const NvChangeFn& on_change = {});

}  // namespace vigil::rules
