// SPDX-License-Identifier: GPL-2.0-or-later
// crm_mon's text view (Pacemaker 2.1.5's pcmk__cluster_status_text and the
// cluster-summary, node-list and resource-list messages of pe_output.c),
// built on the scheduler's working set. The node and resource lines are
// the ones crm_simulate prints (lib/pengine's status output), one level
// less indented; what crm_mon alone shows lives in status_failures.cpp and
// status_full.cpp.
#include "vigil/admin/status_text.hpp"

#include <strings.h>

#include <ctime>
#include <functional>
#include <sstream>

#include "status_view.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::admin {

namespace status_view {

std::string ctime_text(EpochSeconds t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

Result<Unpacked> unpack_copy(xmlDoc* doc, EpochSeconds now, bool schedule) {
  xml::DocPtr copy(xmlCopyDoc(doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto model = cib::Cib::from_doc(std::move(copy), "CIB");
  if (!model) return model.error();
  pengine::Options options;
  options.now = now;
  Unpacked u;
  u.model = std::move(*model);
  u.ws = std::make_unique<pengine::WorkingSet>(*u.model, options);
  if (auto st = schedule ? pengine::schedule(*u.ws) : pengine::unpack(*u.ws); !st) {
    return st.error();
  }
  return u;
}

std::string node_display_name(const pengine::Node& node, bool details) {
  std::string name = node.uname;
  if (!details) return name;
  const pengine::Resource* connection = node.remote_rsc;
  if (node.is_pcmk_remote() && connection && connection->container) {
    const pengine::Node* host = connection->container->current_node();
    name += "@" + (host ? host->uname : std::string());
  }
  if (strcasecmp(node.uname.c_str(), node.id.c_str()) != 0) name += " (" + node.id + ")";
  return name;
}

}  // namespace status_view

namespace {

using status_view::View;

// The nvpair of that name anywhere in the CIB (crm_mon finds the stack and
// the DC's version that way), or null when there is none or more than one.
const xmlNode* only_nvpair(const xmlNode* n, const char* name) {
  const xmlNode* found = nullptr;
  int count = 0;
  std::function<void(const xmlNode*)> walk = [&](const xmlNode* at) {
    for (const xmlNode* c : xml::children(at)) {
      if (xml::is(c, "nvpair") && xml::attr_or(c, "name") == name) {
        found = c;
        ++count;
      }
      walk(c);
    }
  };
  walk(n);
  return count == 1 ? found : nullptr;
}

// Pacemaker's true values (crm_is_true), any case.
bool truthy(const std::string& v) {
  for (const char* t : {"true", "on", "yes", "y", "1"}) {
    if (strcasecmp(v.c_str(), t) == 0) return true;
  }
  return false;
}

std::string plural(long n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// A node's feature set as crm_mon shows it: cluster nodes that are online
// only; those without the attribute predate it.
const std::string* feature_set(const pengine::Node& n) {
  static const std::string kOld = "<3.15.1";
  if (!n.online || n.is_pcmk_remote()) return nullptr;
  auto it = n.attrs.find("#feature-set");
  return it == n.attrs.end() ? &kOld : &it->second;
}

bool mixed_versions(const pengine::WorkingSet& ws) {
  const std::string* seen = nullptr;
  for (const auto& n : ws.nodes) {
    const std::string* fs = feature_set(*n);
    if (!fs) continue;
    if (seen && *seen != *fs) return true;
    seen = fs;
  }
  return false;
}

std::string summary_section(const View& v, EpochSeconds now, const std::string& banner) {
  xmlNode* root = xmlDocGetRootElement(v.doc);
  const xmlNode* stack = only_nvpair(root, "cluster-infrastructure");
  std::string out = "Cluster Summary:\n";
  out += "  * Stack: " + (stack ? xml::attr_or(stack, "value") : std::string("unknown")) + "\n";
  if (const pengine::Node* dc = v.ws.dc_node) {
    const xmlNode* version = only_nvpair(root, "dc-version");
    const std::string quorum = xml::attr_or(root, "have-quorum");
    out += "  * Current DC: " + status_view::node_display_name(*dc, v.full) + " (version " +
           (version ? xml::attr_or(version, "value") : std::string("unknown")) + ") - " +
           (mixed_versions(v.ws) ? "MIXED-VERSION " : "") + "partition " +
           (truthy(quorum) ? "with" : "WITHOUT") + " quorum\n";
  } else {
    out += "  * Current DC: NONE\n";
  }
  out += "  * Last updated: " + status_view::ctime_text(now) + "\n";
  std::string change = xml::attr_or(root, "cib-last-written");
  for (const auto& [attr, word] : {std::pair<const char*, const char*>{"update-user", " by "},
                                   {"update-client", " via "},
                                   {"update-origin", " on "}}) {
    if (xmlHasProp(root, reinterpret_cast<const xmlChar*>(attr)))
      change += word + xml::attr_or(root, attr);
  }
  out += "  * Last change:  " + change + "\n";
  const auto& ws = v.ws;
  out += "  * " + plural(static_cast<long>(ws.nodes.size()), "node") + " configured\n";
  out += "  * " + plural(ws.ninstances, "resource instance") + " configured";
  if (ws.disabled_resources && ws.blocked_resources) {
    out += " (" + std::to_string(ws.disabled_resources) + " DISABLED, " +
           std::to_string(ws.blocked_resources) + " BLOCKED from further action due to failure)";
  } else if (ws.disabled_resources) {
    out += " (" + std::to_string(ws.disabled_resources) + " DISABLED)";
  } else if (ws.blocked_resources) {
    out += " (" + std::to_string(ws.blocked_resources) +
           " BLOCKED from further action due to failure)";
  }
  out += "\n";
  // The maintenance banner: the scheduler's first lines, before its counts.
  if (ws.config.maintenance_mode || ws.config.stop_all) {
    std::istringstream in(banner);
    std::string line;
    for (int kept = 0; kept < 3 && std::getline(in, line); ++kept) out += line + "\n";
  }
  return out;
}

// crm_simulate nests its sections one level deeper than crm_mon: its
// "  * Node List:" block and "  * Full List of Resources:" block, re-indented.
void split_simulate_status(const std::string& text, std::string& nodes, std::string& resources) {
  std::istringstream in(text);
  std::string line;
  std::string* into = nullptr;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line == "  * Node List:") {
      into = &nodes;
    } else if (line == "  * Full List of Resources:") {
      into = &resources;
    } else if (into) {
      *into += line.substr(2) + "\n";
    }
  }
}

}  // namespace

Result<std::string> monitor_status_text(xmlDoc* doc, EpochSeconds now, bool full) {
  auto unpacked = status_view::unpack_copy(doc, now);
  if (!unpacked) return unpacked.error();
  pengine::WorkingSet& ws = *unpacked->ws;
  // The banner also counts the resource instances the summary shows.
  const std::string banner = pengine::cluster_banner_text(ws);
  const View v{doc, ws, full};

  std::string nodes, resources;
  split_simulate_status(pengine::cluster_status_text(ws, true, full), nodes, resources);
  if (full && !ws.nodes.empty()) nodes = status_view::detailed_node_list(v);

  std::string out = summary_section(v, now, banner);
  if (!nodes.empty()) out += "\nNode List:\n" + nodes;
  out += "\nFull List of Resources:\n" + resources;
  if (full) {
    for (const std::string& section :
         {status_view::node_attributes_section(v), status_view::migration_summary_section(v)}) {
      if (!section.empty()) out += "\n" + section;
    }
  }
  if (std::string failed = status_view::failed_actions_section(v); !failed.empty()) {
    out += "\n" + failed;
  }
  return out;
}

}  // namespace vigil::admin
