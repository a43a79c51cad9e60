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

void sort_op_history(std::vector<const cib::OpHistory*>& ops) {
  list_sort(ops, [](const cib::OpHistory* a, const cib::OpHistory* b) {
    return cib::compare_op_history(*a, *b, true);
  });
}

std::vector<std::string> hash_table_order(const std::vector<std::string>& keys) {
  UtilTable table;  // a GLib table's iteration order, whatever it holds
  for (const std::string& k : keys) table.set(k, "");
  std::vector<std::string> out;
  table.each([&](const std::string& key, const std::string&) { out.push_back(key); });
  return out;
}

}  // namespace vigil::pengine
