// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil resource move RSC [NODE] [--promoted] [--strict] [--wait[=N]]` on a
// running cluster, as pcs 0.11.5 runs it (its move_autoclean):
//   1. the resource is checked (it exists, may be moved, NODE is known),
//      then must be managed and running as crm_mon shows it;
//   2. on copies of the CIB, crm_resource --move makes its constraint (a
//      cli-prefer for NODE, else a cli-ban of the node it runs on) and
//      crm_resource --clear takes it away again;
//   3. the transition the scheduler plans with the constraint is simulated:
//      the resource must have moved (with --strict nothing else may be
//      touched); then, on the simulated result without the constraint,
//      nothing may move the resource back (with --strict: nothing at all);
//   4. the constraint is written, the cluster waited for, step 3's second
//      check made on the CIB the cluster reached, the constraint removed,
//      the cluster waited for, and where the resource runs reported.
// Where pcs runs crm_simulate, simulate_cluster_reaction stands in.
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "resource_edit.hpp"
#include "resource_move.hpp"
#include "resource_wait.hpp"
#include "status_view.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/live_cib.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/status_facts.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {
namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

bool same_text_nocase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A change crm_resource makes to <constraints>: location constraints taken
// away by id, then (maybe) one set. pcs pushes it to the cluster as a diff.
struct ConstraintEdit {
  std::vector<std::string> removed;
  std::optional<std::vector<std::string>> location;  // id, rsc, role, node, score
};

void apply(xmlDoc* doc, const ConstraintEdit& edit) {
  if (xmlNode* cons = config_section(doc, "constraints")) {
    for (xmlNode* c : xml::children(cons, "rsc_location")) {
      const std::string id = xml::attr_or(c, "id");
      if (std::find(edit.removed.begin(), edit.removed.end(), id) != edit.removed.end()) {
        remove_node(c);
      }
    }
  }
  if (const auto& l = edit.location) put_location(doc, (*l)[0], (*l)[1], (*l)[2], (*l)[3], (*l)[4]);
}

// crm_resource --clear's removals for `host`: the resource's cli-prefer
// naming it (as its node, or in its lifetime rule), and, with `bans`, its
// cli-ban of it.
void clear_for_host(xmlDoc* doc, const std::string& rsc, const std::string& host, bool bans,
                    std::vector<std::string>& removed) {
  xmlNode* cons = config_section(doc, "constraints");
  if (cons == nullptr) return;
  for (xmlNode* c : xml::children(cons, "rsc_location")) {
    const std::string id = xml::attr_or(c, "id");
    bool match = bans && id == "cli-ban-" + rsc + "-on-" + host;
    if (id == "cli-prefer-" + rsc) {
      match = match || same_text_nocase(xml::attr_or(c, "node"), host);
      for (xmlNode* rule : xml::children(c, "rule")) {
        if (xml::attr_or(rule, "id") != "cli-prefer-rule-" + rsc) continue;
        for (xmlNode* e : xml::children(rule, "expression")) {
          match = match ||
                  (xml::attr_or(e, "attribute") == "#uname" && xml::attr_or(e, "value") == host);
        }
      }
    }
    if (match && std::find(removed.begin(), removed.end(), id) == removed.end()) {
      removed.push_back(id);
    }
  }
}

const pengine::Node* find_node(const pengine::WorkingSet& ws, const std::string& name) {
  for (const auto& n : ws.nodes) {
    if (same_text_nocase(n->uname, name)) return n.get();
  }
  return nullptr;
}

// crm_resource's failure: the lines it printed, after pcs's first line.
Status tool_failure(const std::string& rsc, const std::string& lines) {
  return invalid("cannot move resource '" + rsc + "'\n" + lines);
}

struct MoveRequest {
  std::string rsc, node;
  bool promoted = false;
};

// What `crm_resource --move` does to the constraints of the CIB `ws` was
// unpacked from (a cli-prefer for the node, else a cli-ban of the single
// node the resource, or a promotable clone's promoted instance, runs on).
Result<ConstraintEdit> crm_move(xmlDoc* doc, const pengine::WorkingSet& ws, const MoveRequest& m) {
  const pengine::Resource* r = ws.find_rsc(m.rsc);
  if (r == nullptr) {
    return tool_failure(m.rsc, "crm_resource: Resource '" + m.rsc +
                                   "' not found\nError performing operation: No such object")
        .error();
  }
  const Activity a = activity_of(r);
  unsigned count = a.active;
  const pengine::Node* current = a.current;
  const std::string role = role_for_cib(doc, m.promoted ? "Promoted" : "Started");
  ConstraintEdit edit;
  if (m.node.empty()) {
    const BanTarget t = ban_target(ws, m.rsc);
    if (t.node.empty()) return tool_failure(m.rsc, t.failure).error();
    edit.location = std::vector<std::string>{"cli-ban-" + m.rsc + "-on-" + t.node, m.rsc, role,
                                             t.node, "-INFINITY"};
    return edit;
  }
  const pengine::Node* dest = find_node(ws, m.node);
  if (dest == nullptr) {
    return tool_failure(m.rsc, "crm_resource: Error performing operation: No such object").error();
  }
  if (a.promotable && (m.promoted || a.promoted != 0)) {
    count = a.promoted;
    current = a.promoted_on;
  }
  if (count > 1) {
    if (!a.subject->is_clone()) {
      return tool_failure(m.rsc,
                          "crm_resource: Error performing operation: Multiple items match request")
          .error();
    }
    current = nullptr;
  }
  if (current == dest) {
    return tool_failure(m.rsc,
                        "crm_resource: Error performing operation: Requested item already exists")
        .error();
  }
  // Earlier preferences for any node go, and a ban of the destination.
  for (const auto& n : ws.nodes) clear_for_host(doc, m.rsc, n->uname, false, edit.removed);
  clear_for_host(doc, m.rsc, dest->uname, true, edit.removed);
  edit.location =
      std::vector<std::string>{"cli-prefer-" + m.rsc, m.rsc, role, dest->uname, "INFINITY"};
  return edit;
}

// What `crm_resource --clear RSC [--node NODE]` removes from `doc`: what
// concerns NODE, or every node of the cluster.
ConstraintEdit crm_clear(xmlDoc* doc, const pengine::WorkingSet& ws, const MoveRequest& m) {
  ConstraintEdit edit;
  if (!m.node.empty()) {
    if (const pengine::Node* n = find_node(ws, m.node)) {
      clear_for_host(doc, m.rsc, n->uname, true, edit.removed);
    }
    return edit;
  }
  for (const auto& n : ws.nodes) clear_for_host(doc, m.rsc, n->uname, true, edit.removed);
  return edit;
}

bool is_false(std::string v) {
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "false" || v == "off" || v == "no" || v == "n" || v == "0";
}

bool id_or_instance(const std::string& eid, const std::string& id) {
  return eid == id || eid.rfind(id + ":", 0) == 0;
}

// pcs's is_resource_managed on crm_mon's XML: the resource's primitives (a
// group's members) and the clone or bundle around each, else the clone or
// bundle of that id and everything in it.
struct ManagedScan {
  std::string id;
  bool primitives = false, managed = true;
  const xmlNode* wrapper = nullptr;  // a clone or bundle named id
};

void scan_managed(const xmlNode* n, const xmlNode* around, ManagedScan& s) {
  const bool group_of_id = xml::is(n, "group") && id_or_instance(xml::attr_or(n, "id"), s.id);
  for (const xmlNode* c : xml::children(n)) {
    if (xml::is(c, "resource") && (group_of_id || id_or_instance(xml::attr_or(c, "id"), s.id))) {
      s.primitives = true;
      if (is_false(xml::attr_or(c, "managed")) ||
          (around != nullptr && is_false(xml::attr_or(around, "managed")))) {
        s.managed = false;
      }
    }
    const bool wrapper = xml::is(c, "clone") || xml::is(c, "bundle");
    if (wrapper && s.wrapper == nullptr && xml::attr_or(c, "id") == s.id) s.wrapper = c;
    scan_managed(c, wrapper ? c : around, s);
  }
}

bool any_unmanaged(const xmlNode* n) {
  for (const xmlNode* c : xml::children(n)) {
    if (xml::is(c, "resource") && is_false(xml::attr_or(c, "managed"))) return true;
    if (any_unmanaged(c)) return true;
  }
  return false;
}

Result<bool> is_managed(const xmlNode* state_root, const std::string& id) {
  ManagedScan s{id};
  scan_managed(state_root, nullptr, s);
  if (s.primitives) return s.managed;
  if (s.wrapper != nullptr) {
    return !is_false(xml::attr_or(s.wrapper, "managed")) && !any_unmanaged(s.wrapper);
  }
  return Error(ErrorCode::kNotFound, "resource '" + id + "' is not in the cluster's status");
}

// pcs's _was_resource_moved: a resource that ran before runs now, on NODE
// when one was named, and not just as before.
bool was_moved(const std::string& node, const RoleNodes& before, const RoleNodes& after) {
  if (before.empty()) return true;
  const std::set<std::string> on = active_nodes(after);
  return !on.empty() && (node.empty() || on.count(node) != 0) && before != after;
}

Result<RoleNodes> roles_in(xmlDoc* cib, EpochSeconds now, const std::string& id) {
  auto state = cluster_state(cib, now);
  if (!state) return state.error();
  return library_state(xmlDocGetRootElement(state->get()), id, true);
}

struct Reaction {
  xml::DocPtr cib;
  std::vector<std::string> changed;  // primitives started, stopped, promoted ...
};

Result<Reaction> react(xmlDoc* doc, EpochSeconds now) {
  Reaction r;
  auto cib = simulate_cluster_reaction(doc, now, &r.changed);
  if (!cib) return invalid("Unable to simulate changes in CIB: " + cib.error().message()).error();
  r.cib = std::move(*cib);
  return r;
}

struct MoveJob {
  Context& ctx;
  MoveRequest request;
  bool strict = false;
  int timeout_s = 0;  // 0: as long as crm_resource --wait waits by default
  RoleNodes before;

  EpochSeconds now() const { return ctx.live_cib->now(); }

  // pcs's _ensure_resource_moved_and_not_moved_back on `cib`: the resource
  // has moved, and removing the constraint would not move it (with
  // --strict: would move nothing).
  Status ensure_stays(xmlDoc* cib, const ConstraintEdit& removal) const {
    const std::string& rsc = request.rsc;
    auto after = roles_in(cib, now(), rsc);
    if (!after) return after.error();
    if (!was_moved(request.node, before, *after)) {
      return invalid("Unable to move resource '" + rsc +
                     "' using a location constraint. Current location of the resource may be "
                     "affected by some other constraint.");
    }
    xml::DocPtr cleaned(xmlCopyDoc(cib, 1));
    if (!cleaned) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
    apply(cleaned.get(), removal);
    auto back = react(cleaned.get(), now());
    if (!back) return back.error();
    const bool moves_it =
        std::find(back->changed.begin(), back->changed.end(), rsc) != back->changed.end();
    if (strict ? !back->changed.empty() : moves_it) {
      return invalid("Unable to ensure that moved resource '" + rsc + "'" +
                     (strict ? " or other resources" : "") +
                     " will stay on the same node after a constraint used for moving it is "
                     "removed.");
    }
    return ok_status();
  }

  // pcs's diff pushed to the cluster: the edit made on the CIB as it is now.
  Status push(const ConstraintEdit& edit) const {
    auto cib = ctx.live_cib->read();
    if (!cib) return cib.error();
    apply(cib->get(), edit);
    return ctx.live_cib->write_configuration(cib->get());
  }

  // The library's wait for the cluster to settle, and its timeout error.
  Result<WaitOutcome> wait_idle() const {
    ctx.notes.push_back(waiting_line(ctx.flags.wait.value_or(""), timeout_s));
    WaitOutcome waited = settle_for(ctx, timeout_s);
    if (!waited.error.empty()) return Error(ErrorCode::kInternal, waited.error);
    if (waited.timed_out) return invalid("waiting timeout\n\n" + pending_text(waited)).error();
    return waited;
  }
};

std::string config_text(xmlDoc* doc) {
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* config = root != nullptr ? xml::first_child(root, "configuration") : nullptr;
  return config != nullptr ? xml::to_string(config, false) : "";
}

// pcs's library command, once the command line is read.
Status move_autoclean(MoveJob& job) {
  Context& ctx = job.ctx;
  const std::string& rsc = job.request.rsc;
  const std::string& node = job.request.node;
  std::vector<std::string> problems;
  if (xmlNode* r = find_resource(ctx.doc, rsc)) {
    if (xml::is(r->parent, "bundle")) {
      return Error(ErrorCode::kUnsupported,
                   "moving a resource inside a bundle is not supported by vigil yet");
    }
    validate_move(ctx, r, problems);
  } else {
    problems.push_back(not_a_resource(ctx.doc, rsc));
  }
  if (!node.empty() && !is_cluster_node(ctx, node)) {
    problems.push_back("Node '" + node + "' does not appear to exist in configuration");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return lib_error(msg);
  }
  if (ctx.live_cib == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 "'resource move' needs a connection to the cluster's CIB");
  }

  const EpochSeconds now = job.now();
  auto state = cluster_state(ctx.doc, now);
  if (!state) return state.error();
  const xmlNode* state_root = xmlDocGetRootElement(state->get());
  job.before = library_state(state_root, rsc, true);
  auto managed = is_managed(state_root, rsc);
  if (!managed) return managed.error();
  if (!*managed) return invalid("'" + rsc + "' is unmanaged");
  if (active_nodes(job.before).empty()) {
    return invalid("It is not possible to move resource '" + rsc +
                   "' as it is not running at the moment, use 'vigil resource "
                   "move-with-constraint' or 'vigil constraint location' commands instead");
  }

  // crm_resource --move, then --clear, each on a copy.
  auto unpacked = status_view::unpack_copy(ctx.doc, now, false);
  if (!unpacked) return unpacked.error();
  auto adding = crm_move(ctx.doc, *unpacked->ws, job.request);
  if (!adding) return adding.error();
  xml::DocPtr moved(xmlCopyDoc(ctx.doc, 1));
  if (!moved) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  apply(moved.get(), *adding);
  const ConstraintEdit removal = crm_clear(moved.get(), *unpacked->ws, job.request);
  xml::DocPtr cleared(xmlCopyDoc(moved.get(), 1));
  if (!cleared) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  apply(cleared.get(), removal);
  const std::string moved_text = config_text(moved.get());
  if (moved_text == config_text(ctx.doc) || moved_text == config_text(cleared.get())) {
    ctx.notes.push_back("No action necessary, requested change would have no effect");
    return ok_status();
  }

  auto reaction = react(moved.get(), now);
  if (!reaction) return reaction.error();
  if (job.strict) {
    std::set<std::string> others(reaction->changed.begin(), reaction->changed.end());
    others.erase(rsc);
    if (!others.empty()) {
      return invalid("Moving resource '" + rsc + "' affects resource" +
                     (others.size() > 1 ? "s" : "") + ": " +
                     quoted_list(std::vector<std::string>(others.begin(), others.end())));
    }
  }
  if (auto st = job.ensure_stays(reaction->cib.get(), removal); !st) return st;

  if (auto st = job.push(*adding); !st) return st;
  ctx.notes.push_back("Location constraint to move resource '" + rsc + "' has been created");
  auto first = job.wait_idle();
  if (!first) return first.error();
  xml::DocPtr reached = std::move(first->doc);
  if (auto st = job.ensure_stays(reached.get(), removal); !st) return st;

  if (auto st = job.push(removal); !st) return st;
  ctx.notes.push_back("Location constraint created to move resource '" + rsc +
                      "' has been removed");
  auto second = job.wait_idle();
  if (!second) return second.error();
  auto after = roles_in(second->doc.get(), job.now(), rsc);
  if (!after) return after.error();
  const std::string line = library_line(rsc, *after);
  if (!was_moved(node, job.before, *after)) return lib_error(line);
  ctx.notes.push_back(line);
  return ok_status();
}

}  // namespace

Status crm_move_refusal(xmlDoc* doc, const pengine::WorkingSet& ws, const std::string& rsc,
                        const std::string& node, bool promoted) {
  auto edit = crm_move(doc, ws, MoveRequest{rsc, node, promoted});
  if (!edit) return edit.error();
  return ok_status();
}

// pcs's validate_move: stonith devices are deprecated here, bundles and
// clones cannot move, a promotable clone moves by its own id, --promoted
// needs one.
void validate_move(Context& ctx, xmlNode* r, std::vector<std::string>& problems) {
  if (xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith") {
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith device is deprecated "
        "and will be removed in a future release.");
  }
  if (xml::is(r, "bundle")) {
    problems.push_back("cannot move bundle resources");
    return;
  }
  const bool clone = xml::is(r, "clone") || xml::is(r, "master");
  xmlNode* holder = clone ? nullptr : clone_ancestor(r);
  const bool promotable = clone && is_promotable_clone(r);
  const bool in_promotable = holder != nullptr && is_promotable_clone(holder);
  if ((clone || holder != nullptr) && !promotable && !in_promotable) {
    problems.push_back("cannot move cloned resources");
    return;
  }
  const std::string holder_id = in_promotable ? " (" + xml::attr_or(holder, "id") + ")" : "";
  if (!ctx.flags.promoted && in_promotable) {
    problems.push_back("to move promotable clone resources you must use the promotable clone id" +
                       holder_id);
  } else if (ctx.flags.promoted && !promotable) {
    problems.push_back("when specifying --promoted you must use the promotable clone id" +
                       holder_id);
  }
}

Status resource_move_live(Context& ctx, std::vector<std::string> args) {
  // pcs's command line: the words, its deprecation notes, the --wait value.
  if (args.empty()) return invalid("must specify a resource to move");
  MoveJob job{ctx, {args[0], args.size() > 1 ? args[1] : "", ctx.flags.promoted}, false, 0, {}};
  if (job.request.node.rfind("lifetime=", 0) == 0) {
    ctx.notes.push_back(
        "Deprecation Warning: Option 'lifetime' has been removed. See 'man pcs' -> Changes in "
        "pcs-0.11.");
  }
  if (args.size() > 2) {
    return invalid(
        "usage: vigil resource move <resource id> [destination node] [--promoted] [--strict] "
        "[--wait[=n]]");
  }
  if (ctx.flags.autodelete) {
    ctx.notes.push_back(
        "Deprecation Warning: Option '--autodelete' is deprecated. There is no need to use it as "
        "its functionality is default now.");
  }
  if (ctx.flags.wait && !ctx.flags.wait->empty()) {
    auto t = wait_timeout_seconds(*ctx.flags.wait);
    if (!t) return invalid("'" + *ctx.flags.wait + "' is not a valid interval value");
    job.timeout_s = *t;
  }
  job.strict = ctx.flags.strict;
  return move_autoclean(job);
}

}  // namespace vigil::admin
