// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/pengine/simulate.hpp"

#include <cstdlib>

#include "internal.hpp"

namespace vigil::pengine {

namespace {

xmlNode* child(xmlNode* parent, const char* name) {
  for (xmlNode* c = parent->children; c; c = c->next) {
    if (xml::is(c, name)) return c;
  }
  return nullptr;
}

xmlNode* ensure_child(xmlNode* parent, const char* name, const std::string& id = {}) {
  if (xmlNode* c = child(parent, name)) return c;
  xmlNode* c = xmlNewChild(parent, nullptr, BAD_CAST name, nullptr);
  if (!id.empty()) xmlSetProp(c, BAD_CAST "id", BAD_CAST id.c_str());
  return c;
}

void set(xmlNode* n, const char* name, const std::string& value) {
  xmlSetProp(n, BAD_CAST name, BAD_CAST value.c_str());
}

void remove_child(xmlNode* parent, const char* name) {
  while (xmlNode* c = child(parent, name)) {
    xmlUnlinkNode(c);
    xmlFreeNode(c);
  }
}

xmlNode* status_of(xmlDoc* doc) {
  return ensure_child(xmlDocGetRootElement(doc), "status");
}

// The node's id from the configuration, else its name.
std::string node_uuid(xmlDoc* doc, const std::string& uname) {
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* config = child(root, "configuration");
  xmlNode* nodes = config ? child(config, "nodes") : nullptr;
  if (nodes) {
    for (xmlNode* n = nodes->children; n; n = n->next) {
      if (xml::is(n, "node") && xml::attr_or(n, "uname") == uname)
        return xml::attr_or(n, "id", uname);
    }
  }
  return uname;
}

void ensure_node_entry(xmlDoc* doc, const std::string& uname) {
  xmlNode* nodes = ensure_child(ensure_child(xmlDocGetRootElement(doc), "configuration"), "nodes");
  for (xmlNode* n = nodes->children; n; n = n->next) {
    if (xml::is(n, "node") && xml::attr_or(n, "uname") == uname) return;
  }
  xmlNode* n = xmlNewChild(nodes, nullptr, BAD_CAST "node", nullptr);
  set(n, "id", uname);
  set(n, "uname", uname);
}

xmlNode* node_state(xmlDoc* doc, const std::string& uname) {
  xmlNode* status = status_of(doc);
  for (xmlNode* s = status->children; s; s = s->next) {
    if (xml::is(s, "node_state") && xml::attr_or(s, "uname") == uname) return s;
  }
  xmlNode* s = xmlNewChild(status, nullptr, BAD_CAST "node_state", nullptr);
  set(s, "id", node_uuid(doc, uname));
  set(s, "uname", uname);
  return s;
}

void node_state_change(xmlDoc* doc, const std::string& uname, bool up) {
  xmlNode* s = node_state(doc, uname);
  set(s, "in_ccm", up ? "true" : "false");
  set(s, "crmd", up ? "online" : "offline");
  set(s, "join", up ? "member" : "down");
  set(s, "expected", up ? "member" : "down");
  set(s, "crm-debug-origin", "crm_simulate");
}

xmlNode* resource_history(xmlNode* state, const std::string& rsc, const std::string& cls,
                          const std::string& type, const std::string& provider) {
  xmlNode* lrm = ensure_child(state, "lrm", xml::attr_or(state, "id"));
  xmlNode* lrs = ensure_child(lrm, "lrm_resources");
  for (xmlNode* r = lrs->children; r; r = r->next) {
    if (xml::is(r, "lrm_resource") && xml::attr_or(r, "id") == rsc) return r;
  }
  xmlNode* r = xmlNewChild(lrs, nullptr, BAD_CAST "lrm_resource", nullptr);
  set(r, "id", rsc);
  set(r, "class", cls);
  if (!provider.empty()) set(r, "provider", provider);
  set(r, "type", type);
  return r;
}

void inject_transient_attr(xmlNode* state, const std::string& name, const std::string& value) {
  std::string uuid = xml::attr_or(state, "id");
  xmlNode* attrs = ensure_child(state, "transient_attributes", uuid);
  xmlNode* inst = ensure_child(attrs, "instance_attributes", uuid);
  std::string v = value;
  if (value == "value++") {
    int cur = 0;
    for (xmlNode* nv = inst->children; nv; nv = nv->next) {
      if (xml::is(nv, "nvpair") && xml::attr_or(nv, "name") == name) {
        cur = parse_score_lenient(xml::attr_or(nv, "value", "0")).value();
      }
    }
    v = Score(cur + 1).str();
  }
  for (xmlNode* nv = inst->children; nv; nv = nv->next) {
    if (xml::is(nv, "nvpair") && xml::attr_or(nv, "name") == name) {
      set(nv, "value", v);
      return;
    }
  }
  xmlNode* nv = xmlNewChild(inst, nullptr, BAD_CAST "nvpair", nullptr);
  set(nv, "id", "status-" + uuid + "-" + name);
  set(nv, "name", name);
  set(nv, "value", v);
}

// Records one operation result in an lrm_resource, as the controller would.
void record_result(xmlNode* lrm_rsc, const std::string& rsc, const std::string& task_in,
                   std::int64_t interval_ms, int rc, int target_rc, const std::string& node,
                   EpochSeconds now) {
  int call_id = 0;
  for (xmlNode* op = lrm_rsc->children; op; op = op->next) {
    if (!xml::is(op, "lrm_rsc_op")) continue;
    int c = std::atoi(xml::attr_or(op, "call-id", "0").c_str());
    if (c > call_id) call_id = c;
  }
  ++call_id;
  // A reload is recorded as the start (or, failed, the monitor) it amounts to.
  std::string task = task_in;
  if (task == "reload" || task == "reload-agent") task = (rc == target_rc) ? "start" : "monitor";
  std::string key = op_key(rsc, task, interval_ms);
  bool failed = rc != target_rc;
  std::vector<std::string> ids;
  if (task == "migrate_to" || task == "migrate_from") {
    ids.push_back(key);
  } else if (failed) {
    ids.push_back(op_key(rsc, "last_failure", 0));
    if (interval_ms == 0) ids.push_back(op_key(rsc, "last", 0));
  } else if (interval_ms > 0) {
    ids.push_back(key);
  } else {
    ids.push_back(op_key(rsc, "last", 0));
  }
  std::string tkey = "-1:" + std::to_string(call_id) + ":" + std::to_string(target_rc) +
                     ":xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  for (const auto& id : ids) {
    xmlNode* op = nullptr;
    for (xmlNode* o = lrm_rsc->children; o; o = o->next) {
      if (xml::is(o, "lrm_rsc_op") && xml::attr_or(o, "id") == id) op = o;
    }
    if (!op) op = xmlNewChild(lrm_rsc, nullptr, BAD_CAST "lrm_rsc_op", nullptr);
    set(op, "id", id);
    set(op, "operation_key", key);
    set(op, "operation", task);
    set(op, "crm-debug-origin", "crm_simulate");
    set(op, "crm_feature_set", "3.16.1");
    set(op, "transition-key", tkey);
    set(op, "transition-magic", "0:" + std::to_string(rc) + ";" + tkey);
    set(op, "exit-reason", "");
    set(op, "on_node", node);
    set(op, "call-id", std::to_string(call_id));
    set(op, "rc-code", std::to_string(rc));
    set(op, "op-status", "0");
    set(op, "interval", std::to_string(interval_ms));
    set(op, "last-rc-change", std::to_string(now));
    set(op, "exec-time", "0");
    set(op, "queue-time", "0");
  }
}

// "rsc_task_interval@node=rc"
bool parse_op_spec(const std::string& spec, std::string* key, std::string* node, int* rc) {
  auto at = spec.find('@');
  auto eq = spec.find('=', at == std::string::npos ? 0 : at);
  if (at == std::string::npos || eq == std::string::npos) return false;
  *key = spec.substr(0, at);
  *node = spec.substr(at + 1, eq - at - 1);
  std::string r = spec.substr(eq + 1);
  if (r.empty() || r.find_first_not_of("-0123456789") != std::string::npos) return false;
  *rc = std::atoi(r.c_str());
  return true;
}

// Records a failure as the attribute manager would; returns crm_simulate's
// "Injecting attribute" lines.
std::string inject_failcount(xmlNode* state, const std::string& rsc, const std::string& task,
                             std::int64_t interval_ms, int rc, EpochSeconds now) {
  if (rc == 0 || (rc == 7 && interval_ms == 0)) return {};
  std::string suffix = rsc + "#" + task + "_" + std::to_string(interval_ms);
  std::string id = xml::attr_or(state, "id");
  inject_transient_attr(state, "fail-count-" + suffix, "value++");
  inject_transient_attr(state, "last-failure-" + suffix, std::to_string(now));
  return "  * Injecting attribute fail-count-" + suffix + "=value++ into /node_state '" + id +
         "'\n" + "  * Injecting attribute last-failure-" + suffix + "=" + std::to_string(now) +
         " into /node_state '" + id + "'\n";
}

// Sets a boolean attribute of a ticket's state in the status section, adding
// the tickets section and the ticket_state as needed.
void set_ticket_attr(xmlDoc* doc, const std::string& ticket, const char* name, bool value) {
  xmlNode* tickets = ensure_child(status_of(doc), "tickets");
  xmlNode* state = nullptr;
  for (xmlNode* t = tickets->children; t && !state; t = t->next) {
    if (xml::is(t, "ticket_state") && xml::attr_or(t, "id") == ticket) state = t;
  }
  if (!state) {
    state = xmlNewChild(tickets, nullptr, BAD_CAST "ticket_state", nullptr);
    set(state, "id", ticket);
  }
  set(state, name, value ? "true" : "false");
}

const cib::ResourceConfig* find_config(
    const std::vector<std::unique_ptr<cib::ResourceConfig>>& list, const std::string& id) {
  for (const auto& r : list) {
    if (r->id == id) return r.get();
    if (auto* c = find_config(r->children, id)) return c;
  }
  return nullptr;
}

}  // namespace

Result<std::string> inject(xmlDoc* doc, const Injections& inj, EpochSeconds now) {
  std::string out = "Performing Requested Modifications:\n";
  xmlNode* root = xmlDocGetRootElement(doc);
  if (!inj.quorum.empty()) {
    out += "  * Setting quorum: " + inj.quorum + "\n";
    set(root, "have-quorum", inj.quorum);
  }
  if (!inj.watchdog.empty()) {
    out += "  * Setting watchdog: " + inj.watchdog + "\n";
    xmlNode* config = ensure_child(root, "configuration");
    xmlNode* cc = ensure_child(config, "crm_config");
    xmlNode* set_node = ensure_child(cc, "cluster_property_set", "cib-bootstrap-options");
    xmlNode* nv = xmlNewChild(set_node, nullptr, BAD_CAST "nvpair", nullptr);
    set(nv, "id", "cib-bootstrap-options-have-watchdog");
    set(nv, "name", "have-watchdog");
    set(nv, "value", inj.watchdog);
  }
  // Like crm_simulate: once any node is brought up, every node an injection
  // names gets a <node> entry (id = name) when the configuration lacks one.
  if (!inj.node_up.empty()) {
    std::vector<std::string> named = inj.node_up;
    named.insert(named.end(), inj.node_down.begin(), inj.node_down.end());
    named.insert(named.end(), inj.node_fail.begin(), inj.node_fail.end());
    for (const auto& spec : inj.op_inject) {
      std::string key, node;
      int rc = 0;
      if (parse_op_spec(spec, &key, &node, &rc)) named.push_back(node);
    }
    for (const auto& n : named) ensure_node_entry(doc, n);
  }
  for (const auto& n : inj.node_up) {
    out += "  * Bringing node " + n + " online\n";
    node_state_change(doc, n, true);
  }
  for (const auto& n : inj.node_down) {
    out += "  * Taking node " + n + " offline\n";
    node_state_change(doc, n, false);
    xmlNode* s = node_state(doc, n);
    remove_child(s, "lrm");
    remove_child(s, "transient_attributes");
  }
  for (const auto& n : inj.node_fail) {
    out += "  * Failing node " + n + "\n";
    node_state_change(doc, n, true);
    set(node_state(doc, n), "in_ccm", "false");
  }
  // Tickets: granted, revoked, put in standby, activated, in that order.
  const struct {
    const std::vector<std::string>& ids;
    const char *attr, *said_before, *said_after;
    bool value;
  } ticket_changes[] = {{inj.ticket_grant, "granted", "Granting ticket ", "", true},
                        {inj.ticket_revoke, "granted", "Revoking ticket ", "", false},
                        {inj.ticket_standby, "standby", "Making ticket ", " standby", true},
                        {inj.ticket_activate, "standby", "Activating ticket ", "", false}};
  for (const auto& change : ticket_changes) {
    for (const auto& t : change.ids) {
      out += std::string("  * ") + change.said_before + t + change.said_after + "\n";
      set_ticket_attr(doc, t, change.attr, change.value);
    }
  }
  if (!inj.op_inject.empty()) {
    auto parsed = cib::Cib::from_string(xml::to_string(doc, false), "CIB");
    if (!parsed) return parsed.error();
    for (const auto& spec : inj.op_inject) {
      std::string key, node;
      int rc = 0;
      std::string rsc, task;
      std::int64_t interval = 0;
      if (!parse_op_spec(spec, &key, &node, &rc) || !parse_op_key(key, &rsc, &task, &interval)) {
        return Error(ErrorCode::kInvalidInput, "invalid operation specification '" + spec +
                                                   "' (expected RESOURCE_TASK_INTERVAL@NODE=RC)");
      }
      out += "  * Injecting " + spec + " into the configuration\n";
      const cib::ResourceConfig* rc_cfg = find_config((*parsed)->resources, rsc);
      if (!rc_cfg) {
        return Error(ErrorCode::kNotFound, "resource " + rsc + " not found in the configuration");
      }
      xmlNode* state = node_state(doc, node);
      xmlNode* hist = resource_history(state, rsc, rc_cfg->cls, rc_cfg->type, rc_cfg->provider);
      out += inject_failcount(state, rsc, task, interval, rc, now);
      record_result(hist, rsc, task, interval, rc, 0, node, now);
    }
  }
  return out;
}

}  // namespace vigil::pengine
