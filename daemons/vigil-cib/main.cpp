// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-cib: the CIB daemon (Pacemaker's pacemaker-based). A thin main:
// lib/cibd's CibNode replicated over the CPG group "vigil-cib" (or a
// loopback group of one with --standalone), persisted in $state/cib, served
// to clients on $run/cib.sock through CibService.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <memory>
#include <optional>

#include "vigil/cibd/loopback.hpp"
#include "vigil/cibd/persist.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cibd/service.hpp"
#include "vigil/cluster/corosync_cmap.hpp"
#include "vigil/cluster/corosync_group.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/host.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/ipc/server.hpp"
#include "vigil/log/event_loop.hpp"
#include "vigil/log/log.hpp"
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
constexpr int kExitConfig = 78;
// How the CIB reaches the disk (lib/cibd/commit.hpp): the master's writes
// at least 100 ms (and 4 times the last write's time) apart, updates
// meanwhile sharing one write and waiting for it (at most 10 writes a
// second, and a step of a chain of actions waits 100 ms at most); status
// the group already has within 1 s; failed writes retried every 1 s.
constexpr cibd::CommitOptions kCommit{Duration{100}, 4, Duration{1'000}, Duration{1'000}};

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: vigil-cib [options]\n"
               "Holds the cluster's CIB, replicated over Corosync (CPG group vigil-cib),\n"
               "persisted in $state/cib/cib.xml, served on $run/cib.sock.\n\n"
               "  --standalone       no Corosync: a cluster of this node alone\n"
               "  --node-name NAME   the name recorded as update-origin (default: from\n"
               "                     corosync's nodelist, else the host name)\n"
               "%s",
               supervisor::common_usage().c_str());
}

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

std::string host_name() {
  const std::string name = short_host_name();
  return name.empty() ? "localhost" : name;
}

}  // namespace

int main(int argc, char** argv) {
  const supervisor::DaemonIdentity self{
      "vigil-cib", "vigil-cib 0.1.0 (pacemaker-based 2.1.5 compatible)", usage};
  auto parsed = supervisor::parse_daemon_options(argc, argv, {{"--standalone"}, {"--node-name"}});
  if (auto rc = supervisor::exit_before_start(parsed, self)) return *rc;
  const auto& opts = *parsed;
  bool standalone = false;
  std::string node_name;
  for (const auto& [name, value] : opts.own) {
    if (name == "--standalone") {
      standalone = true;
    } else {
      node_name = value;
    }
  }

  xml::init();
  supervisor::init_daemon_process("vigil-cib", opts);
  // hacluster:haclient from here on (Pacemaker's pacemaker-based).
  supervisor::ClusterUserPlan as_user{opts.run_dir, {opts.state_dir + "/cib"}, opts.state_dir, {}};
  if (!standalone) as_user.before_drop = cluster::allow_group_in_corosync;
  if (auto st = supervisor::run_as_cluster_user("vigil-cib", as_user); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitConfig;
  }

  if (auto st = supervisor::ensure_directory(opts.run_dir, 0755); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitGeneric;
  }
  auto files = cibd::CibFiles::open(opts.state_dir + "/cib");
  if (!files) {
    log::error("event=startup-failed reason=\"" + files.error().message() + "\"");
    return kExitConfig;
  }
  auto loaded = files->load();
  if (!loaded) {
    log::error("event=startup-failed reason=\"" + loaded.error().message() + "\"");
    return kExitGeneric;
  }
  if (loaded->repaired) {
    log::notice("event=cib-write-finished detail=\"" + *loaded->repaired + "\"");
  }
  if (loaded->problem && loaded->empty_fallback) {
    log::error("event=cib-empty-fallback detail=\"" + *loaded->problem +
               "\" action=\"STARTING WITH AN EMPTY CIB; a peer's copy wins at sync\"");
  } else if (loaded->problem) {
    log::error("event=cib-file-unusable detail=\"" + *loaded->problem + "\" action=\"using " +
               loaded->source + " version " + loaded->store.version().to_string() + "\"");
  } else if (loaded->from_disk) {
    log::info("event=cib-loaded file=" + files->cib_path() +
              " version=" + loaded->store.version().to_string());
  } else {
    log::info("event=cib-empty reason=\"no " + files->cib_path() + " yet\"");
  }

  boost::asio::io_context io;
  AsioClock clock(io);
  int exit_code = 0;

  std::unique_ptr<cluster::Messaging> cpg_group;  // under `messaging`: outlives it
  std::unique_ptr<cluster::Messaging> messaging;
  if (standalone) {
    messaging = std::make_unique<cibd::LoopbackMessaging>(
        clock, cluster::GroupMember{1, static_cast<std::uint32_t>(::getpid())});
    if (node_name.empty()) node_name = host_name();
  } else {
    // Whole CIBs travel compressed, in chunks (corosync_group.hpp).
    auto cpg = cluster::connect_chunked_cpg(io, cpg_options());
    if (!cpg) {
      log::error("event=startup-failed reason=\"" + cpg.error().message() + "\"");
      return kExitUnavailable;
    }
    cpg->cpg->set_lost_handler([&](const Error& e) {
      log::error("event=corosync-lost reason=\"" + e.message() + "\"");
      exit_code = kExitUnavailable;
      io.stop();
    });
    if (node_name.empty()) {
      if (auto cmap = cluster::CorosyncCmap::connect(io)) {
        auto id = (*cmap)->local_node_id();
        auto list = (*cmap)->read_node_list();
        if (id && list) node_name = list->name_of(*id).value_or("");
      }
      if (node_name.empty()) node_name = host_name();
    }
    cpg_group = std::move(cpg->cpg);
    messaging = std::move(cpg->messaging);
  }

  cibd::CibNodeOptions no;
  no.node_name = node_name;
  no.hold_queries_until_synced = true;          // clients never see a copy about to be replaced
  no.user_groups = cibd::acl::system_groups();  // for <acl_group> in the CIB's ACLs
  cibd::CibNode node(*messaging, clock, std::move(loaded->store), no);
  node.set_writer([&files](const cibd::Store& store,
                           bool keep_backup) { return files->write(store, keep_backup); },
                  kCommit);
  node.subscribe([](const cibd::CibChange& c) {
    const std::string line = std::string("event=cib-change op=") + cibd::to_string(c.op) +
                             " from=" + c.previous.to_string() + " to=" + c.current.to_string() +
                             " origin=\"" + c.origin + "\" client=\"" + c.client + "\"";
    if (c.config_changed) {
      log::info(line + " config=true");
    } else {
      log::debug(line);
    }
  });
  node.set_fatal_handler([&](const Error& e) {
    log::error("event=group-failed reason=\"" + e.message() + "\"");
    exit_code = kExitUnavailable;
    io.stop();
  });
  if (Status s = node.start(); !s) {
    log::error("event=startup-failed reason=\"" + s.error().message() + "\"");
    return kExitUnavailable;
  }

  std::unique_ptr<ipc::Server> server;
  cibd::CibService service(node, [&server](cibd::ConnectionId c, const std::string& payload) {
    return server && server->send_event(c, payload).ok();
  });
  std::string note;
  const ipc::AccessPolicy policy = supervisor::daemon_access_policy(note);
  if (!note.empty()) log::warning(note);
  ipc::ServerOptions so;
  so.name = "vigil-cib";
  so.max_payload = ipc::kMaxDocumentPayload;  // whole CIBs, replaced and queried
  so.log = log::write;
  const std::string socket_path = opts.run_dir + "/cib.sock";
  auto listening = ipc::Server::listen(
      io, socket_path, policy,
      [&service](ipc::Request request, ipc::Responder responder) {
        auto shared = std::make_shared<ipc::Responder>(std::move(responder));
        const pid_t pid = request.peer.pid;
        service.handle(request.connection, request.payload, user_name(request.peer.uid),
                       [shared, pid](Result<std::string> r) {
                         if (r) {
                           shared->reply(*r);
                         } else {
                           log::info("event=request-refused peer_pid=" + std::to_string(pid) +
                                     " reason=\"" + r.error().message() + "\"");
                           shared->fail(r.error());
                         }
                       });
      },
      so);
  if (!listening) {
    log::error("event=startup-failed reason=\"" + listening.error().message() + "\"");
    return kExitGeneric;
  }
  server = std::move(listening).value();

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::notice("event=shutdown signal=" + std::to_string(signo));
    io.stop();
  });
  log::notice("event=started socket=" + socket_path + " state=" + files->dir() +
              " mode=" + (standalone ? "standalone" : "cpg") + " node=" + node_name +
              " pid=" + std::to_string(::getpid()));
  log::run_event_loop(io, "vigil-cib");  // an exception drops its event, not the daemon

  node.stop();     // held updates are written, pending ones fail; the group sees us leave
  server.reset();  // removes the socket
  log::notice("event=stopped exit=" + std::to_string(exit_code));
  log::shutdown();
  return exit_code;
}
