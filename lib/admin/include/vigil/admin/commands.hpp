// SPDX-License-Identifier: GPL-2.0-or-later
// The pcs 0.11 command line, applied to an in-memory CIB document. Parsing
// and editing live here so they can be tested without files; cli/vigil only
// loads, saves and prints.
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <vector>

#include "vigil/admin/agent.hpp"
#include "vigil/admin/fencer.hpp"
#include "vigil/admin/live_cib.hpp"
#include "vigil/admin/status_daemons.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"

namespace vigil::admin {

// Options pcs accepts anywhere on the line, pulled out before the command
// words are read.
struct Flags {
  std::optional<std::string> group;  // --group G
  bool disabled = false;             // --disabled
  bool no_default_ops = false;       // --no-default-ops
  bool all = false;                  // --all (node standby ...)
  bool force = false;                // --force (stonith create|update, stonith level add)
  bool full = false;                 // --full (stonith describe)
  bool off = false;                  // --off (stonith fence)
  bool promoted = false;             // --promoted (resource ban|move*|clear)
  bool master = false;               // --master: the deprecated --promoted
  bool strict = false;               // --strict (resource move)
  bool autodelete = false;  // --autodelete (acl role delete|unassign; resource move: deprecated)
  bool watch = false;       // --watch (status): redraw until q
  std::optional<std::string> interval;  // --interval T (status --watch)
  std::optional<std::string> png;       // --png FILE (status: the cluster as a picture)
  // constraint, node, tag and resource commands
  std::optional<std::string> before,
      after;                        // --before ID, --after ID (tag update, resource create)
  std::optional<std::string> name;  // --name NAME (node attribute|utilization)
  bool monitor = false;             // --monitor (resource manage|unmanage)
  bool defaults = false;            // --defaults (property config)
  std::optional<std::string> wait;  // --wait[=N] ("" without a value)
  std::optional<std::string> output_format;  // --output-format text|cmd|json (resource config)
};

struct Invocation {
  std::optional<std::string> file;  // -f FILE
  Flags flags;
  std::vector<std::string> args;  // the command words, e.g. {"property", "set", "a=b"}
  bool help = false;
};

// Splits argv (without argv[0]). "--" ends option parsing, so "-INFINITY"
// style words can follow it. Unknown --options fail with a one-line message.
Result<Invocation> parse_invocation(const std::vector<std::string>& argv);

struct Context {
  xmlDoc* doc = nullptr;
  const MetadataSource* agents = nullptr;
  Flags flags;
  std::vector<std::string> notes;  // stderr lines (warnings, progress), printed even on error
  bool changed = false;            // the document was edited and must be written
  std::string out;                 // stdout text (listings)
  EpochSeconds now = 0;            // wall clock for status output, injected for tests
  int extra_writes = 0;    // further epochs pcs would spend (it writes some commands in steps)
  bool live = false;       // talking to a running cluster (no -f)
  std::string local_node;  // this node's name in live mode ("node standby" without a name)
  // Live mode: the cluster's node names from corosync.conf (constraints
  // naming other nodes are refused, as pcs does), besides those in <nodes>.
  std::vector<std::string> cluster_nodes;
  std::string cluster_name;  // live mode: totem.cluster_name of corosync.conf
  Fencer* fencer = nullptr;  // the fencing daemon's client; null: there is none
  // Live `status`: the local services' states ("Daemon Status:"); null: not shown.
  const ServiceProbe* services = nullptr;
  // How cli/vigil reports a failure: pcs prints usage texts bare (no
  // "Error: ") and exits 2 for a few refusals.
  bool error_bare = false;
  int error_exit = 1;
  int exit_code = 0;  // a successful command's exit status (resource debug-*)
  // Live mode: the cluster's CIB for commands that write, wait and write
  // again themselves (they leave `changed` false); null: not available.
  LiveCib* live_cib = nullptr;
  // --wait: the resource whose state is reported afterwards, when the
  // command decides it (resource unclone).
  std::string wait_subject;
};

// Commands that read no CIB (`stonith list|describe`, and those that only
// talk to the fencing daemon): run with Context::doc null, never with -f.
bool needs_no_cib(const std::vector<std::string>& args);

// Runs one command. On error the document may be partly edited and must be
// thrown away; the Error's message is what follows "Error: " on stderr (it
// may hold further lines). kUnsupported marks what Vigil does not do yet.
Status run_command(Context& ctx, const std::vector<std::string>& args);

// `status --png FILE`: the cluster as a picture (Graphviz), nothing printed.
Status status_picture(Context& ctx);

// `resource`, `resource status`, `status resources`: the resource list.
Status resource_status(Context& ctx);

// The resource and property commands' options (resource_options.cpp):
// whether --all / --full belong to the command, and pcs's refusals of
// options given where it takes none (run before the command).
bool resource_takes_all(const std::vector<std::string>& args);
bool resource_takes_full(const std::vector<std::string>& args);
bool resource_takes_force(const std::vector<std::string>& args);
Status check_resource_options(Context& ctx, const std::vector<std::string>& args);
// --wait (resource_wait.cpp): after a live resource command's write, waits
// until the cluster settles and reports the resources' states as pcs does.
Status wait_after_write(Context& ctx, const std::vector<std::string>& args);

// Per-family entry points (args start after the family word).
Status run_property(Context& ctx, const std::vector<std::string>& args);
Status run_resource(Context& ctx, const std::vector<std::string>& args);
Status run_constraint(Context& ctx, const std::vector<std::string>& args);
Status run_node(Context& ctx, const std::vector<std::string>& args);
Status run_stonith(Context& ctx, const std::vector<std::string>& args);
// `-f FILE status [--full]`: crm_mon's text view of the file (status_text.hpp).
Status monitor_status(Context& ctx);
Status run_tag(Context& ctx, const std::vector<std::string>& args);
// `acl ...` (acl.cpp): roles, users, groups, permissions, enable-acl.
Status run_acl(Context& ctx, const std::vector<std::string>& args);
// pcs alert: config, create, update, delete|remove, recipient add|update|delete|remove (alert.cpp).
Status run_alert(Context& ctx, const std::vector<std::string>& args);
// `status`: "Cluster name: ..." then crm_mon's summary, nodes and resources.
Status cluster_status(Context& ctx);

}  // namespace vigil::admin
