// SPDX-License-Identifier: GPL-2.0-or-later
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>

#include "bundle.hpp"
#include "internal.hpp"
#include "promotable.hpp"
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

}  // namespace

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

const char* node_status_text(const Node* n) {
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

bool split_operation_key(const std::string& key, std::string* rsc, std::string* task,
                         std::int64_t* interval_ms) {
  return parse_op_key(key, rsc, task, interval_ms);
}

const char* node_kind_text(const Node* n) {
  return node_kind_label(n);
}

AttrMap resource_params(const WorkingSet& ws, const Resource* rsc, const Node* node) {
  return rsc_params(ws, rsc, node);
}

int resource_failcount(const WorkingSet& ws, const Node* node, const Resource* rsc,
                       EpochSeconds* last_failure) {
  return failcount(ws, node, const_cast<Resource*>(rsc), last_failure, false);
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
      return "promoted (degraded)";
    default:
      return "unknown";
  }
}

namespace {

bool pengine_parse_rsc_of_key(const std::string& key, std::string* rsc) {
  return parse_op_key(key, rsc, nullptr, nullptr);
}

}  // namespace

// A bundle replica's line names the replica and shows its container's node
// (`shown`, with `name`).
std::string primitive_line(const WorkingSet& ws, const Resource* r, bool show_pending,
                           const std::string* name, const Node* shown) {
  const Node* node = r->current_node();
  if (!node) node = r->pending_node;  // where a non-probe action is pending
  if (!node && r->lock_node) node = r->lock_node;
  if (r->running_on.size() > 1) node = nullptr;
  if (name) node = shown;
  std::string s = (name ? *name : printable_id(r)) + "\t(" + (r->cls.empty() ? "unknown" : r->cls);
  if (r->cls == "ocf" || r->cls.empty()) {
    if (!r->provider.empty()) s += ":" + r->provider;
  }
  s += ":" + (r->type.empty() ? std::string("unknown") : r->type) + "):\t";
  if (r->is(kRscOrphan)) s += " ORPHANED";
  if (r->is(kRscFailed)) {
    s += " FAILED";
    Role shown = displayable_role(r);
    if (shown > Role::kUnpromoted) s += std::string(" ") + role_text(shown);
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
    s += std::string(" ") + (state ? state : role_text(displayable_role(r)));
  }
  if (node) s += " " + node->uname;
  if (r->role == Role::kStopped) {
    // A failed probe explains why it is stopped.
    for (const auto& [n, op] : ws.failed_ops) {
      if (op->task != "monitor" || op->interval_ms != 0) continue;
      if (!(op->rc == 5 || op->rc == 2 || op->op_status == 7)) continue;
      // Pacemaker finds it by the entry's on_node (old entries have none).
      if (op->on_node.empty() ||
          (node && strcasecmp(op->on_node.c_str(), node->uname.c_str()) != 0))
        continue;
      std::string id;
      // An instance's probes are recorded under its clone's resource id.
      const Resource* clone = parent_clone(r);
      const std::string& want = clone ? clone->clone->child_config->id : r->id;
      if (!pengine_parse_rsc_of_key(op->key.empty() ? op->id : op->key, &id) || id != want)
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
                    std::string& out, bool show_pending, bool details) {
  if (r->is_clone()) {
    clone_status_lines(ws, r, indent, out, show_pending, details);  // clone_output.cpp
    return;
  }
  if (is_bundle(r)) {
    bundle_status_lines(ws, r, indent, out, show_pending, details);  // bundle_output.cpp
    return;
  }
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
    for (const Resource* c : r->children) {
      resource_lines(ws, c, indent + "  ", out, show_pending, details);
    }
    return;
  }
  // Implicit resources (a guest node's connection) are listed in detail only.
  if (!details && is_true(lookup(r->meta, "internal-rsc"))) return;
  out += indent + "* " + primitive_line(ws, r, show_pending) + "\n";
}

std::string cluster_banner_text(WorkingSet& ws, bool stop_all_banner) {
  std::string out;
  if (ws.config.maintenance_mode) {
    out += "\n              *** Resource management is DISABLED ***\n";
    out += "  The cluster will not attempt to start, stop or recover services\n";
  } else if (ws.config.stop_all && stop_all_banner) {
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

std::string cluster_status_text(WorkingSet& ws, bool show_pending, bool details) {
  std::string out = "  * Node List:\n";
  std::vector<Node*> nodes;
  for (auto& n : ws.nodes) nodes.push_back(n.get());
  std::string online, offline, remote_online, remote_offline, guest_online;
  for (Node* n : nodes) {
    int health = node_health(ws, n);
    if (n->unclean || n->pending || (n->standby_onfail && n->online) || n->standby ||
        n->maintenance || health <= 0) {
      std::string line =
          std::string("    * ") + node_kind_label(n) + " " + n->uname + ": " + node_status_text(n);
      if (health < 0) {
        line += " (health is RED)";
      } else if (health == 0) {
        line += " (health is YELLOW)";
      }
      out += line + "\n";
    } else if (n->online) {
      (is_guest_node(n)         ? guest_online
       : is_remote_only_node(n) ? remote_online
                                : online) += " " + n->uname;
    } else if (is_remote_only_node(n)) {
      remote_offline += " " + n->uname;
    } else if (is_guest_node(n)) {
      // offline guests are not listed
    } else if (!n->is_ping()) {
      offline += " " + n->uname;
    } else {
      offline += " " + n->uname;
    }
  }
  if (!online.empty()) out += "    * Online: [" + online + " ]\n";
  if (!offline.empty()) out += "    * OFFLINE: [" + offline + " ]\n";
  if (!remote_online.empty()) out += "    * RemoteOnline: [" + remote_online + " ]\n";
  if (!remote_offline.empty()) out += "    * RemoteOFFLINE: [" + remote_offline + " ]\n";
  if (!guest_online.empty()) out += "    * GuestOnline: [" + guest_online + " ]\n";
  // Without any node, crm_mon has no node section at all.
  if (ws.nodes.empty()) out.clear();
  out += out.empty() ? "  * Full List of Resources:\n" : "\n  * Full List of Resources:\n";
  bool any = false;
  for (const Resource* r : ws.resources) {
    if (r->is(kRscOrphan) && !rsc_active(r, true)) continue;
    // Active, yet on no node of its own list: an unmanaged instance on an
    // offline node is not added to its clone's (crm_mon skips the clone).
    if (r->running_on.empty() &&
        std::any_of(r->children.begin(), r->children.end(),
                    [](const Resource* c) { return rsc_active(c, false); })) {
      continue;
    }
    resource_lines(ws, r, "    ", out, show_pending, details);
    any = true;
  }
  if (!any) out += "    * No resources\n";
  return out;
}

}  // namespace vigil::pengine
