// SPDX-License-Identifier: GPL-2.0-or-later
// The cluster's life cycle over ssh, in pcs 0.11's words: `host auth`,
// `cluster setup|start|stop|enable|disable|kill|status|sync|destroy|node
// add|node remove|corosync`. The commands run shell commands on the nodes
// through a NodeRunner (ssh as root in production, a fake in tests); the
// services are driven with systemctl, or with the launcher a node names in
// VIGIL_LAUNCHER (its environment, or /etc/default/vigil), which takes
// systemctl's verbs: start|stop|kill|enable|disable|is-active|is-enabled
// followed by unit names (corosync.service, vigil.service).
// As pcs, a step that concerns several nodes runs on all of them at once
// (NodeRunner::run_all); its lines are printed in the nodes' order.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::admin {

struct NodeResult {
  int rc = 0;       // the remote command's exit status; 255: ssh itself failed
  std::string out;  // stdout
  std::string err;  // stderr
};

class NodeRunner {
 public:
  virtual ~NodeRunner() = default;
  // Runs `command` with sh on `node` (as root), `input` on its stdin. An
  // empty node: this machine, without ssh.
  virtual NodeResult run(const std::string& node, const std::string& command,
                         const std::string& input) = 0;

  struct Call {
    std::string node;
    std::string command;
    std::string input;
  };
  // Runs every call at once and returns their results in the calls' order
  // (pcs contacts the nodes in parallel). The default runs them in turn.
  virtual std::vector<NodeResult> run_all(const std::vector<Call>& calls) {
    std::vector<NodeResult> out;
    for (const auto& c : calls) out.push_back(run(c.node, c.command, c.input));
    return out;
  }
};

// ssh -o BatchMode=yes -o ConnectTimeout=SECONDS -T root@NODE -- COMMAND.
std::unique_ptr<NodeRunner> ssh_runner(int connect_timeout_s);

struct LifecycleEnv {
  NodeRunner* runner = nullptr;
  // This machine's corosync.conf; nullopt-like empty + !has_local_conf when missing.
  bool has_local_conf = false;
  std::string local_conf;
  std::function<std::string(std::size_t)> random_bytes;  // the authkey
  std::function<std::string()> uuid;                     // totem.cluster_uuid
  // Whether a name resolves (pcs refuses unresolvable addresses unless --force).
  std::function<bool(const std::string&)> resolves;
  // --corosync_conf PATH: pcs's local-only setup writes the file there.
  std::function<Status(const std::string& path, const std::string& text)> write_local_file;
  std::string out;  // stdout
  std::string err;  // stderr: pcs's progress lines, notes and warnings
  // At a terminal: prints the prompt and returns the answer's line (pcs
  // confirms `cluster destroy` there). Empty: not interactive, no question.
  std::function<std::string(const std::string& prompt)> ask;
  // The live cluster through this node's vigil-cib (unset: not reachable).
  // crm_mon's text view of the CIB (`cluster status`); an error when
  // vigil-cib cannot be reached.
  std::function<Result<std::string>()> monitor_text;
  // Removes a node's <node> and <node_state> from the CIB (`cluster node
  // remove`, as `crm_node --force -R NODE`).
  std::function<Status(const std::string& node)> remove_cib_node;
  // Called with each stderr line as it happens (a stop can take minutes).
  std::function<void(const std::string&)> on_err;

  void note(const std::string& text) {
    err += text;
    if (on_err) on_err(text);
  }
};

// Whether the words are one of these commands (they parse their own options).
bool is_lifecycle_command(const std::vector<std::string>& words);
// Runs one; an error's message is printed after "Error: " by the caller.
Status run_lifecycle(LifecycleEnv& env, const std::vector<std::string>& words);

// The command on this machine: ssh to the nodes (ConnectTimeout from
// $VIGIL_SSH_TIMEOUT, default 10 s), this machine's corosync.conf
// ($COROSYNC_MAIN_CONFIG_FILE or /etc/corosync/corosync.conf), keys from
// /dev/urandom. Prints and returns the exit code.
int run_lifecycle_on_system(const std::vector<std::string>& words);

// The remote shell text that runs `verb` on `units` through the node's
// launcher or systemctl (exposed for the tests).
std::string service_command(const std::string& verb, const std::vector<std::string>& units);

}  // namespace vigil::admin
