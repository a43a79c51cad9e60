// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/agent.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/exec/agent.hpp"
#include "vigil/exec/executor.hpp"
#include "vigil/exec/run_to_exit.hpp"

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
    return Error(ErrorCode::kFailed, "meta-data action failed (" + why + ")");
  }
  return std::move(result->output);
}

// Runs `path -o metadata` (fence agents take their action as an option, or
// as action=metadata on stdin; the spawner gives stdin /dev/null, so the
// option) and returns its stdout. Past `timeout` the process group is killed.
Result<std::string> run_fence_metadata(const std::string& path, Duration timeout) {
  exec::SpawnRequest request;
  request.path = path;
  request.argv = {path, "-o", "metadata"};
  request.env = exec::current_environment();
  request.output_limit = kMetadataOutputLimit;
  auto exit = exec::run_to_exit(request, timeout);
  if (!exit) {
    return Error(ErrorCode::kNotFound, exit.error().code() == ErrorCode::kFailed
                                           ? "meta-data action " + exit.error().message()
                                           : exit.error().message());
  }
  if (exit->kind != exec::ProcessExit::Kind::kExited || exit->code != 0) {
    const std::string how = exit->kind == exec::ProcessExit::Kind::kExited
                                ? "exit status " + std::to_string(exit->code)
                                : "signal " + std::to_string(exit->code);
    return Error(ErrorCode::kNotFound, "meta-data action failed (" + how + ")");
  }
  return std::move(exit->out);
}

// An element's text as pcs reads it (lxml's .text): the character data
// before its first child node, trimmed of surrounding whitespace.
std::string text_of(const xmlNode* n) {
  if (n == nullptr) return {};
  std::string s;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) break;
    if (c->content != nullptr) s += reinterpret_cast<const char*>(c->content);
  }
  return trimmed(s);
}

bool truthy(const std::string& v) {
  return v == "1" || v == "true" || v == "yes";
}

}  // namespace

std::string AgentName::full() const {
  return provider.empty() ? standard + ":" + type : standard + ":" + provider + ":" + type;
}

Result<AgentName> parse_agent_name(std::string_view text) {
  // pcs's rule: systemd and service units with an instance keep every colon
  // after the class in the type ("systemd:lvm2-pvscan@252:2"); otherwise
  // CLASS:PROVIDER:TYPE for ocf and CLASS:TYPE for the other classes a CIB
  // may name.
  static const std::set<std::string, std::less<>> kStandards{
      "heartbeat", "lsb", "nagios", "ocf", "service", "stonith", "systemd", "upstart"};
  const auto parts = split_colon(text);
  bool ok = false;
  AgentName name;
  if (parts.size() >= 2 && (parts[0] == "systemd" || parts[0] == "service") &&
      parts[1].find('@') != std::string::npos && parts[1][0] != '@') {
    name = {parts[0], "", std::string(text.substr(parts[0].size() + 1))};
    return name;
  }
  if (parts.size() == 3 && parts[0] == "ocf") {
    name = {parts[0], parts[1], parts[2]};
    ok = true;
  } else if (parts.size() == 2 && parts[0] != "ocf") {
    name = {parts[0], "", parts[1]};
    ok = true;
  }
  ok = ok && kStandards.contains(name.standard);
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
                     "commands 'vigil resource standards' and 'vigil resource providers'." +
                     kErrorsOccurred);
  }
  return name;
}

Result<AgentMetadata> parse_agent_metadata(std::string_view xml_text) {
  xml::FirstXmlError first;
  const std::string text = trimmed(std::string(xml_text));
  auto doc = xml::parse_agent_metadata(text, "agent metadata", &first);
  if (!doc) {
    if (first.message.empty()) return doc.error();
    const std::string line = std::to_string(first.line);
    return Error(ErrorCode::kInvalidInput, first.message + ", line " + line + ", column " +
                                               std::to_string(first.column) + " (<string>, line " +
                                               line + ")");
  }
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (auto invalid = ocf_schema_problem(root); !invalid.empty()) {
    return Error(ErrorCode::kInvalidInput, invalid);
  }
  AgentMetadata md;
  if (const xmlNode* v = xml::first_child(root, "version")) md.ocf_version = text_of(v);
  const bool ocf_1_0 = md.ocf_version == "1.0";
  // Fence agents put the short description in an attribute, OCF agents in
  // an element.
  md.shortdesc = text_of(xml::first_child(root, "shortdesc"));
  if (md.shortdesc.empty() && ocf_1_0) md.shortdesc = xml::attr_or(root, "shortdesc");
  md.longdesc = text_of(xml::first_child(root, "longdesc"));
  if (const xmlNode* params = xml::first_child(root, "parameters")) {
    for (const xmlNode* p : xml::children(params, "parameter")) {
      AgentParameter param;
      param.name = xml::attr_or(p, "name");
      param.required = truthy(xml::attr_or(p, "required", "0"));
      param.deprecated = truthy(xml::attr_or(p, "deprecated", "0"));
      param.obsoletes = xml::attr_or(p, "obsoletes");
      param.shortdesc = text_of(xml::first_child(p, "shortdesc"));
      param.longdesc = text_of(xml::first_child(p, "longdesc"));
      // OCF 1.1 marks uniqueness with groups (its `unique` is deprecated)
      // and deprecation with an element.
      if (ocf_1_0) {
        param.unique = truthy(xml::attr_or(p, "unique", "0"));
      } else {
        param.unique_group = xml::attr_or(p, "unique-group");
      }
      if (const xmlNode* d = xml::first_child(p, "deprecated"); d != nullptr && !ocf_1_0) {
        param.deprecated = true;
        for (const xmlNode* r : xml::children(d, "replaced-with")) {
          param.replaced_with.push_back(xml::attr_or(r, "name"));
        }
        param.deprecated_desc = text_of(xml::first_child(d, "desc"));
      }
      md.parameters.push_back(std::move(param));
    }
  }
  if (const xmlNode* actions = xml::first_child(root, "actions")) {
    for (const xmlNode* a : xml::children(actions, "action")) {
      md.actions.push_back({xml::attr_or(a, "name"), xml::attr_or(a, "interval"),
                            xml::attr_or(a, "timeout"), xml::attr_or(a, "role"),
                            xml::attr_or(a, "depth"), xml::attr_or(a, "start-delay")});
    }
  }
  return md;
}

std::vector<std::string> list_fence_agents(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    // Agents are executable files named fence_*; links to them count.
    if (name.rfind("fence_", 0) == 0 && entry.is_regular_file(type_ec) &&
        access(entry.path().c_str(), X_OK) == 0) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> OcfMetadataSource::fence_agents() const {
  return list_fence_agents(fence_dir_);
}

Result<AgentMetadata> OcfMetadataSource::stonith_metadata(const AgentName& agent) const {
  // pcs's wording, with the reason Vigil found instead of crm_resource's.
  const std::string not_installed =
      "Agent '" + agent.full() + "' is not installed or does not provide valid metadata: ";
  if (!safe_path_part(agent.type)) {
    return Error(ErrorCode::kNotFound, not_installed + "bad agent name");
  }
  const std::string path = fence_dir_ + "/" + agent.type;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    return Error(ErrorCode::kNotFound, not_installed + path + " is not an executable file");
  }
  auto out = run_fence_metadata(path, timeout_);
  if (!out) return Error(ErrorCode::kNotFound, not_installed + out.error().message());
  auto md = parse_agent_metadata(*out);
  if (!md) return Error(ErrorCode::kNotFound, not_installed + md.error().message());
  return md;
}

Result<AgentMetadata> OcfMetadataSource::metadata(const AgentName& agent) const {
  if (agent.standard == "stonith") return stonith_metadata(agent);
  if (agent.standard != "ocf") return service_metadata(agent);
  const std::string not_installed =
      "Agent '" + agent.full() + "' is not installed or does not provide valid metadata: ";
  if (!safe_path_part(agent.provider) || !safe_path_part(agent.type)) {
    return Error(ErrorCode::kNotFound, not_installed + "bad provider or type name");
  }
  const std::string path = root_ + "/resource.d/" + agent.provider + "/" + agent.type;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    return Error(ErrorCode::kNotFound, agent_not_installed(agent));
  }
  auto out = run_metadata(agent, root_, timeout_);
  if (!out) {
    // crm_resource words a failed meta-data action as a missing agent.
    return Error(ErrorCode::kNotFound, out.error().code() == ErrorCode::kFailed
                                           ? agent_not_installed(agent)
                                           : not_installed + out.error().message());
  }
  auto md = parse_agent_metadata(*out);
  if (!md) return Error(ErrorCode::kNotFound, not_installed + md.error().message());
  return md;
}

Result<AgentRun> OcfMetadataSource::run_action(
    const AgentName& agent, const std::string& rsc_id, const std::string& action,
    const std::map<std::string, std::string>& params) const {
  if (agent.standard == "stonith") {
    return Error(ErrorCode::kUnsupported, "running stonith agents by hand is not supported");
  }
  exec::AgentSpec spec{exec::AgentClass::kOcf, agent.provider, agent.type};
  if (agent.standard != "ocf") {
    // crm_resource runs ocf and lsb agents by hand only (service: when it
    // names an init script); the others get its refusal as the result.
    const std::string cls = manual_class(agent);
    if (cls != "lsb") {
      AgentRun refused;
      refused.done = false;
      refused.rc = static_cast<int>(exec::OcfRc::kUnimplementFeature);
      refused.rc_text = std::string(exec::to_string(exec::OcfRc::kUnimplementFeature));
      refused.status = std::string(exec::to_string(exec::ExecStatus::kError));
      refused.exit_reason = "Manual execution of the " + cls + " standard is unsupported";
      return refused;
    }
    spec = {exec::AgentClass::kLsb, "", agent.type};
  }
  boost::asio::io_context io;
  exec::ExecutorOptions options;
  options.paths.ocf_root = root_;
  options.paths.lsb_dir = services_.lsb_dir;
  options.paths.systemctl = services_.systemctl;
  options.kill_grace = Duration(1000);
  std::optional<exec::OperationResult> result;
  exec::Executor executor(io, options, [&](const exec::OperationResult& r) { result = r; });
  exec::OperationRequest request;
  request.rsc_id = rsc_id;
  request.agent = spec;
  request.action = action;
  // crm_resource's default: the cluster's default operation timeout (20 s).
  request.timeout = std::chrono::seconds(20);
  request.params = params;
  request.params["CRM_meta_timeout"] = "20000";
  if (auto id = executor.execute(request); !id) return id.error();
  while (!result && io.run_one() > 0) {
  }
  if (!result) return Error(ErrorCode::kInternal, action + " action: no result");
  AgentRun run;
  run.done = result->status == exec::ExecStatus::kDone;
  run.rc = static_cast<int>(result->rc);
  run.rc_text = std::string(exec::to_string(result->rc));
  run.status = std::string(exec::to_string(result->status));
  run.exit_reason = result->exit_reason;
  run.out = result->output;
  run.err = result->error_output;
  return run;
}

}  // namespace vigil::admin
