// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource ban / move-with-constraint / clear: the cli-ban-* and
// cli-prefer-* location constraints crm_resource writes (pcs wraps it), and
// pcs 0.11's checks and wording, --promoted included. `resource move` (move,
// then remove the constraint) needs a running cluster: resource_move_live.cpp.
#include "resource_move.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/status_facts.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {
namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

struct Target {
  std::string rsc, node, lifetime;
};

// pcs's `RSC [NODE] [lifetime=DURATION]` in any order: one node, one
// lifetime (its value up to a further '=', a leading digit read as "P..."),
// then its library's checks (all errors together, then the summary line).
Result<Target> check_target(Context& ctx, const std::vector<std::string>& args, bool move,
                            const std::string& usage) {
  if (args.empty() || args.size() > 3) return invalid(usage).error();
  Target t{args[0], "", ""};
  bool have_lifetime = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("lifetime=", 0) == 0) {
      if (have_lifetime) return invalid(usage).error();
      have_lifetime = true;
      const std::string rest = a.substr(9);
      t.lifetime = rest.substr(0, rest.find('='));
      if (!t.lifetime.empty() && std::isdigit(static_cast<unsigned char>(t.lifetime[0])) != 0) {
        t.lifetime = "P" + t.lifetime;
      }
      have_lifetime = !t.lifetime.empty();
    } else if (t.node.empty()) {
      t.node = a;
    } else {
      return invalid(usage).error();
    }
  }
  xmlNode* r = find_resource(ctx.doc, t.rsc);
  std::vector<std::string> problems;
  if (r == nullptr) {
    problems.push_back(not_a_resource(ctx.doc, t.rsc));
  } else {
    if ((!move && xml::is(r, "bundle")) || xml::is(r->parent, "bundle")) {
      return Error(ErrorCode::kUnsupported,
                   "moving or banning bundles is not supported by vigil yet");
    }
    if (move) {
      validate_move(ctx, r, problems);
    } else if (ctx.flags.promoted && !is_promotable_clone(r)) {
      xmlNode* holder = clone_ancestor(r);
      problems.push_back("when specifying --promoted you must use the promotable clone id" +
                         (holder != nullptr && is_promotable_clone(holder)
                              ? " (" + xml::attr_or(holder, "id") + ")"
                              : std::string()));
    }
  }
  if (!t.node.empty() && !is_cluster_node(ctx, t.node)) {
    problems.push_back("Node '" + t.node + "' does not appear to exist in configuration");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return lib_error(msg).error();
  }
  return t;
}

// What crm_resource does with the checked target: a move refuses to go where
// the resource already is; without a node it takes the one the resource is
// active on now (from the CIB's status); then the lifetime.
// Returns the end of the lifetime ("" for none), or pcs's error.
Result<std::string> run_crm_resource(Context& ctx, Target& t, const std::string& verb) {
  if (!t.node.empty() && verb == "move") {
    auto unpacked = status_view::unpack_copy(ctx.doc, ctx.now);
    if (!unpacked) return unpacked.error();
    if (auto st = crm_move_refusal(ctx.doc, *unpacked->ws, t.rsc, t.node, ctx.flags.promoted);
        !st) {
      return st.error();
    }
  } else if (t.node.empty()) {
    auto unpacked = status_view::unpack_copy(ctx.doc, ctx.now);
    if (!unpacked) return unpacked.error();
    const BanTarget where = ban_target(*unpacked->ws, t.rsc);
    if (where.node.empty()) {
      if (where.active == 0) {
        return invalid("You must specify a node when moving/banning a stopped resource").error();
      }
      return invalid("cannot " + verb + " resource '" + t.rsc + "'\n" + where.failure).error();
    }
    t.node = where.node;
  }
  if (t.lifetime.empty()) return std::string();
  auto end = lifetime_end_for(t.lifetime, ctx.now);
  if (!end) {
    return invalid("cannot " + verb + " resource '" + t.rsc + "'\n" + end.error().message())
        .error();
  }
  ctx.notes.push_back("Migration will take effect until: " + *end);
  return *end;
}

// crm_resource merges its constraint into one of the same id; a plain one
// and a timed one do not merge (the schema refuses the result).
Status put_cli_location(xmlDoc* doc, const TimedLocation& t) {
  if (!t.end.empty()) return put_timed_location(doc, t);
  if (xmlNode* old = find_by_id(doc, t.id);
      old != nullptr && old->children != nullptr && !xml::children(old, "rule").empty()) {
    return Error(
        ErrorCode::kUnsupported,
        "constraint '" + t.id + "' exists with a lifetime; remove it first (vigil resource clear)");
  }
  put_location(doc, t.id, t.rsc, t.role, t.node, t.score);
  return ok_status();
}

std::string ban_warning(const std::string& id, const std::string& rsc, const std::string& node,
                        bool promoted) {
  return "Warning: Creating location constraint '" + id +
         "' with a score of -INFINITY for resource " + rsc + " on " + node +
         ".\n\tThis will prevent " + rsc +
         (promoted ? " from being promoted on " : " from running on ") + node +
         " until the constraint is removed\n\tThis will be the case even if " + node +
         " is the last node in the cluster";
}

// cli-ban-RSC-on-NODE, plain or timed.
Status put_ban(Context& ctx, const Target& t, const std::string& end) {
  const std::string id = "cli-ban-" + t.rsc + "-on-" + t.node;
  const TimedLocation loc{
      id,           id + "-rule",
      id + "-expr", id + "-lifetime",
      t.rsc,        role_for_cib(ctx.doc, ctx.flags.promoted ? "Promoted" : "Started"),
      t.node,       "-INFINITY",
      end};
  if (auto st = put_cli_location(ctx.doc, loc); !st) return st;
  ctx.notes.push_back(ban_warning(id, t.rsc, t.node, ctx.flags.promoted));
  ctx.changed = true;
  return ok_status();
}

Status ban(Context& ctx, const std::vector<std::string>& args) {
  auto t = check_target(
      ctx, args, false,
      "usage: vigil -f FILE resource ban <resource id> [node] [--promoted] [lifetime=<lifetime>]");
  if (!t) return t.error();
  auto end = run_crm_resource(ctx, *t, "ban");
  if (!end) return end.error();
  return put_ban(ctx, *t, *end);
}

Status move_with_constraint(Context& ctx, const std::vector<std::string>& args) {
  auto t = check_target(ctx, args, true,
                        "usage: vigil -f FILE resource move-with-constraint <resource id> [node] "
                        "[--promoted] [lifetime=<lifetime>]");
  if (!t) return t.error();
  const bool named = !t->node.empty();
  auto end = run_crm_resource(ctx, *t, "move");
  if (!end) return end.error();
  // Without a node crm_resource bans the current one instead.
  if (!named) return put_ban(ctx, *t, *end);
  // A ban on the destination goes first, as its own write.
  if (xmlNode* old = find_by_id(ctx.doc, "cli-ban-" + t->rsc + "-on-" + t->node)) {
    remove_node(old);
    ++ctx.extra_writes;
  }
  const std::string id = "cli-prefer-" + t->rsc;
  const TimedLocation loc{id,
                          "cli-prefer-rule-" + t->rsc,
                          "cli-prefer-expr-" + t->rsc,
                          "cli-prefer-lifetime-end-" + t->rsc,
                          t->rsc,
                          role_for_cib(ctx.doc, ctx.flags.promoted ? "Promoted" : "Started"),
                          t->node,
                          "INFINITY",
                          *end};
  if (auto st = put_cli_location(ctx.doc, loc); !st) return st;
  // pcs warns only when crm_resource printed nothing.
  if (end->empty()) {
    ctx.notes.push_back("Warning: A move constraint has been created and the resource '" + t->rsc +
                        "' may or may not move depending on other configuration");
  }
  ctx.changed = true;
  return ok_status();
}

// The node a cli-* constraint is about: its node attribute, or in the
// lifetime form the value of its rule's #uname expression (crm_resource
// --clear finds a timed preference by that expression).
std::string constrained_node(xmlNode* c) {
  if (xmlHasProp(c, BAD_CAST "node") != nullptr) return xml::attr_or(c, "node");
  for (xmlNode* rule : xml::children(c, "rule")) {
    for (xmlNode* e : xml::children(rule, "expression")) {
      if (xml::attr_or(e, "attribute") == "#uname") return xml::attr_or(e, "value");
    }
  }
  return "";
}

Status clear(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) {
    return invalid("usage: vigil -f FILE resource clear <resource id> [<node>] [--promoted]");
  }
  const std::string& rsc = args[0];
  const std::string node = args.size() > 1 ? args[1] : "";
  if (find_resource(ctx.doc, rsc) == nullptr) {
    return lib_error(not_a_resource(ctx.doc, rsc));
  }
  xmlNode* cons = config_section(ctx.doc, "constraints");
  std::vector<xmlNode*> bans, prefers;
  for (xmlNode* c :
       cons != nullptr ? xml::children(cons, "rsc_location") : std::vector<xmlNode*>{}) {
    const std::string id = xml::attr_or(c, "id");
    if (id.rfind("cli-ban-" + rsc + "-on-", 0) == 0 &&
        (node.empty() || id == "cli-ban-" + rsc + "-on-" + node)) {
      bans.push_back(c);
    } else if (id == "cli-prefer-" + rsc && (node.empty() || constrained_node(c) == node)) {
      prefers.push_back(c);
    }
  }
  // Bans, then the preference; each removal is its own write.
  bans.insert(bans.end(), prefers.begin(), prefers.end());
  // crm_resource removes what concerns one node in one write: the writes
  // are the nodes named by the removed constraints, plus one for each timed
  // preference (it goes first, by an XPath of its own).
  std::set<std::string> nodes;
  int timed_prefers = 0;
  for (xmlNode* c : bans) {
    ctx.notes.push_back("Removing constraint: " + xml::attr_or(c, "id"));
    if (xml::attr_or(c, "id") == "cli-prefer-" + rsc && xmlHasProp(c, BAD_CAST "node") == nullptr) {
      ++timed_prefers;
    } else {
      nodes.insert(constrained_node(c));
    }
    remove_node(c);
  }
  if (!bans.empty()) {
    // commit counts one itself
    ctx.extra_writes += timed_prefers + static_cast<int>(nodes.size()) - 1;
    ctx.changed = true;
  }
  return ok_status();
}

// A resource's role now: a primitive's, else its highest member's.
pengine::Role current_role(const pengine::Resource* r) {
  if (r->is_primitive()) return r->role;
  pengine::Role most = pengine::Role::kStopped;
  for (const pengine::Resource* c : r->children) most = std::max(most, current_role(c));
  return most;
}

}  // namespace

Activity activity_of(const pengine::Resource* r) {
  Activity a;
  for (const pengine::Node* n : r->running_on) {
    if (r->is(pengine::kRscNeedsFencing) || (n->online && !n->unclean)) ++a.active;
  }
  a.current = r->running_on.empty() ? nullptr : r->current_node();
  a.subject = r;
  a.promotable = pengine::is_promotable_clone(r);
  if (a.promotable) {
    for (const pengine::Resource* c : r->children) {
      if (current_role(c) != pengine::Role::kPromoted) continue;
      ++a.promoted;
      a.subject = c;
      a.promoted_on = c->running_on.empty() ? nullptr : c->current_node();
    }
  }
  return a;
}

BanTarget ban_target(const pengine::WorkingSet& ws, const std::string& rsc) {
  BanTarget t;
  const pengine::Resource* r = ws.find_rsc(rsc);
  if (r == nullptr) {
    // The id of an anonymous clone's primitive or group names its first
    // instance, as crm_resource finds it.
    const pengine::Resource* first = ws.find_rsc(rsc + ":0");
    if (first != nullptr && first->parent != nullptr && first->parent->is_clone() &&
        !first->parent->is(pengine::kRscUnique)) {
      r = first;
    }
  }
  if (r == nullptr) {
    t.failure = "crm_resource: Resource '" + rsc +
                "' not found\nError performing operation: No such object";
    return t;
  }
  const Activity a = activity_of(r);
  t.active = a.active;
  if (a.active == 1 && a.current != nullptr) {
    t.node = a.current->uname;
    return t;
  }
  if (a.promotable && a.promoted == 1 && a.promoted_on != nullptr) {
    t.node = a.promoted_on->uname;
    return t;
  }
  t.failure = "crm_resource: Resource '" + rsc + "' not moved: active in " +
              std::to_string(a.active) + " locations";
  if (a.promotable) t.failure += " (promoted in " + std::to_string(a.promoted) + ")";
  t.failure += ".\nTo prevent '" + rsc + "' from running on a specific location, specify a node.";
  if (a.promotable) {
    t.failure += "To prevent '" + rsc +
                 "' from being promoted at a specific location, specify a node and the "
                 "--promoted option.";
  }
  return t;
}

std::string not_a_resource(xmlDoc* doc, const std::string& id) {
  if (find_by_id(doc, id) != nullptr) return "'" + id + "' is not a bundle/clone/group/resource";
  return "bundle/clone/group/resource '" + id + "' does not exist";
}

bool is_promotable_clone(xmlNode* r) {
  if (xml::is(r, "master")) return true;
  if (!xml::is(r, "clone")) return false;
  for (xmlNode* set : xml::children(r, "meta_attributes")) {
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == "promotable") return is_true(xml::attr_or(nv, "value"));
    }
  }
  return false;
}

void put_location(xmlDoc* doc, const std::string& id, const std::string& rsc,
                  const std::string& role, const std::string& node, const std::string& score) {
  xmlNode* cons = config_section(doc, "constraints", true);
  const std::vector<std::pair<std::string, std::string>> attrs = {
      {"id", id}, {"rsc", rsc}, {"role", role}, {"node", node}, {"score", score}};
  for (xmlNode* c : xml::children(cons, "rsc_location")) {
    if (xml::attr_or(c, "id") != id) continue;
    for (const auto& [k, v] : attrs) xmlSetProp(c, BAD_CAST k.c_str(), BAD_CAST v.c_str());
    return;
  }
  append_element(cons, "rsc_location", attrs);
}

Status resource_move_command(Context& ctx, const std::string& cmd,
                             const std::vector<std::string>& args) {
  if (cmd == "ban") return ban(ctx, args);
  if (cmd == "move-with-constraint") return move_with_constraint(ctx, args);
  if (cmd == "clear") return clear(ctx, args);
  // `move`: move, wait, then drop the constraint; pcs refuses it on a file.
  if (!ctx.live) return invalid("Specified option '-f' is not supported in this command");
  return resource_move_live(ctx, args);
}

}  // namespace vigil::admin
