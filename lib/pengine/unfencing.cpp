// SPDX-License-Identifier: GPL-2.0-or-later
// Unfencing: fence devices that provide it (meta provides=unfencing, such as
// fence_scsi) must turn a node "on" before that node probes or starts them
// or any resource that requires unfencing. The scheduler orders an "on"
// fencing action of each node before those probes and starts, requires it
// when the node was never unfenced (#node-unfenced) or a device changed
// since (the digests the node recorded), and leaves it optional otherwise.
#include <strings.h>

#include <algorithm>

#include "internal.hpp"

namespace vigil::pengine {

namespace {

constexpr const char* kUnfencedAttr = "#node-unfenced";
constexpr const char* kDigestsAllAttr = "#digests-all";
constexpr const char* kDigestsSecureAttr = "#digests-secure";

// Fence devices that unfence, in the order found (children before their
// parents' siblings); Pacemaker lists them in the reverse of that order.
void find_unfencing_devices(const std::vector<Resource*>& candidates, std::vector<Resource*>& out) {
  for (Resource* r : candidates) {
    if (!r->children.empty()) {
      find_unfencing_devices(r->children, out);
    } else if (!r->is(kRscFenceDevice)) {
      continue;
    } else if (r->is(kRscNeedsUnfencing)) {
      out.push_back(r);
    } else if (const std::string* p = lookup(r->meta, "provides");
               p && strcasecmp(p->c_str(), "unfencing") == 0) {
      out.push_back(r);
    }
  }
}

// Whether `summary` (a node's comma-separated "id:agent:digest," list)
// records `digest` for the device.
bool summary_has(const std::string* summary, const Resource* rsc, const std::string& digest) {
  return summary && summary->find(rsc->id + ":" + rsc->type + ":" + digest) != std::string::npos;
}

bool can_be_unfenced(const Node* node) {
  return node->online && !node->unclean && !node->shutdown;
}

}  // namespace

void trigger_unfencing(WorkingSet& ws, Resource* rsc, Node* node, const std::string& reason) {
  if (!ws.config.enable_unfencing) return;
  if (rsc && !rsc->is(kRscFenceDevice)) return;
  if (node && can_be_unfenced(node)) {
    fence_op(ws, node, "on", false, reason, false);
  } else if (rsc) {
    for (const auto& n : ws.nodes) {
      if (rsc->allowed[n->index].present && can_be_unfenced(n.get())) {
        trigger_unfencing(ws, rsc, n.get(), reason);
      }
    }
  }
}

bool node_unfenced(const Node* node) {
  const std::string* v = lookup(node->attrs, kUnfencedAttr);
  return v && *v != "0";
}

void order_vs_unfence(WorkingSet& ws, Resource* rsc, Node* node, Action* action,
                      std::uint32_t order) {
  // Fence agents that unfence often cannot even probe before the node is
  // unfenced, so their devices wait for it too (not only what requires it).
  const bool applies =
      (rsc->is(kRscFenceDevice) && ws.config.enable_unfencing) || rsc->is(kRscNeedsUnfencing);
  if (!applies) return;
  // Optional at first: requiring it would unfence (and stop everything on)
  // a node each time a resource is added.
  Action* unfence = fence_op(ws, node, "on", true, "", false);
  order_actions(ws, unfence, action, order);
  if (!node_unfenced(node)) {
    trigger_unfencing(ws, nullptr, node, "required by " + rsc->id + " " + action->task);
  }
}

void order_restart_vs_unfence(WorkingSet& ws, Resource* rsc, Node* node) {
  Action* unfence = fence_op(ws, node, "on", true, "", false);
  new_ordering(ws, rsc, op_key(rsc->id, "stop", 0), nullptr, nullptr, unfence->uuid, unfence,
               kOrderOptional | kOrderSameNode);
  new_ordering(ws, nullptr, unfence->uuid, unfence, rsc, op_key(rsc->id, "start", 0), nullptr,
               kOrderImpliesThenOnNode | kOrderSameNode);
}

void add_unfencing_digests(WorkingSet& ws, Node* node, Action* fencing, bool* optional) {
  // Found once per run: every node's unfencing lists the same devices.
  if (!ws.unfencing_devices) {
    ws.unfencing_devices.emplace();
    find_unfencing_devices(ws.resources, *ws.unfencing_devices);
    std::reverse(ws.unfencing_devices->begin(), ws.unfencing_devices->end());
  }
  const std::vector<Resource*>& devices = *ws.unfencing_devices;
  std::string all, secure;
  const std::string* recorded_all = lookup(node->attrs, kDigestsAllAttr);
  const std::string* recorded_secure = lookup(node->attrs, kDigestsSecureAttr);
  for (Resource* dev : devices) {
    const FencingDigests d = fencing_digests(ws, dev, node);
    // Unfenced before with another definition of the device: again.
    if (recorded_all && !summary_has(recorded_all, dev, d.all) &&
        !summary_has(recorded_secure, dev, d.secure)) {
      *optional = false;
      ws.warnings.push_back("notice: Unfencing Pacemaker Remote node " + node->uname +
                            " because the definition of " + dev->id + " changed");
    }
    all += dev->id + ":" + dev->type + ":" + d.all + ",";
    secure += dev->id + ":" + dev->type + ":" + d.secure + ",";
  }
  fencing->meta["digests-all"] = all;
  fencing->meta["digests-secure"] = secure;
}

}  // namespace vigil::pengine
