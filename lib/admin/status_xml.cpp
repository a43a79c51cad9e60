// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's XML status. Each section follows the rules of Pacemaker 2.1.5's
// XML formatters: crm_mon in XML mode shows every section, inactive
// resources, pending actions and operation timing; the resource list shows
// every clone instance and every bundle replica.
#include "vigil/admin/status_xml.hpp"

#include <strings.h>

#include <cstring>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include "status_view.hpp"
#include "status_xml_internal.hpp"
#include "vigil/admin/fence_history.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/status_facts.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {

namespace sx = status_xml;
using pengine::Node;
using pengine::Resource;
using pengine::WorkingSet;

namespace {

// The nvpair named `name` anywhere in the document, or null when there is
// none or more than one (crm_mon's "//nvpair[@name=...]" lookups).
const xmlNode* only_nvpair(const xmlNode* n, const char* name) {
  const xmlNode* found = nullptr;
  int count = 0;
  std::vector<const xmlNode*> todo{n};
  while (!todo.empty()) {
    const xmlNode* at = todo.back();
    todo.pop_back();
    for (const xmlNode* c : xml::children(at)) {
      if (xml::is(c, "nvpair") && xml::attr_or(c, "name") == name) {
        found = c;
        ++count;
      }
      todo.push_back(c);
    }
  }
  return count == 1 ? found : nullptr;
}

const char* no_quorum_text(pengine::NoQuorumPolicy p) {
  switch (p) {
    case pengine::NoQuorumPolicy::kFreeze:
      return "freeze";
    case pengine::NoQuorumPolicy::kStop:
      return "stop";
    case pengine::NoQuorumPolicy::kIgnore:
      return "ignore";
    case pengine::NoQuorumPolicy::kDemote:
      return "demote";
    case pengine::NoQuorumPolicy::kSuicide:
      return "suicide";
  }
  return "stop";
}

// What a node's feature set shows: only online cluster nodes have one, and
// nodes older than 3.15.1 did not record it.
const std::string* feature_set(const Node* n) {
  static const std::string kOld = "<3.15.1";
  if (!n->online || n->is_pcmk_remote()) return nullptr;
  auto it = n->attrs.find("#feature-set");
  return it == n->attrs.end() ? &kOld : &it->second;
}

void add_summary(xmlNode* root, xmlDoc* doc, WorkingSet& ws, EpochSeconds now) {
  const xmlNode* cib = xmlDocGetRootElement(doc);
  xmlNode* summary = sx::child(root, "summary");
  const xmlNode* stack = only_nvpair(cib, "cluster-infrastructure");
  sx::set(sx::child(summary, "stack"), "type",
          stack ? xml::attr_or(stack, "value") : std::string("unknown"));

  xmlNode* dc = sx::child(summary, "current_dc");
  if (const Node* n = ws.dc_node) {
    const xmlNode* version = only_nvpair(cib, "dc-version");
    const std::string* first = nullptr;
    bool mixed = false;
    for (const auto& node : ws.nodes) {
      const std::string* fs = feature_set(node.get());
      if (!fs) continue;
      if (!first) {
        first = fs;
      } else if (*first != *fs) {
        mixed = true;
      }
    }
    sx::set(dc, "present", "true");
    sx::set(dc, "version", version ? xml::attr_or(version, "value") : std::string());
    sx::set(dc, "name", n->uname);
    sx::set(dc, "id", n->id);
    sx::set(dc, "with_quorum", sx::tf(sx::is_true(xml::attr_or(cib, "have-quorum"))));
    sx::set(dc, "mixed_version", sx::tf(mixed));
  } else {
    sx::set(dc, "present", "false");
  }

  sx::set(sx::child(summary, "last_update"), "time", status_view::ctime_text(now));
  xmlNode* change = sx::child(summary, "last_change");
  sx::set(change, "time", xml::attr_or(cib, "cib-last-written"));
  sx::set(change, "user", xml::attr_or(cib, "update-user"));
  sx::set(change, "client", xml::attr_or(cib, "update-client"));
  sx::set(change, "origin", xml::attr_or(cib, "update-origin"));

  sx::set(sx::child(summary, "nodes_configured"), "number", std::to_string(ws.nodes.size()));
  xmlNode* rscs = sx::child(summary, "resources_configured");
  sx::set(rscs, "number", std::to_string(ws.ninstances));
  sx::set(rscs, "disabled", std::to_string(ws.disabled_resources));
  sx::set(rscs, "blocked", std::to_string(ws.blocked_resources));

  const pengine::Config& c = ws.config;
  xmlNode* opts = sx::child(summary, "cluster_options");
  sx::set(opts, "stonith-enabled", sx::tf(c.stonith_enabled));
  sx::set(opts, "symmetric-cluster", sx::tf(c.symmetric));
  sx::set(opts, "no-quorum-policy", no_quorum_text(c.no_quorum));
  sx::set(opts, "maintenance-mode", sx::tf(c.maintenance_mode));
  sx::set(opts, "stop-all-resources", sx::tf(c.stop_all));
  sx::set(opts, "stonith-timeout-ms",
          std::to_string(parse_interval_ms(c.stonith_timeout).value_or(0)));
  sx::set(opts, "priority-fencing-delay-ms",
          std::to_string(static_cast<std::int64_t>(c.priority_fencing_delay_s) * 1000));
}

void add_nodes(xmlNode* root, const WorkingSet& ws) {
  xmlNode* nodes = sx::child(root, "nodes");
  for (const auto& np : ws.nodes) {
    const Node* n = np.get();
    xmlNode* e = sx::child(nodes, "node");
    const int health = pengine::node_health(ws, n);
    sx::set(e, "name", n->uname);
    sx::set(e, "id", n->id);
    sx::set(e, "online", sx::tf(n->online));
    sx::set(e, "standby", sx::tf(n->standby));
    sx::set(e, "standby_onfail", sx::tf(n->standby_onfail));
    sx::set(e, "maintenance", sx::tf(n->maintenance));
    sx::set(e, "pending", sx::tf(n->pending));
    sx::set(e, "unclean", sx::tf(n->unclean));
    sx::set(e, "health", health < 0 ? "red" : health == 0 ? "yellow" : "green");
    if (const std::string* fs = feature_set(n)) sx::set(e, "feature_set", *fs);
    sx::set(e, "shutdown", sx::tf(n->shutdown));
    sx::set(e, "expected_up", sx::tf(n->expected_up));
    sx::set(e, "is_dc", sx::tf(n->is_dc));
    sx::set(e, "resources_running", std::to_string(n->running_rsc.size()));
    sx::set(e, "type", n->type);
    if (n->remote_rsc && n->remote_rsc->container) {
      sx::set(e, "id_as_resource", n->remote_rsc->container->id);
    }
  }
}

// Pacemaker leaves these out of the node attribute list.
bool automatic_attribute(const std::string& name) {
  for (const char* prefix :
       {"fail-count", "last-failure", "shutdown", "terminate", "standby", "#"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// For an attribute a ping resource running on the node sets: the score it
// would have were every host reachable (host count times multiplier).
bool ping_expectation(const WorkingSet& ws, const Node* node, const std::vector<Resource*>& rscs,
                      const std::string& attr, int* expected) {
  for (const Resource* r : rscs) {
    if (!r->children.empty() && ping_expectation(ws, node, r->children, attr, expected)) {
      return true;
    }
    if (strcasecmp(r->type.c_str(), "ping") != 0 && strcasecmp(r->type.c_str(), "pingd") != 0) {
      continue;
    }
    const pengine::AttrMap params = pengine::resource_params(ws, r, node);
    auto name = params.find("name");
    const std::string set_by = name == params.end() ? "pingd" : name->second;
    if (strcasecmp(set_by.c_str(), attr.c_str()) != 0) continue;
    int hosts = 0;
    if (auto h = params.find("host_list"); h != params.end() && !h->second.empty()) {
      hosts = 1;
      for (char c : h->second) hosts += c == ' ' ? 1 : 0;
    }
    int multiplier = 1;
    if (auto m = params.find("multiplier"); m != params.end()) {
      multiplier = sx::leading_int(m->second).value_or(1);
    }
    *expected = hosts * multiplier;
    return true;
  }
  return false;
}

void add_node_attributes(xmlNode* root, const WorkingSet& ws) {
  xmlNode* list = nullptr;
  for (const auto& np : ws.nodes) {
    const Node* n = np.get();
    if (!n->online) continue;
    xmlNode* e = nullptr;
    for (const auto& [name, value] : n->attrs) {  // AttrMap: byte order, as strcmp
      if (automatic_attribute(name)) continue;
      if (!list) list = sx::child(root, "node_attributes");
      if (!e) {
        e = sx::child(list, "node");
        sx::set(e, "name", n->uname);
      }
      xmlNode* a = sx::child(e, "attribute");
      sx::set(a, "name", name);
      sx::set(a, "value", value);
      int expected = 0;
      if (ping_expectation(ws, n, n->running_rsc, name, &expected)) {
        sx::set(a, "expected", std::to_string(expected));
      }
    }
  }
}

void add_tickets(xmlNode* root, const WorkingSet& ws, xmlDoc* doc) {
  if (ws.tickets.empty()) return;
  // Insertion order: the status section's ticket states, then the tickets
  // constraints name, each in document order.
  std::vector<std::string> order;
  auto note = [&](const std::string& id) {
    if (id.empty() || !ws.tickets.count(id)) return;
    for (const auto& o : order) {
      if (o == id) return;
    }
    order.push_back(id);
  };
  const xmlNode* cib = xmlDocGetRootElement(doc);
  if (const xmlNode* status = xml::first_child(cib, "status")) {
    if (const xmlNode* t = xml::first_child(status, "tickets")) {
      for (const xmlNode* s : xml::children(t, "ticket_state")) note(xml::attr_or(s, "id"));
    }
  }
  for (const auto& t : ws.cib.tickets) note(t.ticket);
  for (const auto& [id, t] : ws.tickets) note(id);

  xmlNode* list = sx::child(root, "tickets");
  for (const std::string& id : pengine::hash_table_order(order)) {
    const pengine::Ticket& t = ws.tickets.at(id);
    xmlNode* e = sx::child(list, "ticket");
    sx::set(e, "id", t.id);
    sx::set(e, "status", t.granted ? "granted" : "revoked");
    sx::set(e, "standby", sx::tf(t.standby));
    if (t.last_granted > -1) sx::set(e, "last-granted", status_view::ctime_text(t.last_granted));
  }
}

void add_bans(xmlNode* root, const WorkingSet& ws) {
  xmlNode* list = nullptr;
  // Pacemaker prepends each location to its list: the newest comes first.
  for (auto it = ws.locations.rbegin(); it != ws.locations.rend(); ++it) {
    const pengine::Location& loc = **it;
    for (const auto& [node, weight] : loc.nodes) {
      if (weight >= 0) continue;
      if (!list) list = sx::child(root, "bans");
      xmlNode* e = sx::child(list, "ban");
      const bool promoted = loc.role_filter == pengine::Role::kPromoted;
      sx::set(e, "id", loc.rule_id.empty() ? loc.id : loc.rule_id);
      sx::set(e, "resource", loc.rsc->id);
      sx::set(e, "node", node->uname);
      sx::set(e, "weight", std::to_string(weight));
      sx::set(e, "promoted-only", sx::tf(promoted));
      sx::set(e, "master_only", sx::tf(promoted));
    }
  }
}

// crm_mon's "Fencing History" (every operation, as its XML mode shows the
// full history), in the fencer's sorted order; nothing when there is none.
void add_fence_history(xmlNode* root, const std::vector<fencing::HistoryEntry>& events) {
  if (events.empty()) return;
  xmlNode* list = sx::child(root, "fence_history");
  for (const fencing::HistoryEntry& ev : events) {
    xmlNode* e = sx::child(list, "fence_event");
    sx::set(e, "action", ev.action);
    sx::set(e, "target", ev.target);
    sx::set(e, "client", ev.client);
    sx::set(e, "origin", ev.origin);
    switch (ev.state) {
      case fencing::OpState::kFailed:
        sx::set(e, "status", "failed");
        if (!ev.reason.empty()) sx::set(e, "exit-reason", ev.reason);
        break;
      case fencing::OpState::kDone:
        sx::set(e, "status", "success");
        break;
      case fencing::OpState::kPending:
        // Pacemaker's st_exec: vigil records a request as pending once it
        // is being carried out.
        sx::set(e, "status", "pending");
        sx::set(e, "extended-status", "1");
        break;
    }
    if (!ev.delegate.empty()) sx::set(e, "delegate", ev.delegate);
    if (ev.state != fencing::OpState::kPending) {
      sx::set(e, "completed", fence_time_text(ev.completed));
    }
  }
}

}  // namespace

Result<std::string> cluster_status_xml(xmlDoc* doc, EpochSeconds now,
                                       const std::vector<fencing::HistoryEntry>* fencing) {
  xml::DocPtr out(xmlNewDoc(BAD_CAST "1.0"));
  xmlNode* root = xmlNewDocNode(out.get(), nullptr, BAD_CAST "pacemaker-result", nullptr);
  xmlDocSetRootElement(out.get(), root);
  sx::set(root, "api-version", "2.25");
  sx::set(root, "request", "crm_mon --one-shot --inactive --output-as xml");
  auto finish = [&]() {
    std::string text = xml::to_string(root, true);
    if (text.empty() || text.back() != '\n') text += "\n";
    return text;
  };

  // crm_mon reads no CIB that its schema refuses: its document then holds
  // only that error (and it still exits 0).
  if (!cib::validate_cib(doc)) {
    xmlNode* status = sx::child(root, "status");
    sx::set(status, "code", "0");
    sx::set(status, "message", "OK");
    xmlNode* error = sx::child(sx::child(status, "errors"), "error");
    xmlNodeAddContent(error, BAD_CAST
                      "Could not connect to the CIB: Update does not conform to the configured "
                      "schema");
    return finish();
  }

  auto unpacked = status_view::unpack_copy(doc, now);
  if (!unpacked) return unpacked.error();
  WorkingSet& ws = *unpacked->ws;
  pengine::cluster_banner_text(ws);  // counts the instances before constraints block any
  pengine::unpack_constraints_for_display(ws);

  add_summary(root, doc, ws, now);
  add_nodes(root, ws);
  sx::add_resources(root, ws);
  add_node_attributes(root, ws);
  sx::HistoryIndex history(ws, doc);
  sx::add_node_history(root, ws, history);
  sx::add_failures(root, ws, history);
  if (fencing) add_fence_history(root, *fencing);
  add_tickets(root, ws, doc);
  add_bans(root, ws);
  xmlNode* status = sx::child(root, "status");
  sx::set(status, "code", "0");
  sx::set(status, "message", "OK");

  return finish();
}

Status status_xml_command(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "xml") {
    return Error(ErrorCode::kInvalidInput, "Usage: vigil status xml (takes no further arguments)");
  }
  std::vector<fencing::HistoryEntry> fence_events;
  bool have_fencing = false;
  if (ctx.fencer != nullptr) {
    // As crm_mon: no fencing section when the fencer cannot be reached.
    if (auto h = ctx.fencer->history(""); h) {
      fence_events = sort_fence_history(std::move(*h));
      have_fencing = true;
    }
  }
  auto text = cluster_status_xml(ctx.doc, ctx.now, have_fencing ? &fence_events : nullptr);
  if (!text) return text.error();
  ctx.out += *text;
  return ok_status();
}

}  // namespace vigil::admin
