// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/import_keepalived.hpp"

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/status.hpp"
#include "vigil/common/disk.hpp"

namespace vigil::admin {

namespace {

Error usage(const std::string& why) {
  return Error(ErrorCode::kInvalidInput, why + "\n" + kImportUsage);
}

std::string count_line(const keepalived::Plan& plan) {
  std::size_t approximate = 0, unmapped = 0;
  for (const auto& n : plan.not_mapped) {
    if (n.approximate) {
      ++approximate;
    } else {
      unmapped += n.covered;
    }
  }
  return "Directives: " + std::to_string(plan.directives) + " read, " +
         std::to_string(plan.mapped) + " mapped (" + std::to_string(approximate) +
         " approximately), " + std::to_string(unmapped) + " not mapped\n";
}

}  // namespace

bool is_import_command(const std::vector<std::string>& argv) {
  // The other commands' words as they read them (their valued options
  // included); failing that (the import's own options), a scan that skips
  // the values of -f and of the import's options.
  if (auto inv = parse_invocation(argv)) return !inv->args.empty() && inv->args[0] == "import";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-f" || a == "--balancer" || a == "--ldirectord-config") {
      ++i;
      continue;
    }
    if (a.rfind("-", 0) == 0) continue;
    return a == "import";
  }
  return false;
}

Result<ImportInvocation> parse_import_invocation(const std::vector<std::string>& argv) {
  ImportInvocation inv;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](const std::string& opt) -> Result<std::string> {
      if (i + 1 >= argv.size()) return usage("option '" + opt + "' requires a value");
      return argv[++i];
    };
    auto eq_value = [&](const std::string& opt) -> std::optional<std::string> {
      if (a.rfind(opt + "=", 0) == 0) return a.substr(opt.size() + 1);
      return std::nullopt;
    };
    if (a == "-f") {
      auto v = value(a);
      if (!v) return v.error();
      inv.cib_file = *v;
    } else if (a.rfind("-f", 0) == 0 && a.size() > 2 && a[2] != '-') {
      inv.cib_file = a.substr(2);
    } else if (a == "--dry-run") {
      inv.options.dry_run = true;
    } else if (a == "-h" || a == "--help") {
      inv.help = true;
    } else if (a == "--balancer" || eq_value("--balancer")) {
      auto v = a == "--balancer" ? value(a) : Result<std::string>(*eq_value("--balancer"));
      if (!v) return v.error();
      if (*v == "haproxy") {
        inv.options.balancer = keepalived::Balancer::kHaproxy;
      } else if (*v == "ldirectord") {
        inv.options.balancer = keepalived::Balancer::kLdirectord;
      } else {
        return usage("--balancer takes haproxy or ldirectord, not '" + *v + "'");
      }
    } else if (a == "--ldirectord-config" || eq_value("--ldirectord-config")) {
      auto v = a == "--ldirectord-config" ? value(a)
                                          : Result<std::string>(*eq_value("--ldirectord-config"));
      if (!v) return v.error();
      if (v->empty() || (*v)[0] != '/') {
        return usage("--ldirectord-config needs an absolute path (the same on every director)");
      }
      inv.options.ldirectord_config = *v;
    } else if (a.rfind("--", 0) == 0) {
      return usage("option '" + a + "' is not an option of 'import keepalived'");
    } else {
      words.push_back(a);
    }
  }
  if (inv.help) return inv;
  if (words.size() < 2 || words[0] != "import" || words[1] != "keepalived") {
    return usage(words.size() >= 2 && words[0] == "import"
                     ? "'import " + words[1] + "' is not supported: vigil imports keepalived"
                     : "usage");
  }
  inv.options.files.assign(words.begin() + 2, words.end());
  if (inv.options.files.empty()) return usage("no keepalived.conf given");
  if (inv.options.ldirectord_config && inv.options.balancer != keepalived::Balancer::kLdirectord) {
    return usage("--ldirectord-config goes with --balancer ldirectord");
  }
  return inv;
}

Result<ImportResult> import_keepalived(Context& ctx, const ImportOptions& options,
                                       const keepalived::Loader& loader,
                                       const std::string& local_node) {
  if (ctx.doc == nullptr) return Error(ErrorCode::kInternal, "import keepalived without a CIB");
  // Each director's file, read with its node name as keepalived's config id.
  std::vector<keepalived::Director> directors;
  for (const auto& arg : options.files) {
    std::string node = local_node, path = arg;
    const auto eq = arg.find('=');
    if (eq != std::string::npos && arg.find('/') > eq) {
      node = arg.substr(0, eq);
      path = arg.substr(eq + 1);
    }
    if (node.empty()) return Error(ErrorCode::kInvalidInput, "'" + arg + "': no node name");
    if (path.empty()) return Error(ErrorCode::kInvalidInput, "'" + arg + "': no file");
    keepalived::ParseOptions po;
    po.config_id = node;
    auto config = keepalived::parse_file(path, po, loader);
    if (!config) return config.error();
    directors.push_back({node, std::move(*config)});
  }
  keepalived::MapOptions mo;
  mo.balancer = options.balancer;
  if (options.ldirectord_config) mo.ldirectord_config = *options.ldirectord_config;
  auto plan = keepalived::map_directors(directors, mo);
  if (!plan) return plan.error();

  // The ids it creates must be free: never take over what the CIB has.
  for (const auto& c : plan->commands) {
    for (const auto& id : c.ids) {
      if (find_by_id(ctx.doc, id) != nullptr) {
        return Error(ErrorCode::kInvalidInput,
                     c.from.str() + ": the id '" + id +
                         "' this import would create is already used in the CIB; remove or "
                         "rename that element first (nothing was changed)");
      }
    }
  }
  ImportResult result;
  std::vector<std::string> notes;
  auto note = [&](const std::string& n) {
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
  };
  std::vector<std::string> checked_agents, missing_agents;
  for (const auto& c : plan->commands) {
    std::vector<std::string> words = c.words;
    if (!c.agent.empty()) {
      // An agent not installed here (ocf:vigil:* on a host without Vigil's
      // agents): created unchecked, as pcs does with --force, and said so.
      if (std::find(checked_agents.begin(), checked_agents.end(), c.agent) ==
          checked_agents.end()) {
        checked_agents.push_back(c.agent);
        auto name = parse_agent_name(c.agent);
        if (!name) return name.error();
        if (ctx.agents == nullptr || !ctx.agents->metadata(*name))
          missing_agents.push_back(c.agent);
      }
      if (std::find(missing_agents.begin(), missing_agents.end(), c.agent) !=
          missing_agents.end()) {
        words.push_back("--force");
        note("Warning: agent '" + c.agent +
             "' is not installed here: its resources are created without checking their "
             "parameters (install it on every director)");
      }
    }
    auto inv = parse_invocation(words);
    if (!inv) return inv.error();
    Context sub = ctx;
    sub.flags = inv->flags;
    sub.notes.clear();
    sub.out.clear();
    sub.changed = false;
    const Status st = run_command(sub, inv->args);
    const std::string line = keepalived::command_line(words);
    if (!st) {
      return Error(st.error().code(), "'" + line + "' (from " + c.from.str() +
                                          ") failed, nothing was changed:\n" +
                                          st.error().message());
    }
    const bool forced = words.back() == "--force" && c.words.back() != "--force";
    for (const auto& n : sub.notes) {
      // Forced, pcs's own warnings repeat the one above for every resource.
      if (forced && (n.rfind("Warning: invalid resource option", 0) == 0 ||
                     n.find("is not installed") != std::string::npos ||
                     n.find("is not a valid operation name") != std::string::npos))
        continue;
      note(n);
    }
    // One write for the whole import: the commands' own extra epochs
    // (pcs writes some in steps) do not apply.
    result.ran.push_back(line);
    ctx.out += line + "\n";
  }
  if (!plan->not_mapped.empty()) {
    ctx.out += "Not mapped:\n";
    for (const auto& n : plan->not_mapped) {
      ctx.out += "  " + n.at.str() + ": " + n.directive + ": " + n.why;
      if (n.covered > 1) ctx.out += " (" + std::to_string(n.covered) + " directives)";
      ctx.out += "\n";
    }
  }
  for (const auto& f : plan->files) {
    if (options.dry_run) {
      ctx.out += "Would write " + f.path + " (copy it to every director):\n" + f.text;
    } else {
      ctx.out += "Writes " + f.path + ": copy it to every director, at the same path\n";
    }
  }
  ctx.out += count_line(*plan);
  // keepalived has no fencing; a cluster without fence devices whose
  // stonith-enabled is not false starts none of what was imported.
  const auto warnings = status_warnings(ctx.doc);
  if (!plan->commands.empty() &&
      std::find(warnings.begin(), warnings.end(),
                "No stonith devices and stonith-enabled is not false") != warnings.end()) {
    note(
        "Warning: the cluster has no fence device and stonith-enabled is not false: no "
        "resource starts until fencing is configured (vigil stonith create ...) or disabled "
        "(vigil property set stonith-enabled=false); keepalived had no fencing");
  }
  if (options.dry_run) ctx.out += "Dry run: nothing was written\n";
  ctx.notes.insert(ctx.notes.end(), notes.begin(), notes.end());
  ctx.changed = !options.dry_run && !plan->commands.empty();
  result.plan = std::move(*plan);
  return result;
}

Status StagedFiles::stage() {
  abort();
  for (const auto& [path, text] : files) {
    AtomicWrite how;
    how.mode = 0644;
    if (auto st = write_file_atomically(real_disk(), path + ".vigil-staged", text, how); !st) {
      abort();
      return Error(st.error().code(),
                   "cannot write " + path + ": " + st.error().message() + " (nothing was changed)");
    }
    staged_.push_back(path);
  }
  return ok_status();
}

Status StagedFiles::commit() {
  std::vector<std::string> failed;
  for (const auto& path : staged_) {
    if (::rename((path + ".vigil-staged").c_str(), path.c_str()) != 0) {
      failed.push_back(path + ": " + std::strerror(errno));
    }
  }
  staged_.clear();
  if (!failed.empty()) {
    std::string msg = "the CIB was written, but not";
    for (const auto& f : failed) msg += " " + f;
    return Error(ErrorCode::kIo, msg);
  }
  return ok_status();
}

void StagedFiles::abort() {
  for (const auto& path : staged_) ::unlink((path + ".vigil-staged").c_str());
  staged_.clear();
}

}  // namespace vigil::admin
