// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-stonithd: the fencing daemon (Pacemaker's pacemaker-fenced). A thin
// main around lib/fencerd's Service: Corosync (cmap for node names, the CPG
// group vigil-stonithd), vigil-cib for the configuration (read at start
// and after every change), fence agents run from /usr/sbin, and
// stonithd.sock for the controller, the executor and the command line.
// Losing Corosync or the CIB ends the process with a non-zero code: the
// supervisor restarts it; the history comes back from the other members.
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "vigil/cibclient/client.hpp"
#include "vigil/cluster/corosync_cmap.hpp"
#include "vigil/cluster/corosync_group.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/exec/posix_spawner.hpp"
#include "vigil/fencerd/service.hpp"
#include "vigil/fencing/agent_runner.hpp"
#include "vigil/ipc/server.hpp"
#include "vigil/log/event_loop.hpp"
#include "vigil/log/log.hpp"
#include "vigil/supervisor/daemon_options.hpp"

using namespace vigil;

namespace {

// CPG handler failures go to the daemon's log (the message is dropped).
cluster::CpgOptions cpg_options() {
  cluster::CpgOptions o;
  o.log = log::write;
  return o;
}

// Exit codes: 1 for anything else, 69 (EX_UNAVAILABLE) without Corosync.
enum Exit : int { kExitGeneric = 1, kExitUnavailable = 69 };

constexpr const char* kUsage = R"(Usage: vigil-stonithd [options]
The fencing daemon: registers the fence devices of the CIB (from vigil-cib,
$run/cib.sock), runs fence agents from /usr/sbin, agrees with the other
nodes' fencers over Corosync (CPG group vigil-stonithd) and serves
$run/stonithd.sock.

  --agent-dir DIR   where fence agents are (default /usr/sbin)
)";

void usage(std::FILE* out) {
  std::fputs(kUsage, out);
  std::fputs(supervisor::common_usage().c_str(), out);
}

// Keeps the service's configuration in step with the CIB: one query at a
// time, and one more after it when the configuration changed meanwhile.
class CibFeed {
 public:
  CibFeed(cibclient::CibClient& cib, fencerd::Service& service) : cib_(cib), service_(service) {}

  void start() {
    cib_.subscribe([this](const cibclient::CibChange& change) {
      if (change.config_changed) refresh();
    });
    refresh();
  }

 private:
  void refresh() {
    if (querying_) {
      again_ = true;
      return;
    }
    querying_ = true;
    cib_.query("configuration", [this](Result<cibclient::CibReply> reply) {
      querying_ = false;
      if (!reply) {
        log::error("event=cib-query-failed reason=\"" + reply.error().message() + "\"");
      } else {
        // A refused configuration is logged by the service; the previous one stays.
        (void)service_.set_cib(reply->xml);
      }
      if (again_) {
        again_ = false;
        refresh();
      }
    });
  }

  cibclient::CibClient& cib_;
  fencerd::Service& service_;
  bool querying_ = false;
  bool again_ = false;
};

// Why the daemon cannot start, logged; the exit code.
int startup_failed(const std::string& why, int code) {
  log::error("event=startup-failed reason=\"" + why + "\"");
  return code;
}

// vigil-cib starts before us, but may not answer yet: a few tries.
Status connect_cib(boost::asio::io_context& io, cibclient::CibClient& cib,
                   const std::string& path) {
  Status up = cib.connect(path);
  for (int retry = 1; retry < 20 && !up; ++retry) {
    io.restart();
    io.run_for(std::chrono::milliseconds(250));
    up = cib.connect(path);
  }
  return up;
}

}  // namespace

int main(int argc, char** argv) {
  const supervisor::DaemonIdentity self{
      "vigil-stonithd", "vigil-stonithd 0.1.0 (pacemaker-fenced 2.1.5 compatible)", usage};
  auto parsed = supervisor::parse_daemon_options(argc, argv, {{}, {"--agent-dir"}});
  if (auto rc = supervisor::exit_before_start(parsed, self)) return *rc;
  const auto& opts = *parsed;
  fencing::SpawnerAgentRunner::Options runner_options;
  for (const auto& [name, value] : opts.own) {
    if (name == "--agent-dir") runner_options.agent_dir = value;
  }

  xml::init();
  supervisor::init_daemon_process("vigil-stonithd", opts);
  if (auto st = supervisor::ensure_directory(opts.run_dir, 0755); !st) {
    return startup_failed(st.error().message(), kExitGeneric);
  }

  boost::asio::io_context io;
  // The first fatal error decides the exit code.
  int exit_code = 0;
  auto fatal = [&io, &exit_code](int code, const std::string& what) {
    log::error("event=fatal reason=\"" + what + "\"");
    exit_code = exit_code == 0 ? code : exit_code;
    io.stop();
  };

  // Corosync: node names (cmap) and the CPG group.
  auto cmap = cluster::CorosyncCmap::connect(io);
  if (!cmap) return startup_failed(cmap.error().message(), kExitUnavailable);
  auto nodes = (*cmap)->read_node_list();
  if (!nodes) return startup_failed(nodes.error().message(), kExitUnavailable);
  // Large messages (a whole fencing history) in chunks.
  auto cpg = cluster::connect_chunked_cpg(io, cpg_options());
  if (!cpg) return startup_failed(cpg.error().message(), kExitUnavailable);
  (*cmap)->set_lost_handler(
      [&fatal](const Error& e) { fatal(kExitUnavailable, "cmap: " + e.message()); });
  cpg->cpg->set_lost_handler(
      [&fatal](const Error& e) { fatal(kExitUnavailable, "cpg: " + e.message()); });

  AsioClock clock(io);
  exec::PosixSpawner spawner(io);
  fencing::SpawnerAgentRunner runner(spawner, clock, runner_options);
  fencerd::ServiceOptions service_options;
  service_options.seed = static_cast<std::uint64_t>(::getpid());
  service_options.log = log::write;
  fencerd::Service service(clock, runner, *cpg->messaging, *nodes, service_options);
  (void)(*cmap)->watch_node_list([&service](Result<cluster::NodeList> list) {
    if (list) service.set_nodes(std::move(*list));
  });
  if (auto st = service.start(); !st) return startup_failed(st.error().message(), kExitUnavailable);

  cibclient::CibClient cib(io);
  if (auto st = connect_cib(io, cib, opts.run_dir + "/cib.sock"); !st) {
    return startup_failed("vigil-cib: " + st.error().message(), kExitGeneric);
  }
  cib.set_disconnect_handler(
      [&fatal](const Error& e) { fatal(kExitGeneric, "vigil-cib: " + e.message()); });
  CibFeed feed(cib, service);
  feed.start();

  // Clients: the controller, the executor, the command line.
  std::string note;
  const ipc::AccessPolicy policy = supervisor::daemon_access_policy(note);
  if (!note.empty()) log::warning(note);
  const std::string socket_path = opts.run_dir + "/stonithd.sock";
  auto server = ipc::Server::listen(
      io, socket_path, policy,
      [&service](ipc::Request request, ipc::Responder responder) {
        auto waiting = std::make_shared<ipc::Responder>(std::move(responder));
        service.handle(request.connection, request.payload,
                       [waiting](Result<std::string> answer) { waiting->complete(answer); });
      },
      ipc::ServerOptions{.name = "vigil-stonithd", .log = log::write});
  if (!server) return startup_failed(server.error().message(), kExitGeneric);
  service.set_event_sink([srv = server->get()](std::uint64_t connection, std::string_view event) {
    return srv->send_event(connection, event).ok();
  });

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&io](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::notice("event=shutdown signal=" + std::to_string(signo));
    io.stop();
  });
  log::notice("event=started socket=" + socket_path + " node=" + service.self() +
              " pid=" + std::to_string(::getpid()));
  io.restart();
  log::run_event_loop(io, "vigil-stonithd");  // an exception drops its event, not the daemon
  server->reset();                            // removes the socket
  log::notice("event=stopped exit=" + std::to_string(exit_code));
  log::shutdown();
  return exit_code;
}
