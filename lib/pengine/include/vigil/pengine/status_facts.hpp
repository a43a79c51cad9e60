// SPDX-License-Identifier: GPL-2.0-or-later
// What a status display (crm_mon's XML, lib/admin/status_xml.cpp) reads of
// an unpacked working set beyond its public fields: the scheduler's own
// notions of a resource's shown name and role, a clone's and a bundle's
// settings (the rest is in vigil/pengine/output.hpp).
#pragma once

#include <string>
#include <vector>

#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

// crm_mon unpacks the constraints after the status (the tickets they name,
// the negative locations it lists as bans); nothing is scheduled.
void unpack_constraints_for_display(WorkingSet& ws);

// The name a resource is shown under: an anonymous clone's instances all
// have their primitive's id (Pacemaker's rsc_printable_id), but for the
// members Pacemaker's unpacking leaves unique (status_facts.cpp).
const std::string& display_id(const Resource* rsc);
// Its role as shown: Started is Unpromoted under a promotable clone.
Role display_role(const Resource* rsc);
// Whether its target-role keeps it stopped, or unpromoted under a
// promotable clone (status_output.cpp).
bool resource_disabled(const Resource* rsc);
// Whether the resource is a promotable clone (promotable.cpp).
bool is_promotable_clone(const Resource* rsc);

// A bundle's container technology and image, and its replicas' resources
// (null where a replica has none), in replica order.
struct ReplicaFacts {
  int offset = 0;
  const Resource *ip = nullptr, *child = nullptr, *container = nullptr, *remote = nullptr;
};
struct BundleFacts {
  std::string agent, image;
  std::vector<ReplicaFacts> replicas;
};
// False when `rsc` is no bundle.
bool bundle_facts(const Resource* rsc, BundleFacts* out);

// Sorts history entries as Pacemaker sorts a resource's operations
// (sort_op_by_callid, in GLib's merge sort: the comparison is no strict
// weak order).
void sort_op_history(std::vector<const cib::OpHistory*>& ops);
// The order Pacemaker's string-keyed hash tables (GLib's, as its ticket
// table) list `keys` in, inserted in that order (none twice).
std::vector<std::string> hash_table_order(const std::vector<std::string>& keys);

}  // namespace vigil::pengine
