// SPDX-License-Identifier: GPL-2.0-or-later
// A clone in crm_simulate's status sections (Pacemaker's pe__clone_default):
// instances that are plainly started are listed by node, stopped ones by
// node and reason; any instance out of the ordinary (failed, unmanaged,
// orphaned, partly active, every instance of a globally-unique clone) is
// printed in full.
#include <strings.h>

#include <algorithm>
#include <map>

#include "internal.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

namespace {

bool active(const Resource* r, bool all) {
  if (!r->children.empty()) {
    bool any = false, every = true;
    for (const Resource* c : r->children) {
      bool a = active(c, all);
      any = any || a;
      every = every && a;
    }
    return all ? every : any;
  }
  // Pacemaker's native_active: a managed resource on a node that is down
  // without being unclean (a guest whose container failed) is not active.
  for (const Node* n : r->running_on) {
    if (n->unclean || n->online || !r->is(kRscManaged)) return true;
  }
  return false;
}

Role current_role(const Resource* r) {
  if (r->children.empty()) return r->role;
  Role best = Role::kUnknown;
  for (const Resource* c : r->children) best = std::max(best, current_role(c));
  return best;
}

const std::string* configured_target_role(const Resource* clone) {
  auto v = lookup(clone->meta, "target-role");
  if (!v && !clone->children.empty()) v = lookup(clone->children.front()->meta, "target-role");
  return v;
}

// The failed probe of the clone's resource on a node, if any (it says why
// the clone is stopped there).
const cib::OpHistory* failed_probe(const WorkingSet& ws, const Resource* clone, const Node* node) {
  const std::string& child_id = clone->clone->child_config->id;
  for (const auto& [n, op] : ws.failed_ops) {
    if (op->task != "monitor" || op->interval_ms != 0) continue;
    if (!(op->rc == 5 || op->rc == 2 || op->op_status == 7)) continue;
    if (strcasecmp(op->on_node.c_str(), node->uname.c_str()) != 0) continue;
    std::string id;
    if (!parse_op_key(op->key.empty() ? op->id : op->key, &id, nullptr, nullptr)) continue;
    if (id == child_id) return op;
  }
  return nullptr;
}

std::string node_words(std::vector<const Node*> nodes) {
  std::sort(nodes.begin(), nodes.end(), [](const Node* a, const Node* b) {
    return numeric_strcasecmp(a->uname, b->uname) < 0;
  });
  std::string s;
  for (const Node* n : nodes) s += (s.empty() ? "" : " ") + n->uname;
  return s;
}

}  // namespace

void clone_status_lines(const WorkingSet& ws, const Resource* clone, const std::string& indent,
                        std::string& out, bool show_pending, bool details) {
  const CloneData& cd = *clone->clone;
  bool header_done = false;
  auto header = [&]() {
    if (header_done) return;
    header_done = true;
    std::string attrs;
    auto add = [&](const char* a) { attrs += (attrs.empty() ? "" : ", ") + std::string(a); };
    if (cd.promotable) add("promotable");
    if (clone->is(kRscUnique)) add("unique");
    if (!clone->is(kRscManaged)) add("unmanaged");
    if (auto tr = lookup(clone->meta, "target-role"); tr && role_from_text(*tr) == Role::kStopped)
      add("disabled");
    out += indent + "* Clone Set: " + clone->id + " [" + cd.child_config->id + "]" +
           (attrs.empty() ? "" : " (" + attrs + ")") + ":\n";
  };
  std::vector<const Node*> promoted, started;
  // Stopped instances of a unique clone by id (anonymous ones by node below).
  std::map<std::string, std::string> stopped;
  bool any_stopped = false;
  for (const Resource* inst : clone->children) {
    bool partly = active(inst, false);
    bool full = false;
    if (details) {
      full = true;  // --show-detail: every instance on its own line
    } else if (clone->is(kRscUnique)) {
      full = partly || !clone->is(kRscOrphan);
    } else if (show_pending && !inst->pending_task.empty() && inst->pending_task != "probe") {
      full = true;
    } else if (!partly) {
      if (!inst->is(kRscOrphan)) any_stopped = true;
    } else if (is_set_recursive(inst, kRscOrphan, true) ||
               !is_set_recursive(inst, kRscManaged, false) ||
               is_set_recursive(inst, kRscFailed, true)) {
      full = true;
    } else if (active(inst, true)) {
      const Node* where = rsc_location(inst, true);
      if (!where) {
        full = true;
      } else if (!where->online && where->unclean) {
        full = true;
      } else if (current_role(inst) > Role::kUnpromoted) {
        promoted.push_back(where);
      } else {
        started.push_back(where);
      }
    } else {
      full = true;
    }
    if (full) {
      header();
      resource_lines(ws, inst, indent + "  ", out, show_pending, details);
    }
  }
  if (details) return;
  int active_instances = 0;
  if (!promoted.empty()) {
    header();
    out += indent + "  * Promoted: [ " + node_words(promoted) + " ]\n";
    active_instances += static_cast<int>(promoted.size());
  }
  if (!started.empty()) {
    header();
    // A promotable clone's active, unpromoted instances.
    const char* label = "Started";
    if (cd.promotable) {
      auto tr = configured_target_role(clone);
      bool target = tr && role_from_text(*tr) == Role::kUnpromoted;
      label = target ? "Unpromoted (target-role)" : "Unpromoted";
    }
    out += indent + "  * " + label + ": [ " + node_words(started) + " ]\n";
    active_instances += static_cast<int>(started.size());
  }
  // Anonymous: the nodes without an instance, by why.
  std::map<std::string, std::vector<const Node*>> by_state;
  if (!clone->is(kRscUnique) && cd.clone_max > active_instances) {
    // Without allowed nodes yet (an asymmetric cluster before constraints),
    // the nodes where its state is known.
    bool any_allowed = false;
    for (const auto& n : ws.nodes) any_allowed = any_allowed || clone->allowed[n->index].present;
    for (const auto& n : ws.nodes) {
      bool listed = any_allowed ? clone->allowed[n->index].present : clone->known_on[n->index] != 0;
      if (!listed) continue;
      if (std::find(clone->running_on.begin(), clone->running_on.end(), n.get()) !=
          clone->running_on.end()) {
        continue;
      }
      std::string state = "Stopped";
      auto tr = configured_target_role(clone);
      if (tr && role_from_text(*tr) == Role::kStopped) state = "Stopped (disabled)";
      if (const cib::OpHistory* probe = failed_probe(ws, clone, n.get())) {
        state = std::string("Stopped (") + exit_text(probe->rc) + ")";
      }
      by_state[state].push_back(n.get());
    }
  } else if (any_stopped) {
    (void)stopped;
  }
  if (!by_state.empty()) {
    header();
    for (auto& [state, nodes] : by_state) {
      std::sort(nodes.begin(), nodes.end(), [](const Node* a, const Node* b) {
        return numeric_strcasecmp(a->uname, b->uname) < 0;
      });
      std::string list;
      for (const Node* n : nodes) list += (list.empty() ? "" : " ") + n->uname;
      out += indent + "  * " + state + ": [ " + list + " ]\n";
    }
  } else if (active_instances == 0) {
    header();
  }
}

std::string clone_action_key(const Action* a, bool for_dot) {
  const std::string& name = a->rsc->clone_name;
  std::int64_t interval = 0;
  if (auto v = lookup(a->meta, "interval")) interval = std::atoll(v->c_str());
  if (a->task == "notify" || a->task == "notified") {
    // The graph names the notification by its variables, the dot file by
    // its key's parts.
    auto type = lookup(a->meta, for_dot ? "notify_key_type" : "notify_type");
    auto op = lookup(a->meta, for_dot ? "notify_key_operation" : "notify_operation");
    if (a->task == "notify" || for_dot)
      return name + "_" + (type ? *type : "") + "_notify_" + (op ? *op : "") + "_0";
  }
  if (!a->cancel_task.empty()) return op_key(name, a->cancel_task, interval);
  return op_key(name, a->task, interval);
}

void append_graph_rsc_ids(std::string& out, const Resource* rsc) {
  auto attr = [&](const char* name, const std::string& value) {
    out += ' ';
    out += name;
    out += "=\"";
    xml::append_escaped(out, value);
    out += '"';
  };
  if (rsc->is(kRscOrphan) && !rsc->clone_name.empty()) {
    // The numbered name: several instances may be on one node.
    attr("id", rsc->clone_name);
    attr("long-id", rsc->id);
  } else if (!rsc->is(kRscUnique) && rsc->config) {
    attr("id", rsc->config->id);
    bool renamed = !rsc->clone_name.empty() && rsc->clone_name != rsc->config->id;
    attr("long-id", renamed ? rsc->clone_name : rsc->id);
  } else {
    attr("id", rsc->id);
  }
}

void add_clone_graph_meta(const Resource* rsc,
                          std::vector<std::pair<std::string_view, const std::string*>>& attrs) {
  for (const Resource* r = rsc; r; r = r->parent) {
    if (r->is_primitive()) {
      if (auto v = lookup(r->meta, "clone")) attrs.emplace_back("CRM_meta_clone", v);
    } else if (r->is_clone()) {
      const CloneData& cd = *r->clone;
      attrs.emplace_back("CRM_meta_globally_unique", &cd.unique_text);
      attrs.emplace_back("CRM_meta_notify", &cd.notify_text);
      attrs.emplace_back("CRM_meta_clone_max", &cd.max_text);
      attrs.emplace_back("CRM_meta_clone_node_max", &cd.node_max_text);
      if (cd.promotable) {
        // Under both names: the old ones for agents of before 2.0.
        attrs.emplace_back("CRM_meta_promoted_max", &cd.promoted_max_text);
        attrs.emplace_back("CRM_meta_promoted_node_max", &cd.promoted_node_max_text);
        attrs.emplace_back("CRM_meta_master_max", &cd.promoted_max_text);
        attrs.emplace_back("CRM_meta_master_node_max", &cd.promoted_node_max_text);
      }
    }
  }
}

}  // namespace vigil::pengine
