// SPDX-License-Identifier: GPL-2.0-or-later
// What the executor is asked to do and what it answers: an operation (rsc,
// agent, action, interval, parameters) and its result, in Pacemaker's terms
// (pacemaker-execd's lrmd_cmd_t and the notification it sends back).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/exec/codes.hpp"

namespace vigil::exec {

// The resource classes (Pacemaker's "standards") Vigil runs. stonith
// resources are fence devices, run through the fencer (fence_devices.hpp);
// "service" (systemd or LSB, whichever exists) is not supported yet.
// kService is Pacemaker's "service" standard: an init script when one of
// that name exists, else a systemd unit (resolve_service).
enum class AgentClass { kOcf, kLsb, kSystemd, kStonith, kService };
std::string_view to_string(AgentClass cls);

// The CIB's class/provider/type triple of a primitive.
struct AgentSpec {
  AgentClass cls = AgentClass::kOcf;
  std::string provider;  // OCF only: heartbeat, pacemaker, vigil...
  std::string type;      // OCF agent, init script, systemd unit name or fence agent
  // For kService: the class it was run as (the executor sets it when the
  // operation is planned; the spec itself keeps "service", as the CIB does).
  AgentClass service_as = AgentClass::kSystemd;
};
// "ocf:heartbeat:IPaddr2", "lsb:apache2", "systemd:apache2",
// "stonith:fence_ipmilan" (case of the class ignored, as Pacemaker does).
Result<AgentSpec> parse_agent_spec(std::string_view text);
std::string to_string(const AgentSpec& spec);

// Where the agents live. Pacemaker builds these in at compile time; here
// they are options so tests run agents from a temporary directory.
struct AgentPaths {
  std::string ocf_root = "/usr/lib/ocf";  // agents in <ocf_root>/resource.d/<provider>/<type>
  std::string lsb_dir = "/etc/init.d";
  std::string systemctl = "/bin/systemctl";
  std::string fence_agent_dir = "/usr/sbin";  // fence agents (meta-data of stonith resources)
  // Vigil's Pacemaker-compatible tools for agents (attrd_updater,
  // crm_attribute, crm_master, crm_node: lib/agenttools): OCF agents get it
  // first in PATH and as HA_SBIN_DIR (ocf-shellfuncs keeps a set value).
  // Empty: neither is touched.
  std::string tools_dir;
};

// What a "service" agent stands for on this machine, as Pacemaker decides
// it: lsb when <lsb_dir>/<type> exists, else systemd.
struct AgentPaths;
AgentClass resolve_service(const AgentSpec& spec, const AgentPaths& paths);

struct OperationRequest {
  std::string rsc_id;  // OCF_RESOURCE_INSTANCE (clone instances: "web:0")
  AgentSpec agent;
  std::string action;       // start, stop, monitor, promote, demote, meta-data, validate-all,
                            // reload-agent, migrate_to, migrate_from, notify, ...
  Duration interval{0};     // > 0: recurring
  Duration timeout{0};      // 0: the executor's default
  Duration start_delay{0};  // CRM_meta_start_delay: wait this long before the first run
  // Instance attributes and the controller's CRM_meta_* entries. OCF agents
  // get each as OCF_RESKEY_<name> (OCF_CHECK_LEVEL as itself); LSB and
  // systemd agents take no parameters, as with Pacemaker.
  std::map<std::string, std::string> params;
  // Opaque to the executor, handed back with every result (the controller's
  // transition key).
  std::string user_data;
  // Recurring operations report their first result and then only changes;
  // set this to hear about every run instead.
  bool report_every_result = false;
};

struct OperationResult {
  int call_id = 0;
  std::string rsc_id;
  AgentSpec agent;
  std::string action;
  Duration interval{0};
  Duration timeout{0};
  OcfRc rc = OcfRc::kOk;
  ExecStatus status = ExecStatus::kDone;
  std::string exit_reason;         // from "ocf-exit-reason:" on stderr, or ours
  std::string output;              // stdout excerpt (bounded)
  std::string error_output;        // stderr excerpt (bounded)
  std::uint64_t output_bytes = 0;  // what the agent printed in all
  std::uint64_t error_output_bytes = 0;
  pid_t pid = 0;                   // 0 when no process ran
  Duration exec_time{0};           // from start to exit (and kill, on timeout)
  Duration queue_time{0};          // from the request (or interval expiry) to start
  std::int64_t run_at = 0;         // wall seconds at start: the CIB's last-run
  std::int64_t rc_changed_at = 0;  // wall seconds of the run that changed the result
  std::string user_data;
};

}  // namespace vigil::exec
