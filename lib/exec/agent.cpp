// SPDX-License-Identifier: GPL-2.0-or-later
// What the agent classes share: parsing and validating requests, dispatch,
// the environment, exit reasons, and results that do not depend on the class.
#include "vigil/exec/agent.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>

#include "agent_classes.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::exec {

namespace {

constexpr std::size_t kExitReasonMax = 128;  // Pacemaker's EXIT_REASON_MAX_LEN
constexpr std::string_view kExitReasonPrefix = "ocf-exit-reason:";
constexpr const char* kDefaultPath = "/usr/sbin:/usr/bin:/sbin:/bin";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}

bool safe_name(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         s.find('\0') == std::string_view::npos && s.front() != '-';
}

bool safe_action(std::string_view s) {
  return !s.empty() && s.front() != '-' && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string signal_name(int signo) {
  const char* abbrev = sigabbrev_np(signo);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signo);
}

}  // namespace

std::string_view to_string(AgentClass cls) {
  switch (cls) {
    case AgentClass::kOcf:
      return "ocf";
    case AgentClass::kLsb:
      return "lsb";
    case AgentClass::kSystemd:
      return "systemd";
    case AgentClass::kStonith:
      return "stonith";
    case AgentClass::kService:
      return "service";
  }
  return "unknown";
}

Result<AgentSpec> parse_agent_spec(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos) {
    return invalid("agent '" + std::string(text) + "': expected class:[provider:]type");
  }
  const std::string cls = lower(text.substr(0, first));
  std::string_view rest = text.substr(first + 1);
  AgentSpec spec;
  if (cls == "ocf") {
    const auto second = rest.find(':');
    if (second == std::string_view::npos) {
      return invalid("agent '" + std::string(text) + "': OCF agents need ocf:provider:type");
    }
    spec.cls = AgentClass::kOcf;
    spec.provider = std::string(rest.substr(0, second));
    spec.type = std::string(rest.substr(second + 1));
    if (!safe_name(spec.provider) || !safe_name(spec.type)) {
      return invalid("agent '" + std::string(text) + "': bad provider or type");
    }
    return spec;
  }
  if (cls == "lsb") {
    spec.cls = AgentClass::kLsb;
  } else if (cls == "systemd") {
    spec.cls = AgentClass::kSystemd;
  } else if (cls == "stonith") {
    spec.cls = AgentClass::kStonith;
  } else if (cls == "service") {
    spec.cls = AgentClass::kService;
  } else if (cls == "nagios" || cls == "upstart") {
    return Error(ErrorCode::kUnsupported,
                 "agent '" + std::string(text) + "': class '" + cls + "' is not supported");
  } else {
    return invalid("agent '" + std::string(text) + "': unknown class '" + cls + "'");
  }
  spec.type = std::string(rest);
  if (!safe_name(spec.type)) return invalid("agent '" + std::string(text) + "': bad type");
  return spec;
}

std::string to_string(const AgentSpec& spec) {
  std::string out(to_string(spec.cls));
  out += ':';
  if (spec.cls == AgentClass::kOcf) out += spec.provider + ':';
  return out + spec.type;
}

Status validate_request(const OperationRequest& r) {
  const std::string what = r.rsc_id + " " + r.action;
  if (r.rsc_id.empty() || r.rsc_id.find('\0') != std::string::npos) {
    return invalid("operation '" + r.action + "': empty or bad resource id");
  }
  if (!safe_action(r.action)) return invalid(what + ": bad action name");
  if (!safe_name(r.agent.type)) return invalid(what + ": bad agent type '" + r.agent.type + "'");
  if (r.agent.cls == AgentClass::kOcf && !safe_name(r.agent.provider)) {
    return invalid(what + ": bad OCF provider '" + r.agent.provider + "'");
  }
  if (r.interval.count() < 0 || r.timeout.count() < 0 || r.start_delay.count() < 0) {
    return invalid(what + ": negative interval, timeout or start delay");
  }
  for (const auto& [name, value] : r.params) {
    if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string::npos) {
      return invalid(what + ": bad parameter name '" + name + "'");
    }
    if (value.find('\0') != std::string::npos) {
      return invalid(what + ": parameter '" + name + "' holds a NUL byte");
    }
  }
  return ok_status();
}

AgentClass resolve_service(const AgentSpec& spec, const AgentPaths& paths) {
  struct stat st {};
  const std::string script = paths.lsb_dir + "/" + spec.type;
  return ::stat(script.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? AgentClass::kLsb
                                                                 : AgentClass::kSystemd;
}

Plan plan_operation(const OperationRequest& request, const AgentPaths& paths,
                    const std::vector<std::string>& base_env, std::size_t output_limit) {
  switch (request.agent.cls) {
    case AgentClass::kService: {
      OperationRequest as = request;
      as.agent.cls = resolve_service(request.agent, paths);
      return plan_operation(as, paths, base_env, output_limit);
    }
    case AgentClass::kOcf:
      return detail::plan_ocf(request, paths, base_env, output_limit);
    case AgentClass::kLsb:
      return detail::plan_lsb(request, paths, base_env, output_limit);
    case AgentClass::kSystemd:
      return detail::plan_systemd(request, paths, base_env, output_limit);
    case AgentClass::kStonith:
      return detail::plan_stonith(request, paths, base_env, output_limit);
  }
  Plan plan;
  plan.immediate = {OcfRc::kUnknownError, ExecStatus::kErrorFatal, "unknown agent class"};
  return plan;
}

Outcome interpret_exit(const OperationRequest& request, const ProcessExit& exit) {
  if (exit.kind == ProcessExit::Kind::kSignaled) return detail::outcome_of_signal(request, exit);
  if (detail::exit_status_lost(exit)) {
    return {OcfRc::kUnknownError, ExecStatus::kError, "exit status of the agent was lost"};
  }
  switch (request.agent.cls) {
    case AgentClass::kService: {
      OperationRequest as = request;
      as.agent.cls = request.agent.service_as;
      return interpret_exit(as, exit);
    }
    case AgentClass::kOcf:
      return detail::interpret_ocf(request, exit);
    case AgentClass::kLsb:
      return detail::interpret_lsb(request, exit);
    case AgentClass::kSystemd:
      return detail::interpret_systemd(request, exit);
    case AgentClass::kStonith:
      return detail::interpret_stonith(request, exit);
  }
  return {OcfRc::kUnknownError, ExecStatus::kError, "unknown agent class"};
}

Outcome outcome_of_spawn_failure(const OperationRequest& request, int error,
                                 const std::string& message) {
  switch (error) {
    case ENOENT:
    case EISDIR:
    case ENOTDIR:
    case EINVAL:
    case ENOEXEC:
      return {OcfRc::kNotInstalled, ExecStatus::kNotInstalled, message};
    case EACCES:
    case EPERM:
      return {OcfRc::kInsufficientPriv, ExecStatus::kError, message};
    default:
      return {OcfRc::kUnknownError, ExecStatus::kError, message};
  }
}

Outcome outcome_of_timeout(const OperationRequest& request) {
  return {OcfRc::kUnknownError, ExecStatus::kTimeout,
          "Resource agent did not complete within " + readable_duration(request.timeout)};
}

std::string parse_exit_reason(std::string_view err) {
  const auto at = err.rfind(kExitReasonPrefix);
  if (at == std::string_view::npos) return {};
  std::string_view reason = err.substr(at + kExitReasonPrefix.size());
  reason = reason.substr(0, reason.find('\n'));
  return std::string(reason.substr(0, kExitReasonMax));
}

std::vector<std::string> ocf_environment(const OperationRequest& r, const AgentPaths& paths,
                                         const std::vector<std::string>& base_env) {
  std::vector<std::pair<std::string, std::string>> vars;
  for (const auto& [name, value] : r.params) {
    vars.emplace_back(name == "OCF_CHECK_LEVEL" ? name : "OCF_RESKEY_" + name, value);
  }
  // The controller normally sends these; a request straight from a tool may not.
  if (r.params.count("CRM_meta_timeout") == 0) {
    vars.emplace_back("OCF_RESKEY_CRM_meta_timeout", std::to_string(r.timeout.count()));
  }
  if (r.interval.count() > 0 && r.params.count("CRM_meta_interval") == 0) {
    vars.emplace_back("OCF_RESKEY_CRM_meta_interval", std::to_string(r.interval.count()));
  }
  vars.emplace_back("OCF_RA_VERSION_MAJOR", "1");
  vars.emplace_back("OCF_RA_VERSION_MINOR", "1");
  vars.emplace_back("OCF_ROOT", paths.ocf_root);
  vars.emplace_back("OCF_EXIT_REASON_PREFIX", std::string(kExitReasonPrefix));
  vars.emplace_back("OCF_RESOURCE_INSTANCE", r.rsc_id);
  vars.emplace_back("OCF_RESOURCE_TYPE", r.agent.type);
  vars.emplace_back("OCF_RESOURCE_PROVIDER", r.agent.provider);
  if (!paths.tools_dir.empty()) {
    // Agents call ${HA_SBIN_DIR}/crm_attribute and plain attrd_updater:
    // both must find Vigil's tools before Pacemaker's.
    std::string path = kDefaultPath;
    for (const auto& entry : base_env) {
      if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
    }
    vars.emplace_back("PATH", paths.tools_dir + ":" + path);
    vars.emplace_back("HA_SBIN_DIR", paths.tools_dir);
  }
  return detail::merge_environment(base_env, vars);
}

std::string systemd_unit_name(std::string_view type) {
  static constexpr std::string_view kSuffixes[] = {".service", ".socket", ".mount", ".timer",
                                                   ".path"};
  for (auto suffix : kSuffixes) {
    if (type.size() > suffix.size() && type.substr(type.size() - suffix.size()) == suffix) {
      const auto stem = type.substr(0, type.size() - suffix.size());
      if (!stem.empty() && stem.back() == '@') {
        return std::string(stem) + "vigil" + std::string(suffix);
      }
      return std::string(type);
    }
  }
  if (!type.empty() && type.back() == '@') return std::string(type) + "vigil.service";
  return std::string(type) + ".service";
}

std::string readable_duration(Duration d) {
  long long ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  const long long h = ms / 3'600'000;
  ms %= 3'600'000;
  const long long m = ms / 60'000;
  ms %= 60'000;
  if (h > 0) out += std::to_string(h) + "h";
  if (m > 0) out += std::to_string(m) + "m";
  if (ms > 0) {
    out += std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
      std::string frac = std::to_string(1000 + ms % 1000).substr(1);  // 3 digits
      while (frac.back() == '0') frac.pop_back();
      out += "." + frac;
    }
    out += "s";
  }
  return out;
}

namespace detail {

std::vector<std::string> merge_environment(
    const std::vector<std::string>& base,
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::set<std::string, std::less<>> replaced;
  for (const auto& kv : overrides) replaced.insert(kv.first);
  std::vector<std::string> env;
  bool has_path = replaced.count("PATH") > 0;
  for (const auto& entry : base) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string_view name(entry.data(), eq);
    if (replaced.count(name) > 0) continue;
    if (name == "PATH") has_path = true;
    env.push_back(entry);
  }
  if (!has_path) env.push_back(std::string("PATH=") + kDefaultPath);
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

Outcome outcome_of_signal(const OperationRequest& request, const ProcessExit& exit) {
  std::string reason = request.action + " interrupted by " + signal_name(exit.code) + " signal";
  if (exit.core_dumped) reason += " (core dumped)";
  return {OcfRc::kUnknownError, ExecStatus::kError, std::move(reason)};
}

bool exit_status_lost(const ProcessExit& exit) {
  return exit.kind == ProcessExit::Kind::kExited && exit.code < 0;
}

std::string xml_escape(std::string_view text) {
  return xml::escaped(text, xml::kEscapeApostrophe);
}

std::string first_line(std::string_view text) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    if (!line.empty()) return std::string(line.substr(0, kExitReasonMax));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return {};
}

}  // namespace detail

}  // namespace vigil::exec
