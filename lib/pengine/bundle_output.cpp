// SPDX-License-Identifier: GPL-2.0-or-later
// A bundle in crm_simulate's status sections (Pacemaker's pe__bundle_text):
// one line per replica, named after its connection (or container) and its
// address, with the state of the instance inside (or of the container).
#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

void bundle_status_lines(const WorkingSet& ws, const Resource* bundle, const std::string& indent,
                         std::string& out, bool show_pending) {
  const BundleData& b = *bundle->bundle;
  if (b.replicas.empty()) return;
  out += indent + "* Container bundle" + (b.nreplicas > 1 ? " set" : "") + ": " + bundle->id +
         " [" + b.image + "]" + (bundle->is(kRscUnique) ? " (unique)" : "") +
         (bundle->is(kRscManaged) ? "" : " (unmanaged)") + ":\n";
  for (const BundleReplica& r : b.replicas) {
    const Resource* shown = r.child ? r.child : r.container;
    std::string name = r.remote ? printable_id(r.remote) : printable_id(r.container);
    if (!r.ipaddr.empty()) name += " (" + r.ipaddr + ")";
    out += indent + "  * " +
           primitive_line(ws, shown, show_pending, &name, r.container->current_node()) + "\n";
  }
}

}  // namespace vigil::pengine
