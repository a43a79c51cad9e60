// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-lrmd: the local executor daemon (Pacemaker's pacemaker-execd). A
// thin main: lib/lrmd's Service over lib/exec, served on $run/lrmd.sock;
// stonith resources go to vigil-stonithd ($run/stonithd.sock).
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/exec/posix_spawner.hpp"
#include "vigil/fencerd/client.hpp"
#include "vigil/ipc/server.hpp"
#include "vigil/log/event_loop.hpp"
#include "vigil/log/log.hpp"
#include "vigil/lrmd/service.hpp"
#include "vigil/supervisor/daemon_options.hpp"

using namespace vigil;

namespace {

constexpr int kExitGeneric = 1;

// Fence devices (stonith resources) are registered with, checked and
// unregistered by vigil-stonithd.
class FencerdDevices final : public exec::FenceDevices {
 public:
  explicit FencerdDevices(fencerd::FencerdClient& client) : client_(client) {}
  void register_device(const std::string& device, const std::string& agent,
                       const std::map<std::string, std::string>& params,
                       std::function<void(Status)> done) override {
    client_.register_device(fencerd::RegisterCall{device, agent, params}, std::move(done));
  }
  void monitor(const std::string& device, Duration timeout,
               std::function<void(Status)> done) override {
    client_.monitor(fencerd::MonitorCall{device, timeout}, std::move(done));
  }
  void unregister_device(const std::string& device, std::function<void(Status)> done) override {
    client_.unregister_device(fencerd::UnregisterCall{device}, std::move(done));
  }

 private:
  fencerd::FencerdClient& client_;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: vigil-lrmd [options]\n"
               "Runs resource agents for the local controller (socket $run/lrmd.sock).\n\n%s"
               "  --ocf-root DIR    OCF agents' root (default /usr/lib/ocf)\n"
               "  --fence-agent-dir DIR  fence agents, for stonith resources' meta-data\n"
               "                    (default /usr/sbin)\n"
               "  --shutdown-timeout SEC  on SIGTERM, wait this long for running agents\n"
               "                    before killing them (default 30)\n"
               "  --agent-tools-dir DIR  Vigil's attrd_updater, crm_attribute, crm_master,\n"
               "                    crm_node for OCF agents: first in their PATH and their\n"
               "                    HA_SBIN_DIR (default $VIGIL_AGENT_TOOLS_DIR, else\n"
               "                    ../libexec/vigil/agent-tools beside vigil-lrmd, else\n"
               "                    /usr/libexec/vigil/agent-tools)\n",
               supervisor::common_usage().c_str());
}

// Where Vigil's agent tools are: as configured, else installed beside this
// program (<prefix>/sbin -> <prefix>/libexec; the build tree has the same
// layout), else Debian's place; empty when none exists.
std::string default_agent_tools_dir() {
  if (const char* env = std::getenv("VIGIL_AGENT_TOOLS_DIR"); env && *env) return env;
  std::vector<std::string> candidates;
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    const std::string self(buf, static_cast<std::size_t>(n));
    const auto slash = self.rfind('/');
    if (slash != std::string::npos) {
      candidates.push_back(self.substr(0, slash) + "/../libexec/vigil/agent-tools");
    }
  }
  candidates.push_back("/usr/libexec/vigil/agent-tools");
  for (const auto& dir : candidates) {
    if (::access((dir + "/crm_attribute").c_str(), X_OK) != 0) continue;
    char* real = ::realpath(dir.c_str(), nullptr);
    const std::string found = real ? real : dir;
    std::free(real);
    return found;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  const supervisor::DaemonIdentity self{
      "vigil-lrmd", "vigil-lrmd 0.1.0 (pacemaker-execd 2.1.5 compatible)", usage};
  auto parsed = supervisor::parse_daemon_options(
      argc, argv,
      {{}, {"--ocf-root", "--fence-agent-dir", "--shutdown-timeout", "--agent-tools-dir"}});
  if (auto rc = supervisor::exit_before_start(parsed, self)) return *rc;
  const auto& opts = *parsed;
  exec::ExecutorOptions eo;
  Duration shutdown_bound{30'000};
  for (const auto& [name, value] : opts.own) {
    if (name == "--ocf-root") {
      eo.paths.ocf_root = value;
    } else if (name == "--fence-agent-dir") {
      eo.paths.fence_agent_dir = value;
    } else if (name == "--agent-tools-dir") {
      eo.paths.tools_dir = value;
    } else if (value.find_first_not_of("0123456789") == std::string::npos && value.size() < 7) {
      shutdown_bound = Duration(std::stol(value) * 1000);
    } else {
      return supervisor::usage_error(self,
                                     name + " needs a number of seconds, not '" + value + "'");
    }
  }

  xml::init();
  supervisor::init_daemon_process("vigil-lrmd", opts);
  if (eo.paths.tools_dir.empty()) eo.paths.tools_dir = default_agent_tools_dir();
  if (eo.paths.tools_dir.empty()) {
    log::warning(
        "event=agent-tools-missing reason=\"no agent tools directory: agents calling "
        "attrd_updater or crm_attribute will not reach Vigil\"");
  }
  // The agent tools find vigil-crmd's socket through the environment.
  ::setenv("VIGIL_RUN_DIR", opts.run_dir.c_str(), 1);

  if (auto st = supervisor::ensure_directory(opts.run_dir, 0755); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitGeneric;
  }
  // resource-agents keeps agent state in $HA_RSCTMP (ocf-directories
  // defaults it to /run/resource-agents, which its tmpfiles.d entry creates
  // at boot); make sure it exists when we may create it.
  if (::geteuid() == 0) {
    const char* rsctmp = std::getenv("HA_RSCTMP");
    const std::string dir = rsctmp && *rsctmp ? rsctmp : "/run/resource-agents";
    if (auto st = supervisor::ensure_directory(dir, 01755); !st) {
      log::warning("event=rsctmp-missing reason=\"" + st.error().message() + "\"");
    }
  }
  std::string note;
  const ipc::AccessPolicy policy = supervisor::daemon_access_policy(note);
  if (!note.empty()) log::warning(note);

  boost::asio::io_context io;
  AsioClock clock(io);
  exec::PosixSpawner spawner(io);
  fencerd::FencerdClient fencerd_client(io, opts.run_dir + "/stonithd.sock");
  FencerdDevices fence_devices(fencerd_client);
  eo.fence_devices = &fence_devices;
  lrmd::Service service(clock, spawner, eo);

  ipc::ServerOptions so;
  so.name = "vigil-lrmd";
  so.log = log::write;
  const std::string socket_path = opts.run_dir + "/lrmd.sock";
  auto server = ipc::Server::listen(
      io, socket_path, policy,
      [&service](ipc::Request request, ipc::Responder responder) {
        auto r = std::make_shared<ipc::Responder>(std::move(responder));
        service.handle(request.connection, request.payload, [r](Result<std::string> answer) {
          if (answer) {
            r->reply(*answer);
          } else {
            r->fail(answer.error());
          }
        });
      },
      so);
  if (!server) {
    log::error("event=startup-failed reason=\"" + server.error().message() + "\"");
    return kExitGeneric;
  }
  ipc::Server* srv = server->get();
  service.set_event_sink([srv](std::uint64_t connection, std::string_view payload) {
    return static_cast<bool>(srv->send_event(connection, payload));
  });

  // One line per result, as pacemaker-execd logs them.
  (void)service.subscribe([](const exec::OperationResult& r) {
    const bool ok = r.status == exec::ExecStatus::kDone && r.rc == exec::OcfRc::kOk;
    std::string line = "event=op-result rsc=" + r.rsc_id + " op=" + r.action +
                       " interval_ms=" + std::to_string(r.interval.count()) +
                       " call=" + std::to_string(r.call_id) +
                       " rc=" + std::to_string(static_cast<int>(r.rc)) + " (" +
                       std::string(exec::to_string(r.rc)) +
                       ") status=" + std::string(exec::to_string(r.status)) +
                       " exec_ms=" + std::to_string(r.exec_time.count());
    if (!r.exit_reason.empty()) line += " reason=\"" + r.exit_reason + "\"";
    if (ok || r.status == exec::ExecStatus::kCancelled ||
        (r.action == "monitor" && r.rc == exec::OcfRc::kNotRunning)) {
      log::info(line);
    } else {
      log::warning(line);
    }
  });
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  bool stopping = false;
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    stopping = true;
    log::notice("event=shutdown signal=" + std::to_string(signo) +
                " running=" + std::to_string(service.running()) +
                " recurring=" + std::to_string(service.recurring()));
    service.shutdown(shutdown_bound, [&] {
      if (service.running() > 0) {
        log::warning("event=shutdown-timeout running=" + std::to_string(service.running()) +
                     " reason=\"agents still running: their process groups are killed\"");
      }
      io.stop();
    });
  });
  log::notice("event=started socket=" + socket_path + " ocf_root=" + eo.paths.ocf_root +
              " agent_tools=" + eo.paths.tools_dir + " pid=" + std::to_string(::getpid()));
  log::run_event_loop(io, "vigil-lrmd");  // an exception drops its event, not the daemon
  server->reset();                        // removes the socket
  log::notice(std::string("event=stopped") + (stopping ? "" : " reason=\"event loop ended\""));
  log::shutdown();
  return 0;
}
