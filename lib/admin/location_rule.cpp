// SPDX-License-Identifier: GPL-2.0-or-later
// pcs constraint location RSC rule [options] EXPRESSION: pcs's older rule
// grammar (a Pratt parser: and/or bind 40, comparisons and the ternary
// "in_range ... to" 50, defined and not_defined 60, value types, date-spec
// and duration 70), the rsc_location it writes and its duplicate check.
#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <regex>

#include "constraint_common.hpp"
#include "pcs_usage.hpp"
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
// Keywords whose value is a group of name=value words (joined into one).
constexpr std::array kDateGroups = {"date-spec", "duration"};
constexpr std::array kDateParts = {"hours", "monthdays", "weekdays",  "yeardays", "months",
                                   "weeks", "years",     "weekyears", "moon"};

bool one_of(std::string_view s, const auto& list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// A parsed node: a literal (kind empty), or an operator with children.
struct Node {
  std::string kind;   // "" literal, "and", "eq", "defined", "integer" ...
  std::string value;  // literal text
  std::vector<std::pair<std::string, std::string>> parts;  // date-spec, duration
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
      const bool after_type = !symbols_.empty() && (one_of(symbols_.back().kind, kTypes) ||
                                                    one_of(symbols_.back().kind, kDateGroups));
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
    if (k.empty() || one_of(k, kTypes) || k == "duration") {
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
           t == "and" || t == "or" || t == "(" || t == ")" || t == "in_range" || t == "to" ||
           one_of(t, kDateGroups);
  }
  static std::string label(const Symbol& s) {
    if (s.kind == "{end}") return "end";
    return s.kind.empty() ? s.value : s.kind;
  }
  static int binding(const Symbol& s) {
    if (s.kind == "and" || s.kind == "or") return 40;
    if (one_of(s.kind, kComparisons) || s.kind == "in_range") return 50;
    if (s.kind == "defined" || s.kind == "not_defined") return 60;
    if (one_of(s.kind, kTypes) || one_of(s.kind, kDateGroups)) return 70;
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
             child.kind == "not_defined" || child.kind == "and" || child.kind == "or" ||
             child.kind == "in_range" || child.kind == "date-spec";
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
    if (one_of(s.kind, kDateGroups)) return date_group(s);
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
      if (op.kind == "in_range") {
        auto ternary = in_range(std::move(*left));
        if (!ternary) return ternary.error();
        left = std::move(*ternary);
        continue;
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

  // "date-spec|duration NAME=VALUE...": the words come joined as one value.
  Result<std::unique_ptr<Node>> date_group(const Symbol& s) {
    auto child = expression(70);
    if (!child) return child.error();
    if (!(*child)->kind.empty()) {
      return SyntaxError("unexpected '" + (*child)->label() + "' after '" + s.kind + "'");
    }
    auto n = std::make_unique<Node>();
    n->kind = s.kind;
    const std::string& text = (*child)->value;
    for (std::size_t start = 0; start < text.size();) {
      auto end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string part = text.substr(start, end - start);
      start = end + 1;
      if (part.empty()) continue;
      const auto eq = part.find('=');
      const std::string name = part.substr(0, eq);
      if (!one_of(name, kDateParts)) {
        return SyntaxError("unexpected '" + part + "' in " + s.kind);
      }
      if (eq == std::string::npos) {
        return SyntaxError("missing =value after '" + part + "' in " + s.kind);
      }
      if (eq + 1 == part.size()) {
        return SyntaxError("missing value after '" + part + "' in " + s.kind);
      }
      const std::string value = part.substr(eq + 1);
      auto same = std::find_if(n->parts.begin(), n->parts.end(),
                               [&](const auto& p) { return p.first == name; });
      if (same != n->parts.end()) {
        same->second = value;
      } else {
        n->parts.emplace_back(name, value);
      }
    }
    if (n->parts.empty()) {
      std::string names;
      for (const char* p : kDateParts) names += std::string(names.empty() ? "" : "', '") + p + "=";
      return SyntaxError("missing one of '" + names + "' in " + s.kind);
    }
    for (const auto& [name, value] : n->parts) {
      if (!(s.kind == "duration" ? valid_duration_part(value)
                                 : valid_date_spec_part(name, value))) {
        return SyntaxError("invalid " + name + " '" + value + "' in '" + s.kind + "'");
      }
    }
    n->children.push_back(std::move(*child));
    return n;
  }

  static bool valid_duration_part(const std::string& v) {
    return !v.empty() &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  // "N" or "N-M" (N < M), each within the field's range.
  static bool valid_date_spec_part(const std::string& name, const std::string& value) {
    static const std::regex range(R"(^(\d+)(-(\d+))?$)");
    std::smatch m;
    if (!std::regex_match(value, m, range)) return false;
    static const std::map<std::string, std::pair<long, long>> kLimits = {
        {"hours", {0, 23}},  {"monthdays", {0, 31}}, {"weekdays", {1, 7}},   {"yeardays", {1, 366}},
        {"months", {1, 12}}, {"weeks", {1, 53}},     {"weekyears", {1, 53}}, {"moon", {0, 7}}};
    const auto limit = kLimits.find(name);
    const std::string since = m[1].str().substr(0, 18);
    const long from = std::stol(since);
    if (limit != kLimits.end() && (from < limit->second.first || from > limit->second.second))
      return false;
    if (m[3].matched) {
      const long until = std::stol(m[3].str().substr(0, 18));
      if (from >= until) return false;
    }
    return true;
  }

  // "date in_range START to END|duration ...", entered after "in_range".
  Result<std::unique_ptr<Node>> in_range(std::unique_ptr<Node> left) {
    if (!left->kind.empty() || left->value != "date") {
      return SyntaxError("unexpected '" + left->label() + "' before 'in_range'");
    }
    auto start = expression(50);
    if (!start) return start.error();
    if (!(*start)->kind.empty()) {
      return SyntaxError("unexpected '" + (*start)->label() + "' after 'in_range'");
    }
    if (auto st = advance("to"); !st) return st.error();
    auto end = expression(50);
    if (!end) return end.error();
    if (!(*end)->kind.empty() && (*end)->kind != "duration") {
      return SyntaxError("unexpected '" + (*end)->label() + "' after 'in_range ... to'");
    }
    for (const Node* d : {start->get(), end->get()}) {
      if (d->kind.empty() && !parse_iso8601(d->value)) {
        return SyntaxError("invalid date '" + d->value + "' in 'in_range ... to'");
      }
    }
    auto n = std::make_unique<Node>();
    n->kind = "in_range";
    n->children.push_back(std::move(left));
    n->children.push_back(std::move(*start));
    n->children.push_back(std::move(*end));
    return n;
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

// pcs joins the name=value words after date-spec and duration into one.
std::vector<std::string> join_date_groups(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  bool in_group = false;
  for (const auto& w : words) {
    const std::string name = w.substr(0, w.find('='));
    const bool part = one_of(name, kDateParts) && (w == name || w[name.size()] == '=');
    if (in_group && part) {
      std::string& joined = out.back();
      joined += (one_of(joined, kDateGroups) ? "\x1f" : " ") + w;
      continue;
    }
    in_group = one_of(w, kDateGroups);
    out.push_back(w);
  }
  // The keyword and its joined value are two tokens.
  std::vector<std::string> split;
  for (const auto& w : out) {
    const auto mark = w.find('\x1f');
    if (mark == std::string::npos) {
      split.push_back(w);
    } else {
      split.push_back(w.substr(0, mark));
      split.push_back(w.substr(mark + 1));
    }
  }
  return split;
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
  if (n.kind == "date-spec") {
    xmlNode* e = add_with_id(doc, rule, "date_expression", expr_id);
    xmlSetProp(e, BAD_CAST "operation", BAD_CAST "date_spec");
    xmlNode* spec = add_with_id(doc, e, "date_spec", xml::attr_or(e, "id") + "-datespec");
    for (const auto& [k, v] : n.parts) xmlSetProp(spec, BAD_CAST k.c_str(), BAD_CAST v.c_str());
    return Ok{};
  }
  if (n.kind == "in_range") {
    xmlNode* e = add_with_id(doc, rule, "date_expression", expr_id);
    xmlSetProp(e, BAD_CAST "operation", BAD_CAST "in_range");
    xmlSetProp(e, BAD_CAST "start", BAD_CAST n.children[1]->value.c_str());
    const Node& end = *n.children[2];
    if (end.kind == "duration") {
      xmlNode* d = add_with_id(doc, e, "duration", xml::attr_or(e, "id") + "-duration");
      for (const auto& [k, v] : end.parts) xmlSetProp(d, BAD_CAST k.c_str(), BAD_CAST v.c_str());
    } else {
      xmlSetProp(e, BAD_CAST "end", BAD_CAST end.value.c_str());
    }
    return Ok{};
  }
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
      const std::string op = xml::attr_or(c, "operation");
      auto sorted_attrs = [](const xmlNode* e) {
        std::vector<std::string> a;
        for (const xmlAttr* p = e->properties; p != nullptr; p = p->next) {
          const std::string name = reinterpret_cast<const char*>(p->name);
          if (name != "id") a.push_back(name + "=" + xml::attr_or(e, name.c_str()));
        }
        std::sort(a.begin(), a.end());
        std::string out;
        for (const auto& x : a) out += " " + x;
        return out;
      };
      if (op == "date_spec") {
        const auto specs = xml::children(c, "date_spec");
        parts.push_back("date-spec" + (specs.empty() ? "" : sorted_attrs(specs.front())));
        continue;
      }
      std::string s = "date " + op;
      if (xml::has_attr(c, "start"))
        s += " " + xml::attr_or(c, "start") + (op == "in_range" ? " to" : "");
      if (xml::has_attr(c, "end")) s += " " + xml::attr_or(c, "end");
      const auto durations = xml::children(c, "duration");
      if (op == "in_range" && !durations.empty())
        s += " duration" + sorted_attrs(durations.front());
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

// "name=value ..." of an element's attributes but its id, sorted (pcs's
// dom_attrs_to_list), with "(id:...)" when ids are shown.
std::string listed_attributes(const xmlNode* e, bool ids) {
  std::vector<std::string> attrs;
  for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    if (name == "id") continue;
    std::string value = xml::attr_or(e, name.c_str());
    if (name == "role" && (value == "Master" || value == "master")) value = "Promoted";
    if (name == "role" && (value == "Slave" || value == "slave")) value = "Unpromoted";
    attrs.push_back(name + "=" + value);
  }
  std::sort(attrs.begin(), attrs.end());
  if (ids) attrs.push_back("(id:" + xml::attr_or(e, "id") + ")");
  std::string out;
  for (const auto& a : attrs) out += (out.empty() ? "" : " ") + a;
  return out;
}

// pcs's ExportDetailed, indented, with ids or without.
void detailed(const xmlNode* rule, const std::string& indent, std::string& out, bool ids = true,
              bool expired = false) {
  const std::string id_part = ids ? " (id:" + xml::attr_or(rule, "id") + ")" : "";
  std::string attrs = listed_attributes(rule, false);
  out += "\n" + indent + "Rule" + (expired ? " (expired)" : "") + ":" +
         (attrs.empty() ? "" : " " + attrs) + id_part;
  for (xmlNode* c : xml::children(const_cast<xmlNode*>(rule))) {
    if (xml::is(c, "rule")) {
      detailed(c, indent + "  ", out, ids);
      continue;
    }
    const std::string cid = ids ? " (id:" + xml::attr_or(c, "id") + ")" : "";
    std::string e, below;
    if (xml::is(c, "expression")) {
      e = xml::has_attr(c, "value")
              ? xml::attr_or(c, "attribute") + " " + xml::attr_or(c, "operation") +
                    (xml::has_attr(c, "type") ? " " + xml::attr_or(c, "type") : "") + " " +
                    xml::attr_or(c, "value")
              : xml::attr_or(c, "operation") + " " + xml::attr_or(c, "attribute");
    } else if (xml::is(c, "date_expression")) {
      const std::string op = xml::attr_or(c, "operation");
      if (op == "date_spec") {
        const auto specs = xml::children(c, "date_spec");
        out += "\n" + indent + "  Expression:" + cid;
        if (!specs.empty()) {
          out += "\n" + indent + "    Date Spec: " + listed_attributes(specs.front(), ids);
        }
        continue;
      }
      e = "date " + op;
      if (xml::has_attr(c, "start"))
        e += " " + xml::attr_or(c, "start") + (op == "in_range" ? " to" : "");
      if (xml::has_attr(c, "end")) e += " " + xml::attr_or(c, "end");
      const auto durations = xml::children(c, "duration");
      if (op == "in_range" && !durations.empty()) {
        e += " duration";
        below = "\n" + indent + "    Duration: " + listed_attributes(durations.front(), ids);
      }
    } else {
      continue;
    }
    out += "\n" + indent + "  Expression: " + e + cid + below;
  }
}

}  // namespace

std::string rule_lines(const xmlNode* rule, const std::string& indent, bool ids, bool expired) {
  std::string out;
  detailed(rule, indent, out, ids, expired);
  return out;
}

namespace {

// pcs's parse_argv: leading NAME=VALUE words whose NAME is one of `names`
// (it stops at the first word that is not one).
std::map<std::string, std::string> leading_options(std::vector<std::string>& words,
                                                   const std::vector<std::string>& names) {
  std::map<std::string, std::string> options;
  while (!words.empty()) {
    const std::string& w = words.front();
    bool found = false;
    for (const auto& name : names) {
      if (w.rfind(name + "=", 0) == 0) {
        options[name] = w.substr(name.size() + 1);
        found = true;
        break;
      }
    }
    if (!found) break;
    words.erase(words.begin());
  }
  return options;
}

// pcs's dom_rule_add: checks the rule options, parses the expression and
// writes <rule> (with its score, role) under `loc`.
Status add_rule(Context& ctx, xmlNode* loc, std::map<std::string, std::string> options,
                const std::vector<std::string>& words) {
  std::string score = options["score"], score_attribute = options["score-attribute"];
  std::string role = options["role"];
  const std::string rule_id = options["id"];
  if (!score.empty() && !score_attribute.empty())
    return invalid("can not specify both score and score-attribute");
  if (!score.empty() && !is_score(score)) return invalid("invalid score'" + score + "'");
  if (!role.empty()) {
    std::string r = role;
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
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
    if ((w == "integer") && schema_version(ctx.doc) < 305) {
      return Error(ErrorCode::kUnsupported,
                   "'integer' rule expressions need a CIB schema upgrade (pacemaker-3.5), which "
                   "vigil does not do yet");
    }
  }
  auto tree = Parser(join_date_groups(split_parentheses(words))).parse();
  if (!tree) {
    const std::string& reason = tree.error().message();
    return invalid("'" + joined + "' is not a valid rule expression: " +
                   (reason.empty() ? "unexpected end of rule" : reason));
  }
  xmlNode* rule = add_with_id(ctx.doc, loc, "rule",
                              rule_id.empty() ? xml::attr_or(loc, "id") + "-rule" : rule_id);
  if (auto st = build_rule(ctx.doc, rule, **tree); !st) {
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
  xmlUnsetProp(loc, BAD_CAST "score");
  xmlUnsetProp(loc, BAD_CAST "node");
  return ok_status();
}

// The same subject with the same rules (normalised) exists elsewhere:
// refused unless --force.
Status check_rule_duplicates(Context& ctx, xmlNode* loc) {
  if (ctx.flags.force) return ok_status();
  auto subject = [](const xmlNode* l) {
    return xml::has_attr(l, "rsc-pattern") ? "p:" + xml::attr_or(l, "rsc-pattern")
                                           : "r:" + xml::attr_or(l, "rsc");
  };
  std::vector<std::string> mine;
  collect_rules(loc, mine);
  std::string dups;
  xmlNode* cons = loc->parent;
  for (xmlNode* other : xml::children(cons, "rsc_location")) {
    if (other == loc || xml::children(other, "rule").empty() || subject(other) != subject(loc))
      continue;
    std::vector<std::string> theirs;
    collect_rules(other, theirs);
    if (theirs != mine) continue;
    dups += "\n  Constraint: " + xml::attr_or(other, "id");
    for (xmlNode* r : xml::children(other, "rule")) detailed(r, "    ", dups);
  }
  if (!dups.empty()) {
    return invalid("duplicate constraint already exists, use --force to override" + dups);
  }
  return ok_status();
}

}  // namespace

Result<bool> strip_subject_type(std::string& subject) {
  const auto mark = subject.find('%');
  if (mark == std::string::npos) return false;
  const std::string type = subject.substr(0, mark);
  if (!type.empty() && type != "regexp" && type != "resource") {
    return Error(ErrorCode::kInvalidInput, "'" + type + "' is not an allowed type for '" + subject +
                                               "', use regexp, resource");
  }
  subject.erase(0, mark + 1);
  return type == "regexp";
}

Status location_rule(Context& ctx, std::string rsc, std::vector<std::string> words) {
  const auto typed = strip_subject_type(rsc);
  if (!typed) return typed.error();
  const bool pattern = *typed;
  auto options = leading_options(
      words, {"id", "role", "score", "score-attribute", "constraint-id", "resource-discovery"});
  if (!pattern) {
    if (auto st = check_location_resource(ctx.doc, rsc); !st) return st;
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  std::vector<std::pair<std::string, std::string>> attrs;
  if (!options["resource-discovery"].empty()) {
    attrs.emplace_back("resource-discovery", options["resource-discovery"]);
  }
  options.erase("resource-discovery");
  const std::string constraint_id = options["constraint-id"];
  options.erase("constraint-id");
  if (!constraint_id.empty()) {
    if (auto p = id_problem(constraint_id, "constraint id"); !p.empty()) return invalid(p);
    if (find_by_id(ctx.doc, constraint_id) != nullptr) {
      return invalid("id '" + constraint_id + "' is already in use, please specify another one");
    }
  }
  attrs.emplace_back("id", constraint_id.empty()
                               ? unique_id(ctx.doc, sanitize_id("location-" + rsc))
                               : constraint_id);
  attrs.emplace_back(pattern ? "rsc-pattern" : "rsc", rsc);
  xmlNode* loc = append_element(cons, "rsc_location", attrs);
  Status st = add_rule(ctx, loc, options, words);
  if (st) st = check_rule_duplicates(ctx, loc);
  if (!st) {
    remove_node(loc);  // a refused command leaves the document as it was
    return st;
  }
  ctx.changed = true;
  return ok_status();
}

Status rule_add(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) return usage_error(ctx, "constraint", {"rule", "add"});
  std::vector<std::string> words(args.begin() + 1, args.end());
  auto options = leading_options(words, {"id", "role", "score", "score-attribute"});
  xmlNode* loc = nullptr;
  if (xmlNode* cons = config_section(ctx.doc, "constraints")) {
    for (xmlNode* c : xml::children(cons, "rsc_location")) {
      if (xml::attr_or(c, "id") == args[0]) loc = c;
    }
  }
  if (loc == nullptr) return invalid("Unable to find constraint: " + args[0]);
  // A refusal leaves the constraint as it was: its rules and attributes.
  const auto before = xml::children(loc);
  const std::optional<std::string> node = xml::attr(loc, "node"), score = xml::attr(loc, "score");
  Status st = add_rule(ctx, loc, options, words);
  if (st) st = check_rule_duplicates(ctx, loc);
  if (!st) {
    for (xmlNode* c : xml::children(loc)) {
      if (std::find(before.begin(), before.end(), c) == before.end()) remove_node(c);
    }
    if (node) xmlSetProp(loc, BAD_CAST "node", BAD_CAST node->c_str());
    if (score) xmlSetProp(loc, BAD_CAST "score", BAD_CAST score->c_str());
  }
  if (!st) return st;
  ctx.changed = true;
  return ok_status();
}

}  // namespace vigil::admin
