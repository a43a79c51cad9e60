// SPDX-License-Identifier: GPL-2.0-or-later
// The command line every Vigil daemon shares (daemons/README.md):
// --run-dir, --state-dir, --log-file, --log-level, --foreground, --help,
// --version, with $VIGIL_RUN_DIR, $VIGIL_STATE_DIR, $VIGIL_LOG_FILE and
// $VIGIL_LOG_LEVEL as defaults. It lives with the supervisor because vigild
// hands these same options down to the daemons it starts.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/ipc/credentials.hpp"

namespace vigil::supervisor {

struct DaemonOptions {
  std::string run_dir = "/run/vigil";
  std::string state_dir = "/var/lib/vigil";
  std::string log_file;  // empty: stderr only
  std::string log_level = "info";
  bool help = false;
  bool version = false;
  // The daemon's own options in command-line order: name and value (empty
  // for a flag), from "--name=value" or "--name value".
  std::vector<std::pair<std::string, std::string>> own;
};

// The options a daemon takes beside the shared ones.
struct OwnOptions {
  std::vector<std::string> flags;       // alone: "--standalone"
  std::vector<std::string> with_value;  // with a non-empty value: "--daemon-dir"
};

// Environment first, then the command line. Errors (kInvalidInput) are
// usage errors: an unknown option, a missing or empty value, a value given
// to a flag, a positional argument.
Result<DaemonOptions> parse_daemon_options(int argc, const char* const* argv,
                                           const OwnOptions& own = {});

// Who a daemon is, for its command line's answers.
struct DaemonIdentity {
  const char* name;              // "vigil-lrmd"
  const char* version;           // the --version line
  void (*usage)(std::FILE* to);  // its --help text
};

// What every daemon's main does with its command line before anything else:
// a usage error is printed with the usage on stderr (exit 2), --help and
// --version print and exit 0. Returns the exit code, or nothing to go on.
std::optional<int> exit_before_start(const Result<DaemonOptions>& parsed,
                                     const DaemonIdentity& who);

// A usage error found later (a bad value): printed as exit_before_start
// does; returns the exit code.
int usage_error(const DaemonIdentity& who, const std::string& message);

// "--run-dir=X --state-dir=Y [--log-file=Z] --log-level=L": what vigild
// passes down to its children.
std::vector<std::string> to_arguments(const DaemonOptions& options);

// Creates `path` and its missing parents with `mode` (existing ones are
// left as they are).
Status ensure_directory(const std::string& path, unsigned mode);

// "root and group haclient", plus the daemon's own user when that is not
// root (a process of the same user could take the daemon over anyway; this
// lets tests run daemons unprivileged). Without a haclient group: root (and
// the own user) only; `note` then says so, for the log.
ipc::AccessPolicy daemon_access_policy(std::string& note);

// The usage text of the shared options, one per line, for --help.
std::string common_usage();

// What every daemon's main does before anything else: libqb logging as
// `options` asks (program `name`; a log file that cannot be opened leaves
// stderr and says so) and SIGPIPE ignored (writing to a client that went
// away is an error, not a signal; agents get default dispositions back).
void init_daemon_process(const std::string& name, const DaemonOptions& options);

}  // namespace vigil::supervisor
