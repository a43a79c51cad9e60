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
Status check_constraint_resource(xmlDoc* doc, const std::string& id) {
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
    if (xml::is(p, "clone") || xml::is(p, "master") || xml::is(p, "bundle")) {
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
  if (rsc.rfind("regexp%", 0) == 0) {
    return Error(ErrorCode::kUnsupported,
                 "regexp% resource patterns are not supported by vigil yet");
  }
  if (rsc.rfind("resource%", 0) == 0)
    rsc = rsc.substr(9);
  else if (rsc.rfind("%", 0) == 0)
    rsc = rsc.substr(1);
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
  if (auto st = check_constraint_resource(ctx.doc, rsc); !st) return st;

  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  for (const auto& p : planned) {
    // A simple location for the same resource and node (or the same id) is
    // replaced: deleted here, appended again at the end.
    for (xmlNode* c : xml::children(cons, "rsc_location")) {
      if (xml::attr_or(c, "id") == p.id ||
          (xml::attr_or(c, "node") == p.node && xml::attr_or(c, "rsc") == rsc)) {
        remove_node(c);
      }
    }
    append_element(cons, "rsc_location",
                   {{"id", p.id}, {"rsc", rsc}, {"node", p.node}, {"score", p.score}});
  }
  ctx.changed = true;
  return ok_status();
}

Status colocation_add(Context& ctx, const std::vector<std::string>& args) {
  auto usage = [&] { return usage_error(ctx, "constraint", {"colocation", "add"}); };
  const auto with = std::find(args.begin(), args.end(), "with");
  if (with == args.end()) return usage();
  std::vector<std::string> left(args.begin(), with), right(with + 1, args.end());
  std::string rsc_role, with_role, score = "INFINITY", id;
  if (left.size() == 2) {
    rsc_role = left[0];
    left.erase(left.begin());
  }
  if (left.size() != 1 || right.empty()) return usage();
  // "with [role] target [score] [options]": a second word that is neither a
  // score nor an option means the first one is a role.
  if (right.size() >= 2 && !is_score(right[1]) && right[1].find('=') == std::string::npos) {
    with_role = right[0];
    right.erase(right.begin());
  }
  for (const auto& r : {rsc_role, with_role}) {
    if (!r.empty() && !is_role(r)) {
      return invalid("invalid role value '" + r +
                     "', allowed values are: 'Master', 'Promoted', 'Slave', 'Started', 'Stopped', "
                     "'Unpromoted'");
    }
  }
  for (const auto& r : {rsc_role, with_role}) {
    if (r == "Master" || r == "Slave") {
      ctx.notes.push_back("Deprecation Warning: Role value '" + r +
                          "' is deprecated and should not be used, use '" +
                          (r == "Master" ? "Promoted" : "Unpromoted") + "' instead");
    }
  }
  const std::string rsc = left[0], with_rsc = right[0];
  std::size_t i = 1;
  if (i < right.size() && is_score(right[i])) {
    score = right[i++];
    if (score[0] == '-') {
      ctx.notes.push_back(
          "Deprecation Warning: Using '" + score +
          "' without '--' is deprecated, those parameters will be considered position "
          "independent options in future vigil versions");
    }
  }
  for (; i < right.size(); ++i) {
    auto kv = split_key_value(right[i]);
    if (!kv) return kv.error();
    if (kv->key == "id") {
      id = kv->value;
    } else if (kv->key == "score") {
      if (!is_score(kv->value))
        return invalid("invalid score '" + kv->value + "', use integer or INFINITY or -INFINITY");
      score = kv->value;
    } else {
      return Error(ErrorCode::kUnsupported,
                   "colocation option '" + kv->key + "' is not supported by vigil yet");
    }
  }
  if (auto st = check_constraint_resource(ctx.doc, rsc); !st) return st;
  if (auto st = check_constraint_resource(ctx.doc, with_rsc); !st) return st;
  if (!id.empty()) {
    if (auto p = id_problem(id, "constraint id"); !p.empty()) return invalid(p);
    if (find_by_id(ctx.doc, id) != nullptr)
      return invalid("id '" + id + "' is already in use, please specify another one");
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  const std::string wr = rsc_role.empty() && with_role.empty()
                             ? ""
                             : role_for_cib(ctx.doc, rsc_role.empty() ? "Started" : rsc_role);
  const std::string wwr = rsc_role.empty() && with_role.empty()
                              ? ""
                              : role_for_cib(ctx.doc, with_role.empty() ? "Started" : with_role);
  for (xmlNode* c : xml::children(cons, "rsc_colocation")) {
    if (xml::attr_or(c, "rsc") == rsc && xml::attr_or(c, "with-rsc") == with_rsc &&
        xml::attr_or(c, "rsc-role") == wr && xml::attr_or(c, "with-rsc-role") == wwr) {
      return invalid("duplicate constraint already exists, use --force to override\n  " +
                     colocation_plain(c, true));
    }
  }
  if (id.empty())
    id = unique_id(ctx.doc, sanitize_id("colocation-" + rsc + "-" + with_rsc + "-" + score));
  Attrs attrs{{"rsc", rsc}, {"with-rsc", with_rsc}, {"score", score}};
  if (!wr.empty()) {
    attrs.emplace_back("rsc-role", wr);
    attrs.emplace_back("with-rsc-role", wwr);
  }
  attrs.emplace_back("id", id);
  append_element(cons, "rsc_colocation", attrs);
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
    return invalid("Multiple 'then's cannot be specified.");
  }
  if (auto st = check_constraint_resource(ctx.doc, first); !st) return st;
  if (auto st = check_constraint_resource(ctx.doc, then_rsc); !st) return st;
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
  for (xmlNode* c : xml::children(cons, "rsc_order")) {
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
  append_element(cons, "rsc_order", attrs);
  ctx.changed = true;
  return ok_status();
}

Status constraint_delete(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error(ctx, "constraint", {"delete"});
  xmlNode* cons = config_section(ctx.doc, "constraints");
  std::vector<xmlNode*> found;
  // All ids are checked first, so a bad one leaves the file untouched.
  for (const auto& id : args) {
    xmlNode* hit = nullptr;
    for (xmlNode* c : cons ? xml::children(cons) : std::vector<xmlNode*>{}) {
      if (xml::attr_or(c, "id") == id) hit = c;
    }
    if (hit == nullptr) return invalid("Unable to find constraint - '" + id + "'");
    if (std::find(found.begin(), found.end(), hit) == found.end()) found.push_back(hit);
  }
  for (xmlNode* c : found) remove_node(c);
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
  const bool listing = sub == "config" || sub == "show" || sub == "list" ||
                       ((sub == "location" || sub == "order" || sub == "colocation" ||
                         sub == "ticket") &&
                        (verb == "config" || verb == "show"));
  if (ctx.flags.full && !listing) {
    return Error(ErrorCode::kInvalidInput, "Specified option '--full' is not supported in this command");
  }
  if (ctx.flags.all && !(listing && (sub != "order" && sub != "colocation" && sub != "ticket"))) {
    return Error(ErrorCode::kInvalidInput, "Specified option '--all' is not supported in this command");
  }
  if (sub == "show" || sub == "list" || (listing && verb == "show")) {
    ctx.notes.push_back(std::string("Deprecation Warning: This command is deprecated and will be ") +
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
