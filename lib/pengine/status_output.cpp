// SPDX-License-Identifier: GPL-2.0-or-later
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>

#include "internal.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

int numeric_strcasecmp(const std::string& a, const std::string& b) {
  const char* s1 = a.c_str();
  const char* s2 = b.c_str();
  while (*s1 && *s2) {
    if (isdigit(static_cast<unsigned char>(*s1)) && isdigit(static_cast<unsigned char>(*s2))) {
      char* e1 = nullptr;
      char* e2 = nullptr;
      long n1 = strtol(s1, &e1, 10);
      long n2 = strtol(s2, &e2, 10);
      size_t l1 = static_cast<size_t>(e1 - s1), l2 = static_cast<size_t>(e2 - s2);
      if (n1 != n2) return n1 < n2 ? -1 : 1;
      if (l1 != l2) return l1 < l2 ? -1 : 1;
      s1 = e1;
      s2 = e2;
    } else {
      int c1 = tolower(static_cast<unsigned char>(*s1)),
          c2 = tolower(static_cast<unsigned char>(*s2));
      if (c1 != c2) return c1 < c2 ? -1 : 1;
      ++s1;
      ++s2;
    }
  }
  if (!*s1 && *s2) return -1;
  if (*s1 && !*s2) return 1;
  return 0;
}

namespace {

bool rsc_active(const Resource* r, bool all) {
  if (r->is_group()) {
    bool any = false, every = true;
    for (const Resource* c : r->children) {
      bool a = rsc_active(c, all);
      any = any || a;
      every = every && a;
    }
    return all ? (every && !r->children.empty()) : any;
  }
  return !r->running_on.empty();
}

bool is_disabled(const Resource* r) {
  auto v = lookup(r->meta, "target-role");
  return v && role_from_text(*v) == Role::kStopped;
}

int node_health(const WorkingSet& ws, const Node* n) {
  const std::string& strategy = ws.config.node_health_strategy;
  if (strategy.empty() || strategy == "none") return 1;
  int rc = 1;
  for (const auto& [k, v] : n->attrs) {
    if (k.compare(0, 7, "#health") != 0) continue;
    if (strcasecmp(v.c_str(), "red") == 0) return -1;
    if (strcasecmp(v.c_str(), "yellow") == 0) {
      rc = 0;
      continue;
    }
    int score = parse_score_lenient(v).value();
    if (score <= ws.config.health.red) return -1;
    if (score <= ws.config.health.yellow && ws.config.health.yellow != ws.config.health.green)
      rc = 0;
  }
  return rc;
}

const char* node_status(const Node* n) {
  if (n->unclean) {
    if (n->online) return "UNCLEAN (online)";
    if (n->pending) return "UNCLEAN (pending)";
    return "UNCLEAN (offline)";
  }
  if (n->pending) return "pending";
  if (n->standby_onfail && n->online) return "standby (on-fail)";
  if (n->standby) {
    if (n->online) return n->running_rsc.empty() ? "standby" : "standby (with active resources)";
    return "OFFLINE (standby)";
  }
  if (n->maintenance) return n->online ? "maintenance" : "OFFLINE (maintenance)";
  if (n->online) return "online";
  return "OFFLINE";
}

const char* exit_text(int rc) {
  switch (rc) {
    case 0:
      return "ok";
    case 1:
      return "error";
    case 2:
      return "invalid parameter";
    case 3:
      return "unimplemented feature";
    case 4:
      return "insufficient privileges";
    case 5:
      return "not installed";
    case 6:
      return "not configured";
    case 7:
      return "not running";
    case 8:
      return "promoted";
    case 9:
      return "promoted (failed)";
    case 190:
      return "OCF_DEGRADED";
    case 191:
      return "OCF_DEGRADED_PROMOTED";
    default:
      return "unknown";
  }
}

bool pengine_parse_rsc_of_key(const std::string& key, std::string* rsc) {
  return parse_op_key(key, rsc, nullptr, nullptr);
}

std::string primitive_line(const WorkingSet& ws, const Resource* r, bool show_pending) {
  Node* node = r->current_node();
  if (!node && r->lock_node) node = r->lock_node;
  if (r->running_on.size() > 1) node = nullptr;
  std::string s = r->id + "\t(" + (r->cls.empty() ? "unknown" : r->cls);
  if (r->cls == "ocf" || r->cls.empty()) {
    if (!r->provider.empty()) s += ":" + r->provider;
  }
  s += ":" + (r->type.empty() ? std::string("unknown") : r->type) + "):\t";
  if (r->is(kRscOrphan)) s += " ORPHANED";
  if (r->is(kRscFailed)) {
    s += " FAILED";
    if (r->role > Role::kUnpromoted) s += std::string(" ") + role_text(r->role);
  } else {
    const char* state = nullptr;
    if (show_pending) {
      const std::string& t = r->pending_task;
      if (t == "start")
        state = "Starting";
      else if (t == "stop")
        state = "Stopping";
      else if (t == "migrate_to" || t == "migrate_from")
        state = "Migrating";
      else if (t == "promote")
        state = "Promoting";
      else if (t == "demote")
        state = "Demoting";
    }
    s += std::string(" ") + (state ? state : role_text(r->role));
  }
  if (node) s += " " + node->uname;
  if (r->role == Role::kStopped) {
    // A failed probe explains why it is stopped.
    for (const auto& [n, op] : ws.failed_ops) {
      if (op->task != "monitor" || op->interval_ms != 0) continue;
      if (!(op->rc == 5 || op->rc == 2 || op->op_status == 7)) continue;
      if (node && op->on_node != node->uname) continue;
      std::string id;
      if (!pengine_parse_rsc_of_key(op->key.empty() ? op->id : op->key, &id) || id != r->id)
        continue;
      s += std::string(" (") + exit_text(op->rc) + ") ";
      break;
    }
  }
  bool have_flags = false;
  auto flag = [&](const std::string& f) {
    s += have_flags ? ", " : " (";
    s += f;
    have_flags = true;
  };
  if (node && !node->online && node->unclean) flag("UNCLEAN");
  if (node && node == r->lock_node) flag("LOCKED");
  if (show_pending && r->pending_task == "monitor") flag("Monitoring");
  if (auto tr = lookup(r->meta, "target-role")) {
    if (role_from_text(*tr) == Role::kStopped) flag("disabled");
  }
  if (r->is(kRscBlock)) {
    flag("blocked");
  } else if (!r->is(kRscManaged)) {
    flag("unmanaged");
  }
  if (r->is(kRscFailureIgnored)) flag("failure ignored");
  if (have_flags) s += ")";
  if (r->running_on.size() > 1) {
    if (auto d = lookup(r->meta, "description")) s += " " + *d;
    s += " [";
    for (const Node* n : r->running_on) s += " " + n->uname;
    s += " ]";
  }
  return s;
}

void resource_lines(const WorkingSet& ws, const Resource* r, const std::string& indent,
                    std::string& out, bool show_pending) {
  if (r->is_group()) {
    int inactive = 0;
    for (const Resource* c : r->children) {
      if (!rsc_active(c, true)) ++inactive;
    }
    (void)inactive;  // inactive members are shown, so no "N members inactive"
    std::string attrs;
    if (!r->is(kRscManaged)) attrs = "unmanaged";
    if (is_disabled(r)) attrs += attrs.empty() ? "disabled" : ", disabled";
    if (r->children.empty()) return;
    out +=
        indent + "* Resource Group: " + r->id + (attrs.empty() ? "" : " (" + attrs + ")") + ":\n";
    for (const Resource* c : r->children) resource_lines(ws, c, indent + "  ", out, show_pending);
    return;
  }
  out += indent + "* " + primitive_line(ws, r, show_pending) + "\n";
}

}  // namespace

std::string cluster_banner_text(WorkingSet& ws) {
  std::string out;
  if (ws.config.maintenance_mode) {
    out += "\n              *** Resource management is DISABLED ***\n";
    out += "  The cluster will not attempt to start, stop or recover services\n";
  } else if (ws.config.stop_all) {
    out += "\n    *** Resource management is DISABLED ***\n";
    out += "  The cluster will keep all resources stopped\n";
  }
  ws.ninstances = ws.disabled_resources = ws.blocked_resources = 0;
  std::function<void(const Resource*)> count = [&](const Resource* r) {
    if (!r->children.empty()) {
      for (const Resource* c : r->children) count(c);
    } else if (!r->is(kRscOrphan) || r->role > Role::kStopped) {
      ++ws.ninstances;
      if (is_disabled(r)) ++ws.disabled_resources;
      if (r->is(kRscBlock)) ++ws.blocked_resources;
    }
  };
  for (const Resource* r : ws.resources) count(r);
  if (ws.disabled_resources || ws.blocked_resources) {
    if (!out.empty()) out += "\n";
    out += std::to_string(ws.disabled_resources) + " of " + std::to_string(ws.ninstances) +
           " resource instances DISABLED and " + std::to_string(ws.blocked_resources) +
           " BLOCKED from further action due to failure\n";
  }
  return out;
}

std::string cluster_status_text(WorkingSet& ws, bool show_pending) {
  std::string out = "  * Node List:\n";
  std::vector<Node*> nodes;
  for (auto& n : ws.nodes) nodes.push_back(n.get());
  std::string online, offline;
  for (Node* n : nodes) {
    int health = node_health(ws, n);
    if (n->unclean || n->pending || (n->standby_onfail && n->online) || n->standby ||
        n->maintenance || health <= 0) {
      std::string line = "    * Node " + n->uname + ": " + node_status(n);
      if (health < 0) {
        line += " (health is RED)";
      } else if (health == 0) {
        line += " (health is YELLOW)";
      }
      out += line + "\n";
    } else if (n->online) {
      online += " " + n->uname;
    } else if (!n->is_ping()) {
      offline += " " + n->uname;
    } else {
      offline += " " + n->uname;
    }
  }
  if (!online.empty()) out += "    * Online: [" + online + " ]\n";
  if (!offline.empty()) out += "    * OFFLINE: [" + offline + " ]\n";
  // Without any node, crm_mon has no node section at all.
  if (ws.nodes.empty()) out.clear();
  out += out.empty() ? "  * Full List of Resources:\n" : "\n  * Full List of Resources:\n";
  bool any = false;
  for (const Resource* r : ws.resources) {
    if (r->is(kRscOrphan) && !rsc_active(r, true)) continue;
    resource_lines(ws, r, "    ", out, show_pending);
    any = true;
  }
  if (!any) out += "    * No resources\n";
  return out;
}

// ---------------------------------------------------------------- transition summary

namespace {

struct Widths {
  size_t rsc = 5, detail = 5;
};

std::string fmt_item(Widths& w, const std::string& change, const Resource* rsc, const Node* origin,
                     const Node* destination, const Action* action, const Action* source) {
  if (!source) source = action;
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
  bool runnable = action ? action->is(kActRunnable) : true;
  if (source && !source->reason.empty() && !runnable) {
    reason = "due to " + source->reason + " (blocked)";
  } else if (source && !source->reason.empty()) {
    reason = "due to " + source->reason;
  } else if (!runnable) {
    reason = "blocked";
  }
  char buf[1024];
  std::snprintf(buf, sizeof(buf), "%-8s   %-*s   ( %*s )%s%s", change.c_str(),
                static_cast<int>(w.rsc), rsc->id.c_str(), static_cast<int>(w.detail),
                details.c_str(), reason.empty() ? "" : "  ", reason.c_str());
  return std::string("  * ") + buf + "\n";
}

Action* first_of(const std::vector<Action*>& v) {
  return v.empty() ? nullptr : v.front();
}

void rsc_action_lines(Widths& w, Resource* rsc, std::string& out) {
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) rsc_action_lines(w, c, out);
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
      out += fmt_item(w, "Migrate", rsc, current, next, start, nullptr);
    } else if (rsc->is(kRscReload)) {
      out += fmt_item(w, "Reload", rsc, current, next, start, nullptr);
    } else if (!start || start->is(kActOptional)) {
      if (demote && promote && !demote->is(kActOptional) && !promote->is(kActOptional)) {
        out += fmt_item(w, "Re-promote", rsc, current, next, promote, demote);
      }
    } else if (!start->is(kActRunnable)) {
      out += fmt_item(w, "Stop", rsc, current, nullptr, stop,
                      (stop && !stop->reason.empty()) ? stop : start);
    } else if (moving && current) {
      out +=
          fmt_item(w, rsc->is(kRscFailed) ? "Recover" : "Move", rsc, current, next, stop, nullptr);
    } else if (rsc->is(kRscFailed)) {
      out += fmt_item(w, "Recover", rsc, current, nullptr, stop, nullptr);
    } else {
      out += fmt_item(w, "Restart", rsc, current, next, start, nullptr);
    }
    return;
  }
  if (stop && (rsc->next_role == Role::kStopped || (start && !start->is(kActRunnable)))) {
    std::string key = op_key(rsc->id, "stop", 0);
    for (Node* node : rsc->running_on) {
      Action* stop_op = first_of(find_actions(rsc, key, node));
      out += fmt_item(w, "Stop", rsc, node, nullptr, stop_op,
                      (stop_op && !stop_op->reason.empty()) ? stop_op : start);
    }
  } else if (stop && rsc->is(kRscFailed) && rsc->is(kRscStop)) {
    out += fmt_item(w, "Recover", rsc, current, next, stop, start);
  } else if (moving) {
    out += fmt_item(w, "Move", rsc, current, next, stop, nullptr);
  } else if (rsc->is(kRscReload)) {
    out += fmt_item(w, "Reload", rsc, current, next, start, nullptr);
  } else if (stop && !stop->is(kActOptional)) {
    out += fmt_item(w, "Restart", rsc, current, next, start, nullptr);
  } else if (rsc->role == Role::kPromoted) {
    out += fmt_item(w, "Demote", rsc, current, next, demote, nullptr);
  } else if (rsc->next_role == Role::kPromoted) {
    out += fmt_item(w, "Promote", rsc, current, next, promote, nullptr);
  } else if (rsc->role == Role::kStopped && rsc->next_role > Role::kStopped) {
    out += fmt_item(w, "Start", rsc, current, next, start, nullptr);
  }
}

}  // namespace

std::string transition_summary_text(WorkingSet& ws) {
  std::string out;
  for (Action* a : ws.actions) {
    if (a->id <= 0 || a->rsc || a->is(kActOptional)) continue;
    std::string task;
    if (a->task == "do_shutdown") {
      task = "Shutdown";
    } else if (a->task == "stonith") {
      auto op = lookup(a->meta, "stonith_action");
      task = "Fence (" + (op ? *op : std::string()) + ")";
    } else {
      continue;
    }
    if (!a->reason.empty())
      out += "  * " + task + " " + (a->node ? a->node->uname : "") + " '" + a->reason + "'\n";
  }
  // Pacemaker lists node actions newest first.
  {
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < out.size()) {
      size_t nl = out.find('\n', pos);
      lines.push_back(out.substr(pos, nl - pos + 1));
      pos = nl + 1;
    }
    std::reverse(lines.begin(), lines.end());
    out.clear();
    for (auto& l : lines) out += l;
  }
  Widths w;
  for (Resource* r : ws.resources) rsc_action_lines(w, r, out);
  return out;
}

}  // namespace vigil::pengine
