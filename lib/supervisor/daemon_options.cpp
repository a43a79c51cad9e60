// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/supervisor/daemon_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "vigil/log/log.hpp"

namespace vigil::supervisor {

namespace {

Error usage(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}

}  // namespace

Result<DaemonOptions> parse_daemon_options(int argc, const char* const* argv,
                                           const OwnOptions& own) {
  DaemonOptions o;
  if (const char* v = std::getenv("VIGIL_RUN_DIR"); v && *v) o.run_dir = v;
  if (const char* v = std::getenv("VIGIL_STATE_DIR"); v && *v) o.state_dir = v;
  if (const char* v = std::getenv("VIGIL_LOG_FILE"); v && *v) o.log_file = v;
  if (const char* v = std::getenv("VIGIL_LOG_LEVEL"); v && *v) o.log_level = v;

  struct Known {
    const char* name;
    std::string* target;
  };
  const Known known[] = {{"--run-dir", &o.run_dir},
                         {"--state-dir", &o.state_dir},
                         {"--log-file", &o.log_file},
                         {"--log-level", &o.log_level}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    bool handled = false;
    for (const auto& k : known) {
      if (name != k.name) continue;
      if (eq != std::string::npos) {
        *k.target = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        *k.target = argv[++i];
      } else {
        return usage(std::string("option ") + k.name + " needs a value");
      }
      if (k.target != &o.log_file && k.target->empty()) {
        return usage(std::string("option ") + k.name + " needs a non-empty value");
      }
      handled = true;
    }
    if (handled) continue;
    if (arg == "--foreground" || arg == "-f") continue;  // always: we never daemonize
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--version" || arg == "-V") {
      o.version = true;
      continue;
    }
    if (arg.rfind("-", 0) != 0) return usage("unexpected argument '" + arg + "'");
    auto listed = [&name](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    if (listed(own.flags)) {
      if (eq != std::string::npos) return usage("option " + name + " takes no value");
      o.own.emplace_back(name, "");
    } else if (listed(own.with_value)) {
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      }
      if (value.empty()) return usage("option " + name + " needs a value");
      o.own.emplace_back(name, std::move(value));
    } else {
      return usage("unknown option '" + arg + "'");
    }
  }
  return o;
}

std::optional<int> exit_before_start(const Result<DaemonOptions>& parsed,
                                     const DaemonIdentity& who) {
  if (!parsed) return usage_error(who, parsed.error().message());
  if (parsed->help) {
    who.usage(stdout);
    return 0;
  }
  if (parsed->version) {
    std::printf("%s\n", who.version);
    return 0;
  }
  return std::nullopt;
}

int usage_error(const DaemonIdentity& who, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", who.name, message.c_str());
  who.usage(stderr);
  return 2;
}

std::vector<std::string> to_arguments(const DaemonOptions& options) {
  std::vector<std::string> out = {"--run-dir=" + options.run_dir,
                                  "--state-dir=" + options.state_dir};
  if (!options.log_file.empty()) out.push_back("--log-file=" + options.log_file);
  out.push_back("--log-level=" + options.log_level);
  return out;
}

Status ensure_directory(const std::string& path, unsigned mode) {
  if (path.empty()) return Error(ErrorCode::kInvalidInput, "empty directory name");
  std::string partial;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return Error(ErrorCode::kIo, "cannot create " + partial + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(ErrorCode::kIo, path + " is not a directory");
  }
  return ok_status();
}

ipc::AccessPolicy daemon_access_policy(std::string& note) {
  auto policy = ipc::AccessPolicy::root_and_group("haclient");
  ipc::AccessPolicy out;
  if (policy) {
    out = *policy;
    note.clear();
  } else {
    out = ipc::AccessPolicy::root_only();
    note = "group haclient does not exist: only root may connect";
  }
  if (::geteuid() != 0) out.allow_uid(::geteuid());
  return out;
}

std::string common_usage() {
  return "  --run-dir DIR     sockets and runtime files (default /run/vigil, $VIGIL_RUN_DIR)\n"
         "  --state-dir DIR   persistent state (default /var/lib/vigil, $VIGIL_STATE_DIR)\n"
         "  --log-file FILE   also log to FILE ($VIGIL_LOG_FILE)\n"
         "  --log-level LVL   debug, info, notice, warning, error (default info, "
         "$VIGIL_LOG_LEVEL)\n"
         "  --foreground      run in the foreground (always the case)\n"
         "  --help, --version\n";
}

void init_daemon_process(const std::string& name, const DaemonOptions& options) {
  log::Options lo;
  lo.name = name;
  lo.file = options.log_file;
  lo.min_level = parse_log_level(options.log_level).value_or(LogLevel::kInfo);
  if (!log::init(lo)) log::warning("cannot open log file " + options.log_file + ": stderr only");
  ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace vigil::supervisor
