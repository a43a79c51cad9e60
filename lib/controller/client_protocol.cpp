// SPDX-License-Identifier: GPL-2.0-or-later
// crmd.sock's requests, decoded and answered without the socket.
#include "vigil/common/xml.hpp"
#include "vigil/controller/controller.hpp"

namespace vigil::controller {

namespace {

Error bad(const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "crmd request: " + what);
}

std::string status_xml(const Controller& c) {
  ControllerStatus s = c.status();
  std::string out = "<status node=\"" + std::to_string(s.self) + "\"";
  if (s.dc != cluster::kNoNode) {
    out += " dc=\"" + std::to_string(s.dc) + "\" dc-name=\"" + xml::escaped(s.dc_name) + "\"";
  }
  out += std::string(" is-dc=\"") + (c.is_dc() ? "true" : "false") + "\"";
  out += std::string(" quorate=\"") + (s.quorate ? "true" : "false") + "\"";
  out += std::string(" shutting-down=\"") + (s.shutting_down ? "true" : "false") + "\"";
  out += std::string(" transition=\"") + to_string(s.transition) + "\"";
  out += " transition-id=\"" + std::to_string(s.transition_id) + "\"";
  out += " in-flight=\"" + std::to_string(s.actions_in_flight) + "\"";
  out += ">";
  for (const auto& m : s.members) {
    out += "<member id=\"" + std::to_string(m.id) + "\" name=\"" + xml::escaped(m.name) + "\"/>";
  }
  return out + "</status>";
}

}  // namespace

Result<std::string> handle_client_request(Controller& controller, std::string_view payload) {
  auto doc = xml::parse_string(payload, "crmd request");
  if (!doc) return doc.error();
  const xmlNode* r = xmlDocGetRootElement(doc->get());
  if (!r) return bad("empty document");
  const std::string name(xml::name(r));
  if (name == "status") return status_xml(controller);
  if (name == "attr_update" || name == "attr_delete") {
    auto attr = xml::attr(r, "name");
    if (!attr || attr->empty()) return bad("<" + name + "> needs a name");
    std::string node = xml::attr_or(r, "node");
    Status st = ok_status();
    if (name == "attr_update") {
      auto value = xml::attr(r, "value");
      if (!value) return bad("<attr_update> needs a value");
      st = controller.set_attribute(node, *attr, *value);
    } else {
      st = controller.delete_attribute(node, *attr);
    }
    if (!st) return st.error();
    return std::string("<ok/>");
  }
  if (name == "cleanup") {
    auto rsc = xml::attr(r, "rsc");
    if (!rsc || rsc->empty()) return bad("<cleanup> needs rsc");
    if (auto st = controller.cleanup(*rsc, xml::attr_or(r, "node")); !st) return st.error();
    return std::string("<ok/>");
  }
  return bad("unknown request <" + name + ">");
}

}  // namespace vigil::controller
