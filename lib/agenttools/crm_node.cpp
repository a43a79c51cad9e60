// SPDX-License-Identifier: GPL-2.0-or-later
// crm_node: this node's name and id, the members, quorum, from what
// vigil-crmd knows (its <status/> answer) and the CIB's nodes section.
#include <algorithm>
#include <cctype>

#include "internal.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::agenttools {

namespace {

constexpr const char* kTool = "crm_node";

constexpr const char* kHelp =
    "Usage: crm_node <command>\n"
    "Node information (Pacemaker 2.1.5's crm_node over vigil-crmd).\n\n"
    "  -n, --name           this node's cluster name\n"
    "  -N, --name-for-id ID the name of the node with that id\n"
    "  -i, --cluster-id     this node's id\n"
    "  -l, --list           every known node: \"ID NAME member|lost\"\n"
    "  -p, --partition      the members of this partition, on one line\n"
    "  -q, --quorum         1 when this partition has quorum (exit 0), else 0 (exit 106)\n"
    "  -R, --remove NAME    refused: use Corosync's and Vigil's node removal\n";

const std::vector<OptionSpec> kOptions = {
    {'i', "cluster-id", Arg::kNone, "i"},   {'l', "list", Arg::kNone, "l"},
    {'n', "name", Arg::kNone, "n"},         {'p', "partition", Arg::kNone, "p"},
    {'q', "quorum", Arg::kNone, "q"},       {'N', "name-for-id", Arg::kRequired, "N"},
    {'R', "remove", Arg::kRequired, "R"},   {'f', "force", Arg::kNone, "force"},
    {'C', "corosync", Arg::kNone, "force"},
};

struct Node {
  std::string id, name, state;
};

// Pacemaker's pcmk__numeric_strcasecmp: digit runs compare as numbers.
bool numeric_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      const std::string na = a.substr(i, ei - i), nb = b.substr(j, ej - j);
      const auto ta = na.find_first_not_of('0'), tb = nb.find_first_not_of('0');
      const std::string sa = ta == std::string::npos ? "" : na.substr(ta);
      const std::string sb = tb == std::string::npos ? "" : nb.substr(tb);
      if (sa.size() != sb.size()) return sa.size() < sb.size();
      if (sa != sb) return sa < sb;
      i = ei;
      j = ej;
      continue;
    }
    const int ca = std::tolower(static_cast<unsigned char>(a[i]));
    const int cb = std::tolower(static_cast<unsigned char>(b[j]));
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

// The members, then the nodes of the CIB's nodes section that are not
// (when the CIB can be read): Pacemaker's controller lists every node it
// has seen, members and lost ones.
std::vector<Node> known_nodes(const ControllerView& view, Cluster& cluster) {
  std::vector<Node> nodes;
  for (const auto& m : view.members) nodes.push_back({m.id, m.name, "member"});
  if (auto cib = cluster.cib()) {
    if (auto doc = xml::parse_string(*cib, "the CIB")) {
      const xmlNode* root = xmlDocGetRootElement(doc->get());
      const xmlNode* config = root ? xml::first_child(root, "configuration") : nullptr;
      const xmlNode* section = config ? xml::first_child(config, "nodes") : nullptr;
      for (const xmlNode* n : section ? xml::children(section, "node") : std::vector<xmlNode*>{}) {
        const std::string id = xml::attr_or(n, "id");
        const bool member =
            std::any_of(nodes.begin(), nodes.end(), [&](const Node& k) { return k.id == id; });
        if (!member && xml::attr_or(n, "type", "member") == "member") {
          nodes.push_back({id, xml::attr_or(n, "uname"), "lost"});
        }
      }
    }
  }
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const Node& a, const Node& b) { return numeric_less(a.name, b.name); });
  return nodes;
}

}  // namespace

ToolRun crm_node(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster) {
  auto parsed = parse_options(args, kOptions);
  if (!parsed) return usage_error(kTool, parsed.error().message());
  if (auto early = help_or_version(*parsed, kHelp)) return *early;
  char command = 0;
  std::string id_arg;
  for (const auto& [key, value] : parsed->options) {
    if (key.size() == 1) command = key[0];
    if (key == "N") id_arg = *value;
  }
  if (command == 0) return usage_error(kTool, "a command is required (-n, -i, -l, -p, -q, -N)");
  if (command == 'R') {
    return failure(kTool, kExitUnimplemented,
                   "--remove is not supported by Vigil's crm_node: remove the node from "
                   "Corosync, then from the CIB with the vigil command line");
  }
  if (command == 'n') {
    // The executor's name for this node, when called from an agent.
    if (auto on_node = env("OCF_RESKEY_CRM_meta_on_node")) return {*on_node + "\n", "", kExitOk};
  }
  auto view = controller_view(cluster);
  if (!view) {
    return {"", "error: Could not connect to controller: " + reach_hint(view.error()) + "\n",
            code_of(view.error())};
  }
  switch (command) {
    case 'n':
      if (view->self_name.empty()) return {"", "Node is not known to cluster\n", kExitNoHost};
      return {view->self_name + "\n", "", kExitOk};
    case 'i':
      if (view->self_id.empty() || view->self_id == "0") {
        return {"", "error: Controller reply did not contain node ID\n", kExitProtocol};
      }
      return {view->self_id + "\n", "", kExitOk};
    case 'q':
      return {view->quorate ? "1\n" : "0\n", "", view->quorate ? kExitOk : kExitQuorum};
    case 'N': {
      for (const auto& n : known_nodes(*view, cluster)) {
        if (n.id == id_arg && !n.name.empty()) return {n.name + "\n", "", kExitOk};
      }
      return {"", "Node is not known to cluster\n", kExitNoHost};
    }
    default: {
      ToolRun run;
      for (const auto& n : known_nodes(*view, cluster)) {
        if (command == 'l') {
          run.out += n.id + " " + n.name + " " + n.state + "\n";
        } else if (n.state == "member") {
          run.out += n.name + " ";
        }
      }
      if (command == 'p') run.out += "\n";
      return run;
    }
  }
}

}  // namespace vigil::agenttools
