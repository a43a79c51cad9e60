// SPDX-License-Identifier: GPL-2.0-or-later
// vigil: the pcs 0.11 command line, on the running cluster (through
// vigil-cib's socket) or on a CIB file (-f). Everything but loading, saving
// and printing lives in lib/admin.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "vigil/admin/agent.hpp"
#include "vigil/admin/cib_file.hpp"
#include "vigil/admin/cluster_lifecycle.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/corosync_conf.hpp"
#include "vigil/admin/fencer.hpp"
#include "vigil/admin/import_keepalived.hpp"
#include "vigil/admin/status_daemons.hpp"
#include "vigil/admin/status_watch.hpp"
#include "vigil/cibclient/client.hpp"
#include "vigil/common/host.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/ipc/client.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: vigil [-f FILE] <command> | vigil --version\n"
    "  (without -f: the running cluster, through vigil-cib's socket in $VIGIL_RUN_DIR or "
    "/run/vigil)\n"
    "  property [config [<name>]] | property set <name>=[<value>]... | property unset <name>...\n"
    "  resource create <id> <class>:[<provider>:]<type> [k=v...] [op <action> k=v...]... [meta "
    "k=v...]\n"
    "                  [--group <group>] [--disabled] [--no-default-ops]\n"
    "  resource group add <group> <resource>... | resource delete <id>\n"
    "  constraint location <rsc> prefers|avoids <node>[=<score>]...\n"
    "  constraint colocation add [<role>] <rsc> with [<role>] <rsc> [<score>] [id=<id>]\n"
    "  constraint order [<action>] <rsc> then [<action>] <rsc> [kind=..] [symmetrical=..] [id=..]\n"
    "  constraint delete <id>...\n"
    "  node standby|unstandby|maintenance|unmaintenance [<node>...] [--all]\n"
    "  node attribute [<node> <name>=[<value>]...]\n"
    "  status xml (crm_mon's XML document; live, or with -f the file's)\n"
    "  resource [status] | status resources | status (live only) | cluster cib\n"
    "  resource cleanup [<resource>] [node=<node>] (live only)\n"
    "  stonith [status] | stonith create <id> <fence agent> [k=v...] [op ...] [meta ...] "
    "[--disabled] [--force]\n"
    "  stonith update <id> [k=v...] [op ...] [meta ...] [--force] | stonith delete <id>\n"
    "  stonith config [<id>...] | stonith enable|disable <id>... | stonith cleanup <id> (live)\n"
    "  stonith level [config] | level add <level> <target> <device>... [--force]\n"
    "  stonith level remove <level> [target <target>] [stonith <device>...] | level clear | "
    "level verify\n"
    "  stonith list [<filter>] | stonith describe <fence agent> [--full]\n"
    "  stonith fence <node> [--off] | stonith confirm <node> --force |\n"
    "  stonith history [show|cleanup] [<node>]\n"
    "    (these three talk to vigil-stonithd, the fencing daemon, on "
    "$VIGIL_RUN_DIR/stonithd.sock)\n"
    "  acl [config] | acl enable|disable | acl role create <role> [description=<text>]\n"
    "    [((read|write|deny) (xpath <query>|id <id>))...] | acl role delete <role> "
    "[--autodelete]\n"
    "  acl role assign <role> [to] [user|group] <name> | acl role unassign <role> [from]\n"
    "    [user|group] <name> [--autodelete] | acl user|group create <name> [<role>...]\n"
    "  acl user|group delete <name> | acl permission add <role> ((read|write|deny)\n"
    "    (xpath <query>|id <id>))... | acl permission delete <permission id>\n"
    "  alert [config] | alert create path=<path> [id=<id>] [description=<text>]\n"
    "    [options <name>=<value>...] [meta <name>=<value>...] | alert update <alert> [path=]\n"
    "    [description=] [options ...] [meta ...] | alert delete|remove <alert>...\n"
    "  alert recipient add <alert> value=<value> [id=<id>] [description=<text>] [options ...]\n"
    "    [meta ...] [--force] | alert recipient update <recipient> [value=] [description=]\n"
    "    [options ...] [meta ...] [--force] | alert recipient delete|remove <recipient>...\n"
    "  status [--full] [--watch [--interval <seconds>]] (crm_mon's view; live: with the cluster\n"
    "         name, warnings, fencing history and daemon status as pcs status)\n"
    "  status --png <file>: the cluster as a picture (Graphviz's dot)\n"
    "  resource why <resource> [<node>]: every node's score with its causes, the decision,\n"
    "    and what would change it (the scheduler's own records)\n"
    "  host auth <node>... | cluster setup <name> <node> [addr=<addr>]... [transport "
    "knet|udp|udpu\n"
    "    [<options>] [link <options>]... [compression <options>] [crypto <options>]] [totem\n"
    "    <options>] [quorum <options>] [--token <ms>] [--start] [--enable] [--force]\n"
    "    [--no-cluster-uuid] [--corosync_conf <path>]\n"
    "  cluster start|stop|enable|disable|kill [--all|<node>...] | cluster status | cluster sync\n"
    "  cluster destroy [--all] | cluster node add <node> [addr=<addr>]... | cluster node remove "
    "<node>\n"
    "  cluster corosync [<node>]\n"
    "    (these reach the nodes as root over ssh, keys only: ssh -o BatchMode=yes root@<node>,\n"
    "    ConnectTimeout $VIGIL_SSH_TIMEOUT or 10 s; each node drives corosync.service and\n"
    "    vigil.service with systemctl, or with the program named by VIGIL_LAUNCHER in its\n"
    "    environment or in /etc/default/vigil, called with systemctl's verbs: start|stop|kill|\n"
    "    enable|disable|is-active|is-enabled <unit>...)\n"
    "  import keepalived [<node>=]<file>... [--balancer haproxy|ldirectord]\n"
    "    [--ldirectord-config <path>] [--dry-run]: keepalived.conf of each director as\n"
    "    resources and constraints (vigil import keepalived --help)\n";

int fail(const std::string& message) {
  std::cerr << "Error: " << message << "\n";
  return 1;
}

// A command's failure, as the command asked for it to be printed.
int fail(const vigil::admin::Context& ctx, const vigil::Error& error) {
  if (!ctx.error_bare) fail(error.message());
  if (ctx.error_bare) std::cerr << error.message() << "\n";
  return ctx.error_exit;
}

// What the CLI needs from corosync.conf (lib/admin's parser): the nodelist's
// names and totem's cluster_name; nothing when there is no readable file.
struct CorosyncConf {
  std::vector<std::string> node_names;
  std::string cluster_name;
};

CorosyncConf read_corosync_conf() {
  const char* env = std::getenv("COROSYNC_MAIN_CONFIG_FILE");
  std::ifstream in(env && *env ? env : "/etc/corosync/corosync.conf");
  std::stringstream text;
  text << in.rdbuf();
  CorosyncConf conf;
  auto root = vigil::admin::corosync::parse(text.str());
  if (!root) return conf;
  for (const auto& node : vigil::admin::corosync::nodes(*root)) {
    if (!node.name.empty()) conf.node_names.push_back(node.name);
  }
  conf.cluster_name = vigil::admin::corosync::cluster_name(*root);
  return conf;
}

std::string run_dir() {
  const char* dir = std::getenv("VIGIL_RUN_DIR");
  return dir && *dir ? dir : "/run/vigil";
}

// vigil-stonithd's client (connected on first use).
std::unique_ptr<vigil::admin::Fencer> make_fencer() {
  return vigil::admin::daemon_fencer(run_dir() + "/stonithd.sock");
}

// `resource cleanup|refresh [<rsc>] [node=<node>]`: the controller forgets
// the resource's history and fail counts, so the cluster probes it again.
int run_cleanup(const std::vector<std::string>& args) {
  std::string rsc, node;
  for (std::size_t i = 2; i < args.size(); ++i) {
    if (args[i].rfind("node=", 0) == 0) {
      node = args[i].substr(5);
    } else if (rsc.empty()) {
      rsc = args[i];
    } else {
      return fail("usage: resource cleanup [<resource>] [node=<node>]");
    }
  }
  if (rsc.empty()) {
    return fail("'" + args[0] +
                " cleanup' without a resource is not supported by vigil yet; name "
                "one");
  }
  boost::asio::io_context io;
  vigil::ipc::Client client(io);
  const std::string path = run_dir() + "/crmd.sock";
  if (auto st = client.connect(path); !st) {
    return fail("cannot reach vigil-crmd at " + path + ": " + st.error().message());
  }
  std::string request = "<cleanup rsc=\"" + vigil::xml::escaped(rsc) + "\"";
  if (!node.empty()) request += " node=\"" + vigil::xml::escaped(node) + "\"";
  request += "/>";
  auto answer = client.call(request, std::chrono::seconds(60));
  if (!answer) return fail(answer.error().message());
  std::cout << "Cleaned up " << rsc << " on " << (node.empty() ? "all nodes" : node) << "\n";
  return 0;
}

// The running CIB for commands that write, wait and write again (relocate run).
class ClientLiveCib : public vigil::admin::LiveCib {
 public:
  explicit ClientLiveCib(vigil::cibclient::CibClient& client) : client_(client) {}
  vigil::Result<vigil::xml::DocPtr> read() override {
    auto cib = client_.query_sync("");
    if (!cib) return cib.error();
    return vigil::xml::parse_string(cib->xml, "the CIB from vigil-cib");
  }
  vigil::Status write_configuration(xmlDoc* doc) override {
    xmlNode* config = vigil::xml::first_child(xmlDocGetRootElement(doc), "configuration");
    if (config == nullptr) {
      return vigil::Error(vigil::ErrorCode::kInvalidInput, "the CIB has no configuration section");
    }
    auto done = client_.replace_sync("configuration", vigil::xml::to_string(config, false), {});
    if (!done) return done.error();
    return vigil::ok_status();
  }
  void sleep_seconds(int seconds) override {
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
  }
  vigil::EpochSeconds now() override { return std::time(nullptr); }

 private:
  vigil::cibclient::CibClient& client_;
};

// Read-modify-write against vigil-cib: read the whole CIB, run the command
// on it, replace the configuration if it changed, on the condition that
// nobody changed it meanwhile (else read again and retry).
int run_live(const vigil::admin::Invocation& inv,
             const std::function<vigil::Status(vigil::admin::Context&)>& command,
             vigil::admin::StagedFiles* staged = nullptr) {
  boost::asio::io_context io;
  vigil::cibclient::CibClient client(io);
  client.set_client_name("vigil");
  const std::string path = vigil::cibclient::default_socket_path();
  if (auto st = client.connect(path); !st) {
    std::cerr << "Error: cannot reach vigil-cib at " << path << ": " << st.error().message()
              << "\n(is the cluster running on this node? 'vigil -f FILE ...' edits a CIB file)\n";
    return 1;
  }
  vigil::admin::OcfMetadataSource agents;
  // `status` shows the fencer's history (nothing when it cannot be reached)
  // and the local daemons' states.
  auto fencer = make_fencer();
  auto services = vigil::admin::system_service_probe();
  constexpr int kAttempts = 5;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto cib = client.query_sync("");
    if (!cib) return fail("cannot read the CIB: " + cib.error().message());
    auto doc = vigil::xml::parse_string(cib->xml, "the CIB from vigil-cib");
    if (!doc) return fail(doc.error().message());

    vigil::admin::Context ctx;
    ctx.doc = doc->get();
    ctx.agents = &agents;
    ctx.flags = inv.flags;
    ctx.now = std::time(nullptr);
    ctx.live = true;
    ctx.fencer = fencer.get();
    ctx.services = services.get();
    ctx.local_node = vigil::short_host_name();
    const CorosyncConf conf = read_corosync_conf();
    ctx.cluster_nodes = conf.node_names;
    ctx.cluster_name = conf.cluster_name;
    ClientLiveCib live_cib(client);
    ctx.live_cib = &live_cib;
    const vigil::Status st = command(ctx);
    for (const auto& line : ctx.notes) std::cerr << line << "\n";
    if (!st) return fail(ctx, st.error());
    // --wait: after the write, until the cluster settles (resource_wait.cpp).
    auto waited = [&]() {
      ctx.notes.clear();
      const vigil::Status w = vigil::admin::wait_after_write(ctx, inv.args);
      for (const auto& line : ctx.notes) std::cerr << line << "\n";
      return w ? ctx.exit_code : fail(ctx, w.error());
    };
    if (!ctx.changed) {
      std::cout << ctx.out;
      return inv.flags.wait ? waited() : ctx.exit_code;
    }
    xmlNode* config = vigil::xml::first_child(xmlDocGetRootElement(ctx.doc), "configuration");
    if (!config) return fail("the CIB from vigil-cib has no configuration section");
    vigil::cibclient::UpdateOptions options;
    options.expect_version = cib->version.config();
    if (staged != nullptr) {
      if (auto st = staged->stage(); !st) return fail(st.error().message());
    }
    auto done = client.replace_sync("configuration", vigil::xml::to_string(config, false), options);
    if (done && staged != nullptr) {
      if (auto st = staged->commit(); !st) return fail(st.error().message());
    }
    if (staged != nullptr) staged->abort();
    if (done) {
      std::cout << ctx.out;
      return inv.flags.wait ? waited() : 0;
    }
    // Somebody else changed the configuration meanwhile: start over.
    auto now = client.query_sync("");
    if (!now || now->version.config() == cib->version.config() || attempt == kAttempts) {
      return fail("Unable to update cib\n" + done.error().message());
    }
  }
  return 1;
}

// `status --watch`: each drawing runs `status` again, on the file or on
// the running cluster (one connection, read again each time).
int run_watch(const vigil::admin::Invocation& inv) {
  vigil::admin::WatchOptions options;
  if (inv.flags.interval) {
    auto ms = vigil::admin::parse_watch_interval(*inv.flags.interval);
    if (!ms) return fail(ms.error().message());
    options.interval_ms = *ms;
  }
  vigil::admin::OcfMetadataSource agents;
  boost::asio::io_context io;
  vigil::cibclient::CibClient client(io);
  std::unique_ptr<vigil::admin::Fencer> fencer;
  std::unique_ptr<vigil::admin::ServiceProbe> services;
  if (!inv.file) {
    client.set_client_name("vigil");
    const std::string path = vigil::cibclient::default_socket_path();
    if (auto st = client.connect(path); !st) {
      return fail("cannot reach vigil-cib at " + path + ": " + st.error().message());
    }
    fencer = make_fencer();
    services = vigil::admin::system_service_probe();
  }
  const CorosyncConf conf = inv.file ? CorosyncConf{} : read_corosync_conf();
  auto render = [&]() -> std::string {
    vigil::xml::DocPtr doc;
    if (inv.file) {
      auto loaded = vigil::admin::load_cib_file(*inv.file);
      if (!loaded) return "Error: " + loaded.error().message() + "\n";
      doc = std::move(*loaded);
    } else {
      auto cib = client.query_sync("");
      if (!cib) return "Error: cannot read the CIB: " + cib.error().message() + "\n";
      auto parsed = vigil::xml::parse_string(cib->xml, "the CIB from vigil-cib");
      if (!parsed) return "Error: " + parsed.error().message() + "\n";
      doc = std::move(*parsed);
    }
    vigil::admin::Context ctx;
    ctx.doc = doc.get();
    ctx.agents = &agents;
    ctx.flags = inv.flags;
    ctx.now = std::time(nullptr);
    ctx.live = !inv.file;
    ctx.fencer = fencer.get();
    ctx.services = services.get();
    ctx.cluster_name = conf.cluster_name;
    const vigil::Status st = vigil::admin::run_command(ctx, inv.args);
    return st ? ctx.out : ctx.out + "Error: " + st.error().message() + "\n";
  };
  const vigil::Status st = vigil::admin::watch_status(render, options);
  return st ? 0 : fail(st.error().message());
}

// -f FILE: the command runs on the file's CIB, which is written back (once,
// atomically) only when the command succeeded and changed it. Files the
// command stages (an ldirectord.cf) are put in place beside it: renamed in
// after the CIB is written, removed if that write fails.
int run_on_file(const vigil::admin::Invocation& inv,
                const std::function<vigil::Status(vigil::admin::Context&)>& command,
                vigil::admin::StagedFiles* staged = nullptr) {
  auto doc = vigil::admin::load_cib_file(*inv.file);
  if (!doc) return fail(doc.error().message());
  vigil::admin::OcfMetadataSource agents;
  vigil::admin::Context ctx;
  ctx.doc = doc->get();
  ctx.agents = &agents;
  ctx.flags = inv.flags;
  ctx.now = std::time(nullptr);
  const vigil::Status st = command(ctx);
  for (const auto& line : ctx.notes) std::cerr << line << "\n";
  std::cout << ctx.out;
  if (!st) return fail(ctx, st.error());
  if (!ctx.changed) return 0;
  if (staged != nullptr) {
    if (auto s = staged->stage(); !s) return fail(s.error().message());
  }
  if (auto w = vigil::admin::commit_cib_file(ctx.doc, *inv.file, ctx.extra_writes); !w) {
    if (staged != nullptr) staged->abort();
    return fail(w.error().message());
  }
  if (staged != nullptr) {
    if (auto s = staged->commit(); !s) return fail(s.error().message());
  }
  return 0;
}

}  // namespace

// `import keepalived ...`: its own options; the commands it runs go through
// run_command on the file of -f or the running cluster's CIB, written once;
// the ldirectord.cf it generates is staged beside its place and renamed in
// only once the CIB is written.
int run_import(const std::vector<std::string>& words) {
  auto inv = vigil::admin::parse_import_invocation(words);
  if (!inv) return fail(inv.error().message());
  if (inv->help) {
    std::cout << vigil::admin::kImportUsage;
    return 0;
  }
  vigil::keepalived::FileLoader loader;
  vigil::admin::StagedFiles staged;
  auto command = [&](vigil::admin::Context& ctx) -> vigil::Status {
    auto result =
        vigil::admin::import_keepalived(ctx, inv->options, loader, vigil::short_host_name());
    if (!result) return result.error();
    staged.files.clear();
    if (!inv->options.dry_run) {
      for (const auto& f : result->plan.files) staged.files.emplace_back(f.path, f.text);
    }
    return vigil::ok_status();
  };
  vigil::admin::Invocation target;
  target.file = inv->cib_file;
  if (!target.file) return run_live(target, command, &staged);
  return run_on_file(target, command, &staged);
}

int main(int argc, char** argv) {
  vigil::xml::init();
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.size() == 1 && (words[0] == "--version" || words[0] == "-V")) {
    std::cout << "Vigil vigil 0.1.0\n";
    return 0;
  }
  const bool help = std::find(words.begin(), words.end(), "--help") != words.end() ||
                    std::find(words.begin(), words.end(), "-h") != words.end();
  // host auth and cluster setup/start/...: over ssh, their own options.
  if (!help && vigil::admin::is_lifecycle_command(words)) {
    return vigil::admin::run_lifecycle_on_system(words);
  }
  if (vigil::admin::is_import_command(words)) return run_import(words);
  auto inv = vigil::admin::parse_invocation(words);
  if (!inv) return fail(inv.error().message());
  if (inv->help) {
    std::cout << kUsage;
    return 0;
  }
  const auto& a = inv->args;
  const bool cleanup = a.size() >= 2 && (a[0] == "resource" || a[0] == "stonith") &&
                       (a[1] == "cleanup" || a[1] == "refresh");
  if (cleanup && inv->file) return fail("Specified option '-f' is not supported in this command");
  // --strict and --autodelete belong to `resource move` (and --strict to
  // pcs's cleanup, which vigil's does not narrow yet).
  if (cleanup && inv->flags.autodelete) {
    return fail("Specified option '--autodelete' is not supported in this command");
  }
  if (cleanup && inv->flags.strict) {
    return fail("--strict is not supported by vigil yet for 'resource cleanup' and 'refresh'");
  }
  if (cleanup) return run_cleanup(a);
  if (inv->flags.watch && a.size() == 1 && a[0] == "status") return run_watch(*inv);
  if (vigil::admin::needs_no_cib(a)) {
    // Agent listings and the fencing daemon's commands read no CIB.
    if (inv->file) return fail("Specified option '-f' is not supported in this command");
    vigil::admin::OcfMetadataSource agents;
    auto fencer = make_fencer();
    vigil::admin::Context ctx;
    ctx.agents = &agents;
    ctx.fencer = fencer.get();
    ctx.flags = inv->flags;
    ctx.now = std::time(nullptr);
    // Fencing a node the cluster does not know is refused before asking.
    ctx.cluster_nodes = read_corosync_conf().node_names;
    const vigil::Status st = vigil::admin::run_command(ctx, a);
    for (const auto& line : ctx.notes) std::cerr << line << "\n";
    std::cout << ctx.out;
    return st ? 0 : fail(ctx, st.error());
  }
  if (!inv->file) {
    return run_live(*inv, [&](vigil::admin::Context& ctx) {
      return vigil::admin::run_command(ctx, inv->args);
    });
  }
  return run_on_file(
      *inv, [&](vigil::admin::Context& ctx) { return vigil::admin::run_command(ctx, inv->args); });
}
