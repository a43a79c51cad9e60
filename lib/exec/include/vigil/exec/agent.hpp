// SPDX-License-Identifier: GPL-2.0-or-later
// The agent classes as pure functions: how an operation becomes a command
// (path, argv, environment) and how the way that command ended becomes an
// OCF result. No process is started here, so every rule is unit-tested
// without agents. One file per class: ocf_agent.cpp, lsb_agent.cpp,
// systemd_agent.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/exec/operation.hpp"
#include "vigil/exec/process.hpp"

namespace vigil::exec {

// The result of an operation without timings and output.
struct Outcome {
  OcfRc rc = OcfRc::kOk;
  ExecStatus status = ExecStatus::kDone;
  std::string exit_reason;
};

// Either a command to run, or a result known without running anything
// (meta-data of LSB and systemd agents is generated, as Pacemaker does;
// actions a class does not implement).
struct Plan {
  std::optional<SpawnRequest> command;
  Outcome immediate;             // when there is no command
  std::string immediate_output;  // e.g. the generated meta-data
};

// Refuses what must never reach a shell or a path: an empty resource id or
// action, an action with characters outside [A-Za-z0-9_-], a provider or
// type that is empty, "." or "..", or holds '/', parameter names with '=' or
// NUL, values with NUL, negative durations.
Status validate_request(const OperationRequest& request);

// `request` must have passed validate_request() and carry its final timeout.
// `base_env` is the daemon's environment ("NAME=value"); agents inherit it,
// with PATH defaulted when absent and, for OCF, the OCF_* variables on top.
Plan plan_operation(const OperationRequest& request, const AgentPaths& paths,
                    const std::vector<std::string>& base_env, std::size_t output_limit);

// How the agent's process ended, as an OCF result of its class.
Outcome interpret_exit(const OperationRequest& request, const ProcessExit& exit);

// The agent could not be started (errno from posix_spawn): missing or not
// an executable -> not installed; permission -> insufficient privileges;
// anything else -> generic error (services__handle_exec_error).
Outcome outcome_of_spawn_failure(const OperationRequest& request, int error,
                                 const std::string& message);

// The operation ran past its timeout and was killed.
Outcome outcome_of_timeout(const OperationRequest& request);

// The environment an OCF agent gets for `request` (also used by
// plan_operation), base first, then OCF_* overriding same-named entries:
// OCF_RA_VERSION_MAJOR/MINOR, OCF_ROOT, OCF_EXIT_REASON_PREFIX,
// OCF_RESOURCE_INSTANCE/TYPE/PROVIDER, OCF_RESKEY_<param> for every
// parameter, plus OCF_RESKEY_CRM_meta_timeout and, for recurring operations,
// OCF_RESKEY_CRM_meta_interval (milliseconds) unless the caller set them.
std::vector<std::string> ocf_environment(const OperationRequest& request, const AgentPaths& paths,
                                         const std::vector<std::string>& base_env);

// The last "ocf-exit-reason:" on stderr, to the end of its line, at most 128
// characters (Pacemaker's parse_exit_reason_from_stderr). Empty when none.
std::string parse_exit_reason(std::string_view stderr_text);

// systemd unit name of a type: "apache2" -> "apache2.service"; names with
// .service, .socket, .mount, .timer or .path stand; "getty@" templates get
// the instance "vigil" ("getty@vigil.service").
std::string systemd_unit_name(std::string_view type);

// Meta-data Pacemaker generates for an LSB init script from its "### BEGIN
// INIT INFO" header (services__get_lsb_metadata). nullopt when the script
// cannot be read.
std::optional<std::string> lsb_metadata(const std::string& script_path, std::string_view type);

// Meta-data Pacemaker generates for systemd unit `type` (as the CIB names
// it: "apache2"), `description` being the unit's Description property.
std::string systemd_metadata(std::string_view type, std::string_view description);

// "300ms", "20s", "1m30s": durations in messages, as pcmk__readable_interval.
std::string readable_duration(Duration d);

}  // namespace vigil::exec
