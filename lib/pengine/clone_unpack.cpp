// SPDX-License-Identifier: GPL-2.0-or-later
// Clones from the configuration and the status section: the clone's meta
// attributes, its numbered instances (Pacemaker's clone_unpack and
// pe__create_clone_child), and which instance a node's history belongs to
// (find_anonymous_clone): history of an anonymous clone is recorded under
// the bare name, or under any instance number.
#include <strings.h>

#include <algorithm>
#include <functional>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"

namespace vigil::pengine {

Resource* parent_clone(Resource* rsc) {
  for (Resource* r = rsc; r; r = r->parent) {
    if (r->is_clone()) return r;
  }
  return nullptr;
}

const Resource* parent_clone(const Resource* rsc) {
  for (const Resource* r = rsc; r; r = r->parent) {
    if (r->is_clone()) return r;
  }
  return nullptr;
}

std::string clone_strip(const std::string& id) {
  auto colon = id.rfind(':');
  if (colon == std::string::npos) return id;
  return id.substr(0, colon);
}

const std::string& printable_id(const Resource* rsc) {
  if (!rsc->is(kRscUnique) && rsc->config) return rsc->config->id;
  return rsc->id;
}

namespace {

// The nodes Pacemaker would know of by now: an orphaned connection's node is
// created only once its history is unpacked (remote.cpp).
int created_node_count(const WorkingSet& ws) {
  int n = 0;
  for (const auto& node : ws.nodes) n += node->orphan_connection_pending ? 0 : 1;
  return n;
}

// ...of those, the ones a clone's default clone-max counts (bundle_unpack.cpp).
int known_node_count(const WorkingSet& ws) {
  int n = nodes_known_to_clones(ws);
  for (const auto& node : ws.nodes) n -= node->orphan_connection_pending ? 1 : 0;
  return n;
}

// A non-negative integer meta attribute: `fallback` when absent, 0 when
// invalid or negative (Pacemaker's pcmk__scan_min_int).
int meta_count(const Resource* clone, const char* name, int fallback) {
  auto v = lookup(clone->meta, name);
  if (!v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (end == v->c_str()) return 0;
  return static_cast<int>(std::clamp(n, 0L, static_cast<long>(kInfinity)));
}

const cib::ResourceConfig* cloned_config(const cib::ResourceConfig& rc) {
  for (const auto& c : rc.children) {
    if (c->kind == cib::RscKind::kPrimitive || c->kind == cib::RscKind::kGroup) return c.get();
  }
  return nullptr;
}

// The resource's flags that depend on being inside a clone: instances are
// unique only in a globally-unique clone.
void set_clone_flags(Resource* rsc, bool unique) {
  if (unique) {
    rsc->set(kRscUnique);
  } else {
    rsc->clear(kRscUnique);
  }
  for (Resource* c : rsc->children) set_clone_flags(c, unique);
}

void set_orphan(Resource* rsc) {
  rsc->set(kRscOrphan);
  for (Resource* c : rsc->children) set_orphan(c);
}

// One more instance, numbered after the last; beyond clone-max it is an
// orphan (history of more instances than the clone may have).
Resource* create_instance(WorkingSet& ws, Resource* clone) {
  CloneData& cd = *clone->clone;
  bool as_orphan = cd.total >= cd.clone_max;
  Resource* inst = unpack_tree(ws, cd.child_config, clone, std::to_string(cd.total));
  ++cd.total;
  set_clone_flags(inst, clone->is(kRscUnique));
  clone->children.push_back(inst);
  if (as_orphan) set_orphan(inst);
  inst->meta["clone-max"] = cd.max_text;
  return inst;
}

// The first primitive (of a cloned group) whose agent class has no unique
// instances (Pacemaker's pcmk_ra_cap_unique: OCF and fencing agents).
const cib::ResourceConfig* anonymous_only_primitive(const cib::ResourceConfig& rc) {
  if (rc.kind == cib::RscKind::kPrimitive) {
    bool can = strcasecmp(rc.cls.c_str(), "ocf") == 0 || strcasecmp(rc.cls.c_str(), "stonith") == 0;
    return can ? nullptr : &rc;
  }
  for (const auto& c : rc.children) {
    if (const cib::ResourceConfig* r = anonymous_only_primitive(*c)) return r;
  }
  return nullptr;
}

// The first primitive (of a cloned group) whose agent class cannot promote.
const cib::ResourceConfig* non_promotable_primitive(const cib::ResourceConfig& rc) {
  if (rc.kind == cib::RscKind::kPrimitive) return strcasecmp(rc.cls.c_str(), "ocf") ? &rc : nullptr;
  for (const auto& c : rc.children) {
    if (const cib::ResourceConfig* bad = non_promotable_primitive(*c)) return bad;
  }
  return nullptr;
}

}  // namespace

Status check_clone_config(const WorkingSet& ws, const cib::ResourceConfig& rc) {
  if (rc.kind != cib::RscKind::kClone) return ok_status();
  const cib::ResourceConfig* child = cloned_config(rc);
  if (!child) return Error(ErrorCode::kInvalidInput, "clone " + rc.id + " has nothing to clone");
  rules::RuleInput in;
  in.now = ws.options.now;
  AttrMap meta;
  rules::apply_nvsets(rc.meta_sets, in, meta);
  for (const auto& [k, v] : rc.attrs) meta.emplace(k, v);
  rules::apply_nvsets(ws.cib.rsc_defaults, in, meta);
  if (rc.promotable || is_true(lookup(meta, "promotable"))) {
    // Only OCF agents have the promote and demote actions: Pacemaker
    // refuses (ignores) a promotable clone of anything else.
    if (const cib::ResourceConfig* bad = non_promotable_primitive(*child)) {
      return Error(ErrorCode::kInvalidInput,
                   "resource " + bad->id + " is of class " + bad->cls +
                       " and therefore cannot be used in promotable clone " + rc.id);
    }
  }
  return ok_status();
}

void unpack_clone_instances(WorkingSet& ws, Resource* clone) {
  auto cd = std::make_shared<CloneData>();
  clone->clone = cd;
  cd->child_config = cloned_config(*clone->config);
  bool unique = is_true(lookup(clone->meta, "globally-unique"));
  if (!unique) clone->clear(kRscUnique);
  cd->clone_node_max = meta_count(clone, "clone-node-max", 1);
  cd->clone_max = meta_count(clone, "clone-max", std::max(1, known_node_count(ws)));
  cd->clone_min = meta_count(clone, "clone-min", 0);
  cd->ordered = is_true(lookup(clone->meta, "ordered"));
  cd->notify = is_true(lookup(clone->meta, "notify"));
  unpack_promotable_settings(ws, clone);
  if (!unique && cd->clone_node_max > 1) {
    ws.warnings.push_back("Ignoring clone-node-max for " + clone->id +
                          " because anonymous clones support only one instance per node");
    cd->clone_node_max = 1;
  }
  // Only OCF and fencing agents can have unique instances: a globally-unique
  // clone of anything else is anonymous, with at most one instance per node.
  if (const cib::ResourceConfig* anon = anonymous_only_primitive(*cd->child_config);
      unique && anon) {
    ws.warnings.push_back("Ignoring globally-unique for " + clone->id + " because " + anon->cls +
                          " resources such as " + anon->id +
                          " can be used only as anonymous clones");
    unique = false;
    cd->forced_anonymous = true;
    clone->clear(kRscUnique);
    cd->clone_node_max = 1;
    cd->clone_max = std::min(cd->clone_max, created_node_count(ws));
  }
  // Clones are slightly sticky by default, so instances do not shuffle.
  clone->meta.emplace("resource-stickiness", "1");
  clone->meta["globally-unique"] = unique ? "true" : "false";
  cd->max_text = std::to_string(cd->clone_max);
  cd->node_max_text = std::to_string(cd->clone_node_max);
  cd->unique_text = unique ? "true" : "false";
  cd->notify_text = cd->notify ? "true" : "false";
  // clone-max=0 still gets one (orphan) instance, for history to attach to.
  int n = std::max(1, cd->clone_max);
  for (int i = 0; i < n; ++i) create_instance(ws, clone);
}

namespace {

// The first primitive under `inst` (itself included) whose id or configured
// id is `base` (Pacemaker's find_rsc with pe_find_clone).
Resource* find_in_instance(Resource* inst, const std::string& base) {
  if (inst->is_primitive()) {
    if (inst->id == base || (inst->config && inst->config->id == base)) return inst;
    return nullptr;
  }
  for (Resource* c : inst->children) {
    if (Resource* r = find_in_instance(c, base)) return r;
  }
  return nullptr;
}

// Where an instance is active or pending now (every member of a group).
void current_locations(const Resource* rsc, std::vector<Node*>& out) {
  if (!rsc->children.empty()) {
    for (const Resource* c : rsc->children) current_locations(c, out);
    return;
  }
  for (Node* n : rsc->running_on) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  if (rsc->pending_node && std::find(out.begin(), out.end(), rsc->pending_node) == out.end()) {
    out.push_back(rsc->pending_node);
  }
}

Resource* find_anonymous_instance(WorkingSet& ws, Node* node, Resource* clone,
                                  const std::string& base) {
  Resource* rsc = nullptr;
  Resource* inactive = nullptr;
  bool skip_inactive = false;
  std::vector<Node*> locations;
  for (size_t i = 0; !rsc && i < clone->children.size(); ++i) {
    Resource* child = clone->children[i];
    locations.clear();
    current_locations(child, locations);
    if (!locations.empty()) {
      if (locations.front() == node) {
        rsc = find_in_instance(child, base);
        // A second history of the same anonymous clone on one node (it was
        // globally unique before) is an orphan.
        if (rsc && !rsc->running_on.empty()) {
          skip_inactive = true;
          rsc = nullptr;
        }
      }
    } else if (!skip_inactive && !inactive && !child->is(kRscBlock)) {
      inactive = find_in_instance(child, base);
      if (inactive && inactive->pending_node && inactive->pending_node != node) inactive = nullptr;
    }
  }
  if (!rsc && !skip_inactive && inactive) rsc = inactive;
  // An instance that needs no fencing, seen on a node that is gone, does not
  // use up an instance number unless every node has one.
  if (rsc && !rsc->is(kRscNeedsFencing) && (!node->online || node->unclean) &&
      clone->clone->clone_max != created_node_count(ws)) {
    rsc = nullptr;
  }
  if (!rsc) {
    Resource* inst = create_instance(ws, clone);
    rsc = find_in_instance(inst, base);
  }
  return rsc;
}

}  // namespace

std::vector<Resource*> resources_named_by_history(const WorkingSet& ws, const std::string& id) {
  std::vector<Resource*> out;
  if (Resource* r = ws.find_rsc(id)) {
    out.push_back(r);
    // A collective resource's id in the history: the orphans made for it
    // (they share the id; rare, so looked for among the top level).
    if (!r->is_primitive()) {
      for (Resource* top : ws.resources) {
        if (top != r && top->is(kRscOrphan) && top->id == id) out.push_back(top);
      }
    }
  }
  // Instances renamed by their history are few: found through their clone's
  // children, only for names that look like an instance's base or number.
  Resource* zero = ws.find_rsc(clone_strip(id) + ":0");
  if (Resource* clone = zero ? parent_clone(zero) : nullptr) {
    std::function<void(Resource*)> walk = [&](Resource* r) {
      if (r->clone_name == id && r->id != id) out.push_back(r);
      for (Resource* c : r->children) walk(c);
    };
    walk(clone);
  }
  std::sort(out.begin(), out.end(),
            [](const Resource* a, const Resource* b) { return a->index > b->index; });
  return out;
}

Resource* find_history_resource(WorkingSet& ws, Node* node, const std::string& id) {
  Resource* rsc = ws.find_rsc(id);
  Resource* top = nullptr;
  if (!rsc) {
    // Not known by that name: maybe an instance of an anonymous clone
    // (history under the bare name or another instance number).
    Resource* zero = ws.find_rsc(clone_strip(id) + ":0");
    if (!zero || zero->is(kRscUnique)) return nullptr;
    rsc = zero;
    top = zero->top();
  } else if (!rsc->is_primitive()) {
    return rsc;
  } else {
    top = rsc->top();
  }
  if (is_anonymous_clone(top) && is_bundle(top->parent)) {
    rsc = bundle_history_instance(top, node);  // bundle_unpack.cpp
    if (!rsc) return nullptr;
  } else if (is_anonymous_clone(top)) {
    rsc = find_anonymous_instance(ws, node, top, clone_strip(id));
    if (!rsc) return nullptr;
  }
  if (rsc->id != id && rsc->clone_name != id) rsc->clone_name = id;
  return rsc;
}

Resource* clone_named_by_history(const WorkingSet& ws, const std::string& id) {
  // Only when no resource has that id: a scan of the instances, once per
  // such constraint.
  for (Resource* top : ws.resources) {
    if (!top->is_clone()) continue;
    std::function<bool(const Resource*)> named = [&](const Resource* r) {
      if (r->clone_name == id) return true;
      return std::any_of(r->children.begin(), r->children.end(), named);
    };
    if (named(top)) return top;
  }
  return nullptr;
}

}  // namespace vigil::pengine
