// SPDX-License-Identifier: GPL-2.0-or-later
// `host auth` and `cluster setup|start|stop|enable|disable|kill|status|sync|
// destroy|node add|node remove|corosync`: pcs 0.11's commands and messages,
// with root's ssh keys where pcs has pcsd. Every check runs on every node
// before anything is written anywhere.
#include "vigil/admin/cluster_lifecycle.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "vigil/admin/corosync_conf.hpp"

namespace vigil::admin {

namespace {

constexpr const char* kConfPath = "/etc/corosync/corosync.conf";
constexpr const char* kKeyPath = "/etc/corosync/authkey";
constexpr std::size_t kAuthkeyBytes = 256;  // what pcs generates for corosync
const std::vector<std::string> kStackUnits = {"corosync.service", "vigil.service"};
// `cluster kill` is pcs's `killall -9` of the stack: SIGKILL, not systemctl's SIGTERM.
const std::vector<std::string> kKillStack = {"--signal=SIGKILL", "corosync.service",
                                             "vigil.service"};

// The options these commands take, as given; each command says which it allows.
struct Opts {
  std::vector<std::string> args;
  std::map<std::string, std::string> values;  // --token, --name, --corosync_conf, -u, -p
  std::set<std::string> given;                // every option seen
  bool has(const std::string& o) const { return given.count(o) > 0; }
};

Result<Opts> parse_options(const std::vector<std::string>& words) {
  static const std::set<std::string> kSwitches = {"--all", "--force", "--start", "--enable",
                                                  "--no-cluster-uuid"};
  static const std::set<std::string> kValued = {"--token", "--name", "--corosync_conf", "-u", "-p"};
  Opts o;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const auto eq = w.find('=');
    const std::string key = w.rfind("--", 0) == 0 && eq != std::string::npos ? w.substr(0, eq) : w;
    if (kSwitches.count(w)) {
      o.given.insert(w);
    } else if (kValued.count(key)) {
      if (key != w) {
        o.values[key] = w.substr(eq + 1);
      } else if (i + 1 < words.size()) {
        o.values[key] = words[++i];
      } else {
        return Error(ErrorCode::kInvalidInput, "option " + key + " requires an argument");
      }
      o.given.insert(key);
    } else if (w == "-f" || (w.rfind("-f", 0) == 0 && w.size() > 2 && w[2] != '-')) {
      return Error(ErrorCode::kInvalidInput,
                   "Specified option '-f' is not supported in this command");
    } else if (w.size() > 1 && w[0] == '-' && !std::isdigit(static_cast<unsigned char>(w[1]))) {
      return Error(ErrorCode::kInvalidInput, "option " + key + " not recognized");
    } else {
      o.args.push_back(w);
    }
  }
  return o;
}

Status only(const Opts& o, std::initializer_list<const char*> allowed) {
  std::vector<std::string> bad;
  for (const auto& g : o.given) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return g == a; }))
      bad.push_back(g);
  }
  if (bad.empty()) return ok_status();
  std::string list;
  for (const auto& b : bad) list += (list.empty() ? "'" : ", '") + b + "'";
  return Error(ErrorCode::kInvalidInput,
               std::string("Specified option") + (bad.size() == 1 ? " " : "s ") + list + " " +
                   (bad.size() == 1 ? "is" : "are") + " not supported in this command");
}

Error unable_to_continue() {
  return Error(ErrorCode::kInvalidInput,
               "Errors have occurred, therefore vigil is unable to continue");
}

// Shell text quoting for one word.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A remote failure in words naming the node; ssh's own failures (255) are
// connection failures.
std::string failure(const std::string& node, const NodeResult& r, const std::string& what) {
  std::string reason = r.err;
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r')) reason.pop_back();
  if (const auto nl = reason.rfind('\n'); nl != std::string::npos) reason = reason.substr(nl + 1);
  if (r.rc == 255) {
    return "Unable to connect to " + node + " over ssh as root (" +
           (reason.empty() ? "ssh exited with 255" : reason) + ")";
  }
  return node + ": " + what + " failed (exit status " + std::to_string(r.rc) + ")" +
         (reason.empty() ? "" : ": " + reason);
}

std::string write_file_command(const std::string& path, const char* mode) {
  const std::string tmp = path + ".vigil-new";
  return std::string("umask 077 && mkdir -p /etc/corosync && cat > ") + sh_quote(tmp) +
         " && chmod " + mode + " " + sh_quote(tmp) + " && mv -f " + sh_quote(tmp) + " " +
         sh_quote(path);
}

// What a node says about itself before it joins a cluster.
struct Probe {
  bool reachable = false;
  bool vigil = false;
  bool conf = false;
  std::vector<std::string> running;
  std::string error;
};

// One command on every node at once (pcs's parallel calls); results in the
// nodes' order.
std::vector<NodeResult> on_all(NodeRunner& runner, const std::vector<std::string>& nodes,
                               const std::string& command, const std::string& input) {
  std::vector<NodeRunner::Call> calls;
  for (const auto& n : nodes) calls.push_back({n, command, input});
  return runner.run_all(calls);
}

// Every node's probe, all at once.
std::vector<Probe> probe_all(NodeRunner& runner, const std::vector<std::string>& nodes) {
  const std::string cmd =
      "if command -v vigil >/dev/null 2>&1; then echo vigil=yes; fi; "
      "if [ -e /etc/corosync/corosync.conf ]; then echo conf=yes; fi; " +
      service_command("is-active", {"corosync.service"}) +
      " >/dev/null 2>&1 && echo running=corosync; " +
      service_command("is-active", {"vigil.service"}) +
      " >/dev/null 2>&1 && echo running=vigil; exit 0";
  const std::vector<NodeResult> results = on_all(runner, nodes, cmd, "");
  std::vector<Probe> probes(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const NodeResult& r = results.at(i);
    Probe& p = probes[i];
    if (r.rc != 0) {
      p.error = failure(nodes[i], r, "checking the node");
      continue;
    }
    p.reachable = true;
    std::size_t start = 0;
    while (start < r.out.size()) {
      auto nl = r.out.find('\n', start);
      if (nl == std::string::npos) nl = r.out.size();
      const std::string line = r.out.substr(start, nl - start);
      if (line == "vigil=yes") p.vigil = true;
      if (line == "conf=yes") p.conf = true;
      if (line.rfind("running=", 0) == 0) p.running.push_back(line.substr(8));
      start = nl + 1;
    }
  }
  return probes;
}

std::string not_installed(const std::string& node) {
  return node +
         ": Required cluster services not installed: 'vigil' (no 'vigil' in the PATH of "
         "root's ssh session)";
}

// The nodes of this machine's corosync.conf.
Result<std::vector<std::string>> local_nodes(const LifecycleEnv& env) {
  if (!env.has_local_conf) {
    return Error(ErrorCode::kNotFound, "cluster is not currently configured on this node");
  }
  auto conf = corosync::parse(env.local_conf);
  if (!conf) return conf.error();
  std::vector<std::string> names;
  for (const auto& n : corosync::nodes(*conf)) names.push_back(n.name);
  if (names.empty()) return Error(ErrorCode::kInvalidInput, "No nodes found in corosync.conf");
  return names;
}

// --all: every node of corosync.conf; names: those; nothing: this node ("").
Result<std::vector<std::string>> targets(const LifecycleEnv& env, const Opts& o) {
  if (o.has("--all")) {
    if (!o.args.empty()) {
      return Error(ErrorCode::kInvalidInput, "Cannot specify both --all and a list of nodes.");
    }
    return local_nodes(env);
  }
  if (o.args.empty()) return std::vector<std::string>{""};
  std::vector<std::string> out;
  for (const auto& a : o.args) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

// Sends one file to every node; pcs's progress lines. False on the first failure.
Status distribute(LifecycleEnv& env, const std::vector<std::string>& nodes,
                  const std::string& label, const std::string& path, const char* mode,
                  const std::string& data) {
  env.note("Sending '" + label + "' to " + corosync::format_list(nodes) + "\n");
  std::vector<std::string> errors;
  const auto results = on_all(*env.runner, nodes, write_file_command(path, mode), data);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string& n = nodes[i];
    if (results.at(i).rc != 0) {
      errors.push_back(failure(n, results[i], "writing " + path));
      continue;
    }
    env.note(n + ": successful distribution of the file '" + label + "'\n");
  }
  if (errors.empty()) return ok_status();
  for (const auto& e : errors) env.note("Error: " + e + "\n");
  return unable_to_continue();
}

// What `cluster destroy` does on one node: services stopped and disabled,
// configuration and cluster state removed.
std::string destroy_command() {
  return service_command("stop", {"vigil.service"}) + " >/dev/null 2>&1; " +
         service_command("stop", {"corosync.service"}) + " >/dev/null 2>&1; " +
         service_command("kill", kKillStack) + " >/dev/null 2>&1; " +
         service_command("disable", kStackUnits) + " >/dev/null 2>&1; " +
         "rm -f /etc/corosync/corosync.conf /etc/corosync/authkey && "
         "d=${VIGIL_STATE_DIR:-/var/lib/vigil} && rm -rf \"$d\"/cib/* \"$d\"/pengine/*";
}

Status destroy_on(LifecycleEnv& env, const std::vector<std::string>& nodes) {
  env.note("Destroying cluster on hosts: " + corosync::format_list(nodes) + "...\n");
  std::vector<std::string> errors;
  const auto results = on_all(*env.runner, nodes, destroy_command(), "");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (results.at(i).rc != 0) {
      errors.push_back(failure(nodes[i], results[i], "destroying the cluster"));
    } else {
      env.note(nodes[i] + ": Successfully destroyed cluster\n");
    }
  }
  if (errors.empty()) return ok_status();
  std::string msg = "unable to destroy cluster";
  for (const auto& e : errors) msg += "\n" + e;
  return Error(ErrorCode::kFailed, msg);
}

// start|stop|enable|disable|kill on each node; pcs's lines and its
// "unable to <verb> all nodes" summary.
// `library`: the words of pcs's library (setup --start/--enable, node add):
// "Starting cluster on hosts: ...", then "node1: Cluster started".
Status drive(LifecycleEnv& env, const std::string& verb, const std::vector<std::string>& nodes,
             bool library = false) {
  std::map<std::string, std::string> errors;
  if (library) {
    env.note((verb == "start" ? "Starting" : "Enabling") + std::string(" cluster on hosts: ") +
             corosync::format_list(nodes) + "...\n");
  }
  // pcs's report: one stderr line per node, what the node said or why it
  // failed; this node's own lines carry no name. A phase runs on every node
  // still without error at once (pcs's parallel calls); its lines follow the
  // nodes' order.
  auto phase = [&](const std::string& cmd, const std::string& line) {
    std::vector<NodeRunner::Call> calls;
    for (const auto& n : nodes) {
      if (!errors.count(n)) calls.push_back({n, cmd, ""});
    }
    if (calls.empty()) return;
    const std::vector<NodeResult> results = env.runner->run_all(calls);
    for (std::size_t i = 0; i < calls.size() && i < results.size(); ++i) {
      const std::string& node = calls[i].node;
      const NodeResult& r = results[i];
      const std::string prefix = node.empty() ? "" : node + ": ";
      if (r.rc != 0) {
        // A node's own failure names it; a connection failure gets pcs's prefix.
        errors[node] =
            (r.rc == 255 ? prefix : "") + failure(node.empty() ? "this node" : node, r, verb);
        if (!node.empty()) env.note(errors[node] + "\n");
      } else if (!line.empty()) {
        env.note(prefix + line + "\n");
      }
    }
  };
  if (verb == "start") {
    for (const auto& n : nodes) {
      if (n.empty() && !env.has_local_conf) {
        return Error(ErrorCode::kNotFound, "cluster is not currently configured on this node");
      }
    }
    phase(service_command("start", {"corosync.service"}) + " && " +
              service_command("start", {"vigil.service"}),
          library ? "Cluster started" : "Starting Cluster...");
  } else if (verb == "stop") {
    // Resources stop while corosync still carries the membership: vigil
    // everywhere, then corosync everywhere.
    phase(service_command("stop", {"vigil.service"}), "Stopping Cluster (pacemaker)...");
    phase(service_command("stop", {"corosync.service"}), "Stopping Cluster (corosync)...");
  } else if (verb == "kill") {
    phase(service_command("kill", kKillStack), "");
  } else {
    const bool enable = verb == "enable";
    // This node's own enable/disable prints nothing.
    const std::string line =
        library ? "Cluster enabled" : std::string("Cluster ") + (enable ? "Enabled" : "Disabled");
    phase(service_command(verb, kStackUnits), nodes.size() == 1 && nodes[0].empty() ? "" : line);
  }
  if (errors.empty()) return ok_status();
  std::string msg = "unable to " + verb + " all nodes";
  for (const auto& [n, e] : errors) msg += "\n" + e;
  return Error(ErrorCode::kFailed, msg);
}

Status host_auth(LifecycleEnv& env, const std::vector<std::string>& nodes) {
  if (nodes.empty()) {
    return Error(ErrorCode::kInvalidInput, "usage: host auth (<host name>)...");
  }
  std::vector<std::string> errors;
  for (const auto& n : nodes) {
    if (n.find('=') != std::string::npos) {
      return Error(ErrorCode::kUnsupported,
                   "'" + n +
                       "': vigil reaches nodes by name over ssh and keeps no address book; "
                       "add the address to /etc/hosts or root's ~/.ssh/config instead");
    }
  }
  const std::vector<Probe> probes = probe_all(*env.runner, nodes);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string& n = nodes[i];
    const Probe& p = probes[i];
    if (!p.reachable) {
      errors.push_back(p.error);
    } else if (!p.vigil) {
      errors.push_back(not_installed(n));
    } else {
      env.note(n + ": Authorized\n");
    }
  }
  if (errors.empty()) return ok_status();
  for (const auto& e : errors) env.note("Error: " + e + "\n");
  return unable_to_continue();
}

Status setup(LifecycleEnv& env, const Opts& o) {
  std::vector<std::string> words = o.args;
  if (o.has("--name")) {
    // pcs 0.9: `cluster setup --name NAME NODE...`.
    env.note(
        "Warning: 'cluster setup --name NAME NODE...' is pcs 0.9's form; pcs 0.11 and "
        "vigil: 'cluster setup NAME NODE...'\n");
    words.insert(words.begin(), o.values.at("--name"));
  }
  auto spec = corosync::parse_setup(words);
  if (!spec) return spec.error();
  if (o.has("--token")) spec->totem["token"] = o.values.at("--token");
  const bool force = o.has("--force");
  const bool local_only = o.has("--corosync_conf");
  std::vector<std::string> errors;
  std::vector<std::string> unresolved;
  for (const auto& n : spec->nodes) {
    if (n.addrs.empty()) {
      env.note("No addresses specified for host '" + n.name + "', using '" + n.name + "'\n");
    }
    for (const auto& a : n.addrs.empty() ? std::vector<std::string>{n.name} : n.addrs) {
      if (env.resolves && !env.resolves(a)) unresolved.push_back(a);
    }
  }
  if (!unresolved.empty()) {
    const std::string msg = "Unable to resolve addresses: " + corosync::format_list(unresolved);
    if (force) {
      env.note("Warning: " + msg + "\n");
    } else {
      errors.push_back(msg + ", use --force to override");
    }
  }
  for (auto& e : corosync::validate_setup(*spec)) errors.push_back(std::move(e));
  std::vector<std::string> names;
  for (const auto& n : spec->nodes) names.push_back(n.name);
  if (!local_only) {
    // Every node: reachable, vigil installed, in no cluster.
    const std::vector<Probe> probes = probe_all(*env.runner, names);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string& n = names[i];
      const Probe& p = probes[i];
      if (!p.reachable) {
        errors.push_back(p.error);
        continue;
      }
      if (!p.vigil) errors.push_back(not_installed(n));
      std::vector<std::string> in_cluster;
      if (!p.running.empty()) {
        in_cluster.push_back(n +
                             ": The host seems to be in a cluster already as the following "
                             "services are found to be running: " +
                             corosync::format_list(p.running) +
                             ". If the host is not part of a cluster, stop the services and "
                             "retry");
      }
      if (p.conf) {
        in_cluster.push_back(n +
                             ": The host seems to be in a cluster already as cluster "
                             "configuration files have been found on the host. If the host is "
                             "not part of a cluster, run 'vigil cluster destroy' on host '" +
                             n + "' to remove those configuration files");
      }
      for (auto& m : in_cluster) {
        if (force) {
          env.note("Warning: " + m + "\n");
        } else {
          errors.push_back(m + ", use --force to override");
        }
      }
    }
  }
  if (!errors.empty()) {
    for (const auto& e : errors) env.note("Error: " + e + "\n");
    return unable_to_continue();
  }
  const std::string text = corosync::export_conf(
      corosync::create_conf(*spec, o.has("--no-cluster-uuid") ? "" : env.uuid()));
  if (local_only) return env.write_local_file(o.values.at("--corosync_conf"), text);
  if (auto st = destroy_on(env, names); !st) return st;
  if (auto st = distribute(env, names, "corosync authkey", kKeyPath, "0400",
                           env.random_bytes(kAuthkeyBytes));
      !st)
    return st;
  if (auto st = distribute(env, names, "corosync.conf", kConfPath, "0644", text); !st) return st;
  env.note("Cluster has been successfully set up.\n");
  if (o.has("--enable")) {
    if (auto st = drive(env, "enable", names, true); !st) return st;
  }
  if (o.has("--start")) return drive(env, "start", names, true);
  return ok_status();
}

// Sends corosync.conf to `nodes` and reloads it where corosync runs.
Status push_conf(LifecycleEnv& env, const std::vector<std::string>& nodes, const std::string& text,
                 bool pcs_add_remove_words) {
  if (pcs_add_remove_words) {
    env.note("Sending updated corosync.conf to nodes...\n");
    std::vector<std::string> errors;
    const auto results = on_all(*env.runner, nodes, write_file_command(kConfPath, "0644"), text);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (results.at(i).rc != 0) {
        errors.push_back(failure(nodes[i], results[i], "writing corosync.conf"));
      } else {
        env.note(nodes[i] + ": Succeeded\n");
      }
    }
    if (!errors.empty()) {
      for (const auto& e : errors) env.note("Error: " + e + "\n");
      return unable_to_continue();
    }
  } else if (auto st = distribute(env, nodes, "corosync.conf", kConfPath, "0644", text); !st) {
    return st;
  }
  const auto reloads = on_all(*env.runner, nodes,
                              service_command("is-active", {"corosync.service"}) +
                                  " >/dev/null 2>&1 || exit 3; corosync-cfgtool -R >/dev/null",
                              "");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const NodeResult& r = reloads.at(i);
    if (r.rc == 0) env.note(nodes[i] + ": Corosync configuration reloaded\n");
    if (r.rc != 0 && r.rc != 3) {
      env.note("Warning: " + failure(nodes[i], r, "corosync-cfgtool -R") + "\n");
    }
  }
  return ok_status();
}

Status node_add(LifecycleEnv& env, const Opts& o) {
  if (o.args.empty())
    return Error(ErrorCode::kInvalidInput,
                 "usage: cluster node add <node name> [addr=<node address>]...");
  if (!env.has_local_conf) {
    return Error(ErrorCode::kNotFound, "cluster is not currently configured on this node");
  }
  auto conf = corosync::parse(env.local_conf);
  if (!conf) return conf.error();
  const std::string name = o.args[0];
  std::vector<std::string> addrs;
  for (std::size_t i = 1; i < o.args.size(); ++i) {
    if (o.args[i].rfind("addr=", 0) != 0) {
      return Error(ErrorCode::kUnsupported, "'" + o.args[i] +
                                                "': only addr= is supported by vigil in 'cluster "
                                                "node add' (no sbd watchdog or device)");
    }
    addrs.push_back(o.args[i].substr(5));
  }
  if (addrs.empty()) addrs.push_back(name);
  std::vector<std::string> existing, errors;
  for (const auto& n : corosync::nodes(*conf)) {
    existing.push_back(n.name);
    if (n.name == name) {
      errors.push_back("Node name '" + name +
                       "' is already used by existing nodes; please, use other name");
    }
    for (const auto& a : addrs) {
      if (std::find(n.addrs.begin(), n.addrs.end(), a) != n.addrs.end()) {
        errors.push_back("Node address '" + a +
                         "' is already used by existing nodes; please, use other address");
      }
    }
  }
  const Probe p = probe_all(*env.runner, {name}).front();
  if (!p.reachable) {
    errors.push_back(p.error);
  } else {
    if (!p.vigil) errors.push_back(not_installed(name));
    if (p.conf || !p.running.empty()) {
      const std::string m = name +
                            ": The host seems to be in a cluster already as cluster "
                            "configuration files have been found on the host. If the host is "
                            "not part of a cluster, run 'vigil cluster destroy' on host '" +
                            name + "' to remove those configuration files";
      if (o.has("--force")) {
        env.note("Warning: " + m + "\n");
      } else {
        errors.push_back(m + ", use --force to override");
      }
    }
  }
  const NodeResult key = env.runner->run("", "cat /etc/corosync/authkey", "");
  if (key.rc != 0) errors.push_back(failure("this node", key, "reading /etc/corosync/authkey"));
  if (!errors.empty()) {
    for (const auto& e : errors) env.note("Error: " + e + "\n");
    return unable_to_continue();
  }
  corosync::add_node(*conf, name, addrs);
  if (auto st = distribute(env, {name}, "corosync authkey", kKeyPath, "0400", key.out); !st)
    return st;
  existing.push_back(name);
  if (auto st = push_conf(env, existing, corosync::export_conf(*conf), true); !st) return st;
  if (o.has("--enable")) {
    if (auto st = drive(env, "enable", {name}, true); !st) return st;
  }
  if (o.has("--start")) return drive(env, "start", {name}, true);
  return ok_status();
}

Status node_remove(LifecycleEnv& env, const Opts& o) {
  if (o.args.size() != 1)
    return Error(ErrorCode::kInvalidInput, "usage: cluster node remove <node name>");
  if (!env.has_local_conf) {
    return Error(ErrorCode::kNotFound, "cluster is not currently configured on this node");
  }
  auto conf = corosync::parse(env.local_conf);
  if (!conf) return conf.error();
  const std::string name = o.args[0];
  if (!corosync::remove_node(*conf, name)) {
    return Error(ErrorCode::kNotFound,
                 "Node '" + name + "' does not appear to exist in configuration");
  }
  std::vector<std::string> rest;
  for (const auto& n : corosync::nodes(*conf)) rest.push_back(n.name);
  if (rest.empty()) {
    return Error(ErrorCode::kInvalidInput, "Cannot remove all cluster nodes");
  }
  // The nodes that stay must all take the new corosync.conf: checked first.
  std::vector<std::string> errors;
  for (const Probe& p : probe_all(*env.runner, rest)) {
    if (!p.reachable) errors.push_back(p.error);
  }
  if (!errors.empty()) {
    for (const auto& e : errors) env.note("Error: " + e + "\n");
    return unable_to_continue();
  }
  // The node leaves first (its resources move while it is still a member).
  if (auto st = drive(env, "stop", {name}); !st) {
    if (!o.has("--force"))
      return Error(ErrorCode::kFailed, st.error().message() + ", use --force to override");
    env.note("Warning: " + st.error().message() + "\n");
  }
  if (auto st = destroy_on(env, {name}); !st) {
    if (!o.has("--force")) return st;
    env.note("Warning: " + st.error().message() + "\n");
  }
  if (auto st = push_conf(env, rest, corosync::export_conf(*conf), true); !st) return st;
  // pcs then removes the node from the CIB (crm_node --force -R), through
  // this node's vigil-cib.
  if (!env.remove_cib_node) {
    return Error(ErrorCode::kUnsupported,
                 "'" + name +
                     "' was removed from corosync.conf but not from the CIB: vigil-cib "
                     "is not reachable from here");
  }
  if (auto st = env.remove_cib_node(name); !st) {
    return Error(ErrorCode::kFailed,
                 "Unable to remove node '" + name + "' from the CIB: " + st.error().message());
  }
  return ok_status();
}

// pcs's `cluster status`: the summary and node list of `crm_mon -1 -r`
// (up to its second empty line, each line after a space), then where pcs
// asks each node's pcsd, whether each node answers over ssh.
Status cluster_status(LifecycleEnv& env) {
  auto names = local_nodes(env);
  if (!names) return names.error();
  Result<std::string> text = env.monitor_text
                                 ? env.monitor_text()
                                 : Result<std::string>(Error(ErrorCode::kIo, "no vigil-cib"));
  if (!text) return Error(ErrorCode::kFailed, "cluster is not currently running on this node");
  env.out += "Cluster Status:\n";
  bool had_empty = false;
  std::size_t start = 0;
  while (start < text->size()) {
    auto nl = text->find('\n', start);
    if (nl == std::string::npos) nl = text->size();
    const std::string line = text->substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) {
      if (had_empty) break;
      had_empty = true;
      continue;
    }
    env.out += " " + line + "\n";
  }
  env.out += "\nPCSD Status:\n";
  const std::vector<NodeResult> results = on_all(*env.runner, *names, "exit 0", "");
  for (std::size_t i = 0; i < names->size(); ++i) {
    const bool online = results.at(i).rc == 0;
    env.out += "  " + (*names)[i] + ": " + (online ? "Online" : "Offline") + "\n";
  }
  return ok_status();
}

Status run_cluster(LifecycleEnv& env, const std::string& sub, Opts& o) {
  if (sub == "auth") {
    // pcs 0.9: `cluster auth NODE... -u hacluster -p PASS`.
    if (auto st = only(o, {"-u", "-p"}); !st) return st;
    if (!o.args.empty()) {
      env.note(
          "Warning: 'cluster auth NODE...' is pcs 0.9's form; pcs 0.11 and vigil: 'host "
          "auth NODE...'\n");
    }
    if (o.has("-u") || o.has("-p")) {
      env.note("Warning: vigil reaches the nodes with root's ssh keys; -u and -p are not used\n");
    }
    if (!o.args.empty()) return host_auth(env, o.args);
    auto names = local_nodes(env);
    if (!names) return names.error();
    return host_auth(env, *names);
  }
  if (sub == "setup") {
    if (auto st = only(o, {"--name", "--token", "--force", "--start", "--enable",
                           "--no-cluster-uuid", "--corosync_conf"});
        !st)
      return st;
    if (o.has("--corosync_conf") && (o.has("--start") || o.has("--enable"))) {
      return Error(ErrorCode::kInvalidInput,
                   "Cannot specify '--enable', '--start' when '--corosync_conf' is specified");
    }
    return setup(env, o);
  }
  if (sub == "start" || sub == "stop" || sub == "enable" || sub == "disable" || sub == "kill") {
    if (auto st = only(o, {"--all"}); !st) return st;
    auto nodes = targets(env, o);
    if (!nodes) return nodes.error();
    return drive(env, sub, *nodes);
  }
  if (sub == "status") {
    if (auto st = only(o, {}); !st) return st;
    if (!o.args.empty()) return Error(ErrorCode::kInvalidInput, "usage: cluster status");
    return cluster_status(env);
  }
  if (sub == "sync") {
    if (auto st = only(o, {}); !st) return st;
    auto names = local_nodes(env);
    if (!names) return names.error();
    return push_conf(env, *names, env.local_conf, false);
  }
  if (sub == "destroy") {
    if (auto st = only(o, {"--all", "--force"}); !st) return st;
    if (!o.args.empty()) return Error(ErrorCode::kInvalidInput, "usage: cluster destroy [--all]");
    // pcs asks at a terminal only (scripts destroy without a question).
    if (env.ask) {
      env.note(
          "Warning: It is recommended to run 'vigil cluster stop' before destroying the "
          "cluster.\n");
      const std::string what =
          "This would kill all cluster processes and then PERMANENTLY remove cluster state and "
          "configuration";
      if (o.has("--force")) {
        env.note("Warning: " + what + "\n");
      } else {
        const auto answer = env.ask("WARNING: " + what +
                                    "\nType 'yes' or 'y' to proceed, anything else to cancel: ");
        if (answer != "yes" && answer != "y") return ok_status();
      }
    }
    if (o.has("--all")) {
      auto names = local_nodes(env);
      if (!names) return names.error();
      return destroy_on(env, *names);
    }
    env.note(
        "Shutting down pacemaker/corosync services...\nKilling any remaining services...\n"
        "Removing all cluster configuration files...\n");
    const NodeResult r = env.runner->run("", destroy_command(), "");
    if (r.rc != 0) return Error(ErrorCode::kFailed, failure("this node", r, "destroy"));
    return ok_status();
  }
  if (sub == "node") {
    const std::string verb = o.args.empty() ? "" : o.args[0];
    if (!o.args.empty()) o.args.erase(o.args.begin());
    if (verb == "add") {
      if (auto st = only(o, {"--start", "--enable", "--force"}); !st) return st;
      return node_add(env, o);
    }
    if (verb == "remove" || verb == "delete") {
      if (auto st = only(o, {"--force"}); !st) return st;
      return node_remove(env, o);
    }
    return Error(ErrorCode::kUnsupported,
                 "'cluster node " + verb + "' is not supported by vigil (add, remove)");
  }
  if (sub == "corosync") {
    if (auto st = only(o, {}); !st) return st;
    if (o.args.size() > 1)
      return Error(ErrorCode::kInvalidInput, "usage: cluster corosync [<node>]");
    if (o.args.empty()) {
      if (!env.has_local_conf) {
        return Error(ErrorCode::kNotFound,
                     "Unable to read /etc/corosync/corosync.conf: No such file or directory");
      }
      env.out += env.local_conf;
      return ok_status();
    }
    const NodeResult r = env.runner->run(o.args[0], "cat /etc/corosync/corosync.conf", "");
    if (r.rc != 0) return Error(ErrorCode::kFailed, failure(o.args[0], r, "reading corosync.conf"));
    env.out += r.out;
    return ok_status();
  }
  return Error(ErrorCode::kUnsupported, "'cluster " + sub +
                                            "' is not supported by vigil yet; supported: setup, "
                                            "start, stop, enable, disable, kill, status, sync, "
                                            "destroy, node add, node remove, corosync, auth, cib");
}

}  // namespace

std::string service_command(const std::string& verb, const std::vector<std::string>& units) {
  // The launcher: VIGIL_LAUNCHER from the session's environment, else from
  // /etc/default/vigil (a shell-compatible environment file, read in a
  // subshell), else systemctl.
  std::string cmd =
      "{ l=${VIGIL_LAUNCHER:-}; if [ -z \"$l\" ] && [ -r /etc/default/vigil ]; then "
      "l=$(. /etc/default/vigil >/dev/null 2>&1; printf %s \"${VIGIL_LAUNCHER:-}\"); fi; "
      "${l:-systemctl} " +
      sh_quote(verb);
  for (const auto& u : units) cmd += " " + sh_quote(u);
  return cmd + "; }";
}

bool is_lifecycle_command(const std::vector<std::string>& words) {
  // The first two words that are not options (nor -f's file).
  std::vector<std::string> first;
  for (std::size_t i = 0; i < words.size() && first.size() < 2; ++i) {
    if (words[i] == "-f") {
      ++i;
    } else if (words[i].empty() || words[i][0] != '-') {
      first.push_back(words[i]);
    }
  }
  if (first.empty()) return false;
  if (first[0] == "host") return true;
  return first[0] == "cluster" && !(first.size() == 2 && first[1] == "cib");
}

Status run_lifecycle(LifecycleEnv& env, const std::vector<std::string>& words) {
  auto o = parse_options(words);
  if (!o) return o.error();
  if (o->args.size() < 2) {
    return Error(ErrorCode::kInvalidInput, o->args.empty() || o->args[0] == "host"
                                               ? "usage: host auth (<host name>)..."
                                               : "usage: cluster <command>");
  }
  const std::string group = o->args[0];
  const std::string sub = o->args[1];
  o->args.erase(o->args.begin(), o->args.begin() + 2);
  if (group == "host") {
    if (sub != "auth") {
      return Error(ErrorCode::kUnsupported, "'host " + sub + "' is not supported by vigil (auth)");
    }
    if (auto st = only(*o, {"-u", "-p"}); !st) return st;
    if (o->has("-u") || o->has("-p")) {
      env.note("Warning: vigil reaches the nodes with root's ssh keys; -u and -p are not used\n");
    }
    return host_auth(env, o->args);
  }
  return run_cluster(env, sub, *o);
}

}  // namespace vigil::admin
