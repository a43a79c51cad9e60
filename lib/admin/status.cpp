// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/status.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "status_view.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {

namespace {

// A cluster option from crm_config (the first nvpair of that name), or "".
std::string crm_option(xmlDoc* doc, const char* name) {
  xmlNode* config = xml::first_child(xmlDocGetRootElement(doc), "configuration");
  xmlNode* crm = config ? xml::first_child(config, "crm_config") : nullptr;
  if (!crm) return {};
  for (xmlNode* set : xml::children(crm, "cluster_property_set")) {
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == name) return xml::attr_or(nv, "value");
    }
  }
  return {};
}

// Pacemaker's false values, as pcs reads them (any case).
bool is_false(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v == "false" || v == "off" || v == "no" || v == "n" || v == "0";
}

bool has_stonith_primitive(const xmlNode* n) {
  for (const xmlNode* c : xml::children(n)) {
    if (xml::is(c, "primitive") && xml::attr_or(c, "class") == "stonith") return true;
    if (has_stonith_primitive(c)) return true;
  }
  return false;
}

std::string quoted_list(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "'" : ", '") + i + "'";
  return out;
}

}  // namespace

std::vector<std::string> status_warnings(xmlDoc* doc) {
  std::vector<std::string> out;
  xmlNode* config = xml::first_child(xmlDocGetRootElement(doc), "configuration");
  if (!config) return out;
  // Any stonith-enabled that is false disables it (pcs reads every set).
  bool enabled = true;
  if (xmlNode* crm = xml::first_child(config, "crm_config")) {
    for (xmlNode* set : xml::children(crm, "cluster_property_set")) {
      for (xmlNode* nv : xml::children(set, "nvpair")) {
        if (xml::attr_or(nv, "name") == "stonith-enabled" && is_false(xml::attr_or(nv, "value")))
          enabled = false;
      }
    }
  }
  xmlNode* resources = xml::first_child(config, "resources");
  // (pcs also stays quiet when sbd runs; vigil has no sbd.)
  if (enabled && !(resources && has_stonith_primitive(resources))) {
    out.push_back("No stonith devices and stonith-enabled is not false");
  }
  std::set<std::string> moved;
  if (xmlNode* constraints = xml::first_child(config, "constraints")) {
    for (xmlNode* c : xml::children(constraints, "rsc_location")) {
      if (xml::attr_or(c, "id").rfind("cli-", 0) == 0) moved.insert(xml::attr_or(c, "rsc"));
    }
  }
  if (!moved.empty()) {
    out.push_back(
        "Following resources have been moved and their move constraints are still in place: " +
        quoted_list(moved));
    out.push_back(
        "Run 'vigil constraint location' or 'vigil resource clear <resource id>' to view or remove "
        "the constraints, respectively");
  }
  return out;
}

std::string cluster_name_line(xmlDoc* doc) {
  const std::string name = crm_option(doc, "cluster-name");
  return name.empty() ? std::string() : "Cluster name: " + name + "\n";
}

Result<std::string> resource_status_text(xmlDoc* doc, EpochSeconds now, bool stonith_only) {
  auto unpacked = status_view::unpack_copy(doc, now);
  if (!unpacked) return unpacked.error();
  pengine::WorkingSet& ws = *unpacked->ws;

  // crm_simulate's layout nests the sections one level deeper than crm_mon:
  // take the lines after "Full List of Resources:" and drop two spaces.
  std::istringstream in(pengine::cluster_status_text(ws));
  std::string line, out;
  bool in_resources = false;
  bool any = false;
  int stonith_indent = -1;  // skipping a stonith line (and nothing under it)
  while (std::getline(in, line)) {
    if (line == "  * Full List of Resources:") {
      in_resources = true;
      continue;
    }
    if (!in_resources || line.empty()) continue;
    if (line.rfind("  * ", 0) == 0) break;  // the next top-level section
    if (line == "    * No resources") continue;
    const int indent = static_cast<int>(line.find_first_not_of(' '));
    if (stonith_indent >= 0 && indent > stonith_indent) continue;
    stonith_indent = -1;
    const bool is_stonith = line.find("\t(stonith:") != std::string::npos;
    if (stonith_only != is_stonith) {
      if (is_stonith) stonith_indent = indent;
      continue;
    }
    out += line.substr(2) + "\n";
    any = true;
  }
  if (any) return out;
  return std::string(stonith_only ? "NO stonith devices configured\n"
                                  : "NO resources configured\n");
}

}  // namespace vigil::admin
