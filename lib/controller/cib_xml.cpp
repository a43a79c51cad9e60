// SPDX-License-Identifier: GPL-2.0-or-later
#include "cib_xml.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>

#include "vigil/common/number.hpp"
#include "vigil/common/score.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::controller {

namespace {

std::string esc(const std::string& s) {
  return xml::escaped(s);
}

std::string lrm_resource_open(const OpEvent& e) {
  std::string out = "<lrm_resource id=\"" + esc(e.rsc) + "\" type=\"" + esc(e.type) +
                    "\" class=\"" + esc(e.cls) + "\"";
  if (!e.provider.empty()) out += " provider=\"" + esc(e.provider) + "\"";
  return out + ">";
}

// One resource's records in history order; a later result with the same
// record id replaces the earlier one and takes its place at the end.
std::string resource_records(const std::string& uuid, const std::string& uname,
                             std::vector<const OpEvent*> list,
                             const std::function<void(const std::string&)>& warn) {
  // Completed results first (in call order), pending ones last, so that a
  // pending run overrides the record it replaces.
  std::stable_sort(list.begin(), list.end(), [](const OpEvent* a, const OpEvent* b) {
    if (a->pending() != b->pending()) return !a->pending();
    if (a->call_id != b->call_id) return a->call_id < b->call_id;
    return a->last_rc_change < b->last_rc_change;  // a recurring op's runs
  });
  std::vector<std::pair<std::string, std::string>> in_order;
  for (const OpEvent* e : list) {
    if (e->cancelled()) continue;
    const transition::OpResult result =
        e->pending() ? transition::pending_result(e->last_run) : e->to_op_result();
    transition::HistoryContext ctx;
    ctx.transition_id = e->transition_id();
    ctx.dc_uuid = e->key_uuid();
    ctx.node_name = uname;
    ctx.origin = kOrigin;
    auto records = transition::build_history(e->to_action(uuid, uname), result, ctx);
    if (!records) {
      warn("event=history-skipped node=" + uname + " op=" + e->op_key() +
           " error=" + records.error().message());
      continue;
    }
    for (auto& r : *records) {
      // The digest the executing node computed from the real parameters.
      std::erase_if(r.attrs, [](const auto& kv) { return kv.first == "op-digest"; });
      if (!e->digest.empty()) r.attrs.emplace_back("op-digest", e->digest);
      std::erase_if(in_order, [&](const auto& x) { return x.first == r.id; });
      in_order.emplace_back(r.id, r.xml());
    }
  }
  std::string out = lrm_resource_open(*list.front());
  for (const auto& [id, x] : in_order) out += x;
  return out + "</lrm_resource>";
}

}  // namespace

std::optional<NodeId> node_id_from(std::string_view uuid) {
  const auto v = parse_int64(uuid);
  if (!v || *v <= 0 || *v > std::numeric_limits<NodeId>::max()) return std::nullopt;
  return static_cast<NodeId>(*v);
}

std::string node_xpath(NodeId node) {
  return "/cib/status/node_state[@id='" + std::to_string(node) + "']";
}

std::string lrm_resource_xpath(NodeId node, const std::string& rsc) {
  return node_xpath(node) + "/lrm/lrm_resources/lrm_resource[@id='" + rsc + "']";
}

std::string node_state_xml(NodeId node, const std::string& uname, bool in_ccm, bool crmd_online,
                           const char* join, const char* expected) {
  std::string out = "<node_state id=\"" + std::to_string(node) + "\" uname=\"" + esc(uname) +
                    "\" in_ccm=\"" + (in_ccm ? "true" : "false") + "\" crmd=\"" +
                    (crmd_online ? "online" : "offline") + "\"";
  if (join) out += std::string(" join=\"") + join + "\"";
  if (expected) out += std::string(" expected=\"") + expected + "\"";
  return out + " crm-debug-origin=\"" + kOrigin + "\"/>";
}

std::string node_state_ccm_xml(NodeId node, const std::string& uname, bool in_ccm) {
  return "<node_state id=\"" + std::to_string(node) + "\" uname=\"" + esc(uname) + "\" in_ccm=\"" +
         (in_ccm ? "true" : "false") + "\" crm-debug-origin=\"" + kOrigin + "\"/>";
}

std::vector<CibEdit> attr_edits(NodeId node, const std::string& name,
                                const std::optional<std::string>& value) {
  const std::string uuid = std::to_string(node);
  if (!value) {
    return {{true,
             node_xpath(node) + "/transient_attributes/instance_attributes/nvpair[@name='" + name +
                 "']",
             ""}};
  }
  // Pacemaker's attribute manager makes ids valid XML names: ':' and '#'
  // (fail-count-Web#monitor_30000, #node-unfenced) become '.'.
  std::string nv_id = "status-" + uuid + "-" + name;
  std::replace(nv_id.begin(), nv_id.end(), '#', '.');
  std::replace(nv_id.begin(), nv_id.end(), ':', '.');
  return {{false, "status",
           "<node_state id=\"" + uuid + "\"><transient_attributes id=\"" + uuid +
               "\"><instance_attributes id=\"status-" + uuid + "\"><nvpair id=\"" + esc(nv_id) +
               "\" name=\"" + esc(name) + "\" value=\"" + esc(*value) +
               "\"/></instance_attributes></transient_attributes></node_state>"}};
}

std::string bump_attribute(const std::string& current, const std::string& update) {
  // Written as the number, as Pacemaker's attribute manager does.
  if (auto n = expand_increment("value", update, current)) return std::to_string(*n);
  return update;
}

std::string history_lrm_xml(NodeId node, const std::string& uname, const std::vector<OpEvent>& ops,
                            const std::function<void(const std::string&)>& warn) {
  const std::string uuid = std::to_string(node);
  std::map<std::string, std::vector<const OpEvent*>> by_rsc;
  for (const auto& e : ops) by_rsc[e.rsc].push_back(&e);
  std::string lrm = "<node_state id=\"" + uuid + "\"><lrm id=\"" + uuid + "\"><lrm_resources>";
  for (const auto& [rsc, list] : by_rsc) lrm += resource_records(uuid, uname, list, warn);
  return lrm + "</lrm_resources></lrm></node_state>";
}

Duration cluster_interval_of(const std::string& cib, const std::string& name, Duration fallback) {
  // Only the nvpair itself is parsed, not the whole CIB again.
  const auto at = cib.find("name=\"" + name + "\"");
  if (at == std::string::npos) return fallback;
  const auto open = cib.rfind("<nvpair", at);
  const auto close = cib.find('>', at);
  if (open == std::string::npos || close == std::string::npos) return fallback;
  std::string element = cib.substr(open, close - open);
  if (!element.empty() && element.back() == '/') element.pop_back();
  auto doc = xml::parse_string(element + "/>", name);
  if (!doc) return fallback;
  auto value = xml::attr(xmlDocGetRootElement(doc->get()), "value");
  if (!value) return fallback;
  auto ms = parse_interval_ms(*value);
  if (!ms || *ms < 0) return fallback;
  return Duration(*ms);
}

}  // namespace vigil::controller
