// SPDX-License-Identifier: GPL-2.0-or-later
// The life-cycle commands against a fake NodeRunner: nodes that answer or
// not, have vigil or not, already hold a cluster or not; what is written
// where (nothing when a check fails), pcs's lines, and the launcher switch
// run by a real shell.
#include "vigil/admin/cluster_lifecycle.hpp"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "vigil/admin/corosync_conf.hpp"

namespace {

using vigil::admin::LifecycleEnv;
using vigil::admin::NodeResult;
using vigil::admin::NodeRunner;

struct FakeNode {
  bool reachable = true;
  bool vigil = true;
  std::map<std::string, std::string> files;  // path -> content
  std::set<std::string> running;             // "corosync", "vigil"
  std::set<std::string> enabled;
};

// Understands the few shell commands the lifecycle sends (by what they
// contain) and keeps every node's files and services.
class FakeRunner final : public NodeRunner {
 public:
  std::map<std::string, FakeNode> nodes;
  std::vector<std::pair<std::string, std::string>> log;  // node, what happened

  NodeResult run(const std::string& node, const std::string& cmd,
                 const std::string& input) override {
    FakeNode& n = nodes[node];
    if (!n.reachable) {
      log.emplace_back(node, "refused");
      return {255, "", "ssh: connect to host " + node + " port 22: Connection refused\n"};
    }
    if (cmd.find("command -v vigil") != std::string::npos) {
      std::string out;
      if (n.vigil) out += "vigil=yes\n";
      if (n.files.count("/etc/corosync/corosync.conf")) out += "conf=yes\n";
      for (const auto& s : n.running) out += "running=" + s + "\n";
      log.emplace_back(node, "probe");
      return {0, out, ""};
    }
    if (const auto at = cmd.find("cat > '"); at != std::string::npos) {
      const auto end = cmd.find(".vigil-new'", at);
      const std::string path = cmd.substr(at + 7, end - at - 7);
      n.files[path] = input;
      log.emplace_back(node, "write " + path);
      return {0, "", ""};
    }
    if (cmd.find("rm -f /etc/corosync/corosync.conf") != std::string::npos) {
      n.files.clear();
      n.running.clear();
      n.enabled.clear();
      log.emplace_back(node, "destroy");
      return {0, "", ""};
    }
    if (cmd == "cat /etc/corosync/authkey" || cmd == "cat /etc/corosync/corosync.conf") {
      const std::string path = cmd.substr(4);
      if (!n.files.count(path)) return {1, "", "cat: " + path + ": No such file or directory\n"};
      return {0, n.files[path], ""};
    }
    if (cmd.find("corosync-cfgtool -R") != std::string::npos) {
      log.emplace_back(node, "reload");
      return {n.running.count("corosync") ? 0 : 3, "", ""};
    }
    int rc = 0;
    for (const char* verb : {"start", "stop", "kill", "enable", "disable"}) {
      std::size_t at = 0;
      const std::string key = std::string("systemctl} '") + verb + "'";
      while ((at = cmd.find(key, at)) != std::string::npos) {
        const auto units_end = cmd.find(';', at);
        const std::string units = cmd.substr(at + key.size(), units_end - at - key.size());
        for (const char* unit : {"corosync", "vigil"}) {
          if (units.find(std::string("'") + unit + ".service'") == std::string::npos) continue;
          // systemctl kill sends SIGTERM unless told otherwise.
          const bool term =
              std::string(verb) == "kill" && units.find("'--signal=SIGKILL'") == std::string::npos;
          log.emplace_back(node, std::string(verb) + (term ? "-term " : " ") + unit);
          if (std::string(verb) == "start") n.running.insert(unit);
          if (std::string(verb) == "stop" || std::string(verb) == "kill") n.running.erase(unit);
          if (std::string(verb) == "enable") n.enabled.insert(unit);
          if (std::string(verb) == "disable") n.enabled.erase(unit);
        }
        at += key.size();
      }
    }
    return {rc, "", ""};
  }

  // Every run_all: the nodes it ran at once.
  std::vector<std::vector<std::string>> batches;
  std::vector<NodeResult> run_all(const std::vector<Call>& calls) override {
    std::vector<std::string> batch;
    for (const auto& c : calls) batch.push_back(c.node);
    batches.push_back(batch);
    return NodeRunner::run_all(calls);
  }

  std::vector<std::string> writes() const {
    std::vector<std::string> out;
    for (const auto& [node, what] : log) {
      if (what.rfind("write", 0) == 0 || what == "destroy") out.push_back(node + " " + what);
    }
    return out;
  }
};

struct Fixture {
  FakeRunner runner;
  LifecycleEnv env;
  int uuids = 0;
  Fixture() {
    runner.nodes["node1"];
    runner.nodes["node2"];
    env.runner = &runner;
    env.random_bytes = [](std::size_t n) { return std::string(n, 'k'); };
    env.uuid = [this] { return "uuid" + std::to_string(++uuids); };
    env.resolves = [](const std::string& name) { return name.rfind("node", 0) == 0; };
  }
  vigil::Status run(const std::vector<std::string>& words) {
    env.out.clear();
    env.err.clear();
    return vigil::admin::run_lifecycle(env, words);
  }
  // This node (node1) as `cluster setup` left it.
  void set_local_conf() {
    env.local_conf = runner.nodes["node1"].files.at("/etc/corosync/corosync.conf");
    env.has_local_conf = true;
  }
};

std::string expected_conf(const std::vector<std::string>& words, const std::string& uuid) {
  auto spec = vigil::admin::corosync::parse_setup(words);
  REQUIRE(spec);
  REQUIRE(vigil::admin::corosync::validate_setup(*spec).empty());
  return vigil::admin::corosync::export_conf(vigil::admin::corosync::create_conf(*spec, uuid));
}

}  // namespace

TEST_CASE("host auth checks ssh and vigil on every node", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"host", "auth", "node1", "node2"}));
  CHECK(f.env.err == "node1: Authorized\nnode2: Authorized\n");

  f.runner.nodes["node2"].reachable = false;
  f.runner.nodes["node3"].vigil = false;
  auto st = f.run({"host", "auth", "node1", "node2", "node3"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "Errors have occurred, therefore vigil is unable to continue");
  CHECK(f.env.err ==
        "node1: Authorized\n"
        "Error: Unable to connect to node2 over ssh as root (ssh: connect to host node2 port 22: "
        "Connection refused)\n"
        "Error: node3: Required cluster services not installed: 'vigil' (no 'vigil' in the PATH "
        "of root's ssh session)\n");
}

TEST_CASE("pcs 0.9's cluster auth is host auth, with a note", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"cluster", "auth", "node1", "node2", "-u", "hacluster", "-p", "pw"}));
  CHECK(f.env.err.find("Warning: 'cluster auth NODE...' is pcs 0.9's form; pcs 0.11 and vigil: "
                       "'host auth NODE...'\n") == 0);
  CHECK(f.env.err.find("node2: Authorized\n") != std::string::npos);
}

TEST_CASE("cluster setup sends the key and corosync.conf to every node", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"cluster", "setup", "mycluster", "node1", "node2", "--token", "1000"}));
  const std::string conf =
      expected_conf({"mycluster", "node1", "node2", "totem", "token=1000"}, "uuid1");
  CHECK(conf.find("    token: 1000\n") != std::string::npos);
  for (const char* n : {"node1", "node2"}) {
    INFO(n);
    const auto& files = f.runner.nodes[n].files;
    CHECK(files.at("/etc/corosync/corosync.conf") == conf);
    CHECK(files.at("/etc/corosync/authkey") == std::string(256, 'k'));
  }
  // pcs's order: old clusters destroyed, keys, then corosync.conf (the commit).
  CHECK(f.runner.writes() == std::vector<std::string>{"node1 destroy", "node2 destroy",
                                                      "node1 write /etc/corosync/authkey",
                                                      "node2 write /etc/corosync/authkey",
                                                      "node1 write /etc/corosync/corosync.conf",
                                                      "node2 write /etc/corosync/corosync.conf"});
  // Each step (the checks, the destroy, each file) on both nodes at once.
  CHECK(f.runner.batches == std::vector<std::vector<std::string>>(4, {"node1", "node2"}));
  CHECK(f.env.err ==
        "No addresses specified for host 'node1', using 'node1'\n"
        "No addresses specified for host 'node2', using 'node2'\n"
        "Destroying cluster on hosts: 'node1', 'node2'...\n"
        "node1: Successfully destroyed cluster\nnode2: Successfully destroyed cluster\n"
        "Sending 'corosync authkey' to 'node1', 'node2'\n"
        "node1: successful distribution of the file 'corosync authkey'\n"
        "node2: successful distribution of the file 'corosync authkey'\n"
        "Sending 'corosync.conf' to 'node1', 'node2'\n"
        "node1: successful distribution of the file 'corosync.conf'\n"
        "node2: successful distribution of the file 'corosync.conf'\n"
        "Cluster has been successfully set up.\n");
  CHECK(f.runner.nodes["node1"].running.empty());
}

TEST_CASE("pcs 0.9's setup --name writes what the 0.11 form writes", "[lifecycle]") {
  Fixture f;
  REQUIRE(
      f.run({"cluster", "setup", "--name", "mycluster", "node1", "node2", "--start", "--enable"}));
  CHECK(f.env.err.find("Warning: 'cluster setup --name NAME NODE...' is pcs 0.9's form") == 0);
  CHECK(f.runner.nodes["node2"].files.at("/etc/corosync/corosync.conf") ==
        expected_conf({"mycluster", "node1", "node2"}, "uuid1"));
  CHECK(f.runner.nodes["node2"].running == std::set<std::string>{"corosync", "vigil"});
  CHECK(f.runner.nodes["node1"].enabled == std::set<std::string>{"corosync", "vigil"});
  CHECK(f.env.err.find("Cluster has been successfully set up.\n"
                       "Enabling cluster on hosts: 'node1', 'node2'...\n"
                       "node1: Cluster enabled\nnode2: Cluster enabled\n"
                       "Starting cluster on hosts: 'node1', 'node2'...\n"
                       "node1: Cluster started\nnode2: Cluster started\n") != std::string::npos);
  CHECK(f.env.out.empty());
}

TEST_CASE("cluster setup writes nothing anywhere when a check fails", "[lifecycle]") {
  Fixture f;
  SECTION("an unreachable node") {
    f.runner.nodes["node2"].reachable = false;
    REQUIRE_FALSE(f.run({"cluster", "setup", "c", "node1", "node2"}));
    CHECK(f.env.err.find("Error: Unable to connect to node2 over ssh as root (ssh: connect to "
                         "host node2 port 22: Connection refused)\n") != std::string::npos);
  }
  SECTION("a node already in a cluster") {
    f.runner.nodes["node2"].files["/etc/corosync/corosync.conf"] = "old";
    f.runner.nodes["node2"].running = {"corosync"};
    REQUIRE_FALSE(f.run({"cluster", "setup", "c", "node1", "node2"}));
    CHECK(f.env.err.find(
              "Error: node2: The host seems to be in a cluster already as the following services "
              "are found to be running: 'corosync'. If the host is not part of a cluster, stop "
              "the services and retry, use --force to override\n"
              "Error: node2: The host seems to be in a cluster already as cluster configuration "
              "files have been found on the host. If the host is not part of a cluster, run "
              "'vigil cluster destroy' on host 'node2' to remove those configuration files, use "
              "--force to override\n") != std::string::npos);
    CHECK(f.runner.nodes["node2"].files.at("/etc/corosync/corosync.conf") == "old");
  }
  SECTION("bad options, unresolvable names, an unknown option") {
    REQUIRE_FALSE(f.run({"cluster", "setup", "c", "node1", "other", "totem", "tokn=5"}));
    CHECK(f.env.err.find("Error: Unable to resolve addresses: 'other', use --force to override\n"
                         "Error: invalid totem option 'tokn'") != std::string::npos);
    auto st = f.run({"cluster", "setup", "c", "node1", "node2", "--bogus"});
    REQUIRE_FALSE(st);
    CHECK(st.error().message() == "option --bogus not recognized");
    st = f.run({"cluster", "setup", "c", "node1", "node2", "--all"});
    REQUIRE_FALSE(st);
    CHECK(st.error().message() == "Specified option '--all' is not supported in this command");
  }
  CHECK(f.runner.writes().empty());
}

TEST_CASE("cluster setup --force replaces an old cluster", "[lifecycle]") {
  Fixture f;
  f.runner.nodes["node2"].files["/etc/corosync/corosync.conf"] = "old";
  REQUIRE(f.run({"cluster", "setup", "c", "node1", "node2", "--force"}));
  CHECK(f.env.err.find("Warning: node2: The host seems to be in a cluster already") !=
        std::string::npos);
  CHECK(f.runner.nodes["node2"].files.at("/etc/corosync/corosync.conf") ==
        expected_conf({"c", "node1", "node2"}, "uuid1"));
}

TEST_CASE("start, stop, enable, disable and kill drive the units on each node", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"cluster", "setup", "c", "node1", "node2"}));
  f.set_local_conf();
  f.runner.log.clear();
  f.runner.batches.clear();
  REQUIRE(f.run({"cluster", "start", "--all"}));
  CHECK(f.env.err == "node1: Starting Cluster...\nnode2: Starting Cluster...\n");
  // Both nodes at once.
  CHECK(f.runner.batches == std::vector<std::vector<std::string>>{{"node1", "node2"}});
  CHECK(f.runner.log ==
        std::vector<std::pair<std::string, std::string>>{{"node1", "start corosync"},
                                                         {"node1", "start vigil"},
                                                         {"node2", "start corosync"},
                                                         {"node2", "start vigil"}});
  f.runner.log.clear();
  f.runner.batches.clear();
  REQUIRE(f.run({"cluster", "stop", "--all"}));
  // Two phases, each on both nodes at once: every node's resources stop
  // before any corosync does.
  CHECK(f.runner.batches ==
        std::vector<std::vector<std::string>>{{"node1", "node2"}, {"node1", "node2"}});
  CHECK(f.env.err ==
        "node1: Stopping Cluster (pacemaker)...\nnode2: Stopping Cluster (pacemaker)...\n"
        "node1: Stopping Cluster (corosync)...\nnode2: Stopping Cluster (corosync)...\n");
  CHECK(f.runner.log ==
        std::vector<std::pair<std::string, std::string>>{{"node1", "stop vigil"},
                                                         {"node2", "stop vigil"},
                                                         {"node1", "stop corosync"},
                                                         {"node2", "stop corosync"}});
  REQUIRE(f.run({"cluster", "start", "node2"}));
  f.runner.log.clear();
  REQUIRE(f.run({"cluster", "kill", "node2"}));
  CHECK(f.runner.log == std::vector<std::pair<std::string, std::string>>{{"node2", "kill corosync"},
                                                                         {"node2", "kill vigil"}});
  CHECK(f.runner.nodes["node2"].running.empty());
  REQUIRE(f.run({"cluster", "enable", "node2"}));
  CHECK(f.env.err == "node2: Cluster Enabled\n");
  CHECK(f.runner.nodes["node2"].enabled.size() == 2);
  CHECK(f.runner.nodes["node1"].enabled.empty());

  f.runner.nodes["node2"].reachable = false;
  auto st = f.run({"cluster", "start", "--all"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        "unable to start all nodes\nnode2: Unable to connect to node2 over ssh as root (ssh: "
        "connect to host node2 port 22: Connection refused)");
  CHECK(f.env.err ==
        "node1: Starting Cluster...\nnode2: Unable to connect to node2 over ssh as "
        "root (ssh: connect to host node2 port 22: Connection refused)\n");
  CHECK(f.runner.nodes["node1"].running.size() == 2);

  // A node that fails the first phase of a stop is left out of the second.
  f.runner.batches.clear();
  st = f.run({"cluster", "stop", "--all"});
  REQUIRE_FALSE(st);
  CHECK(f.runner.batches == std::vector<std::vector<std::string>>{{"node1", "node2"}, {"node1"}});
  CHECK(f.runner.nodes["node1"].running.empty());
  f.runner.nodes["node2"].reachable = true;

  st = f.run({"cluster", "start", "--all", "node1"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "Cannot specify both --all and a list of nodes.");
  st = f.run({"cluster", "stop", "--start"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "Specified option '--start' is not supported in this command");
  st = f.run({"cluster", "start", "-f", "x.xml"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "Specified option '-f' is not supported in this command");
}

TEST_CASE("without corosync.conf, --all has no nodes", "[lifecycle]") {
  Fixture f;
  auto st = f.run({"cluster", "start", "--all"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "cluster is not currently configured on this node");
  st = f.run({"cluster", "start"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "cluster is not currently configured on this node");
  CHECK(f.runner.log.empty());
}

TEST_CASE("node add and remove edit, send and reload corosync.conf", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"cluster", "setup", "c", "node1", "node2", "--start"}));
  f.set_local_conf();
  f.runner.nodes[""].files = f.runner.nodes["node1"].files;  // this machine is node1
  f.runner.nodes["node3"];
  // The CIB edit, and what node2 held when it happened.
  std::vector<std::string> cib_removed;
  std::string node2_conf_then;
  f.env.remove_cib_node = [&](const std::string& name) {
    cib_removed.push_back(name);
    node2_conf_then = f.runner.nodes["node2"].files.at("/etc/corosync/corosync.conf");
    return vigil::ok_status();
  };
  REQUIRE(f.run({"cluster", "node", "add", "node3"}));
  const std::string three = f.runner.nodes["node3"].files.at("/etc/corosync/corosync.conf");
  CHECK(three.find("name: node3") != std::string::npos);
  CHECK(three.find("two_node") == std::string::npos);
  CHECK(f.runner.nodes["node1"].files.at("/etc/corosync/corosync.conf") == three);
  CHECK(f.runner.nodes["node3"].files.at("/etc/corosync/authkey") == std::string(256, 'k'));
  CHECK(f.env.err.find("Sending updated corosync.conf to nodes...\nnode1: Succeeded\nnode2: "
                       "Succeeded\nnode3: Succeeded\nnode1: Corosync configuration reloaded\n") !=
        std::string::npos);

  // Adding it again is refused before anything is sent.
  f.env.local_conf = three;
  f.runner.log.clear();
  REQUIRE_FALSE(f.run({"cluster", "node", "add", "node3"}));
  CHECK(f.env.err.find("Error: Node name 'node3' is already used by existing nodes; please, use "
                       "other name\n") != std::string::npos);
  CHECK(f.runner.writes().empty());

  // A node that stays is unreachable: nothing happens anywhere.
  f.runner.nodes["node2"].reachable = false;
  f.runner.log.clear();
  REQUIRE_FALSE(f.run({"cluster", "node", "remove", "node3"}));
  CHECK(f.runner.writes().empty());
  for (const auto& [node, what] : f.runner.log) CHECK((what == "probe" || what == "refused"));
  CHECK(f.runner.nodes["node3"].files.count("/etc/corosync/corosync.conf") == 1);
  CHECK(cib_removed.empty());
  f.runner.nodes["node2"].reachable = true;

  REQUIRE(f.run({"cluster", "node", "remove", "node3"}));
  CHECK(f.runner.nodes["node3"].files.empty());
  const std::string two = f.runner.nodes["node2"].files.at("/etc/corosync/corosync.conf");
  CHECK(two.find("node3") == std::string::npos);
  CHECK(two.find("two_node: 1") != std::string::npos);
  // Out of the CIB once the nodes that stay have the new corosync.conf.
  CHECK(cib_removed == std::vector<std::string>{"node3"});
  CHECK(node2_conf_then == two);
  CHECK(f.env.err.find("CIB") == std::string::npos);
  REQUIRE_FALSE(f.run({"cluster", "node", "remove", "node9"}));
  CHECK(cib_removed.size() == 1);

  // vigil-cib refuses: the command fails, saying so.
  f.env.local_conf = f.runner.nodes["node1"].files.at("/etc/corosync/corosync.conf");
  f.runner.nodes["node3"];
  REQUIRE(f.run({"cluster", "node", "add", "node3"}));
  f.env.local_conf = f.runner.nodes["node1"].files.at("/etc/corosync/corosync.conf");
  f.env.remove_cib_node = [](const std::string&) -> vigil::Status {
    return vigil::Error(vigil::ErrorCode::kIo, "cannot reach vigil-cib at /run/vigil/cib.sock");
  };
  auto st = f.run({"cluster", "node", "remove", "node3"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        "Unable to remove node 'node3' from the CIB: cannot reach vigil-cib at "
        "/run/vigil/cib.sock");
}

TEST_CASE("cluster status: crm_mon's summary and nodes, then each node over ssh", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"cluster", "setup", "c", "node1", "node2"}));
  f.set_local_conf();
  // crm_mon -1 -r's text: pcs keeps it up to the second empty line.
  f.env.monitor_text = [] {
    return vigil::Result<std::string>(
        "Cluster Summary:\n  * Stack: corosync\n  * 2 nodes configured\n\nNode List:\n"
        "  * Online: [ node1 ]\n  * OFFLINE: [ node2 ]\n\nFull List of Resources:\n"
        "  * No resources\n");
  };
  f.runner.nodes["node2"].reachable = false;
  f.runner.batches.clear();
  REQUIRE(f.run({"cluster", "status"}));
  CHECK(f.env.out ==
        "Cluster Status:\n Cluster Summary:\n   * Stack: corosync\n   * 2 nodes configured\n"
        " Node List:\n   * Online: [ node1 ]\n   * OFFLINE: [ node2 ]\n\nPCSD Status:\n"
        "  node1: Online\n  node2: Offline\n");
  CHECK(f.runner.batches == std::vector<std::vector<std::string>>{{"node1", "node2"}});

  f.env.monitor_text = [] {
    return vigil::Result<std::string>(vigil::Error(vigil::ErrorCode::kIo, "no socket"));
  };
  auto st = f.run({"cluster", "status"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "cluster is not currently running on this node");
  CHECK(f.env.out.empty());
  st = f.run({"cluster", "status", "x"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "usage: cluster status");
}

TEST_CASE("destroy --all, sync and corosync", "[lifecycle]") {
  Fixture f;
  REQUIRE(f.run({"cluster", "setup", "c", "node1", "node2"}));
  f.set_local_conf();
  f.runner.nodes["node2"].files["/etc/corosync/corosync.conf"] = "stale";
  REQUIRE(f.run({"cluster", "sync"}));
  CHECK(f.runner.nodes["node2"].files.at("/etc/corosync/corosync.conf") == f.env.local_conf);
  REQUIRE(f.run({"cluster", "corosync", "node2"}));
  CHECK(f.env.out == f.env.local_conf);
  REQUIRE(f.run({"cluster", "corosync"}));
  CHECK(f.env.out == f.env.local_conf);
  // At a terminal, pcs's question first; anything but y/yes cancels.
  std::vector<std::string> prompts;
  f.env.ask = [&](const std::string& prompt) {
    prompts.push_back(prompt);
    return std::string("no");
  };
  REQUIRE(f.run({"cluster", "destroy", "--all"}));
  CHECK(prompts.size() == 1);
  CHECK(prompts[0].find("PERMANENTLY remove cluster state") != std::string::npos);
  CHECK(f.runner.nodes["node1"].files.count("/etc/corosync/corosync.conf") == 1);
  REQUIRE(f.run({"cluster", "destroy", "--all", "--force"}));
  CHECK(prompts.size() == 1);
  CHECK(f.runner.nodes["node1"].files.empty());
  CHECK(f.env.err.find("Warning: This would kill all cluster processes") != std::string::npos);
  f.env.ask = nullptr;
  f.runner.nodes["node1"].files["/etc/corosync/corosync.conf"] = f.env.local_conf;
  f.runner.batches.clear();
  REQUIRE(f.run({"cluster", "destroy", "--all"}));
  CHECK(f.runner.batches == std::vector<std::vector<std::string>>{{"node1", "node2"}});
  CHECK(f.runner.nodes["node1"].files.empty());
  CHECK(f.runner.nodes["node2"].files.empty());
  CHECK(f.env.err ==
        "Destroying cluster on hosts: 'node1', 'node2'...\n"
        "node1: Successfully destroyed cluster\nnode2: Successfully destroyed cluster\n");
}

TEST_CASE("the launcher named by VIGIL_LAUNCHER gets systemctl's verbs", "[lifecycle]") {
  char dir[] = "/tmp/vigil-launcher-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string launcher = std::string(dir) + "/launcher";
  const std::string out = std::string(dir) + "/called";
  {
    std::ofstream s(launcher);
    s << "#!/bin/sh\necho \"$@\" >> " << out << "\n[ \"$1\" != is-active ]\n";
  }
  chmod(launcher.c_str(), 0755);
  const std::string cmd =
      vigil::admin::service_command("start", {"corosync.service", "vigil.service"}) + " && " +
      vigil::admin::service_command("is-active", {"vigil.service"});
  const std::string script = std::string(dir) + "/cmd.sh";
  {
    std::ofstream s(script);
    s << cmd << "\n";
  }
  FILE* p = popen(("VIGIL_LAUNCHER=" + launcher + " sh " + script).c_str(), "r");
  REQUIRE(p != nullptr);
  const int status = pclose(p);
  CHECK(WEXITSTATUS(status) == 1);  // is-active said no
  std::ifstream in(out);
  std::string line1, line2;
  std::getline(in, line1);
  std::getline(in, line2);
  CHECK(line1 == "start corosync.service vigil.service");
  CHECK(line2 == "is-active vigil.service");
  unlink(out.c_str());
  unlink(launcher.c_str());
  unlink(script.c_str());
  rmdir(dir);
}
