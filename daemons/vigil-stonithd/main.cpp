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
#include "vigil/cluster/corosync_cpg.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/exec/posix_spawner.hpp"
#include "vigil/fencerd/service.hpp"
#include "vigil/fencing/agent_runner.hpp"
#include "vigil/ipc/server.hpp"
#include "vigil/log/log.hpp"
#include "vigil/supervisor/daemon_options.hpp"

using namespace vigil;

namespace {

constexpr int kExitGeneric = 1;
constexpr int kExitUnavailable = 69;

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: vigil-stonithd [options]\n"
               "The fencing daemon: registers the fence devices of the CIB (from\n"
               "vigil-cib, $run/cib.sock), runs fence agents from /usr/sbin, agrees with\n"
               "the other nodes' fencers over Corosync (CPG group vigil-stonithd) and\n"
               "serves $run/stonithd.sock.\n\n"
               "  --agent-dir DIR   where fence agents are (default /usr/sbin)\n"
               "%s",
               supervisor::common_usage().c_str());
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
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitGeneric;
  }

  boost::asio::io_context io;
  AsioClock clock(io);
  int exit_code = 0;
  auto fatal = [&](int code, const std::string& what) {
    log::error("event=fatal reason=\"" + what + "\"");
    if (exit_code == 0) exit_code = code;
    io.stop();
  };

  // Corosync: node names (cmap) and the CPG group.
  auto cmap = cluster::CorosyncCmap::connect(io);
  if (!cmap) {
    log::error("event=startup-failed reason=\"" + cmap.error().message() + "\"");
    return kExitUnavailable;
  }
  auto nodes = (*cmap)->read_node_list();
  if (!nodes) {
    log::error("event=startup-failed reason=\"" + nodes.error().message() + "\"");
    return kExitUnavailable;
  }
  auto cpg = cluster::CorosyncCpg::connect(io);
  if (!cpg) {
    log::error("event=startup-failed reason=\"" + cpg.error().message() + "\"");
    return kExitUnavailable;
  }
  (*cmap)->set_lost_handler(
      [&](const Error& e) { fatal(kExitUnavailable, "cmap: " + e.message()); });
  (*cpg)->set_lost_handler([&](const Error& e) { fatal(kExitUnavailable, "cpg: " + e.message()); });

  exec::PosixSpawner spawner(io);
  fencing::SpawnerAgentRunner runner(spawner, clock, runner_options);
  fencerd::ServiceOptions so;
  so.seed = static_cast<std::uint64_t>(::getpid());
  so.log = log::write;
  fencerd::Service service(clock, runner, **cpg, *nodes, so);
  fencerd::Service* svc = &service;
  (void)(*cmap)->watch_node_list([svc](Result<cluster::NodeList> list) {
    if (list) svc->set_nodes(std::move(*list));
  });
  if (auto st = service.start(); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitUnavailable;
  }

  // The CIB (vigil-cib starts before us).
  cibclient::CibClient cib(io);
  Status cib_up = Error(ErrorCode::kIo, "not tried");
  for (int attempt = 0; attempt < 20 && !cib_up; ++attempt) {
    cib_up = cib.connect(opts.run_dir + "/cib.sock");
    if (!cib_up) {
      io.restart();
      io.run_for(std::chrono::milliseconds(250));
    }
  }
  if (!cib_up) {
    log::error("event=startup-failed reason=\"vigil-cib: " + cib_up.error().message() + "\"");
    return kExitGeneric;
  }
  cib.set_disconnect_handler(
      [&](const Error& e) { fatal(kExitGeneric, "vigil-cib: " + e.message()); });
  CibFeed feed(cib, service);
  feed.start();

  std::string note;
  const ipc::AccessPolicy policy = supervisor::daemon_access_policy(note);
  if (!note.empty()) log::warning(note);
  ipc::ServerOptions server_options;
  server_options.name = "vigil-stonithd";
  server_options.log = log::write;
  const std::string socket_path = opts.run_dir + "/stonithd.sock";
  auto server = ipc::Server::listen(
      io, socket_path, policy,
      [svc](ipc::Request request, ipc::Responder responder) {
        auto r = std::make_shared<ipc::Responder>(std::move(responder));
        svc->handle(request.connection, request.payload, [r](Result<std::string> answer) {
          if (answer) {
            r->reply(*answer);
          } else {
            r->fail(answer.error());
          }
        });
      },
      server_options);
  if (!server) {
    log::error("event=startup-failed reason=\"" + server.error().message() + "\"");
    return kExitGeneric;
  }
  ipc::Server* srv = server->get();
  service.set_event_sink([srv](std::uint64_t connection, std::string_view payload) {
    return static_cast<bool>(srv->send_event(connection, payload));
  });

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::notice("event=shutdown signal=" + std::to_string(signo));
    io.stop();
  });
  log::notice("event=started socket=" + socket_path + " node=" + service.self() +
              " pid=" + std::to_string(::getpid()));
  io.restart();
  io.run();
  server->reset();  // removes the socket
  log::notice("event=stopped exit=" + std::to_string(exit_code));
  log::shutdown();
  return exit_code;
}
