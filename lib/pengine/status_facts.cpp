// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/pengine/status_facts.hpp"

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"
#include "utilization.hpp"

namespace vigil::pengine {

void unpack_constraints_for_display(WorkingSet& ws) {
  unpack_constraints(ws);
}

namespace {

// A member of a clone's last group instance that Pacemaker leaves unique
// although the clone was forced anonymous (globally-unique=true with a
// member of a class without unique instances, such as lsb): unpacking that
// member clears uniqueness only on the instances already under the clone,
// not on its own instance, whose members of other classes keep theirs.
bool left_unique(const Resource* rsc) {
  const Resource* group = rsc->parent;
  if (!rsc->is_primitive() || !group || !group->is_group()) return false;
  const Resource* clone = group->parent;
  if (!clone || !clone->is_clone() || !clone->clone || !clone->clone->forced_anonymous ||
      clone->children.empty() || clone->children.back() != group) {
    return false;
  }
  auto unique_capable = [](const Resource* r) { return r->cls == "ocf" || r->cls == "stonith"; };
  if (!unique_capable(rsc)) return false;
  for (const Resource* m : group->children) {
    if (!unique_capable(m)) return true;
  }
  return false;
}

}  // namespace

const std::string& display_id(const Resource* rsc) {
  return left_unique(rsc) ? rsc->id : printable_id(rsc);
}

Role display_role(const Resource* rsc) {
  return displayable_role(rsc);
}

bool bundle_facts(const Resource* rsc, BundleFacts* out) {
  if (!is_bundle(rsc) || !rsc->bundle) return false;
  const BundleData& b = *rsc->bundle;
  out->agent = b.agent;
  out->image = b.image;
  out->replicas.clear();
  for (const BundleReplica& r : b.replicas) {
    out->replicas.push_back({r.offset, r.ip, r.child, r.container, r.remote});
  }
  return true;
}

int display_failcount(const WorkingSet& ws, const Node* node, const Resource* rsc,
                      EpochSeconds* last_failure) {
  // failcount() takes a mutable resource: a failure blocked by on-fail=block
  // drops its failure-timeout, as Pacemaker's count does.
  return failcount(ws, node, const_cast<Resource*>(rsc), last_failure, false);
}

AttrMap display_params(const WorkingSet& ws, const Resource* rsc, const Node* node) {
  return rsc_params(ws, rsc, node);
}

void sort_op_history(std::vector<const cib::OpHistory*>& ops) {
  list_sort(ops, [](const cib::OpHistory* a, const cib::OpHistory* b) {
    return cib::compare_op_history(*a, *b, true);
  });
}

bool is_op_key(const std::string& key) {
  return parse_op_key(key, nullptr, nullptr, nullptr);
}

std::vector<std::string> hash_table_order(const std::vector<std::string>& keys) {
  UtilTable table;  // a GLib table's iteration order, whatever it holds
  for (const std::string& k : keys) table.set(k, "");
  std::vector<std::string> out;
  table.each([&](const std::string& key, const std::string&) { out.push_back(key); });
  return out;
}

const char* exit_code_text(int rc) {
  return exit_text(rc);
}

}  // namespace vigil::pengine
