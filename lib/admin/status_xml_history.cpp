// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's <node_history> (each online node's operations per resource,
// with fail counts) and <failures> (the failed actions the scheduler
// recorded), read from the CIB's status section as crm_mon reads it.
#include <strings.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "status_view.hpp"
#include "status_xml_internal.hpp"
#include "vigil/admin/fence_history.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/status_facts.hpp"

namespace vigil::admin::status_xml {

namespace {

using pengine::Node;
using pengine::Resource;

std::vector<const xmlNode*> op_elements(const xmlNode* lrm_resource) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c : xml::children(lrm_resource, "lrm_rsc_op")) out.push_back(c);
  return out;
}

std::int64_t int_attr(const xmlNode* n, const char* name, std::int64_t fallback) {
  auto v = xml::attr(n, name);
  if (!v) return fallback;
  return leading_int(*v).value_or(fallback);
}

// A monitor without interval is shown as a probe.
std::string shown_task(const xmlNode* op) {
  std::string task = xml::attr_or(op, "operation");
  auto interval = xml::attr(op, "interval");
  if (strcasecmp(task.c_str(), "monitor") == 0 && (!interval || *interval == "0")) {
    return "probe";
  }
  return task;
}

// The resource a history entry's id names, as pe_find_resource finds it:
// depth first over the resources, by id or by the name an anonymous clone
// instance's history uses.
const Resource* find_named(const std::vector<Resource*>& rscs, const std::string& id) {
  for (const Resource* r : rscs) {
    if (r->id == id || (!r->clone_name.empty() && r->clone_name == id)) return r;
    if (const Resource* found = find_named(r->children, id)) return found;
  }
  return nullptr;
}

void add_operation(xmlNode* parent, const xmlNode* op) {
  xmlNode* e = child(parent, "operation_history");
  const int rc = static_cast<int>(std::max<std::int64_t>(int_attr(op, "rc-code", 0), 0));
  if (auto call = xml::attr(op, "call-id")) set(e, "call", *call);
  set(e, "task", shown_task(op));
  set(e, "rc", std::to_string(rc));
  set(e, "rc_text", pengine::exit_text(rc));
  if (auto interval = xml::attr(op, "interval"); interval && *interval != "0") {
    set(e, "interval", *interval + "ms");
  }
  if (const std::int64_t changed = int_attr(op, "last-rc-change", 0); changed > 0) {
    set(e, "last-rc-change", status_view::ctime_text(changed));
  }
  if (auto exec = xml::attr(op, "exec-time")) set(e, "exec-time", *exec + "ms");
  if (auto queue = xml::attr(op, "queue-time")) set(e, "queue-time", *queue + "ms");
}

// A failed probe that only says the resource cannot run there.
bool masked_probe_failure(const xmlNode* op) {
  if (xml::attr_or(op, "operation") != "monitor" || int_attr(op, "interval", 0) != 0) return false;
  const std::int64_t rc = int_attr(op, "rc-code", 0);
  return rc == 5 || rc == 2 || int_attr(op, "op-status", -2) == 7;
}

}  // namespace

HistoryIndex::HistoryIndex(const pengine::WorkingSet& ws, xmlDoc* doc) {
  const xmlNode* status = xml::first_child(xmlDocGetRootElement(doc), "status");
  if (!status) return;
  // The model holds one NodeState per node_state element, in order, and one
  // history per lrm_resource element; each entry keeps its element position.
  std::size_t i = 0;
  for (const xmlNode* ns : xml::children(status, "node_state")) {
    const cib::NodeState* model = i < ws.cib.node_states.size() ? &ws.cib.node_states[i] : nullptr;
    ++i;
    states_.push_back({ns, model});
    for (const Entry& entry : entries(states_.back())) {
      if (!entry.model) continue;
      const auto ops = op_elements(entry.element);
      for (const cib::OpHistory& op : entry.model->ops) {
        if (op.doc_index >= 0 && static_cast<std::size_t>(op.doc_index) < ops.size()) {
          ops_[&op] = ops[static_cast<std::size_t>(op.doc_index)];
        }
      }
    }
  }
}

std::vector<HistoryIndex::Entry> HistoryIndex::entries(const State& s) const {
  std::vector<Entry> out;
  const xmlNode* lrm = xml::first_child(s.element, "lrm");
  const xmlNode* lrs = lrm ? xml::first_child(lrm, "lrm_resources") : nullptr;
  if (!lrs) return out;
  std::size_t j = 0;
  for (const xmlNode* lr : xml::children(lrs, "lrm_resource")) {
    const cib::ResourceHistory* model = nullptr;
    if (s.model && j < s.model->resources.size() &&
        s.model->resources[j].id == xml::attr_or(lr, "id")) {
      model = &s.model->resources[j];
    }
    ++j;
    out.push_back({lr, model});
  }
  return out;
}

const xmlNode* HistoryIndex::element_of(const cib::OpHistory* op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? nullptr : it->second;
}

void add_node_history(xmlNode* root, const pengine::WorkingSet& ws, const HistoryIndex& history) {
  xmlNode* list = nullptr;
  for (const HistoryIndex::State& s : history.states()) {
    const Node* node = ws.find_node_by_id(xml::attr_or(s.element, "id"));
    if (!node || !node->online) continue;
    if (!list) list = child(root, "node_history");
    xmlNode* node_e = nullptr;
    for (const HistoryIndex::Entry& entry : history.entries(s)) {
      if (!entry.model) continue;
      // The operations shown: no notifications, no probe that found the
      // resource not running; oldest first.
      std::vector<const cib::OpHistory*> ops;
      for (const cib::OpHistory& op : entry.model->ops) {
        const xmlNode* e = history.element_of(&op);
        if (!e) continue;
        const std::string task = shown_task(e);
        if (strcasecmp(task.c_str(), "notify") == 0) continue;
        if (task == "probe" && int_attr(e, "rc-code", 0) == 7) continue;
        ops.push_back(&op);
      }
      if (ops.empty()) continue;
      std::sort(ops.begin(), ops.end(), [](const cib::OpHistory* a, const cib::OpHistory* b) {
        return a->doc_index < b->doc_index;  // document order, then Pacemaker's sort
      });
      pengine::sort_op_history(ops);
      if (!node_e) {
        node_e = child(list, "node");
        set(node_e, "name", node->uname);
      }
      const std::string id = xml::attr_or(entry.element, "id");
      const Resource* rsc = find_named(ws.resources, id);
      xmlNode* rh = child(node_e, "resource_history");
      if (!rsc) {
        set(rh, "id", id);
        set(rh, "orphan", "true");
      } else {
        set(rh, "id", pengine::display_id(rsc));
        set(rh, "orphan", "false");
        set(rh, "migration-threshold", std::to_string(rsc->migration_threshold));
        EpochSeconds last_failure = 0;
        const int count = pengine::resource_failcount(ws, node, rsc, &last_failure);
        if (count > 0) set(rh, "fail-count", std::to_string(count));
        if (last_failure > 0) set(rh, "last-failure", status_view::ctime_text(last_failure));
      }
      for (const cib::OpHistory* op : ops) add_operation(rh, history.element_of(op));
    }
  }
}

void add_failures(xmlNode* root, const pengine::WorkingSet& ws, const HistoryIndex& history) {
  xmlNode* list = nullptr;
  for (const auto& [node, op] : ws.failed_ops) {
    const xmlNode* e = history.element_of(op);
    if (!e || masked_probe_failure(e)) continue;
    const auto key = xml::attr(e, "operation_key");
    if (!pengine::split_operation_key(key ? *key : xml::attr_or(e, "id"), nullptr, nullptr,
                                      nullptr))
      continue;
    if (!list) list = child(root, "failures");
    xmlNode* f = child(list, "failure");
    const int rc = static_cast<int>(std::max<std::int64_t>(int_attr(e, "rc-code", 0), 0));
    if (key) {
      set(f, "op_key", *key);
    } else {
      set(f, "id", xml::attr_or(e, "id"));
    }
    set(f, "node", node->uname);
    set(f, "exitstatus", pengine::exit_text(rc));
    set(f, "exitreason", escape_reason(xml::attr_or(e, "exit-reason", "none")));
    set(f, "exitcode", std::to_string(rc));
    if (auto call = xml::attr(e, "call-id")) set(f, "call", *call);
    set(f, "status",
        status_view::exec_status_text(
            static_cast<int>(std::max<std::int64_t>(int_attr(e, "op-status", 0), 0))));
    if (const std::int64_t changed = int_attr(e, "last-rc-change", 0); changed > 0) {
      set(f, "last-rc-change", fence_time_text(changed));  // crm_mon's ISO time
      if (auto q = xml::attr(e, "queue-time")) set(f, "queued", *q);
      if (auto x = xml::attr(e, "exec-time")) set(f, "exec", *x);
      set(f, "interval", std::to_string(std::max<std::int64_t>(int_attr(e, "interval", 0), 0)));
      if (auto t = xml::attr(e, "operation")) set(f, "task", *t);
    }
  }
}

}  // namespace vigil::admin::status_xml
