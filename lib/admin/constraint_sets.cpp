// SPDX-License-Identifier: GPL-2.0-or-later
// pcs constraint colocation|order|ticket set, ticket add|remove,
// colocation|order remove and location add|remove. The set and ticket
// commands are pcs's library commands: some refusals carry pcs's summary
// line, those raised on the spot do not (as pcs prints them).
#include <algorithm>
#include <map>
#include <regex>

#include "constraint_common.hpp"
#include "pcs_usage.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

using Options = std::vector<std::pair<std::string, std::string>>;

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

std::string option_of(const Options& o, const std::string& name) {
  for (const auto& [k, v] : o) {
    if (k == name) return v;
  }
  return "";
}

bool has_option(const Options& o, const std::string& name) {
  return std::any_of(o.begin(), o.end(), [&](const auto& p) { return p.first == name; });
}

void set_option(Options& o, const std::string& name, const std::string& value) {
  for (auto& [k, v] : o) {
    if (k == name) {
      v = value;
      return;
    }
  }
  o.emplace_back(name, value);
}

// pcs's prepare_options, as Options.
Result<Options> name_values(const std::vector<std::string>& words) {
  auto unique = pcs_name_values(words);
  if (!unique) return unique.error();
  Options out;
  for (const auto& kv : *unique) out.emplace_back(kv.key, kv.value);
  return out;
}

// Takes `rsc` out of the constraint's sets; a set left empty goes.
bool remove_from_sets(xmlNode* c, const std::string& rsc) {
  bool removed = false;
  for (xmlNode* set : xml::children(c, "resource_set")) {
    for (xmlNode* r : xml::children(set, "resource_ref")) {
      if (xml::attr_or(r, "id") != rsc) continue;
      remove_node(r);
      removed = true;
    }
    if (xml::children(set, "resource_ref").empty()) remove_node(set);
  }
  return removed;
}

std::string capitalized(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string invalid_options(const std::vector<std::string>& names,
                            const std::vector<std::string>& allowed, const std::string& type = "") {
  return "invalid " + (type.empty() ? "" : type + " ") + "option" +
         (names.size() == 1 ? "" : "s:") + " " + quoted_list(names) + ", allowed option" +
         (allowed.size() == 1 ? " is" : "s are:") + " " + quoted_list(allowed);
}

std::string not_valid_value(const std::string& name, const std::string& value,
                            const std::vector<std::string>& allowed) {
  return "'" + value + "' is not a valid " + name + " value, use " + quoted_list(allowed);
}

// pcs's find_valid_resource_id: a resource (any kind), not a clone's member
// unless --force.
Result<std::string> valid_resource(Context& ctx, const std::string& id) {
  xmlNode* n = find_resource(ctx.doc, id);
  if (n == nullptr) {
    if (find_by_id(ctx.doc, id) != nullptr) {
      return Error(ErrorCode::kInvalidInput, "'" + id + "' is not a bundle/clone/group/resource");
    }
    return Error(ErrorCode::kInvalidInput,
                 "bundle/clone/group/resource '" + id + "' does not exist");
  }
  if (xml::is(n, "clone") || xml::is(n, "master") || xml::is(n, "bundle")) return id;
  for (xmlNode* p = n->parent; p != nullptr && !xml::is(p, "resources"); p = p->parent) {
    if (xml::is(p, "clone") || xml::is(p, "master") || xml::is(p, "bundle")) {
      const std::string kind = xml::is(p, "bundle") ? "bundle" : "clone";
      const std::string msg = id + " is a " + kind + " resource, you should use the " + kind +
                              " id: " + xml::attr_or(p, "id") + " when adding constraints";
      if (!ctx.flags.force) {
        return Error(ErrorCode::kInvalidInput, msg + ", use --force to override");
      }
      ctx.notes.push_back("Warning: " + msg);
      return id;
    }
  }
  return id;
}

// The id pcs makes for a set constraint: the first and last letters of the
// first three resources.
std::string set_constraint_id(xmlDoc* doc, const std::string& prefix,
                              const std::vector<std::vector<std::string>>& sets) {
  std::string part;
  int n = 0;
  for (const auto& s : sets) {
    for (const auto& id : s) {
      if (n++ < 3) part += std::string(1, id.front()) + id.back();
    }
  }
  return unique_id(doc, prefix + "_set_" + part);
}

bool same_sets(xmlNode* a, xmlNode* b) {
  auto ids = [](xmlNode* c) {
    std::vector<std::vector<std::string>> out;
    for (xmlNode* s : xml::children(c, "resource_set")) {
      out.emplace_back();
      for (xmlNode* r : xml::children(s, "resource_ref"))
        out.back().push_back(xml::attr_or(r, "id"));
    }
    return out;
  };
  return ids(a) == ids(b);
}

// Keeps the constraint just added unless it duplicates another: pcs's
// report is the list (an info line), then the error.
Status keep_unless_duplicate(Context& ctx, xmlNode* added, const auto& same,
                             std::string (*render)(const xmlNode*, bool)) {
  std::string list;
  for (xmlNode* c : xml::children(added->parent, reinterpret_cast<const char*>(added->name))) {
    if (c != added && same(added, c)) list += "\n  " + render(c, true);
  }
  if (!list.empty()) {
    ctx.notes.push_back("Duplicate constraints:" + list);
    if (!ctx.flags.force) {
      remove_node(added);  // refused: the document stays as it was
      return lib_error("duplicate constraint already exists, use --force to override");
    }
    ctx.notes.push_back("Warning: duplicate constraint already exists");
  }
  ctx.changed = true;
  return ok_status();
}

}  // namespace

Status constraint_set(Context& ctx, const std::string& family,
                      const std::vector<std::string>& args) {
  if (std::count(args.begin(), args.end(), "setoptions") > 1) {
    return invalid("Keyword 'setoptions' may be mentioned at most once");
  }
  const auto split = std::find(args.begin(), args.end(), "setoptions");
  const std::vector<std::string> set_words(args.begin(), split);
  const std::vector<std::string> option_words(split == args.end() ? split : split + 1, args.end());
  if (set_words.empty()) return usage_error(ctx, "constraint", {family, "set"});
  // "A B k=v set C ..." : the sets, each its ids and options.
  std::vector<std::vector<std::string>> ids(1);
  std::vector<std::vector<std::string>> set_option_words(1);
  for (const auto& w : set_words) {
    if (w == "set") {
      ids.emplace_back();
      set_option_words.emplace_back();
    } else if (w.find('=') != std::string::npos) {
      set_option_words.back().push_back(w);
    } else {
      ids.back().push_back(w);
    }
  }
  if (ids.front().empty() && set_option_words.front().empty()) {
    ids.erase(ids.begin());
    set_option_words.erase(set_option_words.begin());
  }
  std::vector<Options> set_options;
  for (const auto& words : set_option_words) {
    auto o = name_values(words);
    if (!o) return o.error();
    set_options.push_back(*o);
  }
  if (ids.empty() || std::any_of(ids.begin(), ids.end(), [](const auto& s) { return s.empty(); }))
    return usage_error(ctx, "constraint", {family, "set"});
  auto constraint_options = name_values(option_words);
  if (!constraint_options) return constraint_options.error();
  Options options = *constraint_options;

  // The constraint's options (pcs's prepare_options_with_set).
  const std::string tag = "rsc_" + family;
  std::vector<std::string> allowed = family == "colocation" ? std::vector<std::string>{"score"}
                                     : family == "order"
                                         ? std::vector<std::string>{"symmetrical", "kind"}
                                         : std::vector<std::string>{"loss-policy", "ticket"};
  allowed.push_back("id");
  std::vector<std::string> unknown;
  for (const auto& [k, v] : options) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) unknown.push_back(k);
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    std::sort(allowed.begin(), allowed.end());
    return invalid(invalid_options(unknown, allowed));
  }
  if (has_option(options, "id")) {
    const std::string id = option_of(options, "id");
    if (auto p = id_problem(id, "constraint id"); !p.empty()) return invalid(p);
    if (find_by_id(ctx.doc, id) != nullptr) return invalid("'" + id + "' already exists");
  } else {
    options.emplace_back("id", set_constraint_id(ctx.doc, family, ids));
  }
  std::vector<std::string> problems;
  if (family == "colocation") {
    if (!has_option(options, "score")) {
      options.emplace_back("score", "INFINITY");
    } else if (!is_score(option_of(options, "score"))) {
      return invalid("invalid score '" + option_of(options, "score") +
                     "', use integer or INFINITY or -INFINITY");
    }
  } else if (family == "order") {
    if (has_option(options, "kind")) {
      const std::string kind = capitalized(option_of(options, "kind"));
      if (kind != "Optional" && kind != "Mandatory" && kind != "Serialize") {
        problems.push_back(not_valid_value("kind", option_of(options, "kind"),
                                           {"Mandatory", "Optional", "Serialize"}));
      }
      set_option(options, "kind", kind);
    }
    if (has_option(options, "symmetrical")) {
      std::string sym = option_of(options, "symmetrical");
      for (char& c : sym) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (sym != "true" && sym != "false") {
        problems.push_back(
            not_valid_value("symmetrical", option_of(options, "symmetrical"), {"false", "true"}));
      }
      set_option(options, "symmetrical", sym);
    }
  } else {
    const std::string policy = option_of(options, "loss-policy");
    if (has_option(options, "loss-policy") && policy != "fence" && policy != "stop" &&
        policy != "freeze" && policy != "demote") {
      problems.push_back(
          not_valid_value("loss-policy", policy, {"demote", "fence", "freeze", "stop"}));
    }
    const std::string ticket = option_of(options, "ticket");
    static const std::regex kTicket("^[a-zA-Z0-9-]{1,63}$");
    if (ticket.find_first_not_of(" \t") == std::string::npos) {
      problems.push_back("required option 'ticket' is missing");
    } else if (!std::regex_match(ticket, kTicket)) {
      problems.push_back("booth ticket name '" + ticket +
                         "' is not valid, use up to 63 alphanumeric characters or dash");
    }
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return invalid(msg);
  }

  // Each set: its options checked, its ids resolved.
  std::vector<std::vector<std::string>> resolved;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::vector<std::string> set_problems, names;
    for (const auto& [k, v] : set_options[i]) {
      if (k != "action" && k != "require-all" && k != "role" && k != "sequential")
        names.push_back(k);
    }
    if (!names.empty()) {
      std::sort(names.begin(), names.end());
      set_problems.push_back(
          invalid_options(names, {"action", "require-all", "role", "sequential"}, "set"));
    }
    // pcs's validators, in their order: action, require-all, role, sequential.
    for (const char* name : {"action", "require-all", "role", "sequential"}) {
      if (!has_option(set_options[i], name)) continue;
      const std::string v = option_of(set_options[i], name), k = name;
      if (k == "action" && v != "start" && v != "stop" && v != "promote" && v != "demote")
        set_problems.push_back(
            not_valid_value("action", v, {"demote", "promote", "start", "stop"}));
      if ((k == "require-all" || k == "sequential") && v != "true" && v != "false")
        set_problems.push_back(not_valid_value(k, v, {"false", "true"}));
      if (k == "role" && v != "Stopped" && v != "Started" && v != "Promoted" && v != "Unpromoted" &&
          v != "Master" && v != "Slave")
        set_problems.push_back(not_valid_value(
            "role", v, {"Master", "Promoted", "Slave", "Started", "Stopped", "Unpromoted"}));
    }
    if (!set_problems.empty()) {
      std::string msg;
      for (const auto& p : set_problems) msg += (msg.empty() ? "" : "\nError: ") + p;
      return lib_error(msg);
    }
    for (auto& [k, v] : set_options[i]) {
      if (k == "role" && (v == "Master" || v == "Slave")) {
        ctx.notes.push_back("Deprecation Warning: Value '" + v +
                            "' of option role is deprecated and should not be used, use '" +
                            std::string(v == "Master" ? "Promoted" : "Unpromoted") +
                            "' value instead");
      }
      if (k == "role") v = role_for_cib(ctx.doc, v);
    }
    resolved.emplace_back();
    for (const auto& id : ids[i]) {
      auto r = valid_resource(ctx, id);
      if (!r) return r.error();
      resolved.back().push_back(*r);
    }
  }
  if (family == "order") {
    std::map<xmlNode*, int> groups;
    for (const auto& s : resolved) {
      for (const auto& id : s) {
        xmlNode* n = find_by_id(ctx.doc, id);
        if (n != nullptr && n->parent != nullptr && xml::is(n->parent, "group") &&
            ++groups[n->parent] > 1) {
          return invalid("Cannot create an order constraint for resources in the same group");
        }
      }
    }
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  xmlNode* c = append_element(cons, tag.c_str(), options);
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    Options attrs = set_options[i];
    attrs.emplace_back("id", unique_id(ctx.doc, option_of(options, "id") + "_set"));
    xmlNode* set = append_element(c, "resource_set", attrs);
    for (const auto& id : resolved[i]) append_element(set, "resource_ref", {{"id", id}});
  }
  auto same = [](xmlNode* a, xmlNode* b) {
    return !xml::children(b, "resource_set").empty() && same_sets(a, b);
  };
  return keep_unless_duplicate(ctx, c, same, constraint_with_sets);
}

Status ticket_add(Context& ctx, const std::vector<std::string>& args) {
  auto first_option = std::find_if(args.begin(), args.end(), [](const std::string& w) {
    return w.find('=') != std::string::npos;
  });
  const std::vector<std::string> info(args.begin(), first_option);
  if (info.empty()) return invalid("Ticket not specified");
  const std::vector<std::string> spec(info.begin() + 1, info.end());
  if (spec.size() != 1 && spec.size() != 2) {
    std::string joined;
    for (const auto& s : spec) joined += (joined.empty() ? "" : " ") + s;
    return invalid("invalid resource specification: '" + joined + "'");
  }
  const std::string ticket = info[0], rsc = spec.back();
  std::string role = spec.size() == 2 ? spec[0] : "";
  auto parsed = name_values({first_option, args.end()});
  if (!parsed) return parsed.error();
  Options options = *parsed;
  if (has_option(options, "rsc-role")) {
    return invalid(
        "Resource role must not be specified among options, specify it before resource id");
  }
  auto resource = valid_resource(ctx, rsc);
  if (!resource) return resource.error();
  std::vector<std::string> problems;
  const std::string policy = option_of(options, "loss-policy");
  if (has_option(options, "loss-policy") && policy != "fence" && policy != "stop" &&
      policy != "freeze" && policy != "demote") {
    problems.push_back(
        not_valid_value("loss-policy", policy, {"demote", "fence", "freeze", "stop"}));
  }
  static const std::regex kTicket("^[a-zA-Z0-9-]{1,63}$");
  if (!std::regex_match(ticket, kTicket)) {
    problems.push_back("booth ticket name '" + ticket +
                       "' is not valid, use up to 63 alphanumeric characters or dash");
  }
  if (!role.empty()) {
    const std::string r = capitalized(role);
    if (r != "Stopped" && r != "Started" && r != "Promoted" && r != "Unpromoted" && r != "Master" &&
        r != "Slave") {
      problems.push_back(not_valid_value(
          "role", role, {"Master", "Promoted", "Slave", "Started", "Stopped", "Unpromoted"}));
    } else if (r == "Master" || r == "Slave") {
      ctx.notes.push_back("Deprecation Warning: Value '" + role +
                          "' of option role is deprecated and should not be used, use '" +
                          (r == "Master" ? "Promoted" : "Unpromoted") + "' value instead");
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [k, v] : options) {
    if (k != "id" && k != "loss-policy") unknown.push_back(k);
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    problems.push_back(invalid_options(unknown, {"id", "loss-policy"}));
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return lib_error(msg);
  }
  if (!role.empty()) role = role_for_cib(ctx.doc, capitalized(role));
  Options attrs = options;
  set_option(attrs, "ticket", ticket);
  set_option(attrs, "rsc", *resource);
  if (!role.empty()) set_option(attrs, "rsc-role", role);
  if (!has_option(attrs, "id")) {
    attrs.emplace_back("id", unique_id(ctx.doc, "ticket-" + ticket + "-" + *resource +
                                                    (role.empty() ? "" : "-" + role)));
  } else {
    const std::string id = option_of(attrs, "id");
    if (auto p = id_problem(id, "constraint id"); !p.empty()) return lib_error(p);
    if (find_by_id(ctx.doc, id) != nullptr) return lib_error("'" + id + "' already exists");
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  xmlNode* c = append_element(cons, "rsc_ticket", attrs);
  auto same = [&](xmlNode* a, xmlNode* b) {
    return xml::children(b, "resource_set").empty() &&
           role_for_cib(ctx.doc, xml::attr_or(a, "rsc-role")) ==
               role_for_cib(ctx.doc, xml::attr_or(b, "rsc-role")) &&
           xml::attr_or(a, "ticket") == xml::attr_or(b, "ticket") &&
           xml::attr_or(a, "rsc") == xml::attr_or(b, "rsc");
  };
  return keep_unless_duplicate(ctx, c, same, ticket_plain);
}

Status ticket_remove(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) return usage_error(ctx, "constraint", {"ticket", "remove"});
  const std::string& ticket = args[0];
  const std::string& rsc = args[1];
  bool removed = false;
  xmlNode* cons = config_section(ctx.doc, "constraints");
  for (xmlNode* c : cons ? xml::children(cons, "rsc_ticket") : std::vector<xmlNode*>{}) {
    if (xml::attr_or(c, "ticket") != ticket) continue;
    if (xml::attr_or(c, "rsc") == rsc) {
      remove_node(c);
      removed = true;
      continue;
    }
    removed = remove_from_sets(c, rsc) || removed;
    if (xml::children(c).empty() && !xml::has_attr(c, "rsc")) remove_node(c);
  }
  if (!removed) return invalid("no matching ticket constraint found");
  ctx.changed = true;
  return ok_status();
}

Status pair_remove(Context& ctx, const std::string& family, const std::vector<std::string>& args) {
  xmlNode* cons = config_section(ctx.doc, "constraints");
  const std::vector<xmlNode*> none;
  bool found = false;
  if (family == "colocation") {
    if (args.size() < 2) return usage_error(ctx, "constraint", {"colocation", "remove"});
    for (xmlNode* c : cons ? xml::children(cons, "rsc_colocation") : none) {
      const std::string a = xml::attr_or(c, "rsc"), b = xml::attr_or(c, "with-rsc");
      if ((a == args[0] && b == args[1]) || (a == args[1] && b == args[0])) {
        remove_node(c);
        found = true;
      }
    }
  } else {
    if (args.empty()) return usage_error(ctx, "constraint", {"order", "remove"});
    for (const auto& rsc : args) {
      for (xmlNode* c : cons ? xml::children(cons, "rsc_order") : none) {
        if (xml::attr_or(c, "first") == rsc || xml::attr_or(c, "then") == rsc) {
          remove_node(c);
          found = true;
          continue;
        }
        found = remove_from_sets(c, rsc) || found;
        if (xml::children(c, "resource_set").empty() && !xml::has_attr(c, "first")) remove_node(c);
      }
    }
  }
  if (!found) return invalid("No matching resources found in ordering list");
  ctx.changed = true;
  return ok_status();
}

Status location_add(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 4) return usage_error(ctx, "constraint", {"location", "add"});
  const std::string id = args[0], node = args[2], score = args[3];
  std::string rsc = args[1];
  const auto typed = strip_subject_type(rsc);
  if (!typed) return typed.error();
  const bool pattern = *typed;
  Options options;
  for (std::size_t i = 4; i < args.size(); ++i) {
    const auto eq = args[i].find('=');
    if (eq == std::string::npos) return invalid("bad option '" + args[i] + "'");
    options.emplace_back(args[i].substr(0, eq), args[i].substr(eq + 1));
    if (options.back().first != "resource-discovery" && !ctx.flags.force) {
      return invalid("bad option '" + options.back().first + "', use --force to override");
    }
  }
  if (!ctx.live || ctx.flags.force) {
    ctx.notes.push_back("Warning: Validation for node existence in the cluster will be skipped");
  } else if (!is_cluster_node(ctx, node)) {
    return lib_error("Node '" + node +
                     "' does not appear to exist in configuration, use --force "
                     "to override");
  }
  if (!is_score(score)) {
    return invalid("invalid score '" + score + "', use integer or INFINITY or -INFINITY");
  }
  if (auto p = id_problem(id, "constraint id"); !p.empty()) return invalid(p);
  if (!pattern) {
    if (auto st = check_location_resource(ctx.doc, rsc); !st) return st;
  }
  xmlNode* cons = config_section(ctx.doc, "constraints", true);
  if (cons == nullptr) return invalid("the CIB has no <configuration> section");
  const char* subject = pattern ? "rsc-pattern" : "rsc";
  for (xmlNode* c : xml::children(cons, "rsc_location")) {
    if (xml::attr_or(c, "id") == id ||
        (xml::attr_or(c, "node") == node && xml::has_attr(c, subject) &&
         xml::attr_or(c, subject) == rsc)) {
      remove_node(c);
    }
  }
  Options attrs{{"id", id}, {subject, rsc}, {"node", node}, {"score", score}};
  attrs.insert(attrs.end(), options.begin(), options.end());
  append_element(cons, "rsc_location", attrs);
  ctx.changed = true;
  return ok_status();
}

Status location_remove(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) return usage_error(ctx, "constraint", {"location", "remove"});
  bool found = false;
  if (xmlNode* cons = config_section(ctx.doc, "constraints")) {
    for (xmlNode* c : xml::children(cons, "rsc_location")) {
      if (xml::attr_or(c, "id") == args[0]) {
        remove_node(c);
        found = true;
      }
    }
  }
  if (!found) return invalid("resource location id: " + args[0] + " not found.");
  ctx.changed = true;
  return ok_status();
}

Status rule_remove(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 1) return usage_error(ctx, "constraint", {"rule", "remove"});
  if (ctx.flags.force) {
    return invalid("Specified option '--force' is not supported in this command");
  }
  xmlNode* cons = config_section(ctx.doc, "constraints");
  for (xmlNode* loc : cons ? xml::children(cons, "rsc_location") : std::vector<xmlNode*>{}) {
    const auto children = xml::children(loc);
    for (xmlNode* rule : children) {
      if (xml::attr_or(rule, "id") != args[0]) continue;
      if (children.size() > 1) {
        ctx.notes.push_back("Removing Rule: " + args[0]);
        remove_node(rule);
      } else {
        ctx.notes.push_back("Removing Constraint: " + xml::attr_or(loc, "id"));
        remove_node(loc);
      }
      ctx.changed = true;
      return ok_status();
    }
  }
  return invalid("unable to find rule with id: " + args[0]);
}

}  // namespace vigil::admin
