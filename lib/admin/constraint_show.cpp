// SPDX-License-Identifier: GPL-2.0-or-later
// pcs's constraint listings: `constraint [config] [--full] [--all]`,
// `constraint location [config] [resources|nodes [ID...]]`, `order|colocation|
// ticket [config]` and `constraint ref RSC...`, in pcs 0.11.5's layout.
#include <algorithm>
#include <map>
#include <set>

#include "constraint_common.hpp"
#include "pcs_usage.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

// crm_rule --check as pcs uses it to hide expired constraints: only a rule
// with exactly one date expression (not a date-spec) is judged.
bool rule_expired(const xmlNode* rule, EpochSeconds now) {
  std::vector<xmlNode*> dates;
  std::vector<xmlNode*> todo{const_cast<xmlNode*>(rule)};
  while (!todo.empty()) {
    xmlNode* n = todo.back();
    todo.pop_back();
    for (xmlNode* c : xml::children(n)) {
      if (xml::is(c, "date_expression")) dates.push_back(c);
      todo.push_back(c);
    }
  }
  if (dates.size() != 1) return false;
  const xmlNode* d = dates.front();
  const std::string op = xml::attr_or(d, "operation", "in_range");
  if (op == "date_spec" || op == "gt") return false;
  std::optional<EpochSeconds> end;
  if (xml::has_attr(d, "end")) end = parse_iso8601(xml::attr_or(d, "end"));
  if (!end && op == "in_range" && xml::has_attr(d, "start")) {
    const auto durations = xml::children(const_cast<xmlNode*>(d), "duration");
    const auto start = parse_iso8601(xml::attr_or(d, "start"));
    if (!durations.empty() && start) {
      std::string iso = "P";
      std::string time;
      for (const auto& [name, unit] : {std::pair{"years", "Y"}, std::pair{"months", "M"},
                                       std::pair{"weeks", "W"}, std::pair{"days", "D"}}) {
        if (xml::has_attr(durations.front(), name))
          iso += xml::attr_or(durations.front(), name) + unit;
      }
      for (const auto& [name, unit] :
           {std::pair{"hours", "H"}, std::pair{"minutes", "M"}, std::pair{"seconds", "S"}}) {
        if (xml::has_attr(durations.front(), name))
          time += xml::attr_or(durations.front(), name) + unit;
      }
      if (!time.empty()) iso += "T" + time;
      if (auto dur = parse_iso8601_duration(iso)) end = add_duration(*start, *dur);
    }
  }
  return end && now > *end;
}

std::vector<xmlNode*> constraints_of(xmlDoc* doc, const char* tag) {
  xmlNode* cons = config_section(doc, "constraints");
  return cons ? xml::children(cons, tag) : std::vector<xmlNode*>{};
}

bool has_sets(xmlNode* c) {
  return !xml::children(c, "resource_set").empty();
}

std::string role_primary(std::string role) {
  for (auto& ch : role) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (!role.empty()) role[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(role[0])));
  if (role == "Master") return "Promoted";
  if (role == "Slave") return "Unpromoted";
  return role;
}

// A location's subject: patterns sort before resources, then by name.
struct Subject {
  bool resource = true;
  std::string value;
  std::string label() const { return (resource ? "Resource: " : "Resource pattern: ") + value; }
  bool operator<(const Subject& o) const {
    return std::pair(resource, value) < std::pair(o.resource, o.value);
  }
  bool operator==(const Subject& o) const = default;
};

struct LocationEntry {
  xmlNode* element;
  Subject subject;
  std::string node, score, role, discovery;
};

std::string entry_line(const LocationEntry& e, bool by_node, bool ids) {
  std::string line =
      "      " + (by_node ? e.subject.label() : "Node: " + e.node) + " (score:" + e.score + ")";
  if (!e.role.empty()) line += " (role:" + e.role + ")";
  if (!e.discovery.empty()) line += " (resource-discovery=" + e.discovery + ")";
  if (ids) line += " (id:" + xml::attr_or(e.element, "id") + ")";
  return line + "\n";
}

bool positive(const std::string& score) {
  if (score == "INFINITY" || score == "+INFINITY") return true;
  return score.empty() || score[0] != '-';
}

// The "Enabled on:"/"Disabled on:" (or "Allowed to run:"/"Not allowed to
// run:") blocks of the entries matching `pick`.
std::string enabled_blocks(const std::vector<LocationEntry>& entries, bool by_node, bool ids,
                           const auto& pick) {
  std::string out;
  for (const bool on : {true, false}) {
    std::string lines;
    for (const auto& e : entries) {
      if (pick(e) && positive(e.score) == on && (by_node || !e.node.empty())) {
        lines += entry_line(e, by_node, ids);
      }
    }
    if (lines.empty()) continue;
    out += by_node ? (on ? "    Allowed to run:\n" : "    Not allowed to run:\n")
                   : (on ? "    Enabled on:\n" : "    Disabled on:\n");
    out += lines;
  }
  return out;
}

// The rule constraints of one subject, sorted by id.
std::string rule_blocks(const std::vector<LocationEntry>& entries, const Subject& subject, bool ids,
                        bool show_expired, EpochSeconds now) {
  std::map<std::string, const xmlNode*> by_id;
  for (const auto& e : entries) {
    if (e.subject == subject && !xml::children(e.element, "rule").empty()) {
      by_id.emplace(xml::attr_or(e.element, "id"), e.element);
    }
  }
  std::string out;
  for (const auto& [id, loc] : by_id) {
    if (auto text = location_rule_listing(loc, ids, show_expired, now)) out += *text;
  }
  return out;
}

std::string location_listing(Context& ctx, bool by_node, const std::vector<std::string>& only) {
  const bool ids = ctx.flags.full, show_expired = ctx.flags.all;
  std::vector<LocationEntry> entries;
  for (xmlNode* c : constraints_of(ctx.doc, "rsc_location")) {
    LocationEntry e{c,
                    {},
                    xml::attr_or(c, "node"),
                    xml::attr_or(c, "score"),
                    role_primary(xml::attr_or(c, "role")),
                    xml::attr_or(c, "resource-discovery")};
    if (xml::has_attr(c, "rsc-pattern")) {
      e.subject = {false, xml::attr_or(c, "rsc-pattern")};
    } else {
      e.subject = {true, xml::attr_or(c, "rsc")};
    }
    if (e.score.empty()) e.score = "0";
    entries.push_back(e);
  }
  std::string out = "Location Constraints:\n";
  if (by_node) {
    std::set<std::string> nodes;
    for (const auto& e : entries) nodes.insert(e.node);
    for (const auto& node : nodes) {
      if (!only.empty() && std::find(only.begin(), only.end(), node) == only.end()) continue;
      out += "  Node: " + node + "\n";
      out += enabled_blocks(entries, true, ids,
                            [&](const LocationEntry& e) { return e.node == node; });
    }
    std::set<Subject> with_rules;
    for (const auto& e : entries) {
      if (!xml::children(e.element, "rule").empty()) with_rules.insert(e.subject);
    }
    for (const auto& subject : with_rules) {
      out += "  " + subject.label() + "\n";
      out += rule_blocks(entries, subject, ids, show_expired, ctx.now);
    }
    return out;
  }
  std::set<Subject> subjects;
  for (const auto& e : entries) subjects.insert(e.subject);
  for (const auto& subject : subjects) {
    if (!only.empty()) {
      bool wanted = false;
      for (const auto& o : only) {
        const Subject asked = o.rfind("regexp%", 0) == 0     ? Subject{false, o.substr(7)}
                              : o.rfind("resource%", 0) == 0 ? Subject{true, o.substr(9)}
                                                             : Subject{true, o};
        wanted = wanted || asked == subject;
      }
      if (!wanted) continue;
    }
    const std::string body =
        enabled_blocks(entries, false, ids,
                       [&](const LocationEntry& e) { return e.subject == subject; }) +
        rule_blocks(entries, subject, ids, show_expired, ctx.now);
    if (!body.empty()) out += "  " + subject.label() + "\n" + body;
  }
  return out;
}

// "Ordering Constraints:" and the like: plain ones, then those with sets.
std::string family_listing(Context& ctx, const char* caption, const char* tag,
                           std::string (*plain)(const xmlNode*, bool)) {
  std::string out = std::string(caption) + "\n", sets;
  for (xmlNode* c : constraints_of(ctx.doc, tag)) {
    if (has_sets(c)) {
      sets += "    " + constraint_with_sets(c, ctx.flags.full) + "\n";
    } else {
      out += "  " + plain(c, ctx.flags.full) + "\n";
    }
  }
  if (!sets.empty()) out += "  Resource Sets:\n" + sets;
  return out;
}

std::string options_text(const xmlNode* e, const std::vector<std::string>& skip) {
  std::vector<std::string> parts;
  for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    if (name == "id" || std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    std::string value = xml::attr_or(e, name.c_str());
    if (name == "role" || name == "rsc-role" || name == "with-rsc-role")
      value = role_primary(value);
    parts.push_back(name + "=" + value);
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace

std::optional<std::string> location_rule_listing(const xmlNode* loc, bool ids, bool show_expired,
                                                 EpochSeconds now) {
  std::string out = "    Constraint";
  std::string rules;
  bool all_expired = true;
  for (xmlNode* c : xml::children(const_cast<xmlNode*>(loc), "rule")) {
    const bool expired = rule_expired(c, now);
    all_expired = all_expired && expired;
    rules += rule_lines(c, "      ", ids, expired && show_expired);
  }
  if (all_expired && !show_expired) return std::nullopt;
  if (all_expired) out += " (expired)";
  out += ": " + xml::attr_or(loc, "id");
  if (xml::has_attr(loc, "resource-discovery"))
    out += " (resource-discovery=" + xml::attr_or(loc, "resource-discovery") + ")";
  return out + rules + "\n";
}

std::string ticket_plain(const xmlNode* c, bool with_id) {
  const std::string role = role_primary(xml::attr_or(c, "rsc-role"));
  std::string out = (role.empty() ? "" : role + " ") + xml::attr_or(c, "rsc");
  const std::string options = options_text(c, {"rsc", "rsc-role"});
  if (!options.empty()) out += " " + options;
  if (with_id) out += " (id:" + xml::attr_or(c, "id") + ")";
  return out;
}

std::string constraint_with_sets(const xmlNode* c, bool with_id) {
  std::string out;
  auto add = [&](const std::string& part) {
    if (!part.empty()) out += (out.empty() ? "" : " ") + part;
  };
  for (xmlNode* set : xml::children(const_cast<xmlNode*>(c), "resource_set")) {
    add("set");
    for (xmlNode* r : xml::children(set, "resource_ref")) add(xml::attr_or(r, "id"));
    add(options_text(set, {}));
    if (with_id) add("(id:" + xml::attr_or(set, "id") + ")");
  }
  const std::string options = options_text(c, {});
  if (!options.empty()) add("setoptions " + options);
  if (with_id) add("(id:" + xml::attr_or(c, "id") + ")");
  return out;
}

Status constraint_listing(Context& ctx, const std::string& family,
                          const std::vector<std::string>& args) {
  if (ctx.flags.all && family != "" && family != "location") {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '--all' is not supported in this command");
  }
  if (family != "location" && !family.empty() && !args.empty()) {
    return usage_error(ctx, "constraint", {family, "config"});
  }
  if (family == "location") {
    const bool by_node = !args.empty() && args[0] == "nodes";
    std::vector<std::string> only;
    if (args.size() > 1) only.assign(args.begin() + 1, args.end());
    ctx.out += location_listing(ctx, by_node, only);
    return ok_status();
  }
  if (family.empty()) ctx.out += location_listing(ctx, false, {});
  if (family.empty() || family == "order")
    ctx.out += family_listing(ctx, "Ordering Constraints:", "rsc_order", order_plain);
  if (family.empty() || family == "colocation")
    ctx.out += family_listing(ctx, "Colocation Constraints:", "rsc_colocation", colocation_plain);
  if (family.empty() || family == "ticket")
    ctx.out += family_listing(ctx, "Ticket Constraints:", "rsc_ticket", ticket_plain);
  return ok_status();
}

Status constraint_ref(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error(ctx, "constraint", {"ref"});
  for (const auto& id : args) {
    ctx.out += "Resource: " + id + "\n";
    std::vector<std::string> plain;
    std::set<std::string> with_sets;
    // A clone's primitive: the clone's constraints first (pcs's order).
    std::vector<std::string> subjects{id};
    if (xmlNode* n = find_by_id(ctx.doc, id);
        n != nullptr && xml::is(n, "primitive") && n->parent != nullptr &&
        (xml::is(n->parent, "clone") || xml::is(n->parent, "master"))) {
      subjects.insert(subjects.begin(), xml::attr_or(n->parent, "id"));
    }
    for (const auto& subject : subjects) {
      for (const char* tag : {"rsc_colocation", "rsc_location", "rsc_order", "rsc_ticket"}) {
        for (xmlNode* c : constraints_of(ctx.doc, tag)) {
          for (const char* a : {"rsc", "first", "then", "with-rsc"}) {
            if (xml::attr_or(c, a) == subject) {
              plain.push_back(xml::attr_or(c, "id"));
              break;
            }
          }
          for (xmlNode* set : xml::children(c, "resource_set")) {
            for (xmlNode* r : xml::children(set, "resource_ref")) {
              if (xml::attr_or(r, "id") == subject) with_sets.insert(xml::attr_or(c, "id"));
            }
          }
        }
      }
    }
    if (plain.empty() && with_sets.empty()) ctx.out += "  No Matches.\n";
    for (const auto& c : plain) ctx.out += "  " + c + "\n";
    for (const auto& c : with_sets) ctx.out += "  " + c + "\n";
  }
  return ok_status();
}

}  // namespace vigil::admin
