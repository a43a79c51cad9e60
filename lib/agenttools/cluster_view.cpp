// SPDX-License-Identifier: GPL-2.0-or-later
// The node a tool acts on, what vigil-crmd says of the cluster, and node
// attributes as the CIB holds them.
#include "internal.hpp"
#include "vigil/common/host.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::agenttools {

namespace {

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Result<xml::DocPtr> parse_cib(const std::string& cib_xml) {
  return xml::parse_string(cib_xml, "the CIB from vigil-cib");
}

const xmlNode* section(const xmlDoc* doc, const char* outer, const char* inner) {
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(doc));
  const xmlNode* top = root ? xml::first_child(root, outer) : nullptr;
  return top && inner ? xml::first_child(top, inner) : top;
}

// The first nvpair `name` in the sets called `set_tag` under `parent`.
std::optional<FoundAttribute> nvpair_in(const xmlNode* parent, const char* set_tag,
                                        const std::string& name) {
  for (const xmlNode* set : xml::children(parent, set_tag)) {
    for (const xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") != name) continue;
      return FoundAttribute{"", xml::attr_or(set, "id"), xml::attr_or(nv, "id"),
                            xml::attr_or(nv, "value")};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> node_attr_target(const std::optional<std::string>& name,
                                            const Getenv& env) {
  if (name && !equals_nocase(*name, "auto") && !equals_nocase(*name, "localhost")) {
    return std::nullopt;
  }
  // A resource in a bundle may ask for its attributes on the host.
  const auto target = env("OCF_RESKEY_CRM_meta_container_attribute_target");
  const auto physical = env("OCF_RESKEY_CRM_meta_physical_host");
  if (physical && target && equals_nocase(*target, "host")) return physical;
  if (auto on_node = env("OCF_RESKEY_CRM_meta_on_node")) return on_node;
  return std::nullopt;  // "auto"/"localhost" outside an agent: the caller's local node
}

Result<ControllerView> controller_view(Cluster& cluster) {
  auto answer = cluster.controller("<status/>");
  if (!answer) return answer.error();
  auto doc = xml::parse_string(*answer, "vigil-crmd's status");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!root || xml::name(root) != std::string_view("status")) {
    return Error(ErrorCode::kInvalidInput, "vigil-crmd's status answer is no <status>");
  }
  ControllerView view;
  view.self_id = xml::attr_or(root, "node");
  view.quorate = xml::attr_or(root, "quorate") == "true";
  for (const xmlNode* m : xml::children(root, "member")) {
    view.members.push_back({xml::attr_or(m, "id"), xml::attr_or(m, "name")});
    if (view.members.back().id == view.self_id) view.self_name = view.members.back().name;
  }
  return view;
}

std::string local_node_name(const Getenv& env, Cluster& cluster) {
  if (auto target = node_attr_target(std::nullopt, env)) return *target;
  if (auto view = controller_view(cluster); view && !view->self_name.empty()) {
    return view->self_name;
  }
  return short_host_name();
}

std::optional<ToolRun> send_attribute(const std::string& tool, Cluster& cluster,
                                      const std::string& node, const std::string& name,
                                      const std::optional<std::string>& value) {
  std::string request = value ? "<attr_update" : "<attr_delete";
  xml::append_attr(request, "node", node);
  xml::append_attr(request, "name", name);
  if (value) xml::append_attr(request, "value", *value);
  request += "/>";
  auto answer = cluster.controller(request);
  if (answer) return std::nullopt;
  return failure(tool, code_of(answer.error()),
                 "Could not update " + name + "=" + value.value_or("(null)") + ": " +
                     reach_hint(answer.error()));
}

Result<std::vector<FoundAttribute>> transient_attributes(const std::string& cib_xml,
                                                         const std::string& name,
                                                         const std::optional<std::string>& node) {
  auto doc = parse_cib(cib_xml);
  if (!doc) return doc.error();
  std::vector<FoundAttribute> found;
  const xmlNode* status = section(doc->get(), "status", nullptr);
  if (!status) return found;
  for (const xmlNode* state : xml::children(status, "node_state")) {
    const std::string uname = xml::attr_or(state, "uname");
    if (node && uname != *node) continue;
    const xmlNode* transient = xml::first_child(state, "transient_attributes");
    if (!transient) continue;
    if (auto nv = nvpair_in(transient, "instance_attributes", name)) {
      nv->node = uname;
      found.push_back(std::move(*nv));
    }
  }
  return found;
}

Result<std::optional<std::string>> node_id_of(const std::string& cib_xml,
                                              const std::string& uname) {
  auto doc = parse_cib(cib_xml);
  if (!doc) return doc.error();
  const xmlNode* nodes = section(doc->get(), "configuration", "nodes");
  for (const xmlNode* n : nodes ? xml::children(nodes, "node") : std::vector<xmlNode*>{}) {
    if (xml::attr_or(n, "uname") == uname) return std::optional<std::string>(xml::attr_or(n, "id"));
  }
  return std::optional<std::string>();
}

Result<std::optional<FoundAttribute>> permanent_attribute(const std::string& cib_xml,
                                                          const std::string& node_id,
                                                          const std::string& name) {
  auto doc = parse_cib(cib_xml);
  if (!doc) return doc.error();
  const xmlNode* nodes = section(doc->get(), "configuration", "nodes");
  for (const xmlNode* n : nodes ? xml::children(nodes, "node") : std::vector<xmlNode*>{}) {
    if (xml::attr_or(n, "id") != node_id) continue;
    auto nv = nvpair_in(n, "instance_attributes", name);
    if (nv) nv->node = xml::attr_or(n, "uname");
    return nv;
  }
  return std::optional<FoundAttribute>();
}

Result<std::optional<FoundAttribute>> cluster_option(const std::string& cib_xml,
                                                     const std::string& name) {
  auto doc = parse_cib(cib_xml);
  if (!doc) return doc.error();
  const xmlNode* config = section(doc->get(), "configuration", "crm_config");
  if (!config) return std::optional<FoundAttribute>();
  return nvpair_in(config, "cluster_property_set", name);
}

std::string xpath_literal(const std::string& text) {
  if (text.find('"') == std::string::npos) return "\"" + text + "\"";
  if (text.find('\'') == std::string::npos) return "'" + text + "'";
  // Both quotes: concat() of the pieces between double quotes.
  std::string out = "concat(";
  std::size_t start = 0;
  while (true) {
    const auto q = text.find('"', start);
    out += "\"" + text.substr(start, q == std::string::npos ? q : q - start) + "\"";
    if (q == std::string::npos) break;
    out += ",'\"',";
    start = q + 1;
  }
  return out + ")";
}

}  // namespace vigil::agenttools
