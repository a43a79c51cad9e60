// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil import keepalived [NODE=]FILE... [--balancer haproxy|ldirectord]
// [--ldirectord-config PATH] [--dry-run] [-f CIB]`: keepalived.conf of each
// director read (lib/keepalived), mapped to pcs-syntax commands, and those
// commands run here, one after the other, on the CIB document through
// run_command, as if typed; any failure and the document is thrown away
// (cli/vigil writes once, or not at all).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vigil/admin/commands.hpp"
#include "vigil/common/result.hpp"
#include "vigil/keepalived/config.hpp"
#include "vigil/keepalived/mapping.hpp"

namespace vigil::admin {

struct ImportOptions {
  std::vector<std::string> files;  // [NODE=]FILE as given
  keepalived::Balancer balancer = keepalived::Balancer::kHaproxy;
  std::optional<std::string> ldirectord_config;
  bool dry_run = false;
};

struct ImportInvocation {
  std::optional<std::string> cib_file;  // -f
  ImportOptions options;
  bool help = false;
};

// argv (without argv[0]) is an `import` command: its first word that is not
// an option (nor -f's value) is "import".
bool is_import_command(const std::vector<std::string>& argv);

// The import's own words and options (its options are its alone, so they
// are read here rather than by parse_invocation).
Result<ImportInvocation> parse_import_invocation(const std::vector<std::string>& argv);

inline constexpr const char* kImportUsage =
    "Usage: vigil [-f CIB] import keepalived [NODE=]FILE... [--balancer haproxy|ldirectord]\n"
    "                     [--ldirectord-config PATH] [--dry-run]\n"
    "  One keepalived.conf per director (NODE=FILE; a FILE without NODE= is this host's);\n"
    "  @ID lines are read with the node's name as keepalived's config id. Prints the\n"
    "  equivalent vigil commands, then one 'Not mapped:' line per directive that has no\n"
    "  equivalent (or only an approximate one), with file:line and why. --dry-run writes\n"
    "  nothing; on any error nothing is written. --balancer ldirectord writes the\n"
    "  ldirectord.cf it generates to --ldirectord-config (default /etc/ha.d/ldirectord.cf)\n"
    "  once the CIB is written: copy it to every director.\n";

// What the import did, besides the document's edits (ctx.out has the text).
struct ImportResult {
  keepalived::Plan plan;
  std::vector<std::string> ran;  // the command lines, as printed
};

// Reads the files (through `loader`), maps them and runs the commands on
// ctx.doc. `local_node` names the director of a FILE given without NODE=.
// ctx.changed is set unless options.dry_run.
Result<ImportResult> import_keepalived(Context& ctx, const ImportOptions& options,
                                       const keepalived::Loader& loader,
                                       const std::string& local_node);

// Files written with the CIB and only if it is: each staged beside its
// place (PATH.vigil-staged, written atomically, mode 0644), renamed into
// place by commit() once the CIB is written, removed by abort() (and by the
// destructor) otherwise.
class StagedFiles {
 public:
  std::vector<std::pair<std::string, std::string>> files;  // path, text
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles() { abort(); }
  Status stage();
  Status commit();
  void abort();

 private:
  std::vector<std::string> staged_;  // the paths whose PATH.vigil-staged exists
};

}  // namespace vigil::admin
