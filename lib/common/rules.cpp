// SPDX-License-Identifier: GPL-2.0-or-later
// Pacemaker rules and nvsets with the semantics of Pacemaker 2.1.5
// (lib/pengine/rules.c). The XML is read once into plain values; evaluation
// never touches XML. Where Pacemaker silently treats a malformed element as
// "never passes" (unknown operation, unparsable date, dangling id-ref, ...),
// parsing here fails with an error naming the element instead.
#include "vigil/common/rules.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string_view>

#include "vigil/common/xml.hpp"

namespace vigil::rules {
namespace {

// Guards against id-ref loops and absurd nesting.
constexpr int kMaxDepth = 32;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}

char lower_char(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower_char);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_char(x) == lower_char(y);
         });
}

bool is_default_marker(std::string_view value) {
  return iequals(value, "#default");
}

// "expression 'e1'" (or "expression without id") for messages.
std::string describe(const xmlNode* n) {
  std::string what(xml::name(n));
  const auto id = xml::attr(n, "id");
  return id ? what + " '" + *id + "'" : what + " without id";
}

// Follows an id-ref to the element it names, which must have the same tag.
Result<const xmlNode*> follow_ref(const xmlNode* n, const IdResolver& resolve) {
  const auto ref = xml::attr(n, "id-ref");
  if (!ref) return n;
  const std::string tag(xml::name(n));
  const xmlNode* target = resolve ? resolve(*ref) : nullptr;
  if (target == nullptr) return invalid(tag + " id-ref '" + *ref + "': no element with that id");
  if (xml::name(target) != tag) {
    return invalid(tag + " id-ref '" + *ref + "': refers to a " + std::string(xml::name(target)) +
                   ", not a " + tag);
  }
  return target;
}

// Leading integer the way strtoll reads it (space, sign, digits, rest ignored).
std::optional<long long> scan_integer(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || errno != 0) return std::nullopt;
  return v;
}

std::optional<double> scan_number(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || errno != 0) return std::nullopt;
  return v;
}

// A whole string of optional sign and digits.
std::optional<long long> strict_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  for (std::size_t j = i; j < text.size(); ++j) {
    if (text[j] < '0' || text[j] > '9') return std::nullopt;
  }
  return scan_integer(std::string(text));
}

int sign_of(long long d) {
  return (d > 0) - (d < 0);
}

int compare_nocase(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const int d =
        static_cast<unsigned char>(lower_char(a[i])) - static_cast<unsigned char>(lower_char(b[i]));
    if (d != 0) return sign_of(d);
  }
  return sign_of(static_cast<long long>(a.size()) - static_cast<long long>(b.size()));
}

// Dotted versions compared component by component; missing components are 0
// ("1.0" == "1"), and a component's non-numeric tail is ignored.
int compare_versions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) -> long long {
    long long v = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (v < LLONG_MAX / 10) v = v * 10 + (s[i] - '0');  // saturates
    }
    const std::size_t dot = s.find('.', i);
    s = (dot == std::string_view::npos) ? std::string_view() : s.substr(dot + 1);
    return v;
  };
  while (!a.empty() || !b.empty()) {
    const long long x = a.empty() ? 0 : next(a);
    const long long y = b.empty() ? 0 : next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// compare_attr_expr_vals(): an unset value sorts before any set value. With no
// type, lt/lte/gt/gte compare as "number" when either side has a '.', else as
// "integer"; eq/ne compare as strings. Numeric parse failures fall back to a
// case-insensitive string comparison.
int compare_values(const std::string* l, const std::string* r, const std::string& type,
                   const std::string& op) {
  if (l == nullptr || r == nullptr) return (l == nullptr) == (r == nullptr) ? 0 : (l ? 1 : -1);
  std::string t = type;
  if (t.empty()) {
    if (op == "lt" || op == "lte" || op == "gt" || op == "gte") {
      const bool dot = l->find('.') != std::string::npos || r->find('.') != std::string::npos;
      t = dot ? "number" : "integer";
    } else {
      t = "string";
    }
  }
  if (t == "integer") {
    const auto x = scan_integer(*l), y = scan_integer(*r);
    if (x && y) return *x < *y ? -1 : (*x > *y ? 1 : 0);
  } else if (t == "number") {
    const auto x = scan_number(*l), y = scan_number(*r);
    if (x && y) return *x < *y ? -1 : (*x > *y ? 1 : 0);
  } else if (t == "version") {
    return compare_versions(*l, *r);
  }
  return compare_nocase(*l, *r);
}

bool accept_values(const std::string* l, const std::string* r, const std::string& type,
                   const std::string& op) {
  if (op == "defined") return l != nullptr;
  if (op == "not_defined") return l == nullptr;
  const int cmp = compare_values(l, r, type, op);
  if (op == "eq") return cmp == 0;
  if (op == "ne") return cmp != 0;
  if (l == nullptr || r == nullptr) return false;
  if (op == "lt") return cmp < 0;
  if (op == "lte") return cmp <= 0;
  if (op == "gt") return cmp > 0;
  if (op == "gte") return cmp >= 0;
  return false;
}

const std::string* lookup(const AttrMap* map, std::string_view key) {
  if (map == nullptr) return nullptr;
  const auto it = map->find(key);
  return it == map->end() ? nullptr : &it->second;
}

bool evaluate_attr(const AttrExpression& e, const RuleInput& in) {
  // Node attribute expressions never pass without a node to look at.
  if (in.node_attrs == nullptr) return false;
  // #role is a resource role, not a node attribute; Pacemaker fails role
  // expressions when no role is known, so do the same unless one is supplied.
  if (e.attribute == "#role" && lookup(in.node_attrs, "#role") == nullptr) return false;
  const std::string* left = lookup(in.node_attrs, e.attribute);
  const std::string* right = nullptr;
  if (e.value.empty()) {
    right = nullptr;  // an empty value counts as no value
  } else if (e.value_source == "param") {
    right = lookup(in.rsc_params, e.value);
  } else if (e.value_source == "meta") {
    right = lookup(in.rsc_meta, e.value);
  } else {
    right = &e.value;
  }
  return accept_values(left, right, e.type, e.operation);
}

int calendar_value(const CalendarFields& f, const std::string& field) {
  if (field == "years") return f.year;
  if (field == "months") return f.month;
  if (field == "monthdays") return f.monthday;
  if (field == "hours") return f.hour;
  if (field == "minutes") return f.minute;
  if (field == "seconds") return f.second;
  if (field == "yeardays") return f.yearday;
  if (field == "weekdays") return f.weekday;
  if (field == "weekyears") return f.weekyear;
  return f.week;  // "weeks"
}

void note_change(const RuleInput& in, EpochSeconds when) {
  if (in.next_change && (*in.next_change == 0 || when < *in.next_change)) *in.next_change = when;
}

bool evaluate_date(const DateExpression& e, const RuleInput& in) {
  if (!in.now) return false;
  const EpochSeconds now = *in.now;
  std::optional<EpochSeconds> end = e.end;
  if (!end && e.start && e.duration) end = add_duration(*e.start, *e.duration);

  if (e.operation == "in_range") {  // both ends inclusive
    if (!e.start && !end) return false;
    if (e.start && now < *e.start) {
      note_change(in, *e.start);
      return false;
    }
    if (end && now > *end) return false;
    if (end) note_change(in, *end + 1);  // still true during the end second
    return true;
  }
  if (e.operation == "gt") {
    if (!e.start) return false;
    if (now > *e.start) return true;
    note_change(in, *e.start + 1);
    return false;
  }
  if (e.operation == "lt") {
    if (!end || now >= *end) return false;
    note_change(in, *end);
    return true;
  }
  if (e.operation == "date_spec" && e.spec) {
    const CalendarFields f = calendar_fields(now);
    for (const auto& [field, ranges] : e.spec->fields) {
      // "moon" (deprecated phase of the moon, 0-7) is accepted but ignored:
      // it never restricts the match.
      if (field == "moon" || ranges.empty()) continue;
      const int v = calendar_value(f, field);
      const bool hit = std::any_of(ranges.begin(), ranges.end(),
                                   [v](const auto& r) { return v >= r.first && v <= r.second; });
      if (!hit) return false;
    }
    return true;
  }
  return false;
}

std::string_view text_or_empty(const std::string* s) {
  return s ? std::string_view(*s) : "";
}

bool evaluate_rsc(const RscExpression& e, const RuleInput& in) {
  if (in.rsc_class == nullptr && in.rsc_type == nullptr) return false;  // no resource
  if (!e.rsc_class.empty() && e.rsc_class != text_or_empty(in.rsc_class)) return false;
  // Pacemaker 2.1.5 compares the provider even when the expression has none,
  // so a provider-less expression matches only provider-less agents.
  if (e.provider != text_or_empty(in.rsc_provider)) return false;
  if (!e.type.empty() && e.type != text_or_empty(in.rsc_type)) return false;
  return true;
}

bool evaluate_op(const OpExpression& e, const RuleInput& in) {
  if (in.op_name == nullptr) return false;
  if (e.interval_ms && *e.interval_ms != in.op_interval_ms.value_or(0)) return false;
  return e.name == *in.op_name;
}

bool evaluate_expression(const Expression& e, const RuleInput& in) {
  switch (e.kind) {
    case Expression::Kind::kAttr:
      return evaluate_attr(e.attr, in);
    case Expression::Kind::kDate:
      return evaluate_date(e.date, in);
    case Expression::Kind::kRsc:
      return evaluate_rsc(e.rsc, in);
    case Expression::Kind::kOp:
      return evaluate_op(e.op, in);
    case Expression::Kind::kRule:
      return e.rule && evaluate(*e.rule, in);
  }
  return false;
}

// ---- parsing ----

constexpr std::string_view kAttrOps[] = {"lt", "gt", "lte",     "gte",
                                         "eq", "ne", "defined", "not_defined"};
constexpr std::string_view kTypes[] = {"string", "integer", "number", "version"};
constexpr std::string_view kValueSources[] = {"literal", "param", "meta"};
constexpr std::string_view kDateOps[] = {"in_range", "gt", "lt", "date_spec"};
constexpr std::string_view kSpecFields[] = {"years",     "months",  "monthdays", "hours",
                                            "minutes",   "seconds", "yeardays",  "weekdays",
                                            "weekyears", "weeks",   "moon"};

template <std::size_t N>
bool one_of(std::string_view v, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), v) != std::end(set);
}

// "1-5", "9", "5-" (open end), "-5" (open start), as pcmk__parse_ll_range.
std::optional<std::pair<int, int>> parse_range(std::string_view s) {
  auto clamp = [](long long v) {
    return static_cast<int>(std::clamp<long long>(v, INT_MIN + 1LL, INT_MAX - 1LL));
  };
  if (s.empty() || s == "-") return std::nullopt;
  if (s.front() == '-') {
    const auto hi = strict_integer(s.substr(1));
    if (!hi || s[1] == '-' || s[1] == '+') return std::nullopt;
    return std::pair{INT_MIN, clamp(*hi)};
  }
  const std::size_t dash = s.find('-');
  const auto lo = strict_integer(s.substr(0, dash));
  if (!lo) return std::nullopt;
  if (dash == std::string_view::npos) return std::pair{clamp(*lo), clamp(*lo)};
  if (dash + 1 == s.size()) return std::pair{clamp(*lo), INT_MAX};
  const std::string_view rest = s.substr(dash + 1);
  const auto hi = strict_integer(rest);
  if (!hi || rest.front() == '-' || rest.front() == '+') return std::nullopt;
  return std::pair{clamp(*lo), clamp(*hi)};
}

class Parser {
 public:
  explicit Parser(const IdResolver& resolve) : resolve_(resolve) {}

  Result<Rule> rule(const xmlNode* node, int depth) {
    if (depth > kMaxDepth)
      return invalid(describe(node) + ": rules nested too deeply (id-ref loop?)");
    auto target = follow_ref(node, resolve_);
    if (!target) return target.error();
    const xmlNode* n = *target;
    Rule r;
    r.id = xml::attr_or(n, "id");
    const std::string where = describe(n);
    if (const auto score = xml::attr(n, "score")) {
      r.score = parse_score(*score);
      if (!r.score) return invalid(where + ": invalid score '" + *score + "'");
    }
    r.score_attribute = xml::attr_or(n, "score-attribute");
    r.role = xml::attr_or(n, "role");
    const std::string op = lower(xml::attr_or(n, "boolean-op", "and"));
    if (op != "and" && op != "or") return invalid(where + ": unknown boolean-op '" + op + "'");
    r.boolean_or = (op == "or");
    for (const xmlNode* child : xml::children(n)) {
      auto e = expression(child, depth + 1);
      if (!e) return e.error().with_context(where);
      r.expressions.push_back(std::move(*e));
    }
    return r;
  }

 private:
  Result<Expression> expression(const xmlNode* node, int depth) {
    Expression e{};
    if (xml::is(node, "rule")) {
      auto nested = rule(node, depth);
      if (!nested) return nested.error();
      e.kind = Expression::Kind::kRule;
      e.rule = std::make_shared<Rule>(std::move(*nested));
      return e;
    }
    auto target = follow_ref(node, resolve_);
    if (!target) return target.error();
    const xmlNode* n = *target;
    Status st = ok_status();
    if (xml::is(n, "expression")) {
      e.kind = Expression::Kind::kAttr;
      st = attr_expression(n, e.attr);
    } else if (xml::is(n, "date_expression")) {
      e.kind = Expression::Kind::kDate;
      st = date_expression(n, e.date);
    } else if (xml::is(n, "rsc_expression")) {
      e.kind = Expression::Kind::kRsc;
      e.rsc = {xml::attr_or(n, "id"), xml::attr_or(n, "class"), xml::attr_or(n, "provider"),
               xml::attr_or(n, "type")};
    } else if (xml::is(n, "op_expression")) {
      e.kind = Expression::Kind::kOp;
      st = op_expression(n, e.op);
    } else {
      return invalid("unsupported element <" + std::string(xml::name(n)) + "> in a rule");
    }
    if (!st) return st.error();
    return e;
  }

  Status attr_expression(const xmlNode* n, AttrExpression& out) {
    const std::string where = describe(n);
    out.id = xml::attr_or(n, "id");
    const auto attribute = xml::attr(n, "attribute");
    if (!attribute || attribute->empty()) return invalid(where + ": no attribute given");
    out.attribute = *attribute;
    out.operation = lower(xml::attr_or(n, "operation"));
    if (!one_of(out.operation, kAttrOps)) {
      return invalid(where + ": unknown operation '" + xml::attr_or(n, "operation") + "'");
    }
    out.type = lower(xml::attr_or(n, "type"));
    if (!out.type.empty() && !one_of(out.type, kTypes)) {
      return invalid(where + ": unknown type '" + out.type + "'");
    }
    out.value_source = lower(xml::attr_or(n, "value-source", "literal"));
    if (!one_of(out.value_source, kValueSources)) {
      return invalid(where + ": unknown value-source '" + out.value_source + "'");
    }
    out.value = xml::attr_or(n, "value");
    return ok_status();
  }

  Status date_expression(const xmlNode* n, DateExpression& out) {
    const std::string where = describe(n);
    out.id = xml::attr_or(n, "id");
    out.operation = lower(xml::attr_or(n, "operation", "in_range"));
    if (!one_of(out.operation, kDateOps)) {
      return invalid(where + ": unknown operation '" + out.operation + "'");
    }
    for (const char* bound : {"start", "end"}) {
      const auto text = xml::attr(n, bound);
      if (!text) continue;
      const auto when = parse_iso8601(*text);
      if (!when) return invalid(where + ": invalid " + bound + " date '" + *text + "'");
      (std::string_view(bound) == "start" ? out.start : out.end) = when;
    }
    if (const xmlNode* d = xml::first_child(n, "duration")) {
      auto target = follow_ref(d, resolve_);
      if (!target) return target.error().with_context(where);
      auto duration = parse_duration(*target);
      if (!duration) return duration.error().with_context(where);
      out.duration = *duration;
    }
    if (const xmlNode* s = xml::first_child(n, "date_spec")) {
      auto target = follow_ref(s, resolve_);
      if (!target) return target.error().with_context(where);
      auto spec = parse_spec(*target);
      if (!spec) return spec.error().with_context(where);
      out.spec = std::move(*spec);
    }
    const bool has_end = out.end || (out.start && out.duration);
    if (out.operation == "in_range" && !out.start && !out.end) {
      return invalid(where + ": in_range needs start or end");
    }
    if (out.operation == "gt" && !out.start) return invalid(where + ": gt needs start");
    if (out.operation == "lt" && !has_end) return invalid(where + ": lt needs end");
    if (out.operation == "date_spec" && !out.spec) {
      return invalid(where + ": date_spec operation without <date_spec>");
    }
    return ok_status();
  }

  // <duration years= months= weeks= days= hours= minutes= seconds=>
  static Result<IsoDuration> parse_duration(const xmlNode* n) {
    IsoDuration d;
    std::int64_t days = 0;
    for (const char* field : {"years", "months", "weeks", "days", "hours", "minutes", "seconds"}) {
      const auto text = xml::attr(n, field);
      if (!text) continue;
      const auto v = strict_integer(*text);
      if (!v || *v < INT_MIN || *v > INT_MAX) {
        return invalid(describe(n) + ": invalid " + field + " '" + *text + "'");
      }
      const std::string_view f(field);
      if (f == "years") d.years = static_cast<int>(*v);
      if (f == "months") d.months = static_cast<int>(*v);
      if (f == "weeks") days += *v * 7;
      if (f == "days") days += *v;
      if (f == "hours") d.seconds += *v * 3600;
      if (f == "minutes") d.seconds += *v * 60;
      if (f == "seconds") d.seconds += *v;
    }
    if (days < INT_MIN || days > INT_MAX) return invalid(describe(n) + ": duration too long");
    d.days = static_cast<int>(days);
    return d;
  }

  static Result<DateSpec> parse_spec(const xmlNode* n) {
    DateSpec spec;
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      const std::string field(reinterpret_cast<const char*>(a->name));
      if (field == "id") continue;
      if (!one_of(field, kSpecFields)) {
        return invalid(describe(n) + ": unknown field '" + field + "'");
      }
      const std::string text = xml::attr_or(n, field.c_str());
      const auto range = parse_range(text);
      if (!range) return invalid(describe(n) + ": invalid " + field + " range '" + text + "'");
      spec.fields[field].push_back(*range);
    }
    return spec;
  }

  static Status op_expression(const xmlNode* n, OpExpression& out) {
    const std::string where = describe(n);
    out.id = xml::attr_or(n, "id");
    const auto name = xml::attr(n, "name");
    if (!name || name->empty()) return invalid(where + ": no name given");
    out.name = *name;
    if (const auto interval = xml::attr(n, "interval")) {
      out.interval_ms = parse_interval_ms(*interval);
      if (!out.interval_ms) return invalid(where + ": invalid interval '" + *interval + "'");
    }
    return ok_status();
  }

  const IdResolver& resolve_;
};

Result<NvSet> parse_nvset(const xmlNode* node, const IdResolver& resolve) {
  auto target = follow_ref(node, resolve);
  if (!target) return target.error();
  const xmlNode* n = *target;
  const std::string where = describe(n);
  NvSet set;
  set.id = xml::attr_or(n, "id");
  if (const auto score = xml::attr(n, "score")) {
    const auto parsed = parse_score(*score);
    if (!parsed) return invalid(where + ": invalid score '" + *score + "'");
    set.score = *parsed;
  }

  // Only one top-level rule is allowed by the schema; Pacemaker applies the
  // set when any of several passes, which an "or" of nested rules reproduces.
  std::vector<Rule> rules;
  Parser parser(resolve);
  for (const xmlNode* r : xml::children(n, "rule")) {
    auto rule = parser.rule(r, 0);
    if (!rule) return rule.error().with_context(where);
    rules.push_back(std::move(*rule));
  }
  if (rules.size() == 1) {
    set.rule = std::move(rules.front());
  } else if (rules.size() > 1) {
    Rule any;
    any.id = set.id;
    any.boolean_or = true;
    for (Rule& r : rules) {
      Expression e{};
      e.kind = Expression::Kind::kRule;
      e.rule = std::make_shared<Rule>(std::move(r));
      any.expressions.push_back(std::move(e));
    }
    set.rule = std::move(any);
  }

  // Very old CIBs wrap the nvpairs in an <attributes> element.
  const std::vector<xmlNode*> kids = xml::children(n);
  const xmlNode* list = (!kids.empty() && xml::is(kids.front(), "attributes")) ? kids.front() : n;
  for (const xmlNode* pair : xml::children(list, "nvpair")) {
    auto resolved = follow_ref(pair, resolve);
    if (!resolved) return resolved.error().with_context(where);
    auto name = xml::attr(pair, "name");
    if (!name) name = xml::attr(*resolved, "name");
    auto value = xml::attr(pair, "value");
    if (!value) value = xml::attr(*resolved, "value");
    if (!name || !value) continue;  // Pacemaker skips a pair without name or value
    if (is_default_marker(*value)) set.has_value_unset = true;
    set.pairs.emplace_back(std::move(*name), std::move(*value));
  }
  return set;
}

}  // namespace

Result<Rule> parse_rule(const xmlNode* rule, const IdResolver& resolve) {
  if (!xml::is(rule, "rule")) return invalid("expected a <rule> element");
  return Parser(resolve).rule(rule, 0);
}

bool evaluate(const Rule& rule, const RuleInput& in) {
  // pe_eval_expr(): "and" starts true and "or" starts false, so an empty "and"
  // rule passes and an empty "or" rule fails.
  for (const Expression& e : rule.expressions) {
    const bool passed = evaluate_expression(e, in);
    if (rule.boolean_or && passed) return true;
    if (!rule.boolean_or && !passed) return false;
  }
  return !rule.boolean_or;
}

Result<std::vector<NvSet>> parse_nvsets(const xmlNode* parent, const char* element,
                                        const IdResolver& resolve) {
  std::vector<NvSet> sets;
  if (parent == nullptr) return sets;
  for (const xmlNode* child : xml::children(parent, element)) {
    auto set = parse_nvset(child, resolve);
    if (!set) return set.error();
    sets.push_back(std::move(*set));
  }
  return sets;
}

void apply_nvsets(const std::vector<NvSet>& sets, const RuleInput& in, AttrMap& out, bool overwrite,
                  const std::string& first_id, const NvChangeFn& on_change) {
  // Pacemaker 2.1.5 prepends each set to a list and then stable-sorts it, so
  // sets of equal score are processed in reverse document order. The set
  // named `first_id` (compared without case) always comes first.
  std::vector<const NvSet*> order;
  for (auto it = sets.rbegin(); it != sets.rend(); ++it) order.push_back(&*it);
  auto is_first = [&](const NvSet* s) { return !first_id.empty() && iequals(s->id, first_id); };
  std::stable_sort(order.begin(), order.end(), [&](const NvSet* a, const NvSet* b) {
    if (is_first(a) != is_first(b)) return is_first(a);
    return a->score > b->score;
  });

  for (const NvSet* set : order) {
    if (set->rule && !evaluate(*set->rule, in)) continue;
    for (const auto& [name, value] : set->pairs) {
      const auto it = out.find(name);
      if (is_default_marker(value)) {
        // "#default" unsets whatever was set before, even by a set with
        // higher precedence, and even when not overwriting.
        if (it != out.end()) {
          out.erase(it);
          if (on_change) on_change(name, nullptr);
        }
      } else if (it == out.end()) {
        out.emplace(name, value);
        if (on_change) on_change(name, &value);
      } else if (overwrite) {
        it->second = value;
        if (on_change) on_change(name, &value);
      }
    }
  }
}

}  // namespace vigil::rules
