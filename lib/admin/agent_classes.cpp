// SPDX-License-Identifier: GPL-2.0-or-later
// The agent classes beyond ocf and stonith as pcs sees them through
// crm_resource: their meta-data (lsb: generated from the init script's
// header, lib/exec's lsb_metadata; systemd: Pacemaker's template around the
// unit's Description; service: lsb when the init script exists, else
// systemd), what is installed (crm_resource --list-standards,
// --list-ocf-providers, --list-agents), and pcs's search for a short agent
// name among all of them.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "vigil/admin/agent.hpp"
#include "vigil/exec/agent.hpp"
#include "vigil/exec/run_to_exit.hpp"

namespace vigil::admin {
namespace {

std::string lower(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v;
}

bool is_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Pacemaker's directory listings (services_os_get_directory_list): entries
// not starting with '.', regular files that are executable, or directories.
std::vector<std::string> list_dir(const std::string& dir, bool files) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    struct stat st {};
    if (stat(entry.path().c_str(), &st) != 0) continue;
    if (files ? (S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR) != 0) : S_ISDIR(st.st_mode)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Agent types end up in paths and on command lines.
bool safe_type(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         s.find('\0') == std::string_view::npos && s[0] != '-';
}

// The systemd unit types Pacemaker manages (systemd_unit_extension).
bool managed_unit(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view ext = name.substr(dot);
  return ext == ".service" || ext == ".socket" || ext == ".mount" || ext == ".timer" ||
         ext == ".path";
}

}  // namespace

std::string agent_not_installed(const AgentName& agent) {
  // What pcs quotes from crm_resource for an agent it cannot get meta-data of.
  return "Agent '" + agent.full() +
         "' is not installed or does not provide valid metadata: crm_resource: Metadata query "
         "for " +
         agent.full() +
         " failed: No such device or address, Error performing operation: No such object";
}

bool OcfMetadataSource::systemd_running() const {
  struct stat st {};
  return stat(services_.systemd_run_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// systemctl's unit files, as Pacemaker lists them over D-Bus (ListUnitFiles):
// the managed kinds, ".service" dropped.
std::vector<std::string> OcfMetadataSource::systemd_units() const {
  if (!systemd_running()) return {};
  exec::SpawnRequest request;
  request.path = services_.systemctl;
  request.argv = {services_.systemctl, "list-unit-files", "--no-legend", "--no-pager", "--full"};
  request.env = exec::current_environment();
  request.env.push_back("SYSTEMD_COLORS=0");
  request.output_limit = 4 * 1024 * 1024;
  auto exit = exec::run_to_exit(request, timeout_);
  if (!exit || exit->kind != exec::ProcessExit::Kind::kExited || exit->code != 0) return {};
  std::vector<std::string> units;
  std::string_view out = exit->out;
  while (!out.empty()) {
    const auto nl = out.find('\n');
    std::string_view line = out.substr(0, nl);
    out = nl == std::string_view::npos ? std::string_view() : out.substr(nl + 1);
    const auto b = line.find_first_not_of(' ');
    if (b == std::string_view::npos) continue;
    line = line.substr(b, line.find(' ', b) - b);
    if (!managed_unit(line)) continue;
    std::string name(line);
    if (name.ends_with(".service")) name.resize(name.size() - 8);
    units.push_back(std::move(name));
  }
  std::sort(units.begin(), units.end());
  return units;
}

std::vector<std::string> OcfMetadataSource::standards() const {
  std::vector<std::string> out{"ocf", "lsb", "service"};
  if (!systemd_units().empty()) out.push_back("systemd");
  out.push_back("stonith");
  return out;
}

std::vector<std::string> OcfMetadataSource::ocf_providers() const {
  return list_dir(root_ + "/resource.d", false);
}

std::vector<std::string> OcfMetadataSource::list_agents(const std::string& standard,
                                                        const std::string& provider) const {
  const std::string cls = lower(standard);
  std::vector<std::string> out;
  auto add = [&out](const std::vector<std::string>& more) {
    out.insert(out.end(), more.begin(), more.end());
  };
  if (cls == "ocf") {
    if (!provider.empty()) {
      if (safe_type(provider)) add(list_dir(root_ + "/resource.d/" + provider, true));
      return out;
    }
    for (const auto& p : ocf_providers()) add(list_dir(root_ + "/resource.d/" + p, true));
  } else if (cls == "lsb") {
    add(list_dir(services_.lsb_dir, true));
  } else if (cls == "service") {
    add(list_dir(services_.lsb_dir, true));
    add(systemd_units());
  } else if (cls == "systemd") {
    add(systemd_units());
  } else if (cls == "stonith") {
    add(fence_agents());
    // cluster-glue's plugins: stonith2/NAME.so (its "external" and "rhcs"
    // plugins only run the others) and external/NAME scripts.
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(services_.lha_stonith_dir + "/stonith2", ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 3 && name.ends_with(".so") && name != "external.so" && name != "rhcs.so") {
        out.push_back(name.substr(0, name.size() - 3));
      }
    }
    for (const auto& name : list_dir(services_.lha_stonith_dir + "/external", true)) {
      out.push_back("external/" + name);
    }
  }
  return out;
}

std::vector<AgentName> MetadataSource::agents_of_type(const std::string& type) const {
  // pcs: every standard[:provider] crm_resource lists (ocf by provider),
  // every agent of each, the type compared in any case.
  static const std::set<std::string> kIgnored{
      "fence_ack_manual", "fence_check", "fence_kdump_send",  "fence_legacy",
      "fence_na",         "fence_node",  "fence_nss_wrapper", "fence_pcmk",
      "fence_sanlockd",   "fence_tool",  "fence_virtd",       "fence_vmware_helper"};
  const std::string wanted = lower(type);
  std::vector<AgentName> found;
  for (const auto& standard : standards()) {
    std::vector<std::string> providers{""};
    if (standard == "ocf") providers = ocf_providers();
    for (const auto& provider : providers) {
      std::set<std::string> seen;
      for (const auto& name : list_agents(standard, provider)) {
        if (lower(name) == wanted && !kIgnored.contains(name) && seen.insert(name).second) {
          found.push_back({standard, provider, name});
        }
      }
    }
  }
  std::sort(found.begin(), found.end(),
            [](const AgentName& a, const AgentName& b) { return a.full() < b.full(); });
  return found;
}

Result<std::string> OcfMetadataSource::resolved_class(const AgentName& agent) const {
  if (!safe_type(agent.type)) {
    return Error(ErrorCode::kNotFound, agent_not_installed(agent));
  }
  std::string cls = agent.standard;
  if (cls == "service") {
    // Pacemaker's order: an init script of that name, else a systemd unit.
    cls = is_file(services_.lsb_dir + "/" + agent.type) ? "lsb" : "systemd";
  }
  if (cls == "lsb") {
    if (!is_file(services_.lsb_dir + "/" + agent.type)) {
      return Error(ErrorCode::kNotFound, agent_not_installed(agent));
    }
    return cls;
  }
  if (cls == "systemd") {
    // No systemd (no D-Bus connection to it, for Pacemaker): nothing runs.
    if (!systemd_running()) return Error(ErrorCode::kNotFound, agent_not_installed(agent));
    return cls;
  }
  // nagios, upstart, heartbeat: this Pacemaker was built without them.
  return Error(ErrorCode::kNotFound, agent_not_installed(agent));
}

std::string OcfMetadataSource::manual_class(const AgentName& agent) const {
  if (agent.standard != "service") return agent.standard;
  if (safe_type(agent.type) && is_file(services_.lsb_dir + "/" + agent.type)) return "lsb";
  // A systemd unit only exists for Pacemaker while systemd runs.
  return systemd_running() ? "systemd" : "unspecified";
}

Result<AgentMetadata> OcfMetadataSource::service_metadata(const AgentName& agent) const {
  auto cls = resolved_class(agent);
  if (!cls) return cls.error();
  std::string xml;
  if (*cls == "lsb") {
    auto doc = exec::lsb_metadata(services_.lsb_dir + "/" + agent.type, agent.type);
    if (!doc) return Error(ErrorCode::kNotFound, agent_not_installed(agent));
    xml = std::move(*doc);
  } else {
    const std::string unit = exec::systemd_unit_name(agent.type);
    std::string description = "Systemd unit file for " + agent.type;
    exec::SpawnRequest request;
    request.path = services_.systemctl;
    request.argv = {services_.systemctl, "show", "--property=LoadState,Description", unit};
    request.env = exec::current_environment();
    auto exit = exec::run_to_exit(request, timeout_);
    if (exit && exit->kind == exec::ProcessExit::Kind::kExited && exit->code == 0) {
      std::string_view out = exit->out;
      bool loaded = false;
      std::string found;
      while (!out.empty()) {
        const auto nl = out.find('\n');
        const std::string_view line = out.substr(0, nl);
        out = nl == std::string_view::npos ? std::string_view() : out.substr(nl + 1);
        if (line.starts_with("Description=")) found = line.substr(12);
        if (line == "LoadState=loaded" || line == "LoadState=masked") loaded = true;
      }
      // A service that is neither an init script nor a known unit does not exist.
      if (agent.standard == "service" && !loaded) {
        return Error(ErrorCode::kNotFound, agent_not_installed(agent));
      }
      if (!found.empty()) description = found;
    }
    xml = exec::systemd_metadata(agent.type, description);
  }
  auto md = parse_agent_metadata(xml);
  if (!md) {
    return Error(ErrorCode::kNotFound, "Agent '" + agent.full() +
                                           "' is not installed or does not provide valid "
                                           "metadata: " +
                                           md.error().message());
  }
  return md;
}

}  // namespace vigil::admin
