// SPDX-License-Identifier: GPL-2.0-or-later
// What `crm_mon --show-detail --show-node-attributes --failcounts` adds to
// the text view (Pacemaker 2.1.5's node, node-attribute-list, node-summary
// and resource-history messages): one line per node with its id and
// feature set, the nodes' own attributes, and each node's fail counts.
#include <strings.h>

#include <cstdio>
#include <unordered_map>

#include "status_view.hpp"
#include "vigil/admin/status_text.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::admin::status_view {

namespace {

// Attributes the cluster sets itself are not listed.
bool automatic_attribute(const std::string& name) {
  for (const char* prefix :
       {"fail-count-", "last-failure-", "shutdown", "terminate", "standby", "#"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// "    * name                            \t: value     " (left-aligned in 32
// and 10 columns), with the ping agents' connectivity verdict.
std::string attribute_line(const std::string& name, const std::string& value, const int* expected) {
  char buf[64];
  std::string s = "    * " + name;
  if (name.size() < 32) s.append(32 - name.size(), ' ');
  s += "\t: " + value;
  if (value.size() < 10) s.append(10 - value.size(), ' ');
  if (expected) {
    const long v = std::strtol(value.c_str(), nullptr, 10);
    if (v <= 0) {
      s += "\t: Connectivity is lost";
    } else if (v < *expected) {
      std::snprintf(buf, sizeof buf, "\t: Connectivity is degraded (Expected=%d)", *expected);
      s += buf;
    }
  }
  return s + "\n";
}

// For an attribute a ping resource active on the node maintains: the score
// it gives when every host answers (hosts times multiplier).
bool ping_expectation(const pengine::WorkingSet& ws, const pengine::Node& node,
                      const std::vector<pengine::Resource*>& rscs, const std::string& attr,
                      int& expected) {
  for (const pengine::Resource* r : rscs) {
    if (!r->children.empty() && ping_expectation(ws, node, r->children, attr, expected))
      return true;
    if (strcasecmp(r->type.c_str(), "ping") != 0 && strcasecmp(r->type.c_str(), "pingd") != 0)
      continue;
    const pengine::AttrMap params = pengine::resource_params(ws, r, &node);
    auto get = [&](const char* key) -> const std::string* {
      auto it = params.find(key);
      return it == params.end() ? nullptr : &it->second;
    };
    const std::string* name = get("name");
    if (strcasecmp((name ? *name : std::string("pingd")).c_str(), attr.c_str()) != 0) continue;
    int hosts = 0;
    if (const std::string* list = get("host_list")) {
      // Every space separates (empty words count).
      hosts = 1;
      for (char c : *list) hosts += c == ' ';
      if (list->empty()) hosts = 0;
    }
    int multiplier = 1;
    if (const std::string* m = get("multiplier")) {
      char* end = nullptr;
      const long v = std::strtol(m->c_str(), &end, 10);
      if (end != m->c_str()) multiplier = static_cast<int>(v);
    }
    expected = hosts * multiplier;
    return true;
  }
  return false;
}

// The first resource (depth first, in the scheduler's order) named `id` or
// recorded under that name (Pacemaker's pe_find_resource).
class ResourceFinder {
 public:
  explicit ResourceFinder(const pengine::WorkingSet& ws) {
    for (const pengine::Resource* r : ws.resources) add(r);
  }
  const pengine::Resource* find(const std::string& id) const {
    auto it = by_name_.find(id);
    return it == by_name_.end() ? nullptr : it->second;
  }

 private:
  void add(const pengine::Resource* r) {
    by_name_.emplace(r->id, r);  // the first one stays
    if (!r->clone_name.empty()) by_name_.emplace(r->clone_name, r);
    for (const pengine::Resource* c : r->children) add(c);
  }
  std::unordered_map<std::string, const pengine::Resource*> by_name_;
};

}  // namespace

std::string detailed_node_list(const View& v) {
  std::string out;
  for (const auto& n : v.ws.nodes) {
    out += std::string("  * ") + pengine::node_kind_text(n.get()) + " " +
           node_display_name(*n, true) + ": " + pengine::node_status_text(n.get());
    const int health = pengine::node_health(v.ws, n.get());
    if (health < 0) {
      out += " (health is RED)";
    } else if (health == 0) {
      out += " (health is YELLOW)";
    }
    if (n->online && !n->is_pcmk_remote()) {
      auto fs = n->attrs.find("#feature-set");
      out += ", feature set " + (fs == n->attrs.end() ? std::string("<3.15.1") : fs->second);
    }
    out += "\n";
  }
  return out;
}

std::string node_attributes_section(const View& v) {
  std::string out;
  for (const auto& n : v.ws.nodes) {
    if (!n->online) continue;
    std::vector<std::string> names;
    for (const auto& [name, value] : n->attrs) {
      if (!automatic_attribute(name)) names.push_back(name);
    }
    if (names.empty()) continue;
    std::sort(names.begin(), names.end());
    out += "  * Node: " + node_display_name(*n, v.full) + ":\n";
    for (const std::string& name : names) {
      int expected = 0;
      const bool ping = ping_expectation(v.ws, *n, n->running_rsc, name, expected);
      out += attribute_line(name, n->attrs.at(name), ping ? &expected : nullptr);
    }
  }
  return out.empty() ? out : "Node Attributes:\n" + out;
}

std::string migration_summary_section(const View& v) {
  const xmlNode* status = xml::first_child(xmlDocGetRootElement(v.doc), "status");
  if (!status || xmlChildElementCount(const_cast<xmlNode*>(status)) == 0) return {};
  const ResourceFinder finder(v.ws);
  std::string out;
  bool any_node = false;
  for (const xmlNode* ns : xml::children(status, "node_state")) {
    const pengine::Node* node = v.ws.find_node_by_id(xml::attr_or(ns, "id"));
    if (!node || !node->online) continue;
    any_node = true;
    const xmlNode* lrm = xml::first_child(ns, "lrm");
    const xmlNode* rscs = lrm ? xml::first_child(lrm, "lrm_resources") : nullptr;
    if (!rscs) continue;
    std::string lines;
    for (const xmlNode* entry : xml::children(rscs, "lrm_resource")) {
      const std::string id = xml::attr_or(entry, "id");
      const pengine::Resource* rsc = finder.find(id);
      if (!rsc) continue;
      EpochSeconds last_failure = 0;
      const int count = pengine::resource_failcount(v.ws, node, rsc, &last_failure);
      if (count <= 0) continue;
      lines += "    * " + id + ": migration-threshold=" + std::to_string(rsc->migration_threshold) +
               " fail-count=" + std::to_string(count);
      if (last_failure > 0) lines += " last-failure='" + ctime_text(last_failure) + "'";
      lines += "\n";
    }
    if (!lines.empty()) out += "  * Node: " + node_display_name(*node, v.full) + ":\n" + lines;
  }
  return any_node ? "Migration Summary:\n" + out : std::string();
}

}  // namespace vigil::admin::status_view

namespace vigil::admin {

Result<std::string> ticket_details_text(xmlDoc* doc, EpochSeconds now) {
  auto unpacked = status_view::unpack_copy(doc, now);
  if (!unpacked) return unpacked.error();
  // crm_ticket writes times as asctime(3) does, quoted.
  auto when = [](const std::string& epoch) {
    return "'" + status_view::ctime_text(std::strtoll(epoch.c_str(), nullptr, 10)) + "'";
  };
  std::string out;
  for (const auto& [id, t] : unpacked->ws->tickets) {
    out += id + "\t" + (t.granted ? "granted" : "revoked") + " " +
           (t.standby ? "[standby]" : "         ");
    if (!t.state.empty()) {
      std::string attrs;
      for (const auto& [name, value] : t.state) {
        attrs += (attrs.empty() ? "" : ", ") + name + "=" +
                 (name == "last-granted" || name == "expires" ? when(value) : value);
      }
      out += " (" + attrs + ")";
    } else if (t.last_granted > -1) {
      out += " last-granted=" + when(std::to_string(t.last_granted));
    }
    out += "\n";
  }
  return out;
}

}  // namespace vigil::admin
