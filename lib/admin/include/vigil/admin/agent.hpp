// SPDX-License-Identifier: GPL-2.0-or-later
// Resource agents as `resource create` sees them: the name
// (class:provider:type) and the metadata that gives default operations and
// the allowed parameters. Metadata comes through an interface so tests can
// feed it without agents installed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

struct _xmlNode;  // libxml2's xmlNode

namespace vigil::admin {

struct AgentName {
  std::string standard;  // "ocf", "systemd", "stonith" ...
  std::string provider;  // only for ocf
  std::string type;
  std::string full() const;  // "ocf:heartbeat:IPaddr2"
};

// Parses CLASS:PROVIDER:TYPE (ocf) or CLASS:TYPE; anything else fails with
// pcs's "Invalid resource agent name ..." message.
Result<AgentName> parse_agent_name(std::string_view text);

struct AgentAction {
  std::string name;
  std::string interval;  // as the metadata says, may be empty
  std::string timeout;
  std::string role;
  std::string depth;
  std::string start_delay = {};  // start-delay
};

struct AgentParameter {
  std::string name;
  bool required = false;
  bool deprecated = false;
  std::string obsoletes;  // the deprecated parameter this one replaces
  std::string shortdesc;
  bool advanced = false;  // shown by `describe --full` only
  // What `resource describe` shows besides (pcs reads descriptions as the
  // text before an element's first child, trimmed).
  std::string longdesc = {};
  bool unique = false;            // OCF 1.0's unique="1"
  std::string unique_group = {};  // OCF 1.1's unique-group
  // OCF 1.1's <deprecated>: the parameters replacing it and why.
  std::vector<std::string> replaced_with = {};
  std::string deprecated_desc = {};
};

struct AgentMetadata {
  std::vector<AgentAction> actions;  // in metadata order
  std::vector<AgentParameter> parameters;
  // Of the agent: <shortdesc>, else (fence agents, OCF 1.0 only) the root's
  // shortdesc attribute.
  std::string shortdesc;
  std::string longdesc;
  // The OCF API version of <version> ("1.0" when absent): pcs checks
  // promotability only for 1.1 agents.
  std::string ocf_version = "1.0";
  bool has_action(std::string_view name) const {
    for (const auto& a : actions) {
      if (a.name == name) return true;
    }
    return false;
  }
};

// pcs's error for an agent crm_resource has no meta-data of ("Agent 'X' is
// not installed or does not provide valid metadata: crm_resource: ...").
std::string agent_not_installed(const AgentName& agent);

// Parses an OCF meta-data document (<resource-agent>), trimmed of
// surrounding whitespace first as pcs does. Malformed XML fails with pcs's
// (lxml's) words: libxml2's first error, "line L, column C (<string>, line
// L)"; so does meta-data pcs's schemas refuse, for the rules
// resource_describe.cpp checks.
Result<AgentMetadata> parse_agent_metadata(std::string_view xml_text);

// The first rule of pcs's meta-data schemas `root` breaks, in libxml2's
// words ("Invalid attribute required for element parameter, line 3"), or
// empty (agent_schema.cpp).
std::string ocf_schema_problem(const ::_xmlNode* root);

// `s` without the whitespace around it (Python's str.strip()).
std::string trimmed(const std::string& s);

// What running one agent action by hand gave (`resource debug-*`).
struct AgentRun {
  bool done = true;         // the agent ran to its end (else `status` says why not)
  int rc = 0;               // its OCF result
  std::string rc_text;      // "ok", "not running" ...
  std::string status;       // when not done: "Timed Out", "Error" ...
  std::string exit_reason;  // from ocf-exit-reason:, or empty
  std::string out, err;     // what it printed
};

class MetadataSource {
 public:
  virtual ~MetadataSource() = default;
  virtual Result<AgentMetadata> metadata(const AgentName& agent) const = 0;
  // The installed fence agents' names (fence_*), sorted.
  virtual std::vector<std::string> fence_agents() const { return {}; }
  // Runs `action` of the agent once, here, with these instance attributes
  // (OCF_RESKEY_*), as crm_resource --force-* does.
  virtual Result<AgentRun> run_action(const AgentName& agent, const std::string& rsc_id,
                                      const std::string& action,
                                      const std::map<std::string, std::string>& params) const {
    (void)rsc_id, (void)action, (void)params;
    return Error(ErrorCode::kUnsupported,
                 "running agent " + agent.full() + " is not supported by this metadata source");
  }
  // What is installed here, as crm_resource --list-standards,
  // --list-ocf-providers and --list-agents STANDARD[:PROVIDER] list it
  // (agent_classes.cpp): the standards (ocf, lsb, service, systemd while
  // systemd runs, stonith), the OCF providers, and the agents of a standard
  // (an empty provider: every ocf provider's; unsorted, repeats possible;
  // none for an unknown standard or provider).
  virtual std::vector<std::string> standards() const { return {}; }
  virtual std::vector<std::string> ocf_providers() const { return {}; }
  virtual std::vector<std::string> list_agents(const std::string& standard,
                                               const std::string& provider) const {
    (void)standard, (void)provider;
    return {};
  }
  // pcs's short agent names ("IPaddr2"): the agents of every standard (and
  // ocf provider) whose type is `type` in any case, sorted by full name.
  virtual std::vector<AgentName> agents_of_type(const std::string& type) const;
};

// Runs the agent's meta-data action, as pcs does through crm_resource; a
// run longer than `timeout` is killed and is an error.
// - ocf: `<ocf_root>/resource.d/<provider>/<type> meta-data` through
//   lib/exec's executor (the OCF environment vigil-lrmd gives agents);
// - stonith: `<fence_dir>/<type> -o metadata` (the fence-agents API) through
//   lib/exec's spawner.
// - lsb, service, systemd: as Pacemaker generates it (agent_classes.cpp);
// other standards are not installed.
class OcfMetadataSource : public MetadataSource {
 public:
  explicit OcfMetadataSource(std::string ocf_root = "/usr/lib/ocf",
                             Duration timeout = std::chrono::seconds(30),
                             std::string fence_dir = "/usr/sbin")
      : root_(std::move(ocf_root)), timeout_(timeout), fence_dir_(std::move(fence_dir)) {}
  Result<AgentMetadata> metadata(const AgentName& agent) const override;
  std::vector<std::string> fence_agents() const override;
  Result<AgentRun> run_action(const AgentName& agent, const std::string& rsc_id,
                              const std::string& action,
                              const std::map<std::string, std::string>& params) const override;
  std::vector<std::string> standards() const override;
  std::vector<std::string> ocf_providers() const override;
  std::vector<std::string> list_agents(const std::string& standard,
                                       const std::string& provider) const override;

  // Where the other classes' agents are (tests point these elsewhere).
  struct ServicePaths {
    std::string lsb_dir = "/etc/init.d";
    // Exists while systemd runs the machine (sd_booted()); without it, as
    // Pacemaker without a D-Bus connection to systemd, there are no
    // systemd agents.
    std::string systemd_run_dir = "/run/systemd/system";
    std::string systemctl = "/bin/systemctl";
    // cluster-glue's fence plugins, which crm_resource lists as stonith
    // agents next to the fence_* ones.
    std::string lha_stonith_dir = "/usr/lib/stonith/plugins";
  };
  void set_service_paths(ServicePaths paths) { services_ = std::move(paths); }

 private:
  Result<AgentMetadata> stonith_metadata(const AgentName& agent) const;
  Result<AgentMetadata> service_metadata(const AgentName& agent) const;
  // The class vigil-lrmd runs the agent as (service: lsb when the init
  // script exists, else systemd), or an error naming why it cannot run.
  Result<std::string> resolved_class(const AgentName& agent) const;
  // The class crm_resource runs the agent as by hand: service resolved to
  // lsb or systemd ("unspecified" when neither has it).
  std::string manual_class(const AgentName& agent) const;
  bool systemd_running() const;
  std::vector<std::string> systemd_units() const;
  std::string root_;
  Duration timeout_;
  std::string fence_dir_;
  ServicePaths services_;
};

// The fence agents installed in `dir`: executable regular files named
// fence_*, sorted by name.
std::vector<std::string> list_fence_agents(const std::string& dir);

}  // namespace vigil::admin
