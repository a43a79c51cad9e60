// SPDX-License-Identifier: GPL-2.0-or-later
// vigild: the supervisor (Pacemaker's pacemakerd). Starts vigil-cib,
// vigil-stonithd, vigil-lrmd, vigil-pengine and vigil-crmd in that order
// (pacemakerd's), respawns them,
// stops them in reverse order on SIGTERM. A thin main over lib/supervisor.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#include "vigil/cluster/totem_crypto.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/log/event_loop.hpp"
#include "vigil/log/log.hpp"
#include "vigil/supervisor/daemon_options.hpp"
#include "vigil/supervisor/posix_launcher.hpp"
#include "vigil/supervisor/supervisor.hpp"

using namespace vigil;

namespace {

constexpr int kExitGeneric = 1;
constexpr int kExitConfig = 78;

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: vigild [options]\n"
               "Starts and supervises vigil-cib, vigil-stonithd, vigil-lrmd, vigil-pengine\n"
               "and vigil-crmd.\n\n%s"
               "  --daemon-dir DIR  where the daemons are (default: beside vigild, then "
               "/usr/sbin)\n"
               "  --standalone      pass --standalone to vigil-cib (no Corosync)\n",
               supervisor::common_usage().c_str());
}

std::string own_directory() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool executable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

// The status file, replaced atomically on every change.
void write_status(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

// Corosync without crypto lets any host on the cluster network join and
// forge messages: said once at start (Pacemaker's daemons trust corosync).
void warn_if_corosync_unprotected(boost::asio::io_context& io) {
  auto crypto = cluster::read_corosync_crypto(io);
  if (!crypto) {
    log::notice("event=corosync-crypto-unknown reason=\"" + crypto.error().message() + "\"");
  } else if (auto warning = cluster::totem_crypto_warning(*crypto)) {
    log::warning(*warning);
  } else {
    log::notice("event=corosync-crypto cipher=" + crypto->cipher + " hash=" + crypto->hash);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const supervisor::DaemonIdentity self{"vigild", "vigild 0.1.0 (pacemakerd 2.1.5 compatible)",
                                        usage};
  auto parsed = supervisor::parse_daemon_options(argc, argv, {{"--standalone"}, {"--daemon-dir"}});
  if (auto rc = supervisor::exit_before_start(parsed, self)) return *rc;
  const auto& opts = *parsed;
  std::string daemon_dir;
  bool standalone = false;
  for (const auto& [name, value] : opts.own) {
    if (name == "--standalone") {
      standalone = true;
    } else {
      daemon_dir = value;
    }
  }

  supervisor::init_daemon_process("vigild", opts);

  // Where each daemon is: --daemon-dir only, else beside vigild, else /usr/sbin.
  std::vector<std::string> search;
  if (!daemon_dir.empty()) {
    search.push_back(daemon_dir);
  } else {
    if (auto own = own_directory(); !own.empty()) search.push_back(own);
    search.push_back("/usr/sbin");
  }
  supervisor::SupervisorOptions so;
  const std::vector<std::string> common = supervisor::to_arguments(opts);
  std::string missing;
  for (const char* name :
       {"vigil-cib", "vigil-stonithd", "vigil-lrmd", "vigil-pengine", "vigil-crmd"}) {
    supervisor::ChildSpec child;
    child.name = name;
    for (const auto& dir : search) {
      if (executable(dir + "/" + name)) {
        child.launch.path = dir + "/" + name;
        break;
      }
    }
    if (child.launch.path.empty()) missing += std::string(missing.empty() ? "" : ", ") + name;
    child.launch.args = common;
    const std::string sock = std::string(name).substr(6);  // cib, stonithd, lrmd, ...
    child.socket_path = opts.run_dir + "/" + sock + ".sock";
    so.children.push_back(std::move(child));
  }
  if (!missing.empty()) {
    std::string where;
    for (const auto& d : search) where += (where.empty() ? "" : ", ") + d;
    log::error("event=startup-failed reason=\"not found or not executable: " + missing +
               " (looked in " + where + ")\"");
    return kExitConfig;
  }
  if (standalone) so.children[0].launch.args.push_back("--standalone");
  // The fencer's devices and the controller's state are built from their CIB
  // connection: they restart with the CIB, as pacemakerd's children do
  // with the CIB manager.
  so.children[0].dependants = {"vigil-stonithd", "vigil-crmd"};

  if (auto st = supervisor::ensure_directory(opts.run_dir, 0755); !st) {
    log::error("event=startup-failed reason=\"" + st.error().message() + "\"");
    return kExitGeneric;
  }
  const std::string status_path = opts.run_dir + "/vigild.status";

  boost::asio::io_context io;
  AsioClock clock(io);
  supervisor::PosixLauncher launcher(io);
  // Daemons left from an earlier vigild (killed with SIGKILL) still hold
  // their sockets: starting new ones would only crash-loop. Vigil does not
  // adopt them (pacemakerd does); say so and stop.
  for (const auto& child : so.children) {
    if (launcher.accepting(child.socket_path)) {
      log::error("event=startup-failed reason=\"" + child.name + " already answers on " +
                 child.socket_path + ": stop the running cluster daemons first\"");
      return kExitGeneric;
    }
  }
  supervisor::Supervisor sup(clock, launcher, so, log::write);
  int exit_code = 0;
  sup.set_change_handler(
      [&] { write_status(status_path, supervisor::format_status(sup.status())); });
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      log::notice("event=shutdown signal=" + std::to_string(signo));
      sup.stop([&] { io.stop(); });
      wait_signal();  // a second SIGTERM changes nothing: the stop is bounded
    });
  };
  wait_signal();
  // Giving up (a crash loop) ends the loop once everything has stopped.
  sup.set_fatal_handler([&](const std::string& reason) {
    log::error("event=giving-up reason=\"" + reason + "\"");
    exit_code = sup.fatal_exit_code() != 0 ? sup.fatal_exit_code() : kExitGeneric;
    io.stop();
  });

  log::notice("event=started pid=" + std::to_string(::getpid()) + " run_dir=" + opts.run_dir);
  if (!standalone) warn_if_corosync_unprotected(io);
  sup.start();
  log::run_event_loop(io, "vigild");  // an exception drops its event, not the daemon
  ::unlink(status_path.c_str());
  log::notice("event=stopped exit=" + std::to_string(exit_code));
  log::shutdown();
  return exit_code;
}
