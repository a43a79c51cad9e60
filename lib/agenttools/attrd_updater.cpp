// SPDX-License-Identifier: GPL-2.0-or-later
// attrd_updater: transient node attributes. Vigil has no attribute daemon:
// updates and deletions go to vigil-crmd (<attr_update>/<attr_delete>),
// whose DC writes them to the CIB's status section at once; queries read
// that section from vigil-cib.
#include "internal.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::agenttools {

namespace {

constexpr const char* kTool = "attrd_updater";

constexpr const char* kHelp =
    "Usage: attrd_updater -n NAME <command> [options]\n"
    "Query and update transient node attributes (Pacemaker 2.1.5's attrd_updater\n"
    "over Vigil: vigil-crmd writes them to the CIB status section).\n\n"
    "Commands (the last one given wins; default -Q):\n"
    "  -U, -v, --update VALUE       set the value (\"value++\" and \"value+=N\"\n"
    "                               increment the current value)\n"
    "  -B, --update-both VALUE      set the value; the delay (-d) is accepted\n"
    "  -Y, --update-delay           change only the delay: accepted, changes nothing\n"
    "  -D, --delete                 remove the attribute\n"
    "  -Q, --query                  print name=\"..\" host=\"..\" value=\"..\" lines\n"
    "  -R, --refresh                refused: there is no attribute daemon cache\n"
    "Options:\n"
    "  -n, --name NAME              the attribute\n"
    "  -N, --node NODE              the node (default: this node; -Q without -N\n"
    "                               outside an agent: every node, as 2.1.5 does)\n"
    "  -A, --all                    query every node\n"
    "  -d, --delay SECONDS          dampening: accepted, but Vigil writes every\n"
    "                               change immediately (no dampening delay)\n"
    "  -l, --lifetime reboot|forever  accepted and ignored, as Pacemaker does\n"
    "  -s, --set SET, -p, --private   refused (not supported by Vigil)\n"
    "Exit codes are Pacemaker's (64 usage, 78 no such attribute on query,\n"
    "102 vigil-crmd or vigil-cib unreachable).\n";

const std::vector<OptionSpec> kOptions = {
    {'n', "name", Arg::kRequired, "name"},
    {'U', "update", Arg::kRequired, "U"},
    {'v', nullptr, Arg::kRequired, "U"},
    {'B', "update-both", Arg::kRequired, "B"},
    {'Y', "update-delay", Arg::kNone, "Y"},
    {'Q', "query", Arg::kNone, "Q"},
    {'D', "delete", Arg::kNone, "D"},
    {'R', "refresh", Arg::kNone, "R"},
    {'d', "delay", Arg::kRequired, "delay"},
    {'s', "set", Arg::kRequired, "set"},
    {'N', "node", Arg::kRequired, "node"},
    {'A', "all", Arg::kNone, "all"},
    {'l', "lifetime", Arg::kRequired, "lifetime"},
    {'S', "section", Arg::kRequired, "lifetime"},
    {'p', "private", Arg::kNone, "private"},
    {'q', "quiet", Arg::kNone, "quiet"},
};

struct Options {
  char command = 'Q';
  std::optional<std::string> name, value, node, delay;
  bool all = false;
};

ToolRun query(const Options& o, const Getenv& env, Cluster& cluster) {
  std::optional<std::string> node;
  if (!o.all) {
    node = node_attr_target(o.node, env);
    if (!node) node = o.node;
  }
  auto cib = cluster.cib();
  if (!cib) {
    return failure(kTool, code_of(cib.error()),
                   "Could not query value of " + *o.name + ": " + reach_hint(cib.error()));
  }
  auto found = transient_attributes(*cib, *o.name, node);
  if (!found) return failure(kTool, kExitError, found.error().message());
  if (found->empty()) {
    return failure(kTool, kExitConfig,
                   "Could not query value of " + *o.name + ": attribute does not exist");
  }
  ToolRun run;
  for (const auto& a : *found) {
    run.out += "name=\"" + *o.name + "\" host=\"" + a.node + "\" value=\"" + a.value + "\"\n";
  }
  return run;
}

}  // namespace

ToolRun attrd_updater(const std::vector<std::string>& args, const Getenv& env, Cluster& cluster) {
  auto parsed = parse_options(args, kOptions);
  if (!parsed) return usage_error(kTool, parsed.error().message());
  if (auto early = help_or_version(*parsed, kHelp)) return *early;
  Options o;
  for (const auto& [key, value] : parsed->options) {
    if (key == "name") o.name = value;
    if (key == "node") o.node = value;
    if (key == "delay") o.delay = value;
    if (key == "all") o.all = true;
    if (key.size() == 1) {
      o.command = key[0];
      o.value = value;
    }
    if (key == "lifetime" && *value != "reboot" && *value != "status" && *value != "forever" &&
        *value != "nodes") {
      return usage_error(kTool, "Unknown value for --lifetime: " + *value);
    }
    if (key == "set" || key == "private") {
      return failure(kTool, kExitUnimplemented,
                     "--" + key + " is not supported by Vigil (no attribute daemon)");
    }
  }
  if (o.command == 'R') {
    return failure(kTool, kExitUnimplemented,
                   "--refresh is not supported by Vigil: there is no attribute daemon; "
                   "vigil-crmd writes every change to the CIB as it happens");
  }
  if (!o.name) return usage_error(kTool, "Command requires --name argument");
  ToolRun warning;
  if ((o.command == 'B' || o.command == 'Y') && !o.delay) {
    warning.out =
        std::string("Warning: '") + o.command + "' command given without required --delay\n";
  }
  if (o.command == 'Q') return query(o, env, cluster);
  if (o.command == 'Y') return warning;  // the delay only: nothing is delayed here

  std::optional<std::string> node = node_attr_target(o.node, env);
  if (!node) node = o.node;
  const std::optional<std::string> value =
      o.command == 'D' ? std::nullopt : std::optional<std::string>(o.value);
  if (auto failed = send_attribute(kTool, cluster, node.value_or(""), *o.name, value)) {
    return *failed;
  }
  return warning;
}

}  // namespace vigil::agenttools
