// SPDX-License-Identifier: GPL-2.0-or-later
// pcs 0.11's rule grammar for option sets (`resource [op] defaults set
// create ... rule ...`): parsing, pcs's checks of which expressions a
// command allows, the CIB elements with pcs's ids, and the listing lines.
#include "defaults_rule.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

std::string lower(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v;
}

RuleNode make_node(RuleNode::Kind kind, std::string op) {
  RuleNode n;
  n.kind = kind;
  n.op = std::move(op);
  return n;
}

struct Token {
  std::string text;
  std::size_t pos;
};

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s[i] == '(' || s[i] == ')') {
      out.push_back({std::string(1, s[i]), i});
      ++i;
    } else {
      const std::size_t start = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '(' &&
             s[i] != ')')
        ++i;
      out.push_back({s.substr(start, i - start), start});
    }
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  std::optional<RuleNode> expr(std::size_t& i) const {
    auto left = term(i);
    if (!left) return std::nullopt;
    std::string last_op;
    std::vector<RuleNode> operands;
    while (i < t_.size()) {
      const std::string op = lower(t_[i].text);
      if (op != "and" && op != "or") break;
      std::size_t j = i + 1;
      auto right = term(j);
      if (!right) break;  // the operator stays unread: an error at it
      if (!last_op.empty() && op != last_op) {
        RuleNode group = make_node(RuleNode::kBool, last_op);
        group.children.push_back(std::move(*left));
        for (auto& o : operands) group.children.push_back(std::move(o));
        left = std::move(group);
        operands.clear();
      }
      operands.push_back(std::move(*right));
      last_op = op;
      i = j;
    }
    if (!operands.empty()) {
      RuleNode group = make_node(RuleNode::kBool, last_op);
      group.children.push_back(std::move(*left));
      for (auto& o : operands) group.children.push_back(std::move(o));
      left = std::move(group);
    }
    return left;
  }

 private:
  bool at(std::size_t i, const char* word) const {
    return i < t_.size() && lower(t_[i].text) == word;
  }
  bool is_word(std::size_t i) const {
    return i < t_.size() && t_[i].text != "(" && t_[i].text != ")";
  }

  std::optional<RuleNode> term(std::size_t& i) const {
    if (at(i, "(")) {
      std::size_t j = i + 1;
      auto inner = expr(j);
      if (!inner || !at(j, ")")) return std::nullopt;
      i = j + 1;
      return inner;
    }
    return simple(i);
  }

  // name=value parts of a date-spec or duration (one or more).
  bool parts(std::size_t& i, std::vector<std::pair<std::string, std::string>>& out) const {
    static const std::regex kPart(R"(([^=\s()]+)=([^\s()]+))");
    std::smatch m;
    while (is_word(i) && std::regex_match(t_[i].text, m, kPart)) {
      out.emplace_back(m[1], m[2]);
      ++i;
    }
    return !out.empty();
  }

  std::optional<RuleNode> simple(std::size_t& i) const {
    if (at(i, "date") && (at(i + 1, "gt") || at(i + 1, "lt")) && is_word(i + 2)) {
      RuleNode n = make_node(RuleNode::kDateUnary, lower(t_[i + 1].text));
      n.value = t_[i + 2].text;
      i += 3;
      return n;
    }
    if (at(i, "date") && at(i + 1, "in_range")) {
      std::size_t j = i + 2;
      RuleNode n = make_node(RuleNode::kDateRange, "in_range");
      if (!at(j, "to") && is_word(j) && at(j + 1, "to")) n.start = t_[j++].text;
      if (!at(j, "to")) return std::nullopt;
      ++j;
      if (at(j, "duration")) {
        std::size_t k = j + 1;
        if (parts(k, n.parts)) {
          i = k;
          return n;
        }
      }
      if (!is_word(j)) return std::nullopt;
      n.value = t_[j].text;
      i = j + 1;
      return n;
    }
    if (at(i, "date-spec")) {
      RuleNode n = make_node(RuleNode::kDateSpec, "date_spec");
      std::size_t j = i + 1;
      if (!parts(j, n.parts)) return std::nullopt;
      i = j;
      return n;
    }
    if ((at(i, "defined") || at(i, "not_defined")) && is_word(i + 1)) {
      RuleNode n = make_node(RuleNode::kAttrUnary, lower(t_[i].text));
      n.attribute = t_[i + 1].text;
      i += 2;
      return n;
    }
    if (at(i, "resource") && is_word(i + 1)) {
      static const std::regex kName(R"(([^\s:()]+)?:([^\s:()]+)?:([^\s:()]+)?)");
      std::smatch m;
      if (std::regex_match(t_[i + 1].text, m, kName)) {
        RuleNode n = make_node(RuleNode::kRsc, "resource");
        n.standard = m[1];
        n.provider = m[2];
        n.type = m[3];
        i += 2;
        return n;
      }
    }
    if (at(i, "op") && is_word(i + 1)) {
      RuleNode n = make_node(RuleNode::kOp, "op");
      n.value = t_[i + 1].text;
      std::size_t j = i + 2;
      static const std::regex kInterval(R"((interval)=([0-9]+[A-Za-z]*))", std::regex::icase);
      std::smatch m;
      if (is_word(j) && std::regex_match(t_[j].text, m, kInterval)) {
        n.interval = m[2];
        ++j;
      }
      i = j;
      return n;
    }
    static const char* kBinary[] = {"eq", "ne", "gte", "gt", "lte", "lt"};
    if (is_word(i) && i + 1 < t_.size()) {
      const std::string op = lower(t_[i + 1].text);
      if (std::find(std::begin(kBinary), std::end(kBinary), op) != std::end(kBinary)) {
        RuleNode n = make_node(RuleNode::kAttrBinary, op);
        n.attribute = t_[i].text;
        std::size_t j = i + 2;
        const std::string type = is_word(j) ? lower(t_[j].text) : "";
        if ((type == "integer" || type == "number" || type == "string" || type == "version") &&
            is_word(j + 1)) {
          n.type = type;
          ++j;
        }
        if (!is_word(j)) return std::nullopt;
        n.value = t_[j].text;
        i = j + 1;
        return n;
      }
    }
    return std::nullopt;
  }

  std::vector<Token> t_;
};

bool contains(const RuleNode& n, RuleNode::Kind k) {
  if (n.kind == k) return true;
  return std::any_of(n.children.begin(), n.children.end(),
                     [&](const RuleNode& c) { return contains(c, k); });
}

void attrs_of_parts(xmlNode* el, const std::vector<std::pair<std::string, std::string>>& parts) {
  for (const auto& [k, v] : parts) xmlSetProp(el, BAD_CAST k.c_str(), BAD_CAST v.c_str());
}

xmlNode* add(xmlDoc* doc, xmlNode* parent, const char* tag, const std::string& id_candidate) {
  return append_element(parent, tag, {{"id", unique_id(doc, sanitize_id(id_candidate))}});
}

void to_cib(xmlDoc* doc, xmlNode* parent, const RuleNode& n, bool top) {
  const std::string pid = xml::attr_or(parent, "id");
  switch (n.kind) {
    case RuleNode::kBool: {
      xmlNode* rule = add(doc, parent, "rule", pid + "-rule");
      xmlSetProp(rule, BAD_CAST "boolean-op", BAD_CAST n.op.c_str());
      // pcs gives the top rule INFINITY and nested ones 0.
      xmlSetProp(rule, BAD_CAST "score", BAD_CAST(top ? "INFINITY" : "0"));
      for (const auto& c : n.children) to_cib(doc, rule, c, false);
      return;
    }
    case RuleNode::kDateUnary: {
      xmlNode* e = add(doc, parent, "date_expression", pid + "-expr");
      xmlSetProp(e, BAD_CAST "operation", BAD_CAST n.op.c_str());
      xmlSetProp(e, BAD_CAST(n.op == "gt" ? "start" : "end"), BAD_CAST n.value.c_str());
      return;
    }
    case RuleNode::kDateRange: {
      xmlNode* e = add(doc, parent, "date_expression", pid + "-expr");
      xmlSetProp(e, BAD_CAST "operation", BAD_CAST "in_range");
      if (!n.start.empty()) xmlSetProp(e, BAD_CAST "start", BAD_CAST n.start.c_str());
      if (!n.value.empty()) xmlSetProp(e, BAD_CAST "end", BAD_CAST n.value.c_str());
      if (!n.parts.empty()) {
        attrs_of_parts(add(doc, e, "duration", xml::attr_or(e, "id") + "-duration"), n.parts);
      }
      return;
    }
    case RuleNode::kDateSpec: {
      xmlNode* e = add(doc, parent, "date_expression", pid + "-expr");
      xmlSetProp(e, BAD_CAST "operation", BAD_CAST "date_spec");
      attrs_of_parts(add(doc, e, "date_spec", xml::attr_or(e, "id") + "-datespec"), n.parts);
      return;
    }
    case RuleNode::kAttrUnary:
    case RuleNode::kAttrBinary: {
      xmlNode* e = add(doc, parent, "expression", pid + "-expr");
      xmlSetProp(e, BAD_CAST "attribute", BAD_CAST n.attribute.c_str());
      xmlSetProp(e, BAD_CAST "operation", BAD_CAST n.op.c_str());
      if (n.kind == RuleNode::kAttrBinary) {
        xmlSetProp(e, BAD_CAST "value", BAD_CAST n.value.c_str());
        if (!n.type.empty()) xmlSetProp(e, BAD_CAST "type", BAD_CAST n.type.c_str());
      }
      return;
    }
    case RuleNode::kRsc: {
      std::string suffix = "-rsc";
      for (const auto* part : {&n.standard, &n.provider, &n.type}) {
        if (!part->empty()) suffix += "-" + *part;
      }
      xmlNode* e = add(doc, parent, "rsc_expression", pid + suffix);
      if (!n.standard.empty()) xmlSetProp(e, BAD_CAST "class", BAD_CAST n.standard.c_str());
      if (!n.provider.empty()) xmlSetProp(e, BAD_CAST "provider", BAD_CAST n.provider.c_str());
      if (!n.type.empty()) xmlSetProp(e, BAD_CAST "type", BAD_CAST n.type.c_str());
      return;
    }
    case RuleNode::kOp: {
      xmlNode* e = add(doc, parent, "op_expression", pid + "-op-" + n.value);
      xmlSetProp(e, BAD_CAST "name", BAD_CAST n.value.c_str());
      if (!n.interval.empty()) xmlSetProp(e, BAD_CAST "interval", BAD_CAST n.interval.c_str());
      return;
    }
  }
}

std::string sorted_attrs(const xmlNode* el) {
  std::vector<std::pair<std::string, std::string>> attrs;
  for (const xmlAttr* a = el->properties; a != nullptr; a = a->next) {
    const std::string n = reinterpret_cast<const char*>(a->name);
    if (n != "id") attrs.emplace_back(n, xml::attr_or(el, n.c_str()));
  }
  std::sort(attrs.begin(), attrs.end());
  std::string out;
  for (const auto& [k, v] : attrs) out += (out.empty() ? "" : " ") + name_value(k, v);
  return out;
}

std::string id_tail(const xmlNode* el, bool with_ids) {
  return with_ids ? " (id:" + xml::attr_or(el, "id") + ")" : "";
}

// pcs's RuleToStr for one expression element.
std::string expression_text(const xmlNode* e) {
  if (xml::is(e, "rsc_expression")) {
    return "resource " + xml::attr_or(e, "class") + ":" + xml::attr_or(e, "provider") + ":" +
           xml::attr_or(e, "type");
  }
  if (xml::is(e, "op_expression")) {
    std::string s = "op " + xml::attr_or(e, "name");
    if (xml::has_attr(e, "interval")) s += " interval=" + xml::attr_or(e, "interval");
    return s;
  }
  if (xml::is(e, "expression")) {
    if (!xml::has_attr(e, "value"))
      return xml::attr_or(e, "operation") + " " + xml::attr_or(e, "attribute");
    std::string s = xml::attr_or(e, "attribute") + " " + xml::attr_or(e, "operation");
    if (xml::has_attr(e, "type")) s += " " + xml::attr_or(e, "type");
    const std::string v = xml::attr_or(e, "value");
    return s + " " + (v.find(' ') != std::string::npos ? pcs_quote(v) : v);
  }
  // date_expression
  const std::string op = xml::attr_or(e, "operation");
  std::string s = "date " + op;
  if (op == "in_range") {
    if (xml::has_attr(e, "start")) s += " " + xml::attr_or(e, "start");
    s += " to";
    if (xml::has_attr(e, "end")) s += " " + xml::attr_or(e, "end");
    if (const xmlNode* d = xml::first_child(e, "duration")) s += " duration " + sorted_attrs(d);
    return s;
  }
  if (xml::has_attr(e, "start")) s += " " + xml::attr_or(e, "start");
  if (xml::has_attr(e, "end")) s += " " + xml::attr_or(e, "end");
  return s;
}

// start + a <duration> element's years, months, weeks, days, hours,
// minutes and seconds.
std::optional<EpochSeconds> end_of_duration(EpochSeconds start, const xmlNode* d) {
  IsoDuration dur;
  auto part = [&](const char* name) -> std::optional<int> {
    const std::string v = xml::attr_or(d, name, "0");
    if (v.empty() || v.size() > 9 ||
        !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); }))
      return std::nullopt;
    return std::stoi(v);
  };
  const auto years = part("years"), months = part("months"), weeks = part("weeks"),
             days = part("days"), hours = part("hours"), minutes = part("minutes"),
             seconds = part("seconds");
  if (!years || !months || !weeks || !days || !hours || !minutes || !seconds) return std::nullopt;
  dur.years = *years;
  dur.months = *months;
  dur.days = *days + 7 * *weeks;
  dur.seconds = std::int64_t{*hours} * 3600 + std::int64_t{*minutes} * 60 + *seconds;
  return add_duration(start, dur);
}

void date_expressions(const xmlNode* n, std::vector<const xmlNode*>& out) {
  for (const xmlNode* c : xml::children(n)) {
    if (xml::is(c, "date_expression")) out.push_back(c);
    date_expressions(c, out);
  }
}

}  // namespace

// What crm_rule --check says of a rule, which pcs shows: only a rule with
// exactly one date expression (not a date-spec) is judged, by that
// expression alone.
std::string rule_in_effect_label(const xmlNode* rule, EpochSeconds now) {
  std::vector<const xmlNode*> dates;
  date_expressions(rule, dates);
  if (dates.size() != 1) return "";
  const xmlNode* d = dates[0];
  const std::string op = xml::attr_or(d, "operation", "in_range");
  std::optional<EpochSeconds> start, end;
  if (xml::has_attr(d, "start")) {
    start = parse_iso8601(xml::attr_or(d, "start"));
    if (!start) return "";
  }
  if (xml::has_attr(d, "end")) {
    end = parse_iso8601(xml::attr_or(d, "end"));
    if (!end) return "";
  }
  if (op == "gt") return start && now > *start ? "" : "not yet in effect";
  if (op == "lt") return end && now < *end ? "" : "expired";
  if (op != "in_range") return "";
  if (!end && start) {
    if (const xmlNode* dur = xml::first_child(d, "duration")) {
      end = end_of_duration(*start, dur);
      if (!end) return "";
    }
  }
  if (start && now < *start) return "not yet in effect";
  if (end && now > *end) return "expired";
  return "";
}

namespace {

void element_lines(const xmlNode* el, bool with_ids, EpochSeconds now,
                   std::vector<std::string>& out, const std::string& pad) {
  if (xml::is(el, "rule")) {
    const std::string label = rule_in_effect_label(el, now);
    std::string head = label.empty() ? "Rule:" : "Rule (" + label + "):";
    if (const auto a = sorted_attrs(el); !a.empty()) head += " " + a;
    out.push_back(pad + head + id_tail(el, with_ids));
    for (const xmlNode* c : xml::children(el)) {
      if (xml::is(c, "rule") || xml::is(c, "expression") || xml::is(c, "date_expression") ||
          xml::is(c, "rsc_expression") || xml::is(c, "op_expression"))
        element_lines(c, with_ids, now, out, pad + "  ");
    }
    return;
  }
  if (xml::is(el, "date_expression") && xml::attr_or(el, "operation") == "date_spec") {
    out.push_back(pad + "Expression:" + id_tail(el, with_ids));
    if (const xmlNode* spec = xml::first_child(el, "date_spec")) {
      std::string line = "Date Spec:";
      if (const auto a = sorted_attrs(spec); !a.empty()) line += " " + a;
      out.push_back(pad + "  " + line + id_tail(spec, with_ids));
    } else {
      out.push_back(pad + "  Date Spec:");
    }
    return;
  }
  const xmlNode* duration = xml::first_child(el, "duration");
  if (xml::is(el, "date_expression") && duration != nullptr &&
      xml::attr_or(el, "operation") == "in_range") {
    std::string head = "Expression: date in_range";
    if (xml::has_attr(el, "start")) head += " " + xml::attr_or(el, "start");
    out.push_back(pad + head + " to duration" + id_tail(el, with_ids));
    std::string line = "Duration:";
    if (const auto a = sorted_attrs(duration); !a.empty()) line += " " + a;
    out.push_back(pad + "  " + line + id_tail(duration, with_ids));
    return;
  }
  out.push_back(pad + "Expression: " + expression_text(el) + id_tail(el, with_ids));
}

}  // namespace

Result<RuleNode> parse_defaults_rule(const std::string& text) {
  const auto tokens = tokenize(text);
  Parser parser(tokens);
  std::size_t i = 0;
  auto tree = parser.expr(i);
  if (!tree || i != tokens.size()) {
    const std::size_t pos = tree && i < tokens.size() ? tokens[i].pos : 0;
    return Error(ErrorCode::kInvalidInput,
                 "'" + text +
                     "' is not a valid rule expression, parse error near or after line 1 "
                     "column " +
                     std::to_string(pos + 1) + "\n  " + text + "\n  " + std::string(pos, '-') +
                     "^");
  }
  if (tree->kind != RuleNode::kBool) {
    RuleNode top = make_node(RuleNode::kBool, "and");
    top.children.push_back(std::move(*tree));
    return top;
  }
  return std::move(*tree);
}

std::vector<std::string> disallowed_rule_parts(const RuleNode& rule, bool allow_rsc, bool allow_op,
                                               bool allow_node_attr) {
  std::vector<std::string> out;
  if (!allow_rsc && contains(rule, RuleNode::kRsc))
    out.push_back("Keyword 'resource' cannot be used in a rule in this command");
  if (!allow_op && contains(rule, RuleNode::kOp))
    out.push_back("Keyword 'op' cannot be used in a rule in this command");
  if (!allow_node_attr &&
      (contains(rule, RuleNode::kAttrUnary) || contains(rule, RuleNode::kAttrBinary))) {
    out.push_back(
        "Keywords 'defined', 'not_defined', 'eq', 'ne', 'gte', 'gt', 'lte' and 'lt' cannot be "
        "used in a rule in this command");
  }
  return out;
}

void rule_to_cib(xmlDoc* doc, xmlNode* nvset, const RuleNode& rule) {
  to_cib(doc, nvset, rule, true);
}

std::vector<std::string> rule_lines(const xmlNode* rule, bool with_ids, EpochSeconds now) {
  std::vector<std::string> out;
  element_lines(rule, with_ids, now, out, "");
  return out;
}

}  // namespace vigil::admin
