// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil resource restart RSC [NODE] [--wait=N]` on a running cluster, as
// pcs 0.11 runs it through crm_resource --restart (Pacemaker 2.1.5):
//   1. the resources active now (on NODE, or anywhere) are noted;
//   2. RSC is stopped: target-role=Stopped in its meta attributes (the old
//      value kept), or, for a clone or bundle restarted on one node, a
//      cli-ban location constraint for that node;
//   3. the scheduler is run on the changed CIB and its transition simulated
//      as if every action succeeded: the resources still active then are
//      the ones the stop leaves alone, the others must go;
//   4. the CIB is polled every 2 s until they have gone, then the change of
//      step 2 is undone and the CIB polled until every resource of step 1 is
//      active again (anywhere: dependents may have moved).
// A step that makes no progress within its time (--wait, else 5 s plus the
// longest stop timeout among what it waits for) undoes the change and
// fails with crm_resource's words.
#include <algorithm>
#include <set>

#include "resource_edit.hpp"
#include "resource_move.hpp"
#include "status_view.hpp"
#include "vigil/admin/live_cib.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/action_timeout.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/transition/graph.hpp"
#include "vigil/transition/simulation.hpp"

namespace vigil::admin {
namespace {

constexpr int kPollSeconds = 2;  // crm_resource's sleep_interval

using Names = std::vector<std::string>;

// Whether `rsc` (or any instance or member under it) is active on `host`
// ("" : anywhere), as crm_resource's resource_is_running_on asks it.
bool active_on(const pengine::Resource* rsc, const std::string& host) {
  if (rsc->is_primitive()) {
    for (const pengine::Node* n : rsc->running_on) {
      if (host.empty() || n->uname == host || n->id == host) return true;
    }
    return false;
  }
  return std::any_of(rsc->children.begin(), rsc->children.end(),
                     [&](const pengine::Resource* c) { return active_on(c, host); });
}

// crm_resource's get_active_resources: the top-level resources active on
// `host`, groups expanded into their members, in configuration order.
void collect_active(const std::vector<pengine::Resource*>& rscs, const std::string& host,
                    Names& out) {
  for (const pengine::Resource* r : rscs) {
    if (r->is_group()) {
      collect_active(r->children, host, out);
    } else if (active_on(r, host)) {
      out.push_back(r->id);
    }
  }
}

Names active_resources(const pengine::WorkingSet& ws, const std::string& host) {
  std::vector<pengine::Resource*> tops;
  for (const auto& r : ws.all_rscs) {
    if (r->parent == nullptr) tops.push_back(r.get());
  }
  Names out;
  collect_active(tops, host, out);
  return out;
}

// a minus b, a's order kept.
Names minus(const Names& a, const Names& b) {
  const std::set<std::string> drop(b.begin(), b.end());
  Names out;
  for (const auto& s : a) {
    if (drop.count(s) == 0) out.push_back(s);
  }
  return out;
}

// The longest stop timeout (ms) among `rsc`'s primitives, as the scheduler
// gives each stop (crm_resource's max_delay_for_resource); `ws` gets their
// transient stop actions.
Result<std::int64_t> max_stop_timeout_ms(pengine::WorkingSet& ws, pengine::Resource* rsc) {
  if (rsc->children.empty()) return pengine::action_timeout_ms(ws, rsc, "stop");
  std::int64_t most = 0;
  for (pengine::Resource* c : rsc->children) {
    auto ms = max_stop_timeout_ms(ws, c);
    if (!ms) return ms;
    most = std::max(most, *ms);
  }
  return most;
}

// crm_resource's max_delay_in: 5 s plus the longest stop timeout among `ids`.
Result<int> step_polls(pengine::WorkingSet& ws, const Names& ids) {
  std::int64_t most = 0;
  for (const auto& id : ids) {
    if (pengine::Resource* r = ws.find_rsc(id)) {
      auto ms = max_stop_timeout_ms(ws, r);
      if (!ms) return ms.error();
      most = std::max(most, *ms);
    }
  }
  return static_cast<int>((5 + most / 1000) / kPollSeconds);
}

// What crm_resource printed, its two streams kept apart: pcs reads them
// through one pipe, where the unbuffered stderr comes first and stdout
// follows when the process exits.
struct ToolOutput {
  std::string out, err;
  void info(const std::string& line) { out += line + "\n"; }
  void error(const std::string& line) { err += line + "\n"; }
  void list(const Names& ids) {
    for (const auto& id : ids) info(" * " + id);
  }
};

// pcs's utils.err(output) on crm_resource's failure.
Status tool_failure(ToolOutput& o, const std::string& exit_text) {
  o.error("crm_resource: Error performing operation: " + exit_text);
  return Error(ErrorCode::kInvalidInput, o.err + o.out);
}

struct Restart {
  Restart(LiveCib& c, std::string r, std::string h)
      : cib(c), rsc(r), lookup(std::move(r)), host(std::move(h)) {}
  LiveCib& cib;
  std::string rsc;     // the resource stopped and started
  std::string lookup;  // where target-role or the ban goes
  std::string host;
  bool via_ban = false;
  std::optional<std::string> orig_role;
  // --wait's seconds, counted down by every poll as crm_resource does; 0
  // (none given): each step's time comes from the stop timeouts.
  bool timed = false;
  int timeout_s = 0;
  ToolOutput o;

  Result<status_view::Unpacked> read_state() {
    auto doc = cib.read();
    if (!doc) return doc.error();
    return status_view::unpack_copy(doc->get(), cib.now(), false);
  }

  // Step 2 (stop) or its undo.
  Status change(bool stop) {
    auto doc = cib.read();
    if (!doc) return doc.error();
    xmlDoc* d = doc->get();
    const std::string ban_id = "cli-ban-" + lookup + "-on-" + host;
    if (via_ban && stop) {
      put_location(d, ban_id, lookup, "Started", host, "-INFINITY");  // as `resource ban`
    } else if (via_ban) {
      if (xmlNode* ban = find_by_id(d, ban_id)) remove_node(ban);
    } else {
      xmlNode* r = find_resource(d, lookup);
      if (r == nullptr) {
        return Error(ErrorCode::kNotFound, "resource '" + lookup + "' is gone from the CIB");
      }
      if (stop) {
        set_nvpair(d, r, "meta_attributes", "target-role", "Stopped", false);
      } else if (orig_role) {
        set_nvpair(d, r, "meta_attributes", "target-role", *orig_role, false);
      } else {
        for (xmlNode* set : xml::children(r, "meta_attributes")) {
          for (xmlNode* nv : xml::children(set, "nvpair")) {
            if (xml::attr_or(nv, "name") == "target-role") remove_node(nv);
          }
        }
      }
    }
    return cib.write_configuration(d);
  }

  // Polls until `remaining(state)` is empty and `also` (when given) says
  // nothing else is awaited; false when a step made no progress.
  Result<bool> poll(Names& delta, const std::function<Names(const pengine::WorkingSet&)>& remaining,
                    pengine::WorkingSet* first_ws, const std::function<bool()>& also = nullptr) {
    auto waiting = [&] { return !delta.empty() || (also && also()); };
    int step = timeout_s / kPollSeconds;
    std::optional<status_view::Unpacked> last;
    while (waiting()) {
      const std::size_t before = delta.size();
      if (!timed) {
        auto polls = step_polls(last ? *last->ws : *first_ws, delta);
        if (!polls) return polls.error();
        step = *polls;
      }
      for (int i = 0; i < step && waiting(); ++i) {
        cib.sleep_seconds(kPollSeconds);
        if (timed) timeout_s = std::max(0, timeout_s - kPollSeconds);
        auto now = read_state();
        if (!now) return now.error();
        last = std::move(*now);
        delta = remaining(*last->ws);
      }
      if (delta.size() == before) return false;
    }
    return true;
  }
};

// The primitives the transition starts, stops, promotes, demotes or
// migrates, by action id (pcs's get_operations_from_transitions).
void list_role_changes(const transition::Graph& graph, std::vector<std::string>& out) {
  static const std::set<std::string> kTasks = {"start",  "stop",         "promote",
                                               "demote", "migrate_from", "migrate_to"};
  std::vector<std::pair<int, std::string>> ops;
  for (const auto& a : graph.actions) {
    if (a.kind == transition::ActionKind::kRscOp && a.primitive && kTasks.count(a.operation)) {
      ops.emplace_back(a.id, a.primitive->id);
    }
  }
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& op : ops) out.push_back(std::move(op.second));
}

}  // namespace

Status resource_restart(Context& ctx, std::vector<std::string> args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput, "You must specify a resource to restart");
  }
  if (ctx.live_cib == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 "'resource restart' needs a connection to the cluster's CIB");
  }
  if (xmlNode* r = find_resource(ctx.doc, args[0]);
      r != nullptr && xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith") {
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith resources is deprecated "
        "and will be removed in a future release.");
  }
  std::string rsc = args[0];
  if (xmlNode* r = find_resource(ctx.doc, rsc); r != nullptr) {
    xmlNode* parent = clone_ancestor(r);
    if (parent == nullptr && r->parent != nullptr && xml::is(r->parent, "bundle")) {
      parent = r->parent;
    }
    if (parent != nullptr) {
      rsc = xml::attr_or(parent, "id");
      ctx.notes.push_back("Warning: using " + rsc +
                          "... (if a resource is a clone or bundle you must use the clone or "
                          "bundle name)");
    }
  }
  std::string host;
  if (args.size() > 1) {
    host = args[1];
    xmlNode* r = find_resource(ctx.doc, rsc);
    if (r == nullptr || !(xml::is(r, "clone") || xml::is(r, "master") || xml::is(r, "bundle"))) {
      return Error(ErrorCode::kInvalidInput,
                   "can only restart on a specific node for a clone or bundle resource");
    }
  }
  int timeout_s = 0;
  if (ctx.flags.wait) {
    if (ctx.flags.wait->empty()) {
      return Error(ErrorCode::kInvalidInput, "You must specify the number of seconds to wait");
    }
    auto t = wait_timeout_seconds(*ctx.flags.wait);
    if (!t) {
      return Error(ErrorCode::kInvalidInput,
                   "crm_resource: Invalid value for --timeout: " + *ctx.flags.wait + "\n");
    }
    timeout_s = *t;
  }

  Restart job(*ctx.live_cib, rsc, host);
  job.timed = ctx.flags.wait.has_value() && timeout_s > 0;
  job.timeout_s = timeout_s;
  auto state = job.read_state();
  if (!state) return state.error();
  pengine::WorkingSet& ws = *state->ws;
  const pengine::Resource* r = ws.find_rsc(rsc);
  if (r == nullptr) {
    job.o.error("crm_resource: Resource '" + rsc + "' not found");
    return Error(ErrorCode::kInvalidInput,
                 job.o.err + "Error performing operation: No such object\n");
  }
  if (!host.empty() && std::none_of(ws.nodes.begin(), ws.nodes.end(),
                                    [&](const auto& n) { return n->uname == host; })) {
    job.o.error("crm_resource: Node '" + host + "' not found");
    return Error(ErrorCode::kInvalidInput,
                 job.o.err + "Error performing operation: No such object\n");
  }
  if (!active_on(r, host)) {
    job.o.error(rsc + " is not running " + (host.empty() ? "anywhere" : "on " + host) +
                " and so cannot be restarted");
    return tool_failure(job.o, "No such object");
  }
  job.via_ban = !host.empty() && (r->is_clone() || r->kind == cib::RscKind::kBundle);
  if (!job.via_ban) {
    if (xmlNode* e = find_resource(ctx.doc, rsc)) {
      for (const xmlNode* set : xml::children(e, "meta_attributes")) {
        for (const xmlNode* nv : xml::children(set, "nvpair")) {
          if (xml::attr_or(nv, "name") == "target-role" && !job.orig_role) {
            job.orig_role = xml::attr_or(nv, "value");
          }
        }
      }
    }
  }
  const Names before = active_resources(ws, host);

  auto undo_and_fail = [&](const std::string& exit_text) {
    (void)job.change(false);
    return tool_failure(job.o, exit_text);
  };

  Names delta;  // what the step under way still waits for
  // A poll that could not read the cluster, or a step that made no
  // progress in its time: the change is undone, crm_resource's words.
  auto failed_step = [&](const Result<bool>& done, const char* verb, const char* step) -> Status {
    if (!done) {
      job.o.error(std::string("Could not determine which resources were ") + verb);
      return undo_and_fail("Error occurred");
    }
    if (!*done) {
      job.o.error("Could not complete " + std::string(step) + " of " + rsc + ", " +
                  std::to_string(delta.size()) + " resources remaining");
      job.o.list(delta);
      return undo_and_fail("Timeout occurred");
    }
    return ok_status();
  };

  if (auto st = job.change(true); !st) {
    job.o.error("Could not set target-role for " + rsc + ": " + st.error().message());
    return tool_failure(job.o, "Error occurred");
  }
  // Step 3: what the stop leaves running, once the cluster has acted on it.
  auto changed = job.cib.read();
  if (!changed) return undo_and_fail("Error occurred");
  auto settled = simulate_cluster_reaction(changed->get(), job.cib.now());
  if (!settled) {
    job.o.error("Could not determine which resources would be stopped");
    return undo_and_fail("Error occurred");
  }
  auto target_state = status_view::unpack_copy(settled->get(), job.cib.now(), false);
  if (!target_state) {
    job.o.error("Could not determine which resources would be stopped");
    return undo_and_fail("Error occurred");
  }
  const Names target = active_resources(*target_state->ws, host);

  // What is active (on `host`) at the last poll of the stop: the start
  // waits for what of `before` is missing from it.
  Names current = before;
  delta = minus(before, target);
  job.o.info("Waiting for " + std::to_string(delta.size()) + " resources to stop:");
  job.o.list(delta);
  auto stopped = job.poll(
      delta,
      [&](const pengine::WorkingSet& now) {
        current = active_resources(now, host);
        return minus(current, target);
      },
      &ws);
  if (auto st = failed_step(stopped, "stopped", "shutdown"); !st) return st;

  if (auto st = job.change(false); !st) {
    job.o.error("Could not unset target-role for " + rsc + ": " + st.error().message());
    return tool_failure(job.o, "Error occurred");
  }
  auto now = job.read_state();
  if (!now) return now.error();
  delta = minus(before, current);
  job.o.info("Waiting for " + std::to_string(delta.size()) + " resources to start again:");
  job.o.list(delta);
  // Dependents may come back elsewhere: active anywhere counts for them.
  // The restarted resource itself must be active where it was restarted
  // (crm_resource means to wait for that too, but asks a state it never
  // reads again; a clone active on another node would end the wait at once).
  const pengine::Resource* again = now->ws->find_rsc(rsc);
  bool back = again != nullptr && active_on(again, host);
  auto started = job.poll(
      delta,
      [&](const pengine::WorkingSet& ws2) {
        const pengine::Resource* r2 = ws2.find_rsc(rsc);
        back = r2 != nullptr && active_on(r2, host);
        return minus(before, active_resources(ws2, ""));
      },
      now->ws.get(), [&] { return !back; });
  if (auto st = failed_step(started, "started", "restart"); !st) return st;
  ctx.notes.push_back(rsc + " successfully restarted");
  return ok_status();
}

Result<xml::DocPtr> simulate_cluster_reaction(xmlDoc* doc, EpochSeconds now,
                                              std::vector<std::string>* role_changes) {
  xml::DocPtr copy(xmlCopyDoc(doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto scheduled = status_view::unpack_copy(copy.get(), now, true);
  if (!scheduled) return scheduled.error();
  pengine::WorkingSet& ws = *scheduled->ws;
  pengine::Graph g = pengine::build_graph(ws);
  auto graph = transition::parse_graph(pengine::graph_xml(ws, g), {.allow_stuck = true});
  if (!graph) return graph.error();
  if (role_changes != nullptr) list_role_changes(*graph, *role_changes);
  transition::SimulationOptions so;
  so.now = now;
  for (const auto& rsc : ws.all_rscs) {
    so.resource_names.insert(rsc->id);
    if (!rsc->clone_name.empty()) so.resource_names.insert(rsc->clone_name);
  }
  auto sim = transition::simulate_transition(std::move(graph).value(), copy.get(), so);
  if (!sim) return sim.error();
  return copy;
}

}  // namespace vigil::admin
