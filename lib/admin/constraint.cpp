// SPDX-License-Identifier: GPL-2.0-or-later
// pcs constraint location prefers|avoids, colocation add, order, delete.
// These are pcs's older code paths: their errors carry no summary line.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "constraint_common.hpp"
#include "pcs_usage.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

using Attrs = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kNodeCheckSkipped =
    "Warning: Validation for node existence in the cluster will be skipped";

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

bool is_role(std::string_view s) {
  static constexpr std::array kRoles = {"Master",  "Promoted", "Slave",
                                        "Started", "Stopped",  "Unpromoted"};
  return std::find(kRoles.begin(), kRoles.end(), s) != kRoles.end();
}

bool is_action(std::string_view s) {
  return s == "start" || s == "stop" || s == "promote" || s == "demote";
}

bool is_resource_element(const xmlNode* n) {
  return xml::is(n, "primitive") || xml::is(n, "group") || xml::is(n, "clone") ||
         xml::is(n, "master") || xml::is(n, "bundle");
}

// pcs's validate_constraint_resource: the resource must exist, and a member
// of a clone or bundle must be named through its parent.
Status check_constraint_resource(xmlDoc* doc, const std::string& id, bool force = false) {
  xmlNode* n = find_by_id(doc, id);
  bool in_resources = false;
  for (xmlNode* p = n ? n->parent : nullptr; p != nullptr && p->type == XML_ELEMENT_NODE;
       p = p->parent) {
    in_resources = in_resources || xml::is(p, "resources");
  }
  if (n == nullptr || !is_resource_element(n) || !in_resources) {
    return invalid("Resource '" + id + "' does not exist");
  }
  for (xmlNode* p = n->parent; p != nullptr && !xml::is(p, "resources"); p = p->parent) {
    if (!force && (xml::is(p, "clone") || xml::is(p, "master") || xml::is(p, "bundle"))) {
      const std::string kind = xml::is(p, "bundle") ? "bundle" : "clone";
      return invalid(id + " is a " + kind + " resource, you should use the " + kind + " id: " +
                     xml::attr_or(p, "id") + " when adding constraints. Use --force to override.");
    }
  }
  return ok_status();
}

std::string negate(const std::string& score) {
  return score[0] == '-' ? score.substr(1) : "-" + score;
}

Status location(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() >= 3 && args[1] == "rule") {
    return location_rule(ctx, args[0], {args.begin() + 2, args.end()});
  }
  if (args.size() < 3 || (args[1] != "prefers" && args[1] != "avoids")) {
    return usage_error(ctx, "constraint", {"location", args.empty() ? "" : args[0]});
  }
  std::string rsc = args[0];
  const auto typed = strip_subject_type(rsc);
  if (!typed) return typed.error();
  const char* subject = *typed ? "rsc-pattern" : "rsc";
  const bool prefer = args[1] == "prefers";
  if (!ctx.live) ctx.notes.push_back(kNodeCheckSkipped);  // no corosync.conf to check against

  struct Planned {
    std::string id, node, score;
  };
  std::vector<Planned> planned;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const auto eq = args[i].find('=');
    const std::string node = args[i].substr(0, eq);
    std::string score = prefer ? "INFINITY" : "-INFINITY";
    if (eq != std::string::npos) {
      score = args[i].substr(eq + 1);
      if (!is_score(score))
        return invalid("invalid score '" + score + "', use integer or INFINITY or -INFINITY");
      if (!prefer) score = negate(score);
    }
    planned.push_back({sanitize_id("location-" + rsc + "-" + node + "-" + score), node, score});
  }
  for (const auto& p : planned) {
    if (auto problem = id_problem(p.id, "constraint id"); !problem.empty()) return invalid(problem);
    if (ctx.live && !is_cluster_node(ctx, p.node)) {
      return invalid("Node '" + p.node + "' does not seem to be in the cluster");
    }
  }
  if (!*typed) {
    if (auto st = check_constraint_resource(ctx.doc, rsc); !st) return st;
  }

  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  for (const auto& p : planned) {
    // A simple location for the same resource and node (or the same id) is
    // replaced: deleted here, appended again at the end.
    for (xmlNode* c : xml::children(cons, "rsc_location")) {
      if (xml::attr_or(c, "id") == p.id ||
          (xml::attr_or(c, "node") == p.node && xml::has_attr(c, subject) &&
           xml::attr_or(c, subject) == rsc)) {
        remove_node(c);
      }
    }
    append_element(cons, "rsc_location",
                   {{"id", p.id}, {subject, rsc}, {"node", p.node}, {"score", p.score}});
  }
  ctx.changed = true;
  return ok_status();
}

// What the CIB's schema refuses in a constraint pcs writes unchecked
// (pcs passes cibadmin's refusal on).
Status schema_refusal() {
  return invalid(
      "Unable to update cib\nCall failed: Update does not conform to the configured schema");
}

bool schema_boolean(const std::string& v) {
  return v == "true" || v == "false" || v == "1" || v == "0";
}

Status colocation_add(Context& ctx, const std::vector<std::string>& args) {
  auto usage = [&] { return usage_error(ctx, "constraint", {"colocation", "add"}); };
  if (args.size() < 3) return usage();
  std::vector<std::string> words = args;
  auto take = [&] {
    std::string w = words.front();
    words.erase(words.begin());
    return w;
  };
  auto checked_role = [&](const std::string& r) -> Result<std::string> {
    std::string cleaned = r;
    for (char& ch : cleaned) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!cleaned.empty()) {
      cleaned[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(cleaned[0])));
    }
    if (!is_role(cleaned)) {
      return Error(ErrorCode::kInvalidInput,
                   "invalid role value '" + r +
                       "', allowed values are: 'Master', 'Promoted', 'Slave', 'Started', "
                       "'Stopped', 'Unpromoted'");
    }
    if (cleaned == "Master" || cleaned == "Slave") {
      ctx.notes.push_back("Deprecation Warning: Role value '" + r +
                          "' is deprecated and should not be used, use '" +
                          (cleaned == "Master" ? "Promoted" : "Unpromoted") + "' instead");
    }
    return role_for_cib(ctx.doc, cleaned);
  };
  std::string role1, role2, rsc, with_rsc;
  if (words[2] == "with") {
    auto r = checked_role(take());
    if (!r) return r.error();
    role1 = *r;
    rsc = take();
  } else if (words[1] == "with") {
    rsc = take();
  } else {
    return usage();
  }
  if (take() != "with") return usage();
  if (std::find(words.begin(), words.end(), "with") != words.end()) {
    return usage_error(ctx, "constraint", {"colocation", "add"},
                       "Use the 'vigil constraint colocation set' command if you want to create "
                       "a constraint for more than two resources.",
                       "Multiple 'with's cannot be specified.");
  }
  if (words.empty()) return usage();
  if (words.size() == 1 || is_score(words[1]) || words[1].find('=') != std::string::npos) {
    with_rsc = take();
  } else {
    auto r = checked_role(take());
    if (!r) return r.error();
    role2 = *r;
    with_rsc = take();
  }
  std::string score = "INFINITY";
  if (!words.empty() && words[0].find('=') == std::string::npos) score = take();
  Attrs pairs;
  for (const auto& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) return invalid("missing value of '" + w + "' option");
    if (eq == 0) return invalid("missing key in '" + w + "' option");
    if (eq + 1 == w.size()) return invalid("value of '" + w.substr(0, eq) + "' option is empty");
    pairs.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  if (auto st = check_constraint_resource(ctx.doc, rsc, ctx.flags.force); !st) return st;
  if (auto st = check_constraint_resource(ctx.doc, with_rsc, ctx.flags.force); !st) return st;
  bool id_given = false;
  for (const auto& [k, v] : pairs) {
    if (k != "id") continue;
    if (auto p = id_problem(v, "constraint id"); !p.empty()) return invalid(p);
    if (find_by_id(ctx.doc, v) != nullptr)
      return invalid("id '" + v + "' is already in use, please specify another one");
    id_given = true;
  }
  if (!id_given) {
    pairs.emplace_back("id",
                       unique_id(ctx.doc, "colocation-" + rsc + "-" + with_rsc + "-" + score));
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  if (!role1.empty() && role2.empty()) role2 = role_for_cib(ctx.doc, "Started");
  if (!role2.empty() && role1.empty()) role1 = role_for_cib(ctx.doc, "Started");
  Attrs attrs{{"rsc", rsc}, {"with-rsc", with_rsc}, {"score", score}};
  if (!role1.empty()) attrs.emplace_back("rsc-role", role1);
  if (!role2.empty()) attrs.emplace_back("with-rsc-role", role2);
  for (const auto& [k, v] : pairs) {
    const std::string& key = k;  // clang 14 cannot capture a structured binding
    auto same =
        std::find_if(attrs.begin(), attrs.end(), [&](const auto& a) { return a.first == key; });
    if (same != attrs.end()) {
      same->second = v;
    } else {
      attrs.emplace_back(k, v);
    }
  }
  auto normal_role = [&](const xmlNode* c, const char* name) {
    std::string r = xml::attr_or(c, name);
    for (char& ch : r) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!r.empty()) r[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
    return role_for_cib(ctx.doc, r.empty() ? "Started" : r);
  };
  xmlNode* added = append_element(cons, "rsc_colocation", attrs);
  if (!ctx.flags.force) {
    std::string dups;
    for (xmlNode* c : xml::children(cons, "rsc_colocation")) {
      if (c == added || !xml::children(c, "resource_set").empty()) continue;
      if (xml::attr_or(c, "rsc") == rsc && xml::attr_or(c, "with-rsc") == with_rsc &&
          normal_role(c, "rsc-role") == normal_role(added, "rsc-role") &&
          normal_role(c, "with-rsc-role") == normal_role(added, "with-rsc-role")) {
        dups += "\n  " + colocation_plain(c, true);
      }
    }
    if (!dups.empty()) {
      remove_node(added);
      return invalid("duplicate constraint already exists, use --force to override" + dups);
    }
  }
  static constexpr std::array kKnown = {"id",
                                        "rsc",
                                        "with-rsc",
                                        "score",
                                        "rsc-role",
                                        "with-rsc-role",
                                        "node-attribute",
                                        "influence",
                                        "score-attribute",
                                        "rsc-instance",
                                        "with-rsc-instance",
                                        "lifetime"};
  for (const auto& [k, v] : attrs) {
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end() ||
        (k == "score" && !is_score(v))) {
      remove_node(added);
      return schema_refusal();
    }
  }
  ctx.changed = true;
  return ok_status();
}

xmlNode* parent_group(xmlDoc* doc, const std::string& id) {
  xmlNode* n = find_by_id(doc, id);
  return n != nullptr && n->parent != nullptr && xml::is(n->parent, "group") ? n->parent : nullptr;
}

Status order(Context& ctx, const std::vector<std::string>& args) {
  auto usage = [&] {
    return usage_error(ctx, "constraint", {"order", args.empty() ? "" : args[0]});
  };
  std::vector<std::string> words = args;
  std::string first_action = "start", then_action = "start";
  if (!words.empty() && is_action(words[0])) {
    first_action = words[0];
    words.erase(words.begin());
  }
  if (words.size() < 3 || words[1] != "then") return usage();
  const std::string first = words[0];
  words.erase(words.begin(), words.begin() + 2);
  if (is_action(words[0])) {
    then_action = words[0];
    words.erase(words.begin());
  }
  if (words.empty()) return usage();
  const std::string then_rsc = words[0];
  words.erase(words.begin());
  if (std::find(words.begin(), words.end(), "then") != words.end()) {
    return usage_error(ctx, "constraint", {"order", args[0]},
                       "Use the 'vigil constraint order set' command if you want to create a "
                       "constraint for more than two resources.",
                       "Multiple 'then's cannot be specified.");
  }
  if (auto st = check_constraint_resource(ctx.doc, first, ctx.flags.force); !st) return st;
  if (auto st = check_constraint_resource(ctx.doc, then_rsc, ctx.flags.force); !st) return st;
  xmlNode* g1 = parent_group(ctx.doc, first);
  if (g1 != nullptr && g1 == parent_group(ctx.doc, then_rsc)) {
    return invalid("Cannot create an order constraint for resources in the same group");
  }

  // pcs keeps the user's options in typed order, then first-action,
  // then-action and symmetrical, then a generated id; that is also the
  // attribute order. kind and score name the id suffix.
  Attrs options;
  std::string symmetrical;
  bool id_given = false;
  words.push_back("first-action=" + first_action);
  words.push_back("then-action=" + then_action);
  for (const auto& w : words) {
    if (w == "symmetrical" || w == "nonsymmetrical") {
      symmetrical = w == "symmetrical" ? "true" : "false";
      continue;
    }
    auto kv = split_key_value(w);
    if (!kv) return kv.error();
    if (kv->value.empty()) return invalid("value of '" + kv->key + "' option is empty");
    if (kv->key == "id") {
      if (auto p = id_problem(kv->value, "constraint id"); !p.empty()) return invalid(p);
      if (find_by_id(ctx.doc, kv->value) != nullptr) {
        return invalid("id '" + kv->value + "' is already in use, please specify another one");
      }
      id_given = true;
    } else if (kv->key == "symmetrical") {
      std::string v = kv->value;
      for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (v != "true" && v != "false") {
        return invalid("invalid symmetrical value '" + kv->value +
                       "', allowed values are: true, false");
      }
      symmetrical = v;
      continue;
    }
    options.emplace_back(kv->key, kv->value);
  }
  if (!symmetrical.empty()) options.emplace_back("symmetrical", symmetrical);

  std::string shown, scorekind = "kind: Mandatory", suffix = "mandatory";
  for (const auto& [k, v] : options) {
    if (k != "kind" && k != "score") shown += (shown.empty() ? "" : " ") + k + "=" + v;
  }
  for (const auto& [k, v] : options) {
    if (k == "score" || k == "kind") {
      scorekind = k + ": " + v;
      suffix = v;
      break;
    }
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  for (xmlNode* c : ctx.flags.force ? std::vector<xmlNode*>{} : xml::children(cons, "rsc_order")) {
    if (!xml::children(c, "resource_set").empty()) continue;
    if (xml::attr_or(c, "first") == first && xml::attr_or(c, "then") == then_rsc &&
        xml::attr_or(c, "first-action", "start") == first_action &&
        xml::attr_or(c, "then-action", "start") == then_action) {
      return invalid("duplicate constraint already exists, use --force to override\n  " +
                     order_plain(c, true));
    }
  }
  ctx.notes.push_back("Adding " + first + " " + then_rsc + " (" + scorekind +
                      ") (Options: " + shown + ")");
  if (!id_given) {
    options.emplace_back("id",
                         unique_id(ctx.doc, "order-" + first + "-" + then_rsc + "-" + suffix));
  }
  Attrs attrs{{"first", first}, {"then", then_rsc}};
  attrs.insert(attrs.end(), options.begin(), options.end());
  xmlNode* added = append_element(cons, "rsc_order", attrs);
  for (const auto& [k, v] : attrs) {
    static constexpr std::array kKnown = {
        "id",    "first",       "then",        "first-action",   "then-action",   "kind",
        "score", "symmetrical", "require-all", "first-instance", "then-instance", "lifetime"};
    const bool known = std::find(kKnown.begin(), kKnown.end(), k) != kKnown.end();
    if (!known || (k == "kind" && v != "Mandatory" && v != "Optional" && v != "Serialize") ||
        ((k == "symmetrical" || k == "require-all") && !schema_boolean(v)) ||
        ((k == "first-action" || k == "then-action") && !is_action(v))) {
      remove_node(added);
      return schema_refusal();
    }
  }
  ctx.changed = true;
  return ok_status();
}

// A rule of a constraint (at any depth), in document order.
xmlNode* find_rule(xmlNode* n, const std::string& id) {
  for (xmlNode* c : xml::children(n)) {
    if (xml::is(c, "rule") && xml::attr_or(c, "id") == id) return c;
    if (xmlNode* deeper = find_rule(c, id)) return deeper;
  }
  return nullptr;
}

bool has_rule_below(xmlNode* n) {
  for (xmlNode* c : xml::children(n)) {
    if (xml::is(c, "rule") || has_rule_below(c)) return true;
  }
  return false;
}

// `constraint delete|remove ID...`: constraints, or rules of constraints
// (a constraint left without rules goes too). Every id is checked before
// anything is removed; pcs removes the good ones and reports the bad.
Status constraint_delete(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error(ctx, "constraint", {"delete"});
  xmlNode* cons = config_section(ctx.doc, "constraints");
  const std::vector<xmlNode*> all = cons ? xml::children(cons) : std::vector<xmlNode*>{};
  for (const auto& id : args) {
    const bool known = std::any_of(all.begin(), all.end(),
                                   [&](xmlNode* c) { return xml::attr_or(c, "id") == id; }) ||
                       (cons != nullptr && find_rule(cons, id) != nullptr);
    if (!known) return invalid("Unable to find constraint - '" + id + "'");
  }
  for (const auto& id : args) {
    bool removed = false;
    for (xmlNode* c : xml::children(cons)) {
      if (xml::attr_or(c, "id") == id) {
        remove_node(c);
        removed = true;
      }
    }
    if (removed) continue;
    if (xmlNode* rule = find_rule(cons, id)) {
      xmlNode* parent = rule->parent;
      remove_node(rule);
      if (!has_rule_below(parent)) remove_node(parent);
    }
  }
  ctx.changed = true;
  return ok_status();
}

}  // namespace

// pcs's one-line rendering of an order constraint (order.py constraint_plain).
std::string order_plain(const xmlNode* c, bool with_id) {
  std::vector<std::string> parts;
  auto add = [&](const std::string& p) {
    if (!p.empty()) parts.push_back(p);
  };
  const std::string kind = xml::attr_or(c, "kind"), score = xml::attr_or(c, "score");
  add(xml::attr_or(c, "first-action"));
  add(xml::attr_or(c, "first"));
  add("then");
  add(xml::attr_or(c, "then-action"));
  add(xml::attr_or(c, "then"));
  add(!kind.empty()   ? "(kind:" + kind + ")"
      : score.empty() ? "(kind:Mandatory)"
                      : "(score:" + score + ")");
  if (auto sym = xml::attr(c, "symmetrical")) {
    std::string v = *sym;
    for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (v != "true" && v != "on" && v != "yes" && v != "y" && v != "1") add("(non-symmetrical)");
  }
  std::string options;
  for (const xmlAttr* a = c->properties; a != nullptr; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    static constexpr std::array kShown = {"first", "then",  "first-action", "then-action",
                                          "id",    "score", "kind",         "symmetrical"};
    if (std::find(kShown.begin(), kShown.end(), name) != kShown.end()) continue;
    options += (options.empty() ? "" : " ") + name + "=" + xml::attr_or(c, name.c_str());
  }
  if (!options.empty()) add("(Options: " + options + ")");
  if (with_id) add("(id:" + xml::attr_or(c, "id") + ")");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

// pcs's one-line rendering of a colocation (colocation.py constraint_plain).
std::string colocation_plain(const xmlNode* c, bool with_id) {
  std::string out = xml::attr_or(c, "rsc") + " with " + xml::attr_or(c, "with-rsc") +
                    " (score:" + xml::attr_or(c, "score") + ")";
  std::vector<std::string> names;
  for (const xmlAttr* a = c->properties; a != nullptr; a = a->next) {
    names.emplace_back(reinterpret_cast<const char*>(a->name));
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (n == "rsc" || n == "with-rsc" || n == "id" || n == "score") continue;
    out += " (" + n + ":" + xml::attr_or(c, n.c_str()) + ")";
  }
  if (with_id) out += " (id:" + xml::attr_or(c, "id") + ")";
  return out;
}

Status check_location_resource(xmlDoc* doc, const std::string& id) {
  return check_constraint_resource(doc, id);
}

Status run_constraint(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "config" : args[0];
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  const std::string verb = rest.empty() ? "config" : rest[0];
  const std::vector<std::string> tail =
      rest.empty() ? rest : std::vector<std::string>(rest.begin() + 1, rest.end());
  const bool listing =
      sub == "config" || sub == "show" || sub == "list" ||
      ((sub == "location" || sub == "order" || sub == "colocation" || sub == "ticket") &&
       (verb == "config" || verb == "show"));
  if (ctx.flags.full && !listing) {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '--full' is not supported in this command");
  }
  if (ctx.flags.all && !(listing && (sub != "order" && sub != "colocation" && sub != "ticket"))) {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '--all' is not supported in this command");
  }
  // pcs's warning for negative numbers given without "--" before them.
  std::string negatives;
  for (const auto& a : args) {
    const std::string rest_of = a.size() > 1 ? a.substr(1) : "";
    const bool number =
        !rest_of.empty() && (rest_of == "INFINITY" || rest_of == "infinity" ||
                             rest_of.find_first_not_of("0123456789.") == std::string::npos);
    if (a[0] == '-' && number) negatives += (negatives.empty() ? "" : "', '") + a;
  }
  if (!negatives.empty()) {
    ctx.notes.push_back("Deprecation Warning: Using '" + negatives +
                        "' without '--' is deprecated, those parameters will be considered "
                        "position independent options in future vigil versions");
  }
  if (sub == "show" || sub == "list" || (listing && verb == "show")) {
    ctx.notes.push_back(
        std::string("Deprecation Warning: This command is deprecated and will be ") +
        "removed. Please use 'vigil constraint " +
        (sub == "show" || sub == "list" ? "" : sub + " ") + "config' instead.");
  }
  if (sub == "config" || sub == "show" || sub == "list") return constraint_listing(ctx, "", rest);
  if (listing) return constraint_listing(ctx, sub, tail);
  if (sub == "location") {
    if (verb == "add") return location_add(ctx, tail);
    if (verb == "remove" || verb == "delete") return location_remove(ctx, tail);
    if (rest.size() < 3) return usage_error(ctx, "constraint", {"location", verb});
    return location(ctx, rest);
  }
  if (sub == "colocation") {
    if (verb == "add") return colocation_add(ctx, tail);
    if (verb == "remove" || verb == "delete") return pair_remove(ctx, "colocation", tail);
    if (verb == "set") return constraint_set(ctx, "colocation", tail);
    return usage_error(ctx, "constraint", {"colocation", verb});
  }
  if (sub == "order") {
    if (verb == "remove" || verb == "delete") return pair_remove(ctx, "order", tail);
    if (verb == "set") return constraint_set(ctx, "order", tail);
    return order(ctx, rest);
  }
  if (sub == "ticket") {
    if (verb == "add") return ticket_add(ctx, tail);
    if (verb == "remove" || verb == "delete") return ticket_remove(ctx, tail);
    if (verb == "set") return constraint_set(ctx, "ticket", tail);
    return usage_error(ctx, "constraint", {"ticket", verb});
  }
  if (sub == "delete" || sub == "remove") return constraint_delete(ctx, rest);
  if (sub == "ref") return constraint_ref(ctx, rest);
  if (sub == "rule") {
    if (verb == "add") return rule_add(ctx, tail);
    if (verb == "remove" || verb == "delete") return rule_remove(ctx, tail);
    return usage_error(ctx, "constraint", {"rule", verb});
  }
  return usage_error(ctx, "constraint", {sub});
}

bool is_cluster_node(const Context& ctx, const std::string& name) {
  for (const auto& n : ctx.cluster_nodes) {
    if (n == name) return true;
  }
  if (xmlNode* nodes = config_section(ctx.doc, "nodes")) {
    for (xmlNode* n : xml::children(nodes, "node")) {
      if (xml::attr_or(n, "uname") == name) return true;
    }
  }
  return false;
}

}  // namespace vigil::admin
