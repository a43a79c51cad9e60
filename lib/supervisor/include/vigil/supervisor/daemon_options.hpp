// SPDX-License-Identifier: GPL-2.0-or-later
// The command line every Vigil daemon shares (daemons/README.md):
// --run-dir, --state-dir, --log-file, --log-level, --foreground, --help,
// --version, with $VIGIL_RUN_DIR, $VIGIL_STATE_DIR, $VIGIL_LOG_FILE and
// $VIGIL_LOG_LEVEL as defaults. It lives with the supervisor because vigild
// hands these same options down to the daemons it starts.
#pragma once

#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/ipc/credentials.hpp"
#include "vigil/ipc/log_sink.hpp"

namespace vigil::supervisor {

struct DaemonOptions {
  std::string run_dir = "/run/vigil";
  std::string state_dir = "/var/lib/vigil";
  std::string log_file;  // empty: stderr only
  std::string log_level = "info";
  bool help = false;
  bool version = false;
  // Options the caller must handle itself, in order, each as given
  // ("--standalone", "--daemon-dir=/x" or "--daemon-dir", "/x").
  std::vector<std::string> rest;
};

// Environment first, then the command line. `with_value` names the
// daemon-specific options that take a value ("--daemon-dir"): their value
// is kept in `rest` after them. Anything else that starts with "-" and is
// not known goes to `rest` alone. Errors (kInvalidInput) are usage errors:
// a missing value, a positional argument.
Result<DaemonOptions> parse_daemon_options(int argc, const char* const* argv,
                                           const std::vector<std::string>& with_value = {});

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

// lib/ipc's log lines into the daemon's log.
ipc::LogSink daemon_ipc_log();

}  // namespace vigil::supervisor
