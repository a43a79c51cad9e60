// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-crmd: the controller daemon (Pacemaker's pacemaker-controld). A thin
// main around lib/controller: Corosync (CPG group vigil-crmd, quorum, cmap
// for node names), the CIB, executor and scheduler daemons through their
// sockets in $run, vigil-stonithd's for fencing, and crmd.sock for the
// command line. Losing Corosync, the
// CIB or the executor ends the process with a non-zero code: the supervisor
// restarts it, and the state is rebuilt from the CIB and the executor.
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fencerd_access.hpp"
#include "vigil/alerts/runner.hpp"
#include "vigil/cibclient/client.hpp"
#include "vigil/cluster/corosync_cmap.hpp"
#include "vigil/cluster/corosync_group.hpp"
#include "vigil/cluster/corosync_quorum.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/controller/controller.hpp"
#include "vigil/exec/posix_spawner.hpp"
#include "vigil/fencerd/client.hpp"
#include "vigil/ipc/server.hpp"
#include "vigil/log/event_loop.hpp"
#include "vigil/log/log.hpp"
#include "vigil/lrmd/client.hpp"
#include "vigil/pengined/client.hpp"
#include "vigil/supervisor/daemon_options.hpp"
#include "vigil/supervisor/privileges.hpp"

using namespace vigil;

namespace {

// CPG handler failures go to the daemon's log (the message is dropped).
cluster::CpgOptions cpg_options() {
  cluster::CpgOptions o;
  o.log = log::write;
  return o;
}

constexpr int kExitGeneric = 1;
constexpr int kExitUnavailable = 69;
constexpr int kExitFatal = 100;  // Pacemaker's CRM_EX_FATAL: not respawned

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: vigil-crmd [options]\n"
               "The cluster controller: elects the DC over Corosync (CPG group vigil-crmd),\n"
               "runs the scheduler and executes transitions through vigil-cib, vigil-lrmd\n"
               "and vigil-pengine ($run/cib.sock, lrmd.sock, pengine.sock); fences through\n"
               "vigil-stonithd ($run/stonithd.sock); serves $run/crmd.sock. Exits 100 when\n"
               "the fencer says this node was fenced.\n\n"
               "  --shutdown-escalation INTERVAL  how long a clean shutdown waits for the\n"
               "                                  resources to move away (default 20min)\n"
               "  --recheck-interval INTERVAL     scheduler re-run when nothing happens\n"
               "                                  (default 15min; the CIB's value wins)\n"
               "  --dc-deadtime INTERVAL          start-up wait for the other nodes\n"
               "                                  (default 20s; the CIB's value wins)\n"
               "  --respawn-grace INTERVAL        how long the DC waits for the controller\n"
               "                                  of a node still in the membership to come\n"
               "                                  back before scheduling without it\n"
               "                                  (default 15s, 0 disables)\n"
               "%s",
               supervisor::common_usage().c_str());
}

// Runs the io_context until `done` is set or `limit` passes.
bool run_until(boost::asio::io_context& io, const bool& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < end) {
    io.run_for(std::chrono::milliseconds(50));
    if (io.stopped()) io.restart();
  }
  return done;
}

std::optional<Duration> interval_option(const std::string& text) {
  auto ms = parse_interval_ms(text);
  if (!ms || *ms <= 0) return std::nullopt;
  return Duration(*ms);
}

}  // namespace

int main(int argc, char** argv) {
  const supervisor::DaemonIdentity self{
      "vigil-crmd", "vigil-crmd 0.1.0 (pacemaker-controld 2.1.5 compatible)", usage};
  auto parsed = supervisor::parse_daemon_options(
      argc, argv,
      {{}, {"--shutdown-escalation", "--recheck-interval", "--respawn-grace", "--dc-deadtime"}});
  if (auto rc = supervisor::exit_before_start(parsed, self)) return *rc;
  const auto& opts = *parsed;
  controller::ControllerOptions co;
  for (const auto& [name, value] : opts.own) {
    auto d = interval_option(value);
    if (!d && name == "--respawn-grace" && value == "0") d = Duration(0);
    if (!d) {
      return supervisor::usage_error(
          self, name + " needs an interval (30s, 20min, ...), not '" + value + "'");
    }
    if (name == "--shutdown-escalation") {
      co.shutdown_escalation = *d;
    } else if (name == "--recheck-interval") {
      co.recheck_interval = *d;
    } else if (name == "--respawn-grace") {
      co.respawn_grace = *d;
    } else {
      co.dc_deadtime = *d;
    }
  }

  xml::init();
  supervisor::init_daemon_process("vigil-crmd", opts);
  // hacluster:haclient from here on (Pacemaker's pacemaker-controld).
  supervisor::ClusterUserPlan as_user{opts.run_dir, {}, "", {}};
  as_user.before_drop = cluster::allow_group_in_corosync;
  if (auto st = supervisor::run_as_cluster_user("vigil-crmd", as_user); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return 78;  // bad configuration: not retried
  }
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

  // Corosync: node names (cmap), membership and quorum, the CPG group.
  auto cmap = cluster::CorosyncCmap::connect(io);
  if (!cmap) {
    log::error("event=startup-failed reason=\"" + cmap.error().message() + "\"");
    return kExitUnavailable;
  }
  // Recorded by the DC as Pacemaker's does (cluster-name, for `vigil status`).
  if (auto name = (*cmap)->get("totem.cluster_name")) co.cluster_name = *name;
  auto local = (*cmap)->local_node_id();
  auto nodes = (*cmap)->read_node_list();
  if (!local || !nodes) {
    log::error("event=startup-failed reason=\"" +
               (!local ? local.error().message() : nodes.error().message()) + "\"");
    return kExitUnavailable;
  }
  auto quorum = cluster::CorosyncQuorum::connect(io, *nodes, *local);
  if (!quorum) {
    log::error("event=startup-failed reason=\"" + quorum.error().message() + "\"");
    return kExitUnavailable;
  }
  // Large messages (a join carrying a node's whole history) in chunks.
  auto cpg = cluster::connect_chunked_cpg(io, cpg_options());
  if (!cpg) {
    log::error("event=startup-failed reason=\"" + cpg.error().message() + "\"");
    return kExitUnavailable;
  }
  (*cmap)->set_lost_handler(
      [&](const Error& e) { fatal(kExitUnavailable, "cmap: " + e.message()); });
  (*quorum)->set_lost_handler(
      [&](const Error& e) { fatal(kExitUnavailable, "quorum: " + e.message()); });
  cpg->cpg->set_lost_handler(
      [&](const Error& e) { fatal(kExitUnavailable, "cpg: " + e.message()); });
  cluster::CorosyncQuorum* q = quorum->get();
  (void)(*cmap)->watch_node_list([q](Result<cluster::NodeList> list) {
    if (list) q->set_node_list(std::move(*list));
  });

  // The local daemons.
  cibclient::CibClient cib(io);
  cib.set_client_name("crmd");
  const std::string cib_path = opts.run_dir + "/cib.sock";
  Status cib_up = Error(ErrorCode::kIo, "not tried");
  for (int attempt = 0; attempt < 20 && !cib_up; ++attempt) {
    cib_up = cib.connect(cib_path);
    if (!cib_up) {
      // vigil-cib may still be starting: wait a little, serving Corosync meanwhile.
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

  lrmd::LrmdClient lrmd(io);
  bool lrmd_done = false;
  Status lrmd_up = Error(ErrorCode::kIo, "no answer from vigil-lrmd");
  lrmd.connect(opts.run_dir + "/lrmd.sock", [&](Status st) {
    lrmd_up = st;
    lrmd_done = true;
  });
  run_until(io, lrmd_done, std::chrono::seconds(10));
  if (!lrmd_up) {
    log::error("event=startup-failed reason=\"vigil-lrmd: " + lrmd_up.error().message() + "\"");
    return kExitGeneric;
  }
  lrmd.set_lost_handler([&](const Error& e) { fatal(kExitGeneric, "vigil-lrmd: " + e.message()); });
  pengined::PengineClient pengine(io, opts.run_dir + "/pengine.sock");

  // vigil-stonithd: connected on first use; fencing requests fail (and are
  // retried by the next transitions) while it cannot be reached.
  fencerd::FencerdClient fencerd_client(io, opts.run_dir + "/stonithd.sock");
  crmd::FencerdAccess fencer(fencerd_client, clock, &log::write);
  // Alert agents: run from here, as hacluster (this daemon's user, which
  // is also whom Pacemaker's executor runs them as), never waited for.
  exec::PosixSpawner alert_spawner(io);
  alerts::RunnerOptions alert_options;
  alert_options.base_env = exec::current_environment();
  alerts::Runner alert_runner(alert_spawner, clock, &log::write, alert_options);
  co.alerts = true;
  controller::Controller ctl(
      controller::ControllerEnv{
          clock, *cpg->messaging, **quorum, **quorum, cib, lrmd, pengine, fencer, &log::write,
          [&alert_runner](const std::vector<alerts::Alert>& list, const alerts::Event& event) {
            alert_runner.send(list, event);
          }},
      co);
  ctl.set_halt_handler([&](const std::string& why) { fatal(kExitFatal, why); });
  if (auto st = ctl.start(); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitUnavailable;
  }

  std::string note;
  const ipc::AccessPolicy policy = supervisor::daemon_access_policy(note);
  if (!note.empty()) log::warning(note);
  ipc::ServerOptions so;
  so.name = "vigil-crmd";
  so.log = log::write;
  const std::string socket_path = opts.run_dir + "/crmd.sock";
  auto server = ipc::Server::listen(
      io, socket_path, policy,
      [&ctl](ipc::Request request, ipc::Responder responder) {
        auto answer = controller::handle_client_request(ctl, request.payload);
        if (answer) {
          responder.reply(*answer);
        } else {
          log::info("event=request-refused peer_pid=" + std::to_string(request.peer.pid) +
                    " reason=\"" + answer.error().message() + "\"");
          responder.fail(answer.error());
        }
      },
      so);
  if (!server) {
    log::error("event=startup-failed reason=\"" + server.error().message() + "\"");
    return kExitGeneric;
  }

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  bool stopping = false;
  bool forced = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (stopping) {
          log::warning("event=shutdown-forced signal=" + std::to_string(signo));
          forced = true;
          io.stop();
          return;
        }
        stopping = true;
        log::notice("event=shutdown signal=" + std::to_string(signo));
        ctl.request_shutdown([&io] { io.stop(); });
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  log::notice("event=started socket=" + socket_path +
              " node=" + nodes->name_of(*local).value_or(std::to_string(*local)) +
              " pid=" + std::to_string(::getpid()));
  io.restart();
  log::run_event_loop(io, "vigil-crmd");  // an exception drops its event, not the daemon
  server->reset();
  // Alert agents still running (the shutdown's own events among them) end,
  // or reach their timeouts, before the daemon exits, as Pacemaker's
  // executor drains them; none starts now. A second signal cuts it short.
  bool drained = false;
  alert_runner.drain([&] {
    drained = true;
    io.stop();
  });
  if (!drained && !forced) {
    log::notice("event=alerts-draining running=" + std::to_string(alert_runner.running()));
    auto limit = clock.start_timer(alert_runner.longest_timeout() + std::chrono::seconds(5), [&] {
      log::warning("event=alerts-drain-timeout running=" + std::to_string(alert_runner.running()));
      io.stop();
    });
    io.restart();
    log::run_event_loop(io, "vigil-crmd");
  }
  log::notice("event=stopped exit=" + std::to_string(exit_code));
  log::shutdown();
  return exit_code;
}
