// SPDX-License-Identifier: GPL-2.0-or-later
// crm_attribute (and crm_master, its deprecated wrapper): node attributes
// and cluster options. Transient ones (-l reboot, --promotion) go through
// vigil-crmd as attrd_updater's do; permanent node attributes (-l forever)
// and cluster options are edited in the CIB through vigil-cib.
#include "internal.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::agenttools {

namespace {

constexpr const char* kTool = "crm_attribute";

constexpr const char* kHelp =
    "Usage: crm_attribute -n NAME [-v VALUE | -D | -G] [options]\n"
    "Query and update node attributes and cluster options (Pacemaker 2.1.5's\n"
    "crm_attribute over Vigil's vigil-crmd and vigil-cib).\n\n"
    "  -n, --name NAME          the attribute or option\n"
    "  -p, --promotion[=RSC]    the promotion score of RSC (default\n"
    "                           $OCF_RESOURCE_INSTANCE): master-RSC, -l reboot\n"
    "  -v, --update VALUE       set it (\"value++\", \"value+=N\" increment)\n"
    "  -D, --delete             remove it\n"
    "  -G, --query              print it (the default command)\n"
    "  -q, --quiet              print only the value\n"
    "  -d, --default VALUE      what a query prints when it is not set\n"
    "  -N, --node NODE          a node attribute of NODE (default: this node)\n"
    "  -l, --lifetime reboot|forever   transient (CIB status) or permanent\n"
    "                           (configuration nodes section) node attribute\n"
    "  -t, --type status|nodes|crm_config   the same by section; crm_config is\n"
    "                           the default without -N\n"
    "Not supported by Vigil (refused, exit 3): -P, -s, -i, -z, other sections.\n"
    "Exit codes are Pacemaker's (64 usage, 105 not set, 102 daemon unreachable).\n";

const std::vector<OptionSpec> kOptions = {
    {'n', "name", Arg::kRequired, "name"},
    {0, "attr-name", Arg::kRequired, "name"},
    {'P', "pattern", Arg::kRequired, "unsupported"},
    {'p', "promotion", Arg::kOptional, "promotion"},
    {'s', "set-name", Arg::kRequired, "unsupported"},
    {'i', "id", Arg::kRequired, "unsupported"},
    {0, "attr-id", Arg::kRequired, "unsupported"},
    {'z', "utilization", Arg::kNone, "unsupported"},
    {'D', "delete", Arg::kNone, "D"},
    {0, "delete-attr", Arg::kNone, "D"},
    {'G', "query", Arg::kNone, "G"},
    {0, "get-value", Arg::kNone, "G"},
    {'v', "update", Arg::kRequired, "u"},
    {0, "attr-value", Arg::kRequired, "u"},
    {'d', "default", Arg::kRequired, "default"},
    {'l', "lifetime", Arg::kRequired, "type"},
    {'t', "type", Arg::kRequired, "type"},
    {'N', "node", Arg::kRequired, "node"},
    {'U', "node-uname", Arg::kRequired, "node"},
    {'!', "inhibit-policy-engine", Arg::kNone, "inhibit"},
    {'q', "quiet", Arg::kNone, "quiet"},
    {'Q', nullptr, Arg::kNone, "quiet"},
};

struct Options {
  char command = 'G';
  std::optional<std::string> name, value, fallback, node, type;
  bool promotion = false;
  bool quiet = false;
};

// Pacemaker's set_type(): the section the attribute lives in.
std::string section_of(const Options& o) {
  if (!o.type) return o.promotion ? "status" : o.node ? "nodes" : "crm_config";
  if (*o.type == "reboot") return "status";
  if (*o.type == "forever") return "nodes";
  return *o.type;
}

ToolRun print_value(const Options& o, const std::string& section, const std::string& value) {
  if (o.quiet) return {value + "\n", "", kExitOk};
  return {"scope=" + section + "  name=" + *o.name + " value=" + value + "\n", "", kExitOk};
}

ToolRun not_set(const Options& o, const std::string& section) {
  if (o.fallback) return print_value(o, section, *o.fallback);
  return failure(kTool, kExitNoSuch, "Error performing operation: No such device or address");
}

ToolRun cib_failure(const Error& e) {
  return failure(kTool, code_of(e), "Error performing operation: " + reach_hint(e));
}

// -l reboot: through vigil-crmd, read back from the CIB's status section.
ToolRun transient(const Options& o, const std::string& node, Cluster& cluster) {
  if (o.command == 'G') {
    auto cib = cluster.cib();
    if (!cib) return cib_failure(cib.error());
    auto found = transient_attributes(*cib, *o.name, node);
    if (!found) return failure(kTool, kExitError, found.error().message());
    if (found->empty()) return not_set(o, "status");
    return print_value(o, "status", found->front().value);
  }
  const std::optional<std::string> value =
      o.command == 'D' ? std::nullopt : std::optional<std::string>(o.value);
  if (auto failed = send_attribute(kTool, cluster, node, *o.name, value)) return *failed;
  return {};
}

// A nvpair write: the existing one's ids when there is one, else Pacemaker's
// generated ones (<set>-<name>).
std::string nvpair_xml(const std::optional<FoundAttribute>& existing, const std::string& set_tag,
                       const std::string& set_id, const std::string& name,
                       const std::string& value) {
  const std::string set = existing ? existing->set_id : set_id;
  std::string out = "<" + set_tag;
  xml::append_attr(out, "id", set);
  out += "><nvpair";
  xml::append_attr(out, "id", existing ? existing->id : set + "-" + name);
  xml::append_attr(out, "name", name);
  xml::append_attr(out, "value", value);
  return out + "/></" + set_tag + ">";
}

// -l forever (nodes section) and crm_config: edited in the CIB.
ToolRun permanent(const Options& o, const std::string& section, const std::string& node,
                  Cluster& cluster) {
  auto cib = cluster.cib();
  if (!cib) return cib_failure(cib.error());
  std::optional<std::string> node_id;
  Result<std::optional<FoundAttribute>> found = std::optional<FoundAttribute>();
  if (section == "nodes") {
    auto id = node_id_of(*cib, node);
    if (!id) return failure(kTool, kExitError, id.error().message());
    if (!*id) return failure(kTool, kExitNoSuch, "Could not map name=" + node + " to a UUID");
    node_id = *id;
    found = permanent_attribute(*cib, *node_id, *o.name);
  } else {
    found = cluster_option(*cib, *o.name);
  }
  if (!found) return failure(kTool, kExitError, found.error().message());
  if (o.command == 'G') {
    if (!*found) return not_set(o, section);
    return print_value(o, section, (*found)->value);
  }
  Status st = ok_status();
  if (o.command == 'D') {
    if (!*found) return {};  // nothing to delete is what was asked
    const std::string where =
        section == "nodes" ? "/cib/configuration/nodes/node[@id=" + xpath_literal(*node_id) + "]"
                           : "/cib/configuration/crm_config";
    st = cluster.cib_remove(where + "/*[@id=" + xpath_literal((*found)->set_id) +
                            "]/nvpair[@id=" + xpath_literal((*found)->id) + "]");
  } else if (section == "nodes") {
    std::string xml = "<node";
    xml::append_attr(xml, "id", *node_id);
    xml += ">" + nvpair_xml(*found, "instance_attributes", "nodes-" + *node_id, *o.name, *o.value) +
           "</node>";
    st = cluster.cib_modify("nodes", xml);
  } else {
    st = cluster.cib_modify(
        "crm_config",
        "<crm_config>" +
            nvpair_xml(*found, "cluster_property_set", "cib-bootstrap-options", *o.name, *o.value) +
            "</crm_config>");
  }
  if (!st) return cib_failure(st.error());
  return {};
}

}  // namespace

std::string promotion_score_name(const std::string& rsc) {
  return "master-" + rsc;
}

ToolRun crm_attribute(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster) {
  auto parsed = parse_options(args, kOptions);
  if (!parsed) return usage_error(kTool, parsed.error().message());
  if (auto early = help_or_version(*parsed, kHelp)) return *early;
  Options o;
  bool promotion_without_rsc = false;
  for (const auto& [key, value] : parsed->options) {
    if (key == "unsupported") {
      return failure(kTool, kExitUnimplemented,
                     "this option is not supported by Vigil's crm_attribute (see --help)");
    }
    if (key == "name") o.name = value;
    if (key == "default") o.fallback = value;
    if (key == "type") o.type = value;
    if (key == "node") o.node = value;
    if (key == "quiet") o.quiet = true;
    if (key == "D" || key == "G" || key == "u") {
      o.command = key[0];
      o.value = value;
    }
    if (key == "promotion") {
      o.promotion = true;
      const auto rsc = value ? value : env("OCF_RESOURCE_INSTANCE");
      promotion_without_rsc = !rsc;
      if (rsc) o.name = promotion_score_name(*rsc);
    }
  }
  if (o.promotion && promotion_without_rsc && !o.name) {
    return usage_error(kTool,
                       "-p/--promotion must be called from an OCF resource agent or with a "
                       "resource ID specified");
  }
  if (o.command == 'D' && !o.name) {
    return usage_error(kTool, "Error: must specify attribute name or pattern to delete");
  }
  if (!o.name) {
    return failure(kTool, kExitUnimplemented,
                   "a query without --name is not supported by Vigil's crm_attribute");
  }
  const std::string section = section_of(o);
  if (section != "status" && section != "nodes" && section != "crm_config") {
    return failure(kTool, kExitUnimplemented,
                   "section '" + section +
                       "' is not supported by Vigil's crm_attribute "
                       "(status, nodes and crm_config are)");
  }
  std::string node;
  if (section != "crm_config") {
    auto target = node_attr_target(o.node, env);
    node = target ? *target : o.node ? *o.node : local_node_name(env, cluster);
  }
  if (section == "status") return transient(o, node, cluster);
  return permanent(o, section, node, cluster);
}

ToolRun crm_master(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster) {
  constexpr const char* kUsage =
      "Usage: crm_master <command> [<options>]\n\n"
      "Deprecated: crm_attribute with --promotion does the same.\n"
      "Sets master-<resource> (-r or $OCF_RESOURCE_INSTANCE) through crm_attribute,\n"
      "-l forever unless -l is given.\n";
  static const std::vector<OptionSpec> kMasterOptions = {
      {'q', "quiet", Arg::kNone, "pass"},
      {'G', "query", Arg::kNone, "pass"},
      {'D', "delete", Arg::kNone, "pass"},
      {'Q', "get-value", Arg::kNone, "pass"},
      {0, "delete-attr", Arg::kNone, "pass"},
      {'v', "update", Arg::kRequired, "pass"},
      {'N', "node", Arg::kRequired, "pass"},
      {'l', "lifetime", Arg::kRequired, "pass"},
      {'i', "id", Arg::kRequired, "pass"},
      {'U', "uname", Arg::kRequired, "pass"},
      {0, "attr-value", Arg::kRequired, "pass"},
      {0, "attr-id", Arg::kRequired, "pass"},
      {'r', "resource", Arg::kRequired, "resource"},
  };
  auto parsed = parse_options(args, kMasterOptions);
  if (!parsed) return {"\n" + std::string(kUsage), "error: " + parsed.error().message() + "\n", 1};
  std::optional<std::string> rsc = env("OCF_RESOURCE_INSTANCE");
  std::vector<std::string> forwarded;
  // Find each option's spelling again: the wrapper passes them on as given.
  if (auto early =
          help_or_version(*parsed, "crm_master - promotion scores\n\n" + std::string(kUsage))) {
    return *early;
  }
  for (const auto& [key, value] : parsed->options) {
    if (key == "resource") rsc = value;
  }
  if (!rsc || rsc->empty())
    return {"\n" + std::string(kUsage), "error: No resource specified\n", 1};
  forwarded = {"-n", promotion_score_name(*rsc), "--lifetime", "forever"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-r" || a == "--resource") {
      ++i;
      continue;
    }
    if (a.rfind("-r", 0) == 0 && a.rfind("--", 0) != 0) continue;
    if (a.rfind("--resource=", 0) == 0) continue;
    forwarded.push_back(a == "-U" || a == "--uname" ? "-N" : a);
  }
  return crm_attribute(forwarded, env, cluster);
}

}  // namespace vigil::agenttools
