// SPDX-License-Identifier: GPL-2.0-or-later
// A bundle in crm_simulate's status sections (Pacemaker's pe__bundle_text):
// one line per replica, named after its connection (or container) and its
// address, with the state of the instance inside (or of the container).
#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

void bundle_status_lines(const WorkingSet& ws, const Resource* bundle, const std::string& indent,
                         std::string& out, bool show_pending, bool details) {
  const BundleData& b = *bundle->bundle;
  if (b.replicas.empty()) return;
  out += indent + "* Container bundle" + (b.nreplicas > 1 ? " set" : "") + ": " + bundle->id +
         " [" + b.image + "]" + (bundle->is(kRscUnique) ? " (unique)" : "") +
         (bundle->is(kRscManaged) ? "" : " (unmanaged)") + ":\n";
  for (const BundleReplica& r : b.replicas) {
    if (details) {
      // Every resource of the replica, numbered when there are several.
      std::string inner = indent + "    ";
      if (b.replicas.size() > 1) {
        out += indent + "  * Replica[" + std::to_string(r.offset) + "]\n";
      }
      for (const Resource* part : {r.ip, r.child, r.container, r.remote}) {
        if (part) out += inner + "* " + primitive_line(ws, part, show_pending) + "\n";
      }
      continue;
    }
    const Resource* shown = r.child ? r.child : r.container;
    std::string name = r.remote ? printable_id(r.remote) : printable_id(r.container);
    if (!r.ipaddr.empty()) name += " (" + r.ipaddr + ")";
    out += indent + "  * " +
           primitive_line(ws, shown, show_pending, &name, r.container->current_node()) + "\n";
  }
}

}  // namespace vigil::pengine
