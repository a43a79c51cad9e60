// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's XML resource list: <resource>, <group>, <clone> and <bundle>
// elements with the states the scheduler unpacked.
#include <strings.h>

#include <string>

#include "status_xml_internal.hpp"
#include "vigil/pengine/status_facts.hpp"

namespace vigil::admin::status_xml {

namespace {

using pengine::Node;
using pengine::Resource;

const std::string* meta(const Resource* r, const char* name) {
  auto it = r->meta.find(name);
  return it == r->meta.end() ? nullptr : &it->second;
}

// A primitive is active on an unclean node, or on an online one, or (when
// unmanaged) on an offline one.
bool primitive_active(const Resource* r) {
  for (const Node* n : r->running_on) {
    if (n->unclean || n->online || !r->is(pengine::kRscManaged)) return true;
  }
  return false;
}

// Whether the resource is active (`all`: all of it, else any part).
bool active(const Resource* r, bool all) {
  pengine::BundleFacts bundle;
  if (pengine::bundle_facts(r, &bundle)) {
    for (const auto& rep : bundle.replicas) {
      for (const Resource* part : {rep.ip, rep.child, rep.container, rep.remote}) {
        if (!part) continue;
        const bool a = active(part, all);
        if (a && !all) return true;
        if (!a && all) return false;
      }
    }
    return all;
  }
  if (r->is_group()) {
    bool any = false, every = true;
    for (const Resource* c : r->children) {
      if (active(c, all)) {
        any = true;
      } else {
        every = false;
      }
    }
    return any && (!all || every);
  }
  if (r->is_clone()) {
    for (const Resource* c : r->children) {
      const bool a = active(c, all);
      if (a && !all) return true;
      if (!a && all) return false;
    }
    return all;
  }
  return primitive_active(r);
}

const char* pending_state(const std::string& task) {
  static const struct {
    const char* task;
    const char* state;
  } kStates[] = {{"start", "Starting"},       {"stop", "Stopping"},
                 {"migrate_to", "Migrating"}, {"migrate_from", "Migrating"},
                 {"promote", "Promoting"},    {"demote", "Demoting"}};
  for (const auto& s : kStates) {
    if (strcasecmp(task.c_str(), s.task) == 0) return s.state;
  }
  return nullptr;
}

void add(xmlNode* parent, const Resource* r);

void add_primitive(xmlNode* parent, const Resource* r) {
  xmlNode* e = child(parent, "resource");
  set(e, "id", pengine::display_id(r));
  std::string agent = r->cls;
  if (!r->provider.empty()) agent += ":" + r->provider;
  set(e, "resource_agent", agent + ":" + r->type);
  const char* pending = pending_state(r->pending_task);
  set(e, "role", pending ? pending : pengine::role_text(pengine::display_role(r)));
  if (const std::string* target = meta(r, "target-role")) set(e, "target_role", *target);
  set(e, "active", tf(active(r, true)));
  set(e, "orphaned", tf(r->is(pengine::kRscOrphan)));
  set(e, "blocked", tf(r->is(pengine::kRscBlock)));
  set(e, "managed", tf(r->is(pengine::kRscManaged)));
  set(e, "failed", tf(r->is(pengine::kRscFailed)));
  set(e, "failure_ignored", tf(r->is(pengine::kRscFailureIgnored)));
  set(e, "nodes_running_on", std::to_string(r->running_on.size()));
  if (strcasecmp(r->pending_task.c_str(), "monitor") == 0) set(e, "pending", "Monitoring");
  if (r->lock_node) set(e, "locked_to", r->lock_node->uname);
  for (const Node* n : r->running_on) {
    xmlNode* on = child(e, "node");
    set(on, "name", n->uname);
    set(on, "id", n->id);
    set(on, "cached", tf(n->online));
  }
}

void add_group(xmlNode* parent, const Resource* r) {
  if (r->children.empty()) return;
  xmlNode* e = child(parent, "group");
  set(e, "id", r->id);
  set(e, "number_resources", std::to_string(r->children.size()));
  set(e, "managed", tf(r->is(pengine::kRscManaged)));
  set(e, "disabled", tf(pengine::resource_disabled(r)));
  for (const Resource* c : r->children) add(e, c);
}

void add_clone(xmlNode* parent, const Resource* r) {
  if (r->children.empty()) return;
  xmlNode* e = child(parent, "clone");
  set(e, "id", r->id);
  set(e, "multi_state", tf(pengine::is_promotable_clone(r)));
  set(e, "unique", tf(r->is(pengine::kRscUnique)));
  set(e, "managed", tf(r->is(pengine::kRscManaged)));
  set(e, "disabled", tf(pengine::resource_disabled(r)));
  set(e, "failed", tf(r->is(pengine::kRscFailed)));
  set(e, "failure_ignored", tf(r->is(pengine::kRscFailureIgnored)));
  // Its own target-role, else its first instance's.
  const std::string* target = meta(r, "target-role");
  if (!target) target = meta(r->children.front(), "target-role");
  if (target) set(e, "target_role", *target);
  for (const Resource* c : r->children) add(e, c);
}

void add_bundle(xmlNode* parent, const Resource* r, const pengine::BundleFacts& b) {
  if (b.replicas.empty()) return;
  xmlNode* e = child(parent, "bundle");
  set(e, "id", r->id);
  set(e, "type", b.agent.empty() ? std::string("unknown") : b.agent);
  set(e, "image", b.image);
  set(e, "unique", tf(r->is(pengine::kRscUnique)));
  set(e, "managed", tf(r->is(pengine::kRscManaged)));
  set(e, "failed", tf(r->is(pengine::kRscFailed)));
  for (const auto& rep : b.replicas) {
    xmlNode* re = child(e, "replica");
    set(re, "id", std::to_string(rep.offset));
    for (const Resource* part : {rep.ip, rep.child, rep.container, rep.remote}) {
      if (part) add(re, part);
    }
  }
}

void add(xmlNode* parent, const Resource* r) {
  pengine::BundleFacts bundle;
  if (pengine::bundle_facts(r, &bundle)) {
    add_bundle(parent, r, bundle);
  } else if (r->is_clone()) {
    add_clone(parent, r);
  } else if (r->is_group()) {
    add_group(parent, r);
  } else {
    add_primitive(parent, r);
  }
}

}  // namespace

void add_resources(xmlNode* root, const pengine::WorkingSet& ws) {
  xmlNode* list = nullptr;
  for (const Resource* r : ws.resources) {
    // Inactive orphans are left out; so is a resource active only in part
    // that runs on no node of its own (an unmanaged instance on an offline
    // node is not added to its clone's nodes).
    if (r->is(pengine::kRscOrphan) && !active(r, true)) continue;
    if (active(r, false) && r->running_on.empty()) continue;
    if (!list) list = child(root, "resources");
    add(list, r);
  }
}

}  // namespace vigil::admin::status_xml
