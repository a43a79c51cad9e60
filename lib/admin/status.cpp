// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/status.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>
#include <sstream>

#include "vigil/cib/cib.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {

namespace {

Result<std::unique_ptr<cib::Cib>> model_of(xmlDoc* doc) {
  xml::DocPtr copy(xmlCopyDoc(doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto model = cib::Cib::from_doc(std::move(copy), "CIB");
  if (!model) return model.error();
  return std::move(*model);
}

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

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string ctime_text(EpochSeconds t) {
  std::time_t tt = static_cast<std::time_t>(t);
  char buf[64];
  std::tm tm{};
  localtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
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

Result<std::string> cluster_status_text(xmlDoc* doc, EpochSeconds now) {
  auto model = model_of(doc);
  if (!model) return model.error();
  pengine::Options options;
  options.now = now;
  pengine::WorkingSet ws(**model, options);
  if (auto st = pengine::unpack(ws); !st) return st.error();
  // Counts and banner first: cluster_banner_text fills the instance counts.
  const std::string banner = pengine::cluster_banner_text(ws);

  xmlNode* root = xmlDocGetRootElement(doc);
  std::string out = "Cluster Summary:\n";
  std::string stack = crm_option(doc, "cluster-infrastructure");
  out += "  * Stack: " + (stack.empty() ? std::string("unknown") : stack) + "\n";
  const std::string dc_uuid = xml::attr_or(root, "dc-uuid");
  std::string dc_name;
  if (!dc_uuid.empty()) {
    for (const auto& n : ws.nodes) {
      if (n->id == dc_uuid) dc_name = n->uname;
    }
    if (dc_name.empty()) dc_name = dc_uuid;
  }
  if (dc_name.empty()) {
    out += "  * Current DC: NONE\n";
  } else {
    std::string version = crm_option(doc, "dc-version");
    if (version.empty()) version = "unknown";
    const std::string quorum = xml::attr_or(root, "have-quorum");
    const bool quorate = quorum == "1" || quorum == "true";
    out += "  * Current DC: " + dc_name + " (version " + version + ") - partition " +
           (quorate ? "with" : "WITHOUT") + " quorum\n";
  }
  out += "  * Last updated: " + ctime_text(now) + "\n";
  std::string change = "  * Last change:  " + xml::attr_or(root, "cib-last-written");
  for (const auto& [attr, word] : {std::pair<const char*, const char*>{"update-user", " by "},
                                   {"update-client", " via "},
                                   {"update-origin", " on "}}) {
    const std::string v = xml::attr_or(root, attr);
    if (!v.empty()) change += word + v;
  }
  out += change + "\n";
  out += "  * " + plural(ws.nodes.size(), "node") + " configured\n";
  std::string instances = "  * " + plural(ws.ninstances, "resource instance") + " configured";
  if (ws.disabled_resources)
    instances += " (" + std::to_string(ws.disabled_resources) + " DISABLED)";
  if (ws.blocked_resources)
    instances += " (" + std::to_string(ws.blocked_resources) +
                 " BLOCKED from further action due to failure)";
  out += instances + "\n";
  if (ws.config.maintenance_mode || ws.config.stop_all) {
    // The banner's first two lines (the counts line is the summary's job).
    std::istringstream b(banner);
    std::string line;
    int kept = 0;
    while (std::getline(b, line) && kept < 3) {
      out += line + "\n";
      ++kept;
    }
  }

  // crm_simulate nests its sections one level deeper than crm_mon.
  std::istringstream in(pengine::cluster_status_text(ws));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line == "  * Node List:") {
      out += "\nNode List:\n";
    } else if (line == "  * Full List of Resources:") {
      out += "\nFull List of Resources:\n";
    } else if (line.rfind("  * ", 0) == 0 && line.back() == ':') {
      out += "\n" + line.substr(4) + "\n";
    } else {
      out += line.substr(2) + "\n";
    }
  }
  return out;
}

Result<std::string> resource_status_text(xmlDoc* doc, EpochSeconds now, bool stonith_only) {
  auto model = model_of(doc);
  if (!model) return model.error();
  pengine::Options options;
  options.now = now;
  pengine::WorkingSet ws(**model, options);
  if (auto st = pengine::unpack(ws); !st) return st.error();

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
