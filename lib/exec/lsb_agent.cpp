// SPDX-License-Identifier: GPL-2.0-or-later
// LSB init scripts: <lsb_dir>/<type> start|stop|status|..., "monitor" run as
// "status", no parameters, meta-data generated from the script's INIT INFO
// header (services_lsb.c in Pacemaker 2.1.5).
#include <fstream>

#include "agent_classes.hpp"

namespace vigil::exec {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<std::string> lsb_metadata(const std::string& script_path, std::string_view type) {
  std::ifstream in(script_path);
  if (!in) return std::nullopt;

  struct Field {
    std::string_view prefix;
    std::optional<std::string> value;
  };
  Field fields[] = {{"# Provides:", {}},     {"# Required-Start:", {}},   {"# Required-Stop:", {}},
                    {"# Should-Start:", {}}, {"# Should-Stop:", {}},      {"# Default-Start:", {}},
                    {"# Default-Stop:", {}}, {"# Short-Description:", {}}};
  std::optional<std::string> description;

  std::string line;
  bool in_header = false;
  bool have_line = false;  // `line` already read (ended a long description)
  int lines = 0;
  while (have_line || std::getline(in, line)) {
    have_line = false;
    if (++lines > 10000) break;  // not an init script header any more
    if (!in_header) {
      in_header = starts_with(line, "### BEGIN INIT INFO");
      continue;
    }
    bool matched = false;
    for (auto& f : fields) {
      if (!f.value && starts_with(line, f.prefix)) {
        f.value = detail::xml_escape(line.substr(f.prefix.size()));
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (!description && starts_with(line, "# Description:")) {
      std::string text = line.substr(std::string_view("# Description:").size()) + "\n";
      // Continuation lines: '#' then a tab or at least two spaces.
      while (std::getline(in, line)) {
        if (starts_with(line, "#  ") || starts_with(line, "#\t")) {
          text += line.substr(1) + "\n";
        } else {
          have_line = true;
          break;
        }
      }
      description = detail::xml_escape(text);
      if (!have_line) break;
      continue;
    }
    if (starts_with(line, "### END INIT INFO") || !starts_with(line, "#")) break;
  }

  const std::string name = detail::xml_escape(type);
  auto get = [&](int i) { return fields[i].value.value_or(""); };
  std::string xml;
  xml += "<?xml version='1.0'?>\n";
  xml += "<!DOCTYPE resource-agent SYSTEM 'ra-api-1.dtd'>\n";
  xml += "<resource-agent name='" + name + "' version='0.1'>\n";
  xml += "  <version>1.0</version>\n";
  xml += "  <longdesc lang='en'>\n" + description.value_or(name) + "  </longdesc>\n";
  xml += "  <shortdesc lang='en'>" + fields[7].value.value_or(name) + "</shortdesc>\n";
  xml += "  <parameters>\n  </parameters>\n";
  xml += "  <actions>\n";
  xml += "    <action name='meta-data'    timeout='5' />\n";
  xml += "    <action name='start'        timeout='15' />\n";
  xml += "    <action name='stop'         timeout='15' />\n";
  xml += "    <action name='status'       timeout='15' />\n";
  xml += "    <action name='restart'      timeout='15' />\n";
  xml += "    <action name='force-reload' timeout='15' />\n";
  xml += "    <action name='monitor'      timeout='15' interval='15' />\n";
  xml += "  </actions>\n";
  xml += "  <special tag='LSB'>\n";
  xml += "    <Provides>" + get(0) + "</Provides>\n";
  xml += "    <Required-Start>" + get(1) + "</Required-Start>\n";
  xml += "    <Required-Stop>" + get(2) + "</Required-Stop>\n";
  xml += "    <Should-Start>" + get(3) + "</Should-Start>\n";
  xml += "    <Should-Stop>" + get(4) + "</Should-Stop>\n";
  xml += "    <Default-Start>" + get(5) + "</Default-Start>\n";
  xml += "    <Default-Stop>" + get(6) + "</Default-Stop>\n";
  xml += "  </special>\n";
  xml += "</resource-agent>\n";
  return xml;
}

namespace detail {

Plan plan_lsb(const OperationRequest& r, const AgentPaths& paths,
              const std::vector<std::string>& base_env, std::size_t output_limit) {
  const std::string path = paths.lsb_dir + "/" + r.agent.type;
  Plan plan;
  if (r.action == "meta-data") {
    if (auto xml = lsb_metadata(path, r.agent.type)) {
      plan.immediate = {OcfRc::kOk, ExecStatus::kDone, ""};
      plan.immediate_output = std::move(*xml);
    } else {
      plan.immediate = {OcfRc::kNotInstalled, ExecStatus::kNotInstalled,
                        path + ": cannot read the init script"};
    }
    return plan;
  }
  SpawnRequest cmd;
  cmd.path = path;
  cmd.argv = {path, r.action == "monitor" ? "status" : r.action};
  cmd.env = merge_environment(base_env, {});
  cmd.output_limit = output_limit;
  plan.command = std::move(cmd);
  return plan;
}

Outcome interpret_lsb(const OperationRequest& r, const ProcessExit& exit) {
  Outcome out{lsb_exit_to_rc(r.action, exit.code), ExecStatus::kDone, ""};
  const bool status = (r.action == "status" || r.action == "monitor");
  if (out.rc == OcfRc::kUnknownError && exit.code != 1 && !(status && exit.code == 4)) {
    out.exit_reason = "init script returned unexpected exit code " + std::to_string(exit.code);
  }
  return out;
}

}  // namespace detail

}  // namespace vigil::exec
