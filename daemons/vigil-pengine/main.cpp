// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-pengine: the policy engine daemon (Pacemaker's pacemaker-schedulerd).
// A thin main: lib/pengined's Scheduler served on $run/pengine.sock, inputs
// saved in $state/pengine.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>

#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/ipc/server.hpp"
#include "vigil/log/event_loop.hpp"
#include "vigil/log/log.hpp"
#include "vigil/pengined/service.hpp"
#include "vigil/supervisor/daemon_options.hpp"
#include "vigil/supervisor/privileges.hpp"

using namespace vigil;

namespace {

constexpr int kExitGeneric = 1;

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: vigil-pengine [options]\n"
               "Computes transition graphs for the DC (socket $run/pengine.sock); inputs are\n"
               "saved in $state/pengine/pe-input-N.xml.\n\n%s",
               supervisor::common_usage().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const supervisor::DaemonIdentity self{
      "vigil-pengine", "vigil-pengine 0.1.0 (pacemaker-schedulerd 2.1.5 compatible)", usage};
  auto parsed = supervisor::parse_daemon_options(argc, argv);
  if (auto rc = supervisor::exit_before_start(parsed, self)) return *rc;
  const auto& opts = *parsed;

  xml::init();
  supervisor::init_daemon_process("vigil-pengine", opts);
  // hacluster:haclient from here on (Pacemaker's pacemaker-schedulerd).
  const supervisor::ClusterUserPlan as_user{
      opts.run_dir, {opts.state_dir + "/pengine"}, opts.state_dir, {}};
  if (auto st = supervisor::run_as_cluster_user("vigil-pengine", as_user); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return 78;  // bad configuration: not retried
  }

  const std::string pe_dir = opts.state_dir + "/pengine";
  for (const auto& [dir, mode] : {std::pair{opts.run_dir, 0755u}, std::pair{pe_dir, 0750u}}) {
    if (auto st = supervisor::ensure_directory(dir, mode); !st) {
      log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
      return kExitGeneric;
    }
  }
  std::string note;
  const ipc::AccessPolicy policy = supervisor::daemon_access_policy(note);
  if (!note.empty()) log::warning(note);

  boost::asio::io_context io;
  AsioClock clock(io);
  // Inputs are written once the DC has its answer (a large CIB takes a
  // while to serialise and write).
  pengined::Scheduler scheduler(clock, {pe_dir, /*defer_save=*/true});

  ipc::ServerOptions so;
  so.name = "vigil-pengine";
  so.max_payload = ipc::kMaxDocumentPayload;  // whole CIBs
  so.log = log::write;
  const std::string socket_path = opts.run_dir + "/pengine.sock";
  auto server = ipc::Server::listen(
      io, socket_path, policy,
      [&scheduler, &io](ipc::Request request, ipc::Responder responder) {
        auto refuse = [&](const Error& e) {
          // A refused input is written before the refusal goes out.
          if (auto st = scheduler.write_pending_input(); !st) {
            log::warning("event=input-not-saved reason=\"" + st.error().message() + "\"");
          }
          log::warning("event=request-refused peer_pid=" + std::to_string(request.peer.pid) +
                       " reason=\"" + e.message() + "\"");
          responder.fail(e);
        };
        auto decoded = pengined::decode_compute_request(request.payload);
        if (!decoded) return refuse(decoded.error());
        // The request's text, a whole CIB's copy, is not needed any more.
        std::string().swap(request.payload);
        const auto t0 = std::chrono::steady_clock::now();
        auto result = scheduler.compute(*decoded);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
        if (!result) return refuse(result.error());
        for (const auto& w : result->warnings)
          log::warning("event=config-warning text=\"" + w + "\"");
        log::notice(
            "event=transition-computed transition=" + std::to_string(result->transition_id) +
            " actions=" + std::to_string(result->summary.actions) + " input=" +
            (result->input_path.empty() ? std::string("not-saved") : result->input_path) +
            " recheck_by=" + std::to_string(result->recheck_by) + " cib_read=\"" +
            result->cib_read + "\" took_ms=" + std::to_string(took.count()));
        responder.reply(pengined::encode_compute_result(*result));
        boost::asio::post(io, [&scheduler] {
          if (auto st = scheduler.write_pending_input(); !st) {
            log::warning("event=input-not-saved reason=\"" + st.error().message() + "\"");
          }
          // What the run freed (the request, the input's text, the working
          // set, a whole read's parsing) goes back to the system, once the
          // DC has its answer: glibc keeps free memory amid the held CIB
          // otherwise (about 80 MB after a whole read at 64 nodes / 4000
          // resources; tens of ms at that size).
          malloc_trim(0);
        });
      },
      so);
  if (!server) {
    log::error("event=startup-failed reason=\"" + server.error().message() + "\"");
    return kExitGeneric;
  }

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::notice("event=shutdown signal=" + std::to_string(signo));
    io.stop();  // requests are answered synchronously: nothing is in flight
  });
  log::notice("event=started socket=" + socket_path + " inputs=" + pe_dir +
              " pid=" + std::to_string(::getpid()));
  log::run_event_loop(io, "vigil-pengine");  // an exception drops its event, not the daemon
  server->reset();
  log::notice("event=stopped");
  log::shutdown();
  return 0;
}
