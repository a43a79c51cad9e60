// SPDX-License-Identifier: GPL-2.0-or-later
// The scheduler as a short list of named stages (Pacemaker's
// pcmk__schedule_actions): each stage is a function over the working set.
#include <strings.h>

#include <chrono>
#include <cstring>
#include <functional>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"
#include "vigil/pengine/summary.hpp"

namespace vigil::pengine {

rules::RuleInput rsc_rule_input(WorkingSet& ws, const Resource* rsc) {
  rules::RuleInput in;
  in.now = ws.options.now;
  in.next_change = &ws.rules_change;
  in.rsc_class = &rsc->cls;
  in.rsc_provider = &rsc->provider;
  in.rsc_type = &rsc->type;
  return in;
}

AttrMap rsc_params(const WorkingSet& ws, const Resource* rsc, const Node* node) {
  AttrMap out;
  rules::RuleInput in;
  in.node_attrs = node ? &node->attrs : nullptr;
  in.now = ws.options.now;
  for (const Resource* r = rsc; r; r = r->parent) {
    if (r->config) rules::apply_nvsets(r->config->instance_sets, in, out);
  }
  // A bundle connection to "#uname" goes to its container's host.
  if (const Node* host = bundle_connection_host(rsc)) {  // bundle_actions.cpp
    if (auto it = out.find("addr");
        it != out.end() && strcasecmp(it->second.c_str(), "#uname") == 0)
      it->second = host->uname;
  }
  return out;
}

namespace {
// Stage durations for benchmarks (Options::profile). Measuring time never
// changes a decision.
struct StageClock {
  WorkingSet& ws;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void mark(const char* stage) {
    if (!ws.options.profile) return;
    auto now = std::chrono::steady_clock::now();
    ws.stage_seconds.emplace_back(stage, std::chrono::duration<double>(now - last).count());
    last = now;
  }
};
}  // namespace

Status schedule(WorkingSet& ws) {
  StageClock clock{ws};
  if (auto st = unpack(ws); !st) return st;
  clock.mark("unpack");
  unpack_constraints(ws);
  collect_promoted_locations(ws);  // promotable.cpp
  apply_node_health(ws);
  apply_node_criteria(ws);
  clock.mark("locations");
  create_internal_constraints(ws);
  handle_rsc_config_changes(ws);
  clock.mark("internal");
  assign_resources(ws);
  run_param_checks(ws);  // config_changes.cpp: deferred until hosts are known
  clock.mark("assign");
  schedule_probes(ws);
  clock.mark("probes");
  for (Resource* r : ws.resources) {
    // Orphans with fail counts get them cleared.
    if (!r->is(kRscOrphan) || !ws.config.stop_orphan_resources) continue;
    for (auto& n : ws.nodes) {
      if (!n->online) continue;
      if (failcount(ws, n.get(), r, nullptr, true) == 0) continue;
      Action* clear = clear_failcount(ws, r, n.get(), "it is orphaned");
      new_ordering(ws, r, "", clear, r, op_key(r->id, "stop", 0), nullptr, kOrderOptional);
    }
  }
  create_resource_actions(ws);
  clock.mark("actions");
  // Before fencing: it may find more nodes to fence (remote.cpp).
  order_remote_connection_actions(ws);
  schedule_fencing_and_shutdowns(ws);
  apply_orderings(ws);
  clock.mark("orderings");
  // Pacemaker logs the summary here; its lookups by node give node-less
  // actions (made by orderings) that node, before the graph is built.
  transition_summary(ws);
  if (ws.rules_change > 0) update_recheck_time(ws, ws.rules_change);
  return ok_status();
}

}  // namespace vigil::pengine
