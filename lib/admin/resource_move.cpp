// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource ban / move-with-constraint / clear: the cli-ban-* and
// cli-prefer-* location constraints crm_resource writes (pcs wraps it), and
// pcs 0.11's checks and wording, --promoted included. `resource move` (move,
// then remove the constraint) needs a running cluster: resource_move_live.cpp.
#include "resource_move.hpp"

#include <algorithm>
#include <set>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

// Whether the status section records the resource (or an instance of it)
// at all: pcs finds no node to move a resource away from otherwise.
bool has_history(xmlDoc* doc, const std::string& id) {
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* status = root != nullptr ? xml::first_child(root, "status") : nullptr;
  if (status == nullptr) return false;
  for (xmlNode* ns : xml::children(status, "node_state")) {
    for (xmlNode* lrm : xml::children(ns, "lrm")) {
      for (xmlNode* list : xml::children(lrm, "lrm_resources")) {
        for (xmlNode* r : xml::children(list, "lrm_resource")) {
          const std::string rid = xml::attr_or(r, "id");
          if (rid == id || rid.rfind(id + ":", 0) == 0) return true;
        }
      }
    }
  }
  return false;
}

struct Target {
  std::string rsc, node;
};

// `RSC [NODE] [lifetime=...]`, checked as pcs's library does (all errors
// together, then the summary line).
Result<Target> check_target(Context& ctx, const std::vector<std::string>& args, bool move,
                            const std::string& usage) {
  if (args.empty() || args.size() > 3) return invalid(usage).error();
  for (const auto& a : args) {
    if (a.rfind("lifetime=", 0) == 0) {
      return Error(ErrorCode::kUnsupported,
                   "lifetime= (a rule with a date expression) is not supported by vigil yet");
    }
  }
  if (args.size() > 2) return invalid(usage).error();
  Target t{args[0], args.size() > 1 ? args[1] : ""};
  xmlNode* r = find_resource(ctx.doc, t.rsc);
  std::vector<std::string> problems;
  if (r == nullptr) {
    problems.push_back(not_a_resource(ctx.doc, t.rsc));
  } else {
    if (xml::is(r, "bundle") || xml::is(r->parent, "bundle")) {
      return Error(ErrorCode::kUnsupported,
                   "moving or banning bundles is not supported by vigil yet");
    }
    if (ctx.flags.promoted && !is_promotable_clone(r)) {
      problems.push_back("when specifying --promoted you must use the promotable clone id");
    } else if (move && !ctx.flags.promoted &&
               (xml::is(r, "clone") || xml::is(r, "master") || clone_ancestor(r) != nullptr)) {
      problems.push_back("cannot move cloned resources");
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
  if (t.node.empty()) {
    if (!has_history(ctx.doc, t.rsc)) {
      return invalid("You must specify a node when moving/banning a stopped resource").error();
    }
    return Error(ErrorCode::kUnsupported,
                 "moving or banning a resource without naming the node is not supported by vigil "
                 "yet");
  }
  return t;
}

Status ban(Context& ctx, const std::vector<std::string>& args) {
  auto t = check_target(ctx, args, false,
                        "usage: vigil -f FILE resource ban <resource id> <node> [--promoted]");
  if (!t) return t.error();
  const std::string id = "cli-ban-" + t->rsc + "-on-" + t->node;
  put_location(ctx.doc, id, t->rsc,
               role_for_cib(ctx.doc, ctx.flags.promoted ? "Promoted" : "Started"), t->node,
               "-INFINITY");
  ctx.notes.push_back(
      "Warning: Creating location constraint '" + id + "' with a score of -INFINITY for resource " +
      t->rsc + " on " + t->node + ".\n\tThis will prevent " + t->rsc +
      (ctx.flags.promoted ? " from being promoted on " : " from running on ") + t->node +
      " until the constraint is removed\n\tThis will be the case even if " + t->node +
      " is the last node in the cluster");
  ctx.changed = true;
  return ok_status();
}

Status move_with_constraint(Context& ctx, const std::vector<std::string>& args) {
  auto t = check_target(
      ctx, args, true,
      "usage: vigil -f FILE resource move-with-constraint <resource id> <node> [--promoted]");
  if (!t) return t.error();
  // A ban on the destination goes first, as its own write.
  if (xmlNode* old = find_by_id(ctx.doc, "cli-ban-" + t->rsc + "-on-" + t->node)) {
    remove_node(old);
    ++ctx.extra_writes;
  }
  put_location(ctx.doc, "cli-prefer-" + t->rsc, t->rsc,
               role_for_cib(ctx.doc, ctx.flags.promoted ? "Promoted" : "Started"), t->node,
               "INFINITY");
  ctx.notes.push_back("Warning: A move constraint has been created and the resource '" + t->rsc +
                      "' may or may not move depending on other configuration");
  ctx.changed = true;
  return ok_status();
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
    } else if (id == "cli-prefer-" + rsc && (node.empty() || xml::attr_or(c, "node") == node)) {
      prefers.push_back(c);
    }
  }
  // Bans, then the preference; each removal is its own write.
  bans.insert(bans.end(), prefers.begin(), prefers.end());
  for (xmlNode* c : bans) {
    if (!xml::children(c, "rule").empty()) {
      return Error(ErrorCode::kUnsupported,
                   "clearing a constraint with a lifetime rule is not supported by vigil yet");
    }
  }
  // crm_resource removes what concerns one node in one write: the writes
  // are the nodes named by the removed constraints.
  std::set<std::string> nodes;
  for (xmlNode* c : bans) {
    ctx.notes.push_back("Removing constraint: " + xml::attr_or(c, "id"));
    nodes.insert(xml::attr_or(c, "node"));
    remove_node(c);
  }
  if (!bans.empty()) {
    ctx.extra_writes += static_cast<int>(nodes.size()) - 1;  // commit counts one itself
    ctx.changed = true;
  }
  return ok_status();
}

}  // namespace

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
