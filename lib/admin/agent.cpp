// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/agent.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/exec/agent.hpp"
#include "vigil/exec/executor.hpp"

namespace vigil::admin {
namespace {

// Meta-data documents are a few kilobytes; this keeps even huge ones whole.
constexpr std::size_t kMetadataOutputLimit = 4 * 1024 * 1024;

std::vector<std::string> split_colon(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto c = s.find(':', start);
    parts.emplace_back(s.substr(start, c == std::string_view::npos ? s.size() - start : c - start));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  return parts;
}

// Agent and provider names end up in a path: no separators, no dot-dot.
bool safe_path_part(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  return s.find('/') == std::string_view::npos && s.find('\0') == std::string_view::npos;
}

// Runs the agent's meta-data action through lib/exec's executor (as
// vigil-lrmd does, with the same OCF environment) and returns its stdout.
// An agent that hangs must not hang the command: past `timeout` its process
// group is killed.
Result<std::string> run_metadata(const AgentName& agent, const std::string& ocf_root,
                                 Duration timeout) {
  boost::asio::io_context io;
  exec::ExecutorOptions options;
  options.paths.ocf_root = ocf_root;
  options.kill_grace = Duration(1000);
  options.output_limit = kMetadataOutputLimit;
  std::optional<exec::OperationResult> result;
  exec::Executor executor(io, options, [&](const exec::OperationResult& r) { result = r; });
  exec::OperationRequest request;
  request.rsc_id = agent.type;  // as Pacemaker names a meta-data call
  request.agent = {exec::AgentClass::kOcf, agent.provider, agent.type};
  request.action = "meta-data";
  request.timeout = timeout;
  if (auto id = executor.execute(request); !id) return id.error();
  while (!result && io.run_one() > 0) {
  }
  if (!result) return Error(ErrorCode::kInternal, "meta-data action: no result");
  if (result->status == exec::ExecStatus::kTimeout) {
    return Error(ErrorCode::kNotFound,
                 "meta-data action timed out after " + exec::readable_duration(timeout));
  }
  if (result->status != exec::ExecStatus::kDone || result->rc != exec::OcfRc::kOk) {
    std::string why = std::string(exec::to_string(result->status)) + ", rc " +
                      std::to_string(static_cast<int>(result->rc)) + " " +
                      std::string(exec::to_string(result->rc));
    if (!result->exit_reason.empty()) why += ": " + result->exit_reason;
    return Error(ErrorCode::kNotFound, "meta-data action failed (" + why + ")");
  }
  return std::move(result->output);
}

}  // namespace

std::string AgentName::full() const {
  return provider.empty() ? standard + ":" + type : standard + ":" + provider + ":" + type;
}

Result<AgentName> parse_agent_name(std::string_view text) {
  const auto parts = split_colon(text);
  bool ok = false;
  AgentName name;
  if (parts.size() == 3 && parts[0] == "ocf") {
    name = {parts[0], parts[1], parts[2]};
    ok = true;
  } else if (parts.size() == 2 && parts[0] != "ocf") {
    name = {parts[0], "", parts[1]};
    ok = true;
  }
  for (const auto& p : parts) ok = ok && !p.empty();
  if (!ok) {
    if (parts.size() == 1 && !text.empty()) {
      return Error(ErrorCode::kUnsupported,
                   "short agent names are not supported by vigil yet: give the full name, e.g. "
                   "'ocf:heartbeat:" +
                       std::string(text) + "'");
    }
    return Error(ErrorCode::kInvalidInput,
                 "Invalid resource agent name '" + std::string(text) +
                     "'. Use standard:provider:type when standard is 'ocf' or standard:type "
                     "otherwise. List of standards and providers can be obtained by using "
                     "commands 'pcs resource standards' and 'pcs resource providers'." +
                     kErrorsOccurred);
  }
  return name;
}

Result<AgentMetadata> parse_agent_metadata(std::string_view xml_text) {
  auto doc = xml::parse_string(xml_text, "agent metadata");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr || !xml::is(root, "resource-agent")) {
    return Error(ErrorCode::kInvalidInput, "agent metadata has no <resource-agent> root");
  }
  AgentMetadata md;
  if (const xmlNode* params = xml::first_child(root, "parameters")) {
    for (const xmlNode* p : xml::children(params, "parameter")) {
      const std::string req = xml::attr_or(p, "required", "0");
      md.parameters.push_back({xml::attr_or(p, "name"), req == "1" || req == "true"});
    }
  }
  if (const xmlNode* actions = xml::first_child(root, "actions")) {
    for (const xmlNode* a : xml::children(actions, "action")) {
      md.actions.push_back({xml::attr_or(a, "name"), xml::attr_or(a, "interval"),
                            xml::attr_or(a, "timeout"), xml::attr_or(a, "role"),
                            xml::attr_or(a, "depth")});
    }
  }
  return md;
}

Result<AgentMetadata> OcfMetadataSource::metadata(const AgentName& agent) const {
  if (agent.standard != "ocf") {
    return Error(
        ErrorCode::kUnsupported,
        "agent class '" + agent.standard +
            "' is not supported by vigil yet: only ocf:PROVIDER:TYPE agents can be created");
  }
  const std::string not_installed =
      "Agent '" + agent.full() + "' is not installed or does not provide valid metadata: ";
  if (!safe_path_part(agent.provider) || !safe_path_part(agent.type)) {
    return Error(ErrorCode::kNotFound, not_installed + "bad provider or type name");
  }
  const std::string path = root_ + "/resource.d/" + agent.provider + "/" + agent.type;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    return Error(ErrorCode::kNotFound, not_installed + path + " is not an executable file");
  }
  auto out = run_metadata(agent, root_, timeout_);
  if (!out) return Error(ErrorCode::kNotFound, not_installed + out.error().message());
  auto md = parse_agent_metadata(*out);
  if (!md) return Error(ErrorCode::kNotFound, not_installed + md.error().message());
  return md;
}

}  // namespace vigil::admin
