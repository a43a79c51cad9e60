// SPDX-License-Identifier: GPL-2.0-or-later
// The transition summary: which change each resource and node undergoes
// (Pacemaker's LogActions()/LogNodeActions()), then the text.
#include "vigil/pengine/summary.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "bundle.hpp"
#include "internal.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

const char* to_string(Change c) {
  // In the order of Change's enumerators.
  static constexpr const char* kWords[] = {"Fence",   "Shutdown", "Start",   "Stop",
                                           "Restart", "Move",     "Recover", "Promote",
                                           "Demote",  "Migrate",  "Reload",  "Re-promote"};
  static_assert(std::size(kWords) == static_cast<std::size_t>(Change::kRepromote) + 1);
  return kWords[static_cast<std::size_t>(c)];
}

namespace {

Action* first_of(const std::vector<Action*>& v) {
  return v.empty() ? nullptr : v.front();
}

void add(std::vector<SummaryItem>& out, Change change, const Resource* rsc, const Node* origin,
         const Node* destination, const Action* action, const Action* source) {
  out.push_back({.change = change,
                 .rsc = rsc,
                 .origin = origin,
                 .destination = destination,
                 .action = action,
                 .source = source});
}

void rsc_changes(Resource* rsc, std::vector<SummaryItem>& out) {
  if (is_bundle(rsc)) {  // replica by replica (bundle.hpp)
    for (Resource* c : bundle_summary_order(rsc)) rsc_changes(c, out);
    return;
  }
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) rsc_changes(c, out);
    return;
  }
  Node* next = rsc->allocated_to;
  Node* current = nullptr;
  if (!rsc->running_on.empty()) {
    current = rsc->current_node();
    if (rsc->role == Role::kStopped) rsc->role = Role::kStarted;
  }
  if (!current && rsc->is(kRscOrphan)) return;
  if (!rsc->is(kRscManaged) || (!current && !next)) return;
  bool moving = current && next && current != next;
  Action* start = first_of(rsc_actions(rsc, next, "start", false));
  Node* start_node = (!start || !start->is(kActRunnable)) ? nullptr : current;
  Action* stop = first_of(rsc_actions(rsc, start_node, "stop", false));
  if (!stop && rsc->is(kRscStopUnexpected))
    stop = first_of(rsc_actions(rsc, nullptr, "stop", false));
  Action* promote = first_of(rsc_actions(rsc, next, "promote", false));
  Action* demote = first_of(rsc_actions(rsc, next, "demote", false));
  if (rsc->role == rsc->next_role) {
    if (!next) return;
    Action* migrate = first_of(rsc_actions(rsc, next, "migrate_from", false));
    if (migrate && current && migrate->is(kActRunnable)) {
      add(out, Change::kMigrate, rsc, current, next, start, nullptr);
    } else if (rsc->is(kRscReload)) {
      add(out, Change::kReload, rsc, current, next, start, nullptr);
    } else if (!start || start->is(kActOptional)) {
      if (demote && promote && !demote->is(kActOptional) && !promote->is(kActOptional)) {
        add(out, Change::kRepromote, rsc, current, next, promote, demote);
      }
    } else if (!start->is(kActRunnable)) {
      add(out, Change::kStop, rsc, current, nullptr, stop,
          (stop && !stop->reason.empty()) ? stop : start);
    } else if (moving && current) {
      add(out, rsc->is(kRscFailed) ? Change::kRecover : Change::kMove, rsc, current, next, stop,
          nullptr);
    } else if (rsc->is(kRscFailed)) {
      add(out, Change::kRecover, rsc, current, nullptr, stop, nullptr);
    } else {
      add(out, Change::kRestart, rsc, current, next, start, nullptr);
    }
    return;
  }
  if (stop && (rsc->next_role == Role::kStopped || (start && !start->is(kActRunnable)))) {
    std::string key = op_key(rsc->id, "stop", 0);
    for (Node* node : rsc->running_on) {
      Action* stop_op = first_of(find_actions(rsc, key, node));
      add(out, Change::kStop, rsc, node, nullptr, stop_op,
          (stop_op && !stop_op->reason.empty()) ? stop_op : start);
    }
  } else if (stop && rsc->is(kRscFailed) && rsc->is(kRscStop)) {
    add(out, Change::kRecover, rsc, current, next, stop, start);
  } else if (moving) {
    add(out, Change::kMove, rsc, current, next, stop, nullptr);
  } else if (rsc->is(kRscReload)) {
    add(out, Change::kReload, rsc, current, next, start, nullptr);
  } else if (stop && !stop->is(kActOptional)) {
    add(out, Change::kRestart, rsc, current, next, start, nullptr);
  } else if (rsc->role == Role::kPromoted) {
    add(out, Change::kDemote, rsc, current, next, demote, nullptr);
  } else if (rsc->next_role == Role::kPromoted) {
    add(out, Change::kPromote, rsc, current, next, promote, nullptr);
  } else if (rsc->role == Role::kStopped && rsc->next_role > Role::kStopped) {
    add(out, Change::kStart, rsc, current, next, start, nullptr);
  }
}

struct Widths {
  size_t rsc = 5, detail = 5;
};

std::string node_line(const SummaryItem& item) {
  const Action* a = item.node_action;
  std::string task = to_string(item.change);
  if (item.change == Change::kFence) {
    auto op = lookup(a->meta, "stonith_action");
    task += " (" + (op ? *op : std::string()) + ")";
  }
  return "  * " + task + " " + (a->node ? fenced_node_name(a->node) : "") + " '" + a->reason.str() +
         "'\n";
}

std::string rsc_line(Widths& w, const SummaryItem& item) {
  const Resource* rsc = item.rsc;
  const Node* origin = item.origin;
  const Node* destination = item.destination;
  const Action* source = item.source ? item.source : item.action;
  if (rsc->id.size() > w.rsc) w.rsc = rsc->id.size() + 2;
  bool need_role = rsc->role > Role::kStarted || rsc->next_role > Role::kUnpromoted;
  bool same_host = origin && destination && origin == destination;
  bool same_role = rsc->role == rsc->next_role;
  std::string details;
  std::string r = role_text(rsc->role), nr = role_text(rsc->next_role);
  if (need_role && !origin) {
    details = r + " -> " + nr + " " + destination->uname;
  } else if (!origin) {
    details = destination->uname;
  } else if (need_role && !destination) {
    details = r + " " + origin->uname;
  } else if (!destination) {
    details = origin->uname;
  } else if (need_role && same_role && same_host) {
    details = r + " " + origin->uname;
  } else if (same_role && same_host) {
    details = origin->uname;
  } else if (need_role && same_role) {
    details = origin->uname + " -> " + destination->uname + " " + r;
  } else if (same_role) {
    details = origin->uname + " -> " + destination->uname;
  } else if (same_host) {
    details = r + " -> " + nr + " " + origin->uname;
  } else {
    details = r + " " + origin->uname + " -> " + nr + " " + destination->uname;
  }
  if (details.size() > w.detail) w.detail = details.size();
  std::string reason;
  bool runnable = item.action ? item.action->is(kActRunnable) : true;
  if (source && !source->reason.empty() && !runnable) {
    reason = "due to " + source->reason + " (blocked)";
  } else if (source && !source->reason.empty()) {
    reason = "due to " + source->reason;
  } else if (!runnable) {
    reason = "blocked";
  }
  char buf[1024];
  std::snprintf(buf, sizeof(buf), "%-8s   %-*s   ( %*s )%s%s", to_string(item.change),
                static_cast<int>(w.rsc), rsc->id.c_str(), static_cast<int>(w.detail),
                details.c_str(), reason.empty() ? "" : "  ", reason.c_str());
  return std::string("  * ") + buf + "\n";
}

}  // namespace

std::vector<SummaryItem> transition_summary(WorkingSet& ws) {
  std::vector<SummaryItem> out;
  for (Action* a : ws.actions) {
    if (a->id <= 0 || a->rsc || a->is(kActOptional) || a->reason.empty()) continue;
    SummaryItem item;
    if (a->task == "do_shutdown") {
      item.change = Change::kShutdown;
    } else if (a->task == "stonith") {
      item.change = Change::kFence;
    } else {
      continue;
    }
    item.node_action = a;
    out.push_back(item);
  }
  // Pacemaker lists node actions newest first.
  std::reverse(out.begin(), out.end());
  for (Resource* r : ws.resources) rsc_changes(r, out);
  return out;
}

std::string summary_text(const std::vector<SummaryItem>& items) {
  // Pacemaker logs the same lines while scheduling, and its column widths
  // only grow and outlive that pass: the lines it prints are as wide as the
  // widest of all, a line before a wider one included.
  Widths w;
  for (const SummaryItem& item : items) {
    if (!item.node_action) rsc_line(w, item);
  }
  std::string out;
  for (const SummaryItem& item : items)
    out += item.node_action ? node_line(item) : rsc_line(w, item);
  return out;
}

std::string transition_summary_text(WorkingSet& ws) {
  return summary_text(transition_summary(ws));
}

}  // namespace vigil::pengine
