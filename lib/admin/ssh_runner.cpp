// SPDX-License-Identifier: GPL-2.0-or-later
// The production NodeRunner: `ssh root@NODE` in batch mode (keys only, no
// prompt), files piped on stdin, through lib/exec's spawner. The local node
// ("") runs `sh -c` directly.
#include <netdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "vigil/admin/cluster_cib.hpp"
#include "vigil/admin/cluster_lifecycle.hpp"
#include "vigil/exec/posix_spawner.hpp"

namespace vigil::admin {

namespace {

// A remote command may wait for a service to start or stop (vigil.service
// stops resources first): bounded, but generously.
constexpr auto kCommandTimeout = std::chrono::minutes(30);

class SshRunner final : public NodeRunner {
 public:
  explicit SshRunner(int connect_timeout_s) : connect_timeout_s_(connect_timeout_s) {}

  NodeResult run(const std::string& node, const std::string& command,
                 const std::string& input) override {
    return run_all({Call{node, command, input}}).front();
  }

  // Every call's process is spawned at once on one io_context; the results
  // are collected as they exit (each bounded by kCommandTimeout).
  std::vector<NodeResult> run_all(const std::vector<Call>& calls) override {
    boost::asio::io_context io;
    exec::PosixSpawner spawner(io);
    struct Running {
      std::optional<exec::ProcessExit> exit;
      std::unique_ptr<exec::Process> process;  // kept alive until its exit
      std::unique_ptr<boost::asio::steady_timer> timer;
      bool timed_out = false;
      std::string failed;  // the spawn's message when it did not start
      std::string path;
    };
    std::vector<Running> running(calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
      Running& r = running[i];
      exec::SpawnRequest req = request(calls[i]);
      r.path = req.path;
      auto spawned = spawner.spawn(req, [&r](exec::ProcessExit e) {
        r.exit = std::move(e);
        if (r.timer) r.timer->cancel();
      });
      if (!spawned.process) {
        r.failed = spawned.message;
        continue;
      }
      r.process = std::move(spawned.process);
      r.timer = std::make_unique<boost::asio::steady_timer>(io, kCommandTimeout);
      r.timer->async_wait([&r](const boost::system::error_code& ec) {
        if (ec || r.exit) return;
        r.timed_out = true;
        r.process->signal_group(SIGKILL);
      });
    }
    auto pending = [&running] {
      return std::any_of(running.begin(), running.end(),
                         [](const Running& r) { return r.failed.empty() && !r.exit; });
    };
    while (pending() && io.run_one() > 0) {
    }
    std::vector<NodeResult> out;
    for (auto& r : running) out.push_back(result(r.exit, r.timed_out, r.failed, r.path));
    return out;
  }

 private:
  exec::SpawnRequest request(const Call& call) const {
    exec::SpawnRequest req;
    if (call.node.empty()) {
      req.path = "/bin/sh";
      req.argv = {"sh", "-c", call.command};
    } else {
      req.path = "/usr/bin/ssh";
      req.argv = {"ssh",
                  "-o",
                  "BatchMode=yes",
                  "-o",
                  "ConnectTimeout=" + std::to_string(connect_timeout_s_),
                  "-T",
                  "root@" + call.node,
                  "--",
                  call.command};
    }
    req.env = exec::current_environment();
    req.input = call.input;
    req.output_limit = 1024 * 1024;
    return req;
  }

  static NodeResult result(std::optional<exec::ProcessExit>& exit, bool timed_out,
                           const std::string& failed, const std::string& path) {
    if (!failed.empty()) return NodeResult{255, "", failed};
    if (!exit) return NodeResult{255, "", "lost track of " + path};
    NodeResult r;
    r.out = std::move(exit->out);
    r.err = std::move(exit->err);
    if (timed_out) {
      r.rc = 124;
      r.err += "\ntimed out after 30 minutes";
    } else if (exit->kind == exec::ProcessExit::Kind::kSignaled) {
      r.rc = 128 + exit->code;
    } else {
      r.rc = exit->code;
    }
    return r;
  }

  int connect_timeout_s_;
};

std::string urandom(std::size_t n) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::string out(n, '\0');
  in.read(out.data(), static_cast<std::streamsize>(n));
  if (static_cast<std::size_t>(in.gcount()) != n) {
    throw std::runtime_error("cannot read /dev/urandom");
  }
  return out;
}

std::string random_uuid() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : urandom(16)) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool resolves(const std::string& name) {
  addrinfo* res = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, nullptr, &res) != 0) return false;
  freeaddrinfo(res);
  return true;
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error(ErrorCode::kIo, "Unable to write " + path);
  return ok_status();
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

}  // namespace

int run_lifecycle_on_system(const std::vector<std::string>& words) {
  auto runner = ssh_runner(env_int("VIGIL_SSH_TIMEOUT", 10));
  LifecycleEnv env;
  env.runner = runner.get();
  const char* conf = std::getenv("COROSYNC_MAIN_CONFIG_FILE");
  std::ifstream in(conf && *conf ? conf : "/etc/corosync/corosync.conf", std::ios::binary);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    env.local_conf = text.str();
    env.has_local_conf = true;
  }
  env.random_bytes = urandom;
  env.uuid = random_uuid;
  env.resolves = resolves;
  env.write_local_file = write_file;
  env.on_err = [](const std::string& text) { std::cerr << text << std::flush; };
  env.monitor_text = live_monitor_text;
  env.remove_cib_node = live_remove_node_entries;
  if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
    env.ask = [](const std::string& prompt) {
      std::cout << prompt << std::flush;
      std::string line;
      std::getline(std::cin, line);
      return line;
    };
  }
  Status st = ok_status();
  try {
    st = run_lifecycle(env, words);
  } catch (const std::exception& e) {
    st = Error(ErrorCode::kIo, e.what());
  }
  std::cout << env.out << std::flush;
  if (!st) std::cerr << "Error: " << st.error().message() << "\n";
  return st ? 0 : 1;
}

std::unique_ptr<NodeRunner> ssh_runner(int connect_timeout_s) {
  return std::make_unique<SshRunner>(connect_timeout_s);
}

}  // namespace vigil::admin
