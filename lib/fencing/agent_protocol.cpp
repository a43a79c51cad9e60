// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/agent_protocol.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "vigil/common/names.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::fencing {

namespace {

constexpr Duration kMetadataTimeout{10'000};

bool target_action(std::string_view agent_action) {
  return agent_action == "off" || agent_action == "on" || agent_action == "reboot" ||
         agent_action == "status";
}

// A name of a node or port: letters, digits and a few punctuation marks.
bool plausible_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@';
  });
}

std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

}  // namespace

const char* to_string(AgentResult::Status status) {
  constexpr std::pair<AgentResult::Status, const char*> kStatuses[] = {
      {AgentResult::Status::kDone, "done"},
      {AgentResult::Status::kTimeout, "timeout"},
      {AgentResult::Status::kNotFound, "not-found"},
      {AgentResult::Status::kError, "error"},
  };
  return name_of(kStatuses, status);
}

std::string agent_input(const Device& device, std::string_view agent_action,
                        std::string_view target) {
  std::string in = "action=" + std::string(agent_action) + "\n";
  if (!target.empty() && target_action(agent_action)) {
    in += "nodename=" + std::string(target) + "\n";
    if (device.host_argument != "none" && !device.params.count(device.host_argument)) {
      in += device.host_argument + "=" + device.port_for(target) + "\n";
    }
  }
  for (const auto& [name, value] : device.params) {
    if (is_fencer_parameter(name) || name == "action") continue;
    // A newline inside a value would start a new option: cut it there.
    in += name + "=" + value.substr(0, value.find('\n')) + "\n";
  }
  return in;
}

AgentCall make_agent_call(const Device& device, std::string_view action, std::string_view target,
                          Duration stonith_timeout) {
  AgentCall c;
  c.device = device.id;
  c.agent = device.agent;
  c.action = device.agent_action(action);
  c.target = std::string(target);
  c.input = agent_input(device, c.action, target);
  c.timeout = device.timeout_for(action, stonith_timeout);
  return c;
}

AgentCall make_metadata_call(std::string_view agent, Duration timeout) {
  AgentCall c;
  c.agent = std::string(agent);
  c.action = "metadata";
  c.input = "action=metadata\n";
  c.timeout = timeout.count() > 0 ? timeout : kMetadataTimeout;
  return c;
}

std::vector<std::string> parse_list_output(std::string_view out) {
  std::vector<std::string> hosts;
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    if (nl == std::string_view::npos) nl = out.size();
    std::string_view line = out.substr(pos, nl - pos);
    pos = nl + 1;
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) continue;
    line = line.substr(b);
    const auto token = line.substr(0, line.find_first_of(" \t\r"));
    const auto comma = token.find(',');
    const auto port = token.substr(0, comma);
    if (!plausible_name(port)) continue;
    hosts.emplace_back(port);
    if (comma != std::string_view::npos && plausible_name(token.substr(comma + 1))) {
      hosts.emplace_back(token.substr(comma + 1));
    }
  }
  return hosts;
}

StatusAnswer read_status(const AgentResult& result) {
  // The fence-agents API's status exit codes; anything else is a failure.
  constexpr std::pair<int, StatusAnswer> kAnswers[] = {
      {0, StatusAnswer::kOn}, {1, StatusAnswer::kUnknownTarget}, {2, StatusAnswer::kOff}};
  if (result.status == AgentResult::Status::kDone) {
    for (const auto& [code, answer] : kAnswers) {
      if (result.exit_code == code) return answer;
    }
  }
  return StatusAnswer::kFailed;
}

std::string describe_failure(const AgentCall& call, const AgentResult& result) {
  std::string what = call.agent + " " + call.action;
  if (!call.target.empty()) what += " " + call.target;
  if (!call.device.empty()) what = call.device + " (" + what + ")";
  std::string why;
  switch (result.status) {
    case AgentResult::Status::kDone:
      why = "exit code " + std::to_string(result.exit_code);
      break;
    case AgentResult::Status::kTimeout:
    case AgentResult::Status::kNotFound:
    case AgentResult::Status::kError:
      why = result.reason.empty() ? to_string(result.status) : result.reason;
      break;
  }
  const std::string detail = last_line(result.err);
  if (!detail.empty()) why += " (" + detail.substr(0, 200) + ")";
  return what + ": " + why;
}

bool valid_agent_name(std::string_view agent) {
  return !agent.empty() && agent.front() != '.' && agent.front() != '-' &&
         agent.find('/') == std::string_view::npos && agent.find('\0') == std::string_view::npos;
}

Result<AgentMetadata> parse_agent_metadata(std::string_view text) {
  auto doc = xml::parse_agent_metadata(text, "fence agent meta-data");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!xml::is(root, "resource-agent")) {
    return Error(ErrorCode::kInvalidInput, "fence agent meta-data: root is not <resource-agent>");
  }
  AgentMetadata m;
  if (const xmlNode* params = xml::first_child(root, "parameters")) {
    for (const xmlNode* p : xml::children(params, "parameter")) {
      if (auto name = xml::attr(p, "name")) m.parameters.insert(*name);
    }
  }
  if (const xmlNode* actions = xml::first_child(root, "actions")) {
    for (const xmlNode* a : xml::children(actions, "action")) {
      auto name = xml::attr(a, "name");
      if (!name) continue;
      m.actions.insert(*name);
      if (*name == "on") {
        m.on_target = xml::attr_or(a, "on_target") == "1";
        m.automatic_unfencing = xml::attr_or(a, "automatic") == "1";
      }
    }
  }
  return m;
}

}  // namespace vigil::fencing
