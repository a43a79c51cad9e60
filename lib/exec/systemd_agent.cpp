// SPDX-License-Identifier: GPL-2.0-or-later
// systemd units, driven through the systemctl command rather than D-Bus
// (Pacemaker talks to systemd over D-Bus in lib/services/systemd.c; running
// systemctl gives the same answers with no D-Bus client in the daemon, and
// makes the class testable with a fake systemctl):
//
//   start, restart, reload  systemctl <action> UNIT. It returns when the job
//                           has finished, so no follow-up polling is needed
//                           (Pacemaker's executor polls after StartUnit).
//   stop                    systemctl stop UNIT; an unknown unit counts as
//                           stopped, as with Pacemaker.
//   monitor, status         systemctl show --property=LoadState,ActiveState UNIT:
//                           not-found -> not installed; active, reloading -> ok;
//                           activating, deactivating -> pending; else not running.
//   meta-data               generated (Pacemaker's template), nothing runs.
//   anything else           unimplemented feature.
//
// Not done: Pacemaker's drop-in override (/run/systemd/system/UNIT.d/50-pacemaker.conf
// with Before=pacemaker.service) that orders the unit's stop before the
// cluster stack's.
#include "agent_classes.hpp"

namespace vigil::exec {

std::string systemd_metadata(std::string_view type, std::string_view description) {
  const std::string name = detail::xml_escape(type);
  std::string xml;
  xml += "<?xml version=\"1.0\"?>\n";
  xml += "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n";
  xml += "<resource-agent name=\"" + name + "\" version=\"0.1\">\n";
  xml += "  <version>1.1</version>\n";
  xml += "  <longdesc lang=\"en\">\n    " + detail::xml_escape(description) + "\n  </longdesc>\n";
  xml += "  <shortdesc lang=\"en\">systemd unit file for " + name + "</shortdesc>\n";
  xml += "  <parameters/>\n";
  xml += "  <actions>\n";
  xml += "    <action name=\"start\"     timeout=\"100\" />\n";
  xml += "    <action name=\"stop\"      timeout=\"100\" />\n";
  xml += "    <action name=\"status\"    timeout=\"100\" />\n";
  xml += "    <action name=\"monitor\"   timeout=\"100\" interval=\"60\"/>\n";
  xml += "    <action name=\"meta-data\" timeout=\"5\"   />\n";
  xml += "  </actions>\n";
  xml += "  <special tag=\"systemd\"/>\n";
  xml += "</resource-agent>\n";
  return xml;
}

namespace detail {

namespace {

bool is_monitor(const std::string& action) {
  return action == "monitor" || action == "status";
}

// "Name=value" lines of systemctl show.
std::string property(std::string_view out, std::string_view name) {
  while (!out.empty()) {
    const auto nl = out.find('\n');
    std::string_view line = out.substr(0, nl);
    if (line.size() > name.size() && line.substr(0, name.size()) == name &&
        line[name.size()] == '=') {
      return std::string(line.substr(name.size() + 1));
    }
    if (nl == std::string_view::npos) break;
    out.remove_prefix(nl + 1);
  }
  return {};
}

// systemctl's exit codes follow LSB: 4 no permission, 5 unit not found/loaded.
constexpr int kSystemctlNoPermission = 4;
constexpr int kSystemctlNotInstalled = 5;

}  // namespace

Plan plan_systemd(const OperationRequest& r, const AgentPaths& paths,
                  const std::vector<std::string>& base_env, std::size_t output_limit) {
  const std::string unit = systemd_unit_name(r.agent.type);
  Plan plan;
  if (r.action == "meta-data") {
    plan.immediate = {OcfRc::kOk, ExecStatus::kDone, ""};
    // No D-Bus here to read the unit's Description: Pacemaker's words for
    // a unit it cannot load.
    plan.immediate_output = systemd_metadata(r.agent.type, "Systemd unit file for " + r.agent.type);
    return plan;
  }
  SpawnRequest cmd;
  cmd.path = paths.systemctl;
  if (is_monitor(r.action)) {
    cmd.argv = {paths.systemctl, "show", "--property=LoadState,ActiveState", unit};
  } else if (r.action == "start" || r.action == "stop" || r.action == "restart" ||
             r.action == "reload") {
    cmd.argv = {paths.systemctl, r.action, unit};
  } else {
    plan.immediate = {OcfRc::kUnimplementFeature, ExecStatus::kError,
                      "Action " + r.action + " not implemented for systemd resources"};
    return plan;
  }
  cmd.env = merge_environment(base_env, {{"SYSTEMD_PAGER", ""}, {"SYSTEMD_COLORS", "0"}});
  cmd.output_limit = output_limit;
  plan.command = std::move(cmd);
  return plan;
}

Outcome interpret_systemd(const OperationRequest& r, const ProcessExit& exit) {
  const std::string unit = systemd_unit_name(r.agent.type);
  if (is_monitor(r.action)) {
    if (exit.code != 0) {
      return {OcfRc::kUnknownError, ExecStatus::kError,
              "systemctl show " + unit + " failed: " + first_line(exit.err)};
    }
    const std::string load = property(exit.out, "LoadState");
    const std::string active = property(exit.out, "ActiveState");
    if (load == "not-found") {
      return {OcfRc::kNotInstalled, ExecStatus::kNotInstalled,
              "systemd unit " + unit + " not found"};
    }
    if (active == "active" || active == "reloading") return {OcfRc::kOk, ExecStatus::kDone, ""};
    if (active == "activating" || active == "deactivating") {
      return {OcfRc::kPending, ExecStatus::kPending, active};
    }
    if (active.empty()) {
      return {OcfRc::kUnknownError, ExecStatus::kError,
              "systemctl show " + unit + " printed no ActiveState"};
    }
    return {OcfRc::kNotRunning, ExecStatus::kDone, active};
  }
  if (exit.code == 0) return {OcfRc::kOk, ExecStatus::kDone, ""};
  if (exit.code == kSystemctlNotInstalled) {
    if (r.action == "stop") return {OcfRc::kOk, ExecStatus::kDone, ""};  // unknown = stopped
    return {OcfRc::kNotInstalled, ExecStatus::kNotInstalled, "systemd unit " + unit + " not found"};
  }
  std::string reason = first_line(exit.err);
  if (reason.empty()) reason = "systemctl " + r.action + " " + unit + " failed";
  if (exit.code == kSystemctlNoPermission) {
    return {OcfRc::kInsufficientPriv, ExecStatus::kError, reason};
  }
  return {OcfRc::kUnknownError, ExecStatus::kDone, reason};
}

}  // namespace detail

}  // namespace vigil::exec
