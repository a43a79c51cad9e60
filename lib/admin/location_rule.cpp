// SPDX-License-Identifier: GPL-2.0-or-later
// pcs constraint location RSC rule [options] EXPRESSION: pcs's older rule
// grammar (a Pratt parser: and/or bind 40, comparisons 50, defined and
// not_defined 60, value types 70), the rsc_location it writes and its
// duplicate check. date in_range, date-spec and durations are not done yet
// and fail as unsupported.
#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <regex>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

constexpr std::array kComparisons = {"eq", "ne", "lt", "gt", "lte", "gte"};
constexpr std::array kTypes = {"string", "integer", "number", "version"};

bool one_of(std::string_view s, const auto& list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// A parsed node: a literal (kind empty), or an operator with children.
struct Node {
  std::string kind;   // "" literal, "and", "eq", "defined", "integer" ...
  std::string value;  // literal text
  std::vector<std::unique_ptr<Node>> children;
  std::string label() const { return kind.empty() ? value : kind; }
};

// A syntax error carries pcs's reason (empty: the input ended too early);
// the caller wraps it.
Error SyntaxError(std::string reason) {
  return Error(ErrorCode::kInvalidInput, std::move(reason));
}

class Parser {
 public:
  explicit Parser(std::vector<std::string> tokens) {
    for (auto& t : tokens) {
      // A word after a type keyword is always its value.
      const bool after_type = !symbols_.empty() && one_of(symbols_.back().kind, kTypes);
      if (!after_type && is_symbol(t)) {
        symbols_.push_back({t, ""});
      } else {
        symbols_.push_back({"", t});
      }
    }
    symbols_.push_back({"{end}", ""});
  }

  Result<std::unique_ptr<Node>> parse() {
    if (auto st = advance(); !st) return st.error();
    auto result = expression(0);
    if (!result) return result.error();
    if (current().kind != "{end}") return SyntaxError("unexpected '" + label(current()) + "'");
    const std::string& k = (*result)->kind;
    if (k.empty() || one_of(k, kTypes)) {
      return SyntaxError(
          "missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', 'defined', "
          "'not_defined', 'date-spec'");
    }
    return std::move(*result);
  }

 private:
  struct Symbol {
    std::string kind;  // "" literal, "{end}", or the keyword
    std::string value;
  };
  static bool is_symbol(const std::string& t) {
    return one_of(t, kComparisons) || one_of(t, kTypes) || t == "defined" || t == "not_defined" ||
           t == "and" || t == "or" || t == "(" || t == ")";
  }
  static std::string label(const Symbol& s) {
    if (s.kind == "{end}") return "end";
    return s.kind.empty() ? s.value : s.kind;
  }
  static int binding(const Symbol& s) {
    if (s.kind == "and" || s.kind == "or") return 40;
    if (one_of(s.kind, kComparisons)) return 50;
    if (s.kind == "defined" || s.kind == "not_defined") return 60;
    if (one_of(s.kind, kTypes)) return 70;
    return 0;
  }
  const Symbol& current() const { return symbols_[pos_]; }
  Result<Ok> advance(std::string_view expected = {}) {
    if (!expected.empty() && current().kind != expected) {
      if (current().kind == "{end}") return SyntaxError("missing '" + std::string(expected) + "'");
      return SyntaxError("expecting '" + std::string(expected) + "', got '" + label(current()) +
                         "'");
    }
    if (started_) ++pos_;
    started_ = true;
    if (pos_ >= symbols_.size()) return SyntaxError("");
    return Ok{};
  }

  // What each operator accepts as its children (pcs's allowed_child_ids).
  static bool allowed(const std::string& op, const Node& child, int position) {
    if (op == "and" || op == "or") {
      return one_of(child.kind, kComparisons) || child.kind == "defined" ||
             child.kind == "not_defined" || child.kind == "and" || child.kind == "or";
    }
    if (one_of(op, kComparisons)) {
      return child.kind.empty() || (position == 1 && one_of(child.kind, kTypes));
    }
    return child.kind.empty();  // defined, not_defined
  }

  Result<std::unique_ptr<Node>> null_denotation(const Symbol& s) {
    if (s.kind.empty()) {
      auto n = std::make_unique<Node>();
      n->value = s.value;
      return n;
    }
    if (s.kind == "(") {
      auto inner = expression(0);
      if (!inner) return inner.error();
      if (auto st = advance(")"); !st) return st.error();
      return std::move(*inner);
    }
    const bool prefix = s.kind == "defined" || s.kind == "not_defined";
    const bool type = one_of(s.kind, kTypes);
    if (!prefix && !type) return SyntaxError("unexpected '" + label(s) + "'");
    auto n = std::make_unique<Node>();
    n->kind = s.kind;
    auto child = expression(prefix ? 60 : 70);
    if (!child) return child.error();
    if (!(*child)->kind.empty()) {
      return SyntaxError("unexpected '" + (*child)->label() + "' after '" + s.kind + "'");
    }
    if (type) {
      static const std::regex integer(R"(^[-+]?\d+$)");
      static const std::regex number(R"(^[-+]?(\d+|(\d*\.\d+)|(\d+\.\d*))([eE][+-]?\d+)?$)");
      static const std::regex version(R"(^\d+(\.\d+)*$)");
      const std::string& v = (*child)->value;
      const bool ok = s.kind == "integer"   ? std::regex_search(v, integer)
                      : s.kind == "number"  ? std::regex_search(v, number)
                      : s.kind == "version" ? std::regex_search(v, version)
                                            : true;
      if (!ok) return SyntaxError("invalid " + s.kind + " value '" + v + "'");
    }
    n->children.push_back(std::move(*child));
    return n;
  }

  Result<std::unique_ptr<Node>> expression(int right_binding) {
    Symbol s = current();
    if (auto st = advance(); !st) return st.error();
    auto left = null_denotation(s);
    if (!left) return left.error();
    while (right_binding < binding(current())) {
      Symbol op = current();
      if (auto st = advance(); !st) return st.error();
      if (binding(op) > 50) {  // a prefix or type keyword cannot follow
        return SyntaxError("unexpected '" + op.kind + "' after '" + (*left)->label() + "'");
      }
      if (!allowed(op.kind, **left, 0)) {
        return SyntaxError("unexpected '" + (*left)->label() + "' before '" + op.kind + "'");
      }
      auto right = expression(binding(op));
      if (!right) return right.error();
      if (!allowed(op.kind, **right, 1)) {
        return SyntaxError("unexpected '" + (*right)->label() + "' after '" + op.kind + "'");
      }
      auto n = std::make_unique<Node>();
      n->kind = op.kind;
      n->children.push_back(std::move(*left));
      n->children.push_back(std::move(*right));
      left = std::move(n);
    }
    return left;
  }

  std::vector<Symbol> symbols_;
  std::size_t pos_ = 0;
  bool started_ = false;
};

// pcs's token preprocessing: parentheses are tokens of their own.
std::vector<std::string> split_parentheses(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    std::string part;
    for (char c : w) {
      if (c == '(' || c == ')') {
        if (!part.empty()) out.push_back(part);
        part.clear();
        out.emplace_back(1, c);
      } else {
        part += c;
      }
    }
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

xmlNode* add_with_id(xmlDoc* doc, xmlNode* parent, const char* tag, const std::string& candidate) {
  return append_element(parent, tag, {{"id", unique_id(doc, candidate)}});
}

Result<Ok> build_rule(xmlDoc* doc, xmlNode* rule, const Node& n);

Result<Ok> build_boolean(xmlDoc* doc, xmlNode* rule, const Node& n) {
  xmlSetProp(rule, BAD_CAST "boolean-op", BAD_CAST n.kind.c_str());
  for (const auto& c : n.children) {
    xmlNode* target = rule;
    if ((c->kind == "and" || c->kind == "or") && c->kind != n.kind) {
      target = add_with_id(doc, rule, "rule", xml::attr_or(rule, "id") + "-rule");
    }
    if (auto st = build_rule(doc, target, *c); !st) return st;
  }
  return Ok{};
}

Result<Ok> build_rule(xmlDoc* doc, xmlNode* rule, const Node& n) {
  if (n.kind == "and" || n.kind == "or") return build_boolean(doc, rule, n);
  const std::string expr_id = xml::attr_or(rule, "id") + "-expr";
  if ((n.kind == "gt" || n.kind == "lt") && n.children[0]->value == "date" &&
      n.children[1]->kind.empty()) {
    xmlNode* e = add_with_id(doc, rule, "date_expression", expr_id);
    const std::string& date = n.children[1]->value;
    if (!parse_iso8601(date)) return SyntaxError("'" + date + "' is not an ISO 8601 date");
    xmlSetProp(e, BAD_CAST "operation", BAD_CAST n.kind.c_str());
    xmlSetProp(e, BAD_CAST(n.kind == "gt" ? "start" : "end"), BAD_CAST date.c_str());
    return Ok{};
  }
  xmlNode* e = add_with_id(doc, rule, "expression", expr_id);
  xmlSetProp(e, BAD_CAST "operation", BAD_CAST n.kind.c_str());
  xmlSetProp(e, BAD_CAST "attribute", BAD_CAST n.children[0]->value.c_str());
  if (n.children.size() > 1) {
    const Node* value = n.children[1].get();
    if (!value->kind.empty()) {
      xmlSetProp(e, BAD_CAST "type", BAD_CAST value->kind.c_str());
      value = value->children[0].get();
    }
    xmlSetProp(e, BAD_CAST "value", BAD_CAST value->value.c_str());
  }
  return Ok{};
}

// pcs's ExportAsExpression with normalisation: what makes two rules equal.
std::string rule_key(const xmlNode* rule) {
  std::vector<std::string> parts;
  for (xmlNode* c : xml::children(const_cast<xmlNode*>(rule))) {
    if (xml::is(c, "expression")) {
      if (xml::has_attr(c, "value")) {
        std::string value = xml::attr_or(c, "value");
        if (value.find(' ') != std::string::npos) value = "\"" + value + "\"";
        parts.push_back(xml::attr_or(c, "attribute") + " " + xml::attr_or(c, "operation") + " " +
                        xml::attr_or(c, "type", "string") + " " + value);
      } else {
        parts.push_back(xml::attr_or(c, "operation") + " " + xml::attr_or(c, "attribute"));
      }
    } else if (xml::is(c, "date_expression")) {
      std::string s = "date " + xml::attr_or(c, "operation");
      if (xml::has_attr(c, "start")) s += " " + xml::attr_or(c, "start");
      if (xml::has_attr(c, "end")) s += " " + xml::attr_or(c, "end");
      parts.push_back(s);
    } else if (xml::is(c, "rule")) {
      parts.push_back("(" + rule_key(c) + ")");
    }
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  const std::string op = " " + xml::attr_or(rule, "boolean-op", "or") + " ";
  for (const auto& p : parts) out += (out.empty() ? "" : op) + p;
  return out;
}

// The rules of a location constraint, nested ones included, in document order.
void collect_rules(xmlNode* n, std::vector<std::string>& keys) {
  for (xmlNode* c : xml::children(n, "rule")) {
    keys.push_back(rule_key(c));
    collect_rules(c, keys);
  }
}

// pcs's ExportDetailed, indented, with ids or without.
void detailed(const xmlNode* rule, const std::string& indent, std::string& out, bool ids = true) {
  std::vector<std::pair<std::string, std::string>> attrs;
  for (const xmlAttr* a = rule->properties; a != nullptr; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    if (name != "id") attrs.emplace_back(name, xml::attr_or(rule, name.c_str()));
  }
  std::sort(attrs.begin(), attrs.end());
  std::string line = indent + "Rule:";
  for (const auto& [k, v] : attrs) {
    std::string value = v;
    if (k == "role" && (v == "Master" || v == "master")) value = "Promoted";
    if (k == "role" && (v == "Slave" || v == "slave")) value = "Unpromoted";
    line += " " + k + "=" + value;
  }
  out += "\n" + line + (ids ? " (id:" + xml::attr_or(rule, "id") + ")" : "");
  for (xmlNode* c : xml::children(const_cast<xmlNode*>(rule))) {
    if (xml::is(c, "rule")) {
      detailed(c, indent + "  ", out, ids);
      continue;
    }
    std::string e;
    if (xml::is(c, "expression")) {
      e = xml::has_attr(c, "value")
              ? xml::attr_or(c, "attribute") + " " + xml::attr_or(c, "operation") +
                    (xml::has_attr(c, "type") ? " " + xml::attr_or(c, "type") : "") + " " +
                    xml::attr_or(c, "value")
              : xml::attr_or(c, "operation") + " " + xml::attr_or(c, "attribute");
    } else if (xml::is(c, "date_expression")) {
      e = "date " + xml::attr_or(c, "operation");
      if (xml::has_attr(c, "start")) e += " " + xml::attr_or(c, "start");
      if (xml::has_attr(c, "end")) e += " " + xml::attr_or(c, "end");
    } else {
      continue;
    }
    out +=
        "\n" + indent + "  Expression: " + e + (ids ? " (id:" + xml::attr_or(c, "id") + ")" : "");
  }
}

}  // namespace

std::optional<std::string> location_rule_listing(const xmlNode* loc) {
  for (const xmlAttr* a = loc->properties; a != nullptr; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    if (name != "id" && name != "rsc" && name != "resource-discovery") return std::nullopt;
  }
  std::string out = "    Constraint: " + xml::attr_or(loc, "id");
  if (xml::has_attr(loc, "resource-discovery"))
    out += " (resource-discovery=" + xml::attr_or(loc, "resource-discovery") + ")";
  for (xmlNode* c : xml::children(const_cast<xmlNode*>(loc))) {
    // pcs hides expired rules: dates are not evaluated here yet.
    if (!xml::is(c, "rule") || xmlStrstr(BAD_CAST xml::to_string(c, false).c_str(),
                                         BAD_CAST "<date_expression") != nullptr)
      return std::nullopt;
    detailed(c, "      ", out, false);
  }
  return out + "\n";
}

Status location_rule(Context& ctx, std::string rsc, std::vector<std::string> words) {
  if (rsc.rfind("regexp%", 0) == 0) {
    return Error(ErrorCode::kUnsupported,
                 "regexp% resource patterns are not supported by vigil yet");
  }
  if (rsc.rfind("resource%", 0) == 0) rsc = rsc.substr(9);
  // Leading name=value options (pcs stops at the first word that is not one).
  std::string rule_id, role, score, score_attribute, constraint_id, discovery;
  bool have_discovery = false;
  while (!words.empty()) {
    const std::string& w = words.front();
    auto take = [&](const char* name, std::string& into) {
      const std::string prefix = std::string(name) + "=";
      if (w.rfind(prefix, 0) != 0) return false;
      into = w.substr(prefix.size());
      return true;
    };
    if (!take("id", rule_id) && !take("role", role) && !take("score", score) &&
        !take("score-attribute", score_attribute) && !take("constraint-id", constraint_id)) {
      if (!take("resource-discovery", discovery)) break;
      have_discovery = true;
    }
    words.erase(words.begin());
  }
  if (auto st = check_location_resource(ctx.doc, rsc); !st) return st;
  if (!constraint_id.empty()) {
    if (auto p = id_problem(constraint_id, "constraint id"); !p.empty()) return invalid(p);
    if (find_by_id(ctx.doc, constraint_id) != nullptr) {
      return invalid("id '" + constraint_id + "' is already in use, please specify another one");
    }
  }
  if (!score.empty() && !score_attribute.empty())
    return invalid("can not specify both score and score-attribute");
  if (!score.empty() && !is_score(score)) return invalid("invalid score'" + score + "'");
  if (!role.empty()) {
    std::string r = role;
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!r.empty()) r[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
    if (r == "Master" || r == "Slave") {
      ctx.notes.push_back("Deprecation Warning: Role value '" + role +
                          "' is deprecated and should not be used, use '" +
                          (r == "Master" ? "Promoted" : "Unpromoted") + "' instead");
    }
    if (r != "Promoted" && r != "Master" && r != "Unpromoted" && r != "Slave") {
      return invalid("invalid role '" + role +
                     "', use 'Master', 'Promoted', 'Slave' or 'Unpromoted'");
    }
    role = role_for_cib(ctx.doc, r);
  }
  if (!rule_id.empty()) {
    if (auto p = id_problem(rule_id, "rule id"); !p.empty()) return invalid(p);
    if (find_by_id(ctx.doc, rule_id) != nullptr)
      return invalid("id '" + rule_id + "' is already in use, please specify another one");
  }
  if (words.empty()) return invalid("no rule expression was specified");
  std::string joined;
  for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
  for (const auto& w : words) {
    if (w == "in_range" || w == "date-spec" || w == "duration" || w == "to") {
      return Error(ErrorCode::kUnsupported,
                   "rule expressions with '" + w + "' are not supported by vigil yet");
    }
    if ((w == "integer") && schema_version(ctx.doc) < 305) {
      return Error(ErrorCode::kUnsupported,
                   "'integer' rule expressions need a CIB schema upgrade (pacemaker-3.5), which "
                   "vigil does not do yet");
    }
  }
  auto tree = Parser(split_parentheses(words)).parse();
  if (!tree) {
    const std::string& reason = tree.error().message();
    return invalid("'" + joined + "' is not a valid rule expression: " +
                   (reason.empty() ? "unexpected end of rule" : reason));
  }

  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  std::vector<std::pair<std::string, std::string>> attrs;
  if (have_discovery && !discovery.empty()) attrs.emplace_back("resource-discovery", discovery);
  attrs.emplace_back("id", constraint_id.empty()
                               ? unique_id(ctx.doc, sanitize_id("location-" + rsc))
                               : constraint_id);
  attrs.emplace_back("rsc", rsc);
  xmlNode* loc = append_element(cons, "rsc_location", attrs);
  xmlNode* rule = add_with_id(ctx.doc, loc, "rule",
                              rule_id.empty() ? xml::attr_or(loc, "id") + "-rule" : rule_id);
  if (auto st = build_rule(ctx.doc, rule, **tree); !st) {
    remove_node(loc);  // leave the document as it was
    return invalid("'" + joined + "' is not a valid rule expression: " + st.error().message());
  }
  if (!role.empty()) xmlSetProp(rule, BAD_CAST "role", BAD_CAST role.c_str());
  if (score.empty() && score_attribute.empty()) score = "INFINITY";
  if (!score.empty()) xmlSetProp(rule, BAD_CAST "score", BAD_CAST score.c_str());
  if (!score_attribute.empty())
    xmlSetProp(rule, BAD_CAST "score-attribute", BAD_CAST score_attribute.c_str());
  // Nested rules need a score to be valid; Pacemaker ignores it.
  std::vector<xmlNode*> nested = xml::children(rule, "rule");
  for (std::size_t i = 0; i < nested.size(); ++i) {
    xmlSetProp(nested[i], BAD_CAST "score", BAD_CAST "0");
    for (xmlNode* deeper : xml::children(nested[i], "rule")) nested.push_back(deeper);
  }

  // The same resource with the same rules (scores and roles aside) exists.
  if (!ctx.flags.force) {
    std::vector<std::string> mine;
    collect_rules(loc, mine);
    std::string dups;
    for (xmlNode* other : xml::children(cons, "rsc_location")) {
      if (other == loc || xml::children(other, "rule").empty() ||
          xml::has_attr(other, "rsc-pattern") || xml::attr_or(other, "rsc") != rsc)
        continue;
      std::vector<std::string> theirs;
      collect_rules(other, theirs);
      if (theirs != mine) continue;
      dups += "\n  Constraint: " + xml::attr_or(other, "id");
      for (xmlNode* r : xml::children(other, "rule")) detailed(r, "    ", dups);
    }
    if (!dups.empty()) {
      remove_node(loc);
      return invalid("duplicate constraint already exists, use --force to override" + dups);
    }
  }
  ctx.changed = true;
  return ok_status();
}

}  // namespace vigil::admin
