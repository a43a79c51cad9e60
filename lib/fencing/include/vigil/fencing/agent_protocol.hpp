// SPDX-License-Identifier: GPL-2.0-or-later
// The fence-agents API as pure functions: what a fence agent is given on
// stdin for one action, how its exit code and output are read. No process is
// started here (see agent_runner.hpp).
//
// An agent takes key=value lines on stdin: `action=` (metadata, list,
// status, monitor, off, on, reboot), `nodename=` and the device's host
// argument (port or plug) for the target, and every instance attribute of
// the device except Pacemaker's own (pcmk_*). Exit 0 is success; `status`
// answers 0 (on), 2 (off) or 1 (unknown target / failure); `list` prints
// one host per line, its first token, possibly "port,alias".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/fencing/device.hpp"

namespace vigil::fencing {

// One agent run, ready for an AgentRunner.
struct AgentCall {
  std::string device;        // the device's id (for messages)
  std::string agent;         // the executable's name, e.g. fence_ipmilan
  std::string action;        // the agent's action (after pcmk_<action>_action)
  std::string target;        // the node, or empty (list, monitor, metadata)
  std::string input;         // stdin
  Duration timeout{60'000};  // SIGKILL to the whole group after it
};

// How an agent run ended.
struct AgentResult {
  enum class Status {
    kDone,      // exited: see exit_code
    kTimeout,   // killed after its timeout
    kNotFound,  // no such agent
    kError,     // could not start, or killed by a signal
  };
  Status status = Status::kDone;
  int exit_code = 0;
  std::string out;
  std::string err;
  std::string reason;  // why it failed, for people (empty on success)
  bool ok() const { return status == Status::kDone && exit_code == 0; }
};
const char* to_string(AgentResult::Status status);

// The call for fencer action `action` (reboot, off, on, list, status,
// monitor) of `device` against `target` (empty for list and monitor).
AgentCall make_agent_call(const Device& device, std::string_view action, std::string_view target,
                          Duration stonith_timeout);
// `action=metadata`, with no device behind it.
AgentCall make_metadata_call(std::string_view agent, Duration timeout);

// The agent's stdin: key=value lines, newline-terminated.
std::string agent_input(const Device& device, std::string_view agent_action,
                        std::string_view target);

// Host names a `list` printed: the first token of each line, both parts of
// "port,alias". Lines that are blank or obviously not a name (an error
// message, XML, a banner) are skipped.
std::vector<std::string> parse_list_output(std::string_view out);

// What `status` said about the target, as Pacemaker reads it: 0 and 2 mean
// the device knows the target (can fence it), 1 that it does not.
enum class StatusAnswer { kOn, kOff, kUnknownTarget, kFailed };
StatusAnswer read_status(const AgentResult& result);

// "fence_x off node2: exit code 1 (last line of stderr)": the reason a
// failed run gives, with context.
std::string describe_failure(const AgentCall& call, const AgentResult& result);

// Whether `agent` is a name we may look up in the agents' directory (no
// path separators, not hidden, not an option).
bool valid_agent_name(std::string_view agent);

}  // namespace vigil::fencing
