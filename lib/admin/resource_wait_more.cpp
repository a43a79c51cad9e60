// SPDX-License-Identifier: GPL-2.0-or-later
// --wait[=N] beyond create/enable/disable/update/meta/group add: where pcs
// 0.11.5 checks the option (against -f and its value) relative to each
// command's own checks, and what each prints once the cluster settled.
//
// pcs takes three paths. Its library (ban, clear, move-with-constraint, like
// create/enable) checks the value first, quoted, then refuses -f; it prints
// "Waiting for the cluster ..." and afterwards one state line that is an
// error when the ban or move did not take. Its older command line code
// (clone, promotable, update) refuses -f first and names the value
// unquoted; unclone, group remove, ungroup and meta run their own checks
// before that. It prints no "Waiting" line: clone, promotable and unclone
// print utils.resource_running_on's sentence, group remove nothing.
// `resource delete` takes no --wait at all; move and restart take no -f.
#include <string_view>

#include "resource_wait.hpp"
#include "vigil/admin/live_cib.hpp"

namespace vigil::admin {
namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

bool one_of(const std::string& s, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (s == n) return true;
  }
  return false;
}

// pcs's library commands: the value is checked before -f.
bool library_command(const std::string& sub, const std::string& sub2) {
  return one_of(sub, {"create", "enable", "disable", "ban", "clear", "move-with-constraint"}) ||
         (sub == "group" && sub2 == "add");
}

// Older command line code that looks the resource up before it checks
// --wait: check_wait_late, called by the command itself.
bool checks_wait_late(const std::string& sub, const std::string& sub2) {
  return one_of(sub, {"meta", "unclone", "ungroup"}) ||
         (sub == "group" && (sub2 == "remove" || sub2 == "delete"));
}

Status unquoted_value(const std::string& value) {
  if (wait_timeout_seconds(value)) return ok_status();
  return invalid(value + " is not a valid number of seconds to wait");
}

Status not_with_file(const Context& ctx) {
  if (!ctx.live) return invalid("Cannot use '-f' together with '--wait'");
  return ok_status();
}

std::string pcs_timeout(const std::string& line, const std::string& pending) {
  std::string msg = "waiting timeout";
  if (!line.empty()) msg += "\n" + line;
  if (!pending.empty()) msg += "\n\n" + pending;
  return msg;
}

// ban, clear, move-with-constraint: pcs's library compares the resource's
// state before the write with the one once the cluster settled.
Status wait_library(Context& ctx, const std::vector<std::string>& args, int timeout_s) {
  const std::string& sub = args[1];
  const std::string id = args.size() > 2 ? args[2] : "";
  const std::string node = args.size() > 3 ? args[3] : "";
  // The state before: the status the command ran on (the write changed
  // only the configuration).
  RoleNodes before;
  if (sub != "clear" && ctx.doc != nullptr) {
    auto state = cluster_state(ctx.doc, ctx.now);
    if (!state) return state.error();
    before = library_state(xmlDocGetRootElement(state->get()), id, true);
  }
  ctx.notes.push_back(waiting_line(*ctx.flags.wait, timeout_s));
  WaitOutcome waited = settle_for(ctx, timeout_s);
  if (!waited.error.empty()) return Error(ErrorCode::kInternal, waited.error);
  if (waited.timed_out) return invalid("waiting timeout\n\n" + pending_text(waited));
  auto state = state_after(ctx, waited);
  if (!state) return state.error();
  const RoleNodes after = library_state(xmlDocGetRootElement(state->get()), id, true);
  const std::set<std::string> active = active_nodes(after);
  bool failed = false;
  if (sub == "ban") {
    // Still on the banned node, or stopped altogether.
    failed = active.count(node) > 0 || (!before.empty() && active.empty());
  } else if (sub == "move-with-constraint") {
    const bool stayed =
        !before.empty() &&
        (active.empty() || (!node.empty() && active.count(node) == 0) || before == after);
    failed = stayed;
  }
  const std::string line = library_line(id, after);
  if (!failed) {
    ctx.notes.push_back(line);
    return ok_status();
  }
  ctx.notes.push_back("Error: " + line);
  return invalid("Errors have occurred, therefore vigil is unable to continue");
}

// The resource pcs's command line code names after clone|promotable (the
// new clone) and unclone (what left the clone, recorded by the command).
std::string cli_subject(const Context& ctx, const std::vector<std::string>& args) {
  if (args[1] == "unclone") return ctx.wait_subject;
  const std::string id = args.size() > 2 ? args[2] : "";
  xmlNode* r = ctx.doc != nullptr ? find_resource(ctx.doc, id) : nullptr;
  xmlNode* clone = r != nullptr ? clone_ancestor(r) : nullptr;
  return clone != nullptr ? xml::attr_or(clone, "id") : id;
}

Status wait_cli(Context& ctx, const std::vector<std::string>& args, int timeout_s) {
  WaitOutcome waited = settle_for(ctx, timeout_s);
  if (!waited.error.empty()) return Error(ErrorCode::kInternal, waited.error);
  const std::string pending = pending_text(waited);
  const bool reports_state = one_of(args[1], {"clone", "promotable", "unclone"});
  if (!reports_state) {
    if (waited.timed_out) return invalid(pcs_timeout("", pending));
    return ok_status();
  }
  auto state = state_after(ctx, waited);
  if (!state) return state.error();
  const std::string line = cli_line(xmlDocGetRootElement(state->get()), cli_subject(ctx, args));
  if (waited.timed_out) return invalid(pcs_timeout(line, pending));
  ctx.notes.push_back(line);
  return ok_status();
}

}  // namespace

Status check_wait_option(Context& ctx, const std::string& sub, const std::string& sub2) {
  const std::string& value = *ctx.flags.wait;
  if (sub == "move" || sub == "restart") {
    if (!ctx.live) return invalid("Specified option '-f' is not supported in this command");
    // restart checks and uses its value itself (resource_restart.cpp).
    if (sub == "restart") return ok_status();
    if (sub == "move" && !wait_timeout_seconds(value)) {
      return invalid("'" + value + "' is not a valid interval value");
    }
  } else if (sub == "disable" && !ctx.live) {
    return invalid("Only one of '--wait', '-f' can be used");
  } else if (library_command(sub, sub2)) {
    if (!wait_timeout_seconds(value)) {
      return invalid("'" + value + "' is not a valid number of seconds to wait");
    }
    if (auto st = not_with_file(ctx); !st) return st;
  } else if (!checks_wait_late(sub, sub2)) {
    if (auto st = not_with_file(ctx); !st) return st;
    if (auto st = unquoted_value(value); !st) return st;
  }
  if (ctx.live && !resource_wait_supported(sub, sub2)) {
    return Error(ErrorCode::kUnsupported,
                 "--wait is not supported by vigil yet for 'resource " + sub + "'");
  }
  return ok_status();
}

Status check_wait_late(Context& ctx, const std::string& subject) {
  if (!ctx.flags.wait) return ok_status();
  if (auto st = not_with_file(ctx); !st) return st;
  if (auto st = unquoted_value(*ctx.flags.wait); !st) return st;
  ctx.wait_subject = subject;
  return ok_status();
}

bool waits_more(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[0] != "resource") return false;
  const std::string& sub = args[1];
  const std::string sub2 = args.size() > 2 ? args[2] : "";
  return one_of(sub, {"clone", "promotable", "unclone", "ungroup", "ban", "clear",
                      "move-with-constraint"}) ||
         (sub == "group" && (sub2 == "remove" || sub2 == "delete"));
}

Status wait_after_write_more(Context& ctx, const std::vector<std::string>& args, int timeout_s) {
  if (library_command(args[1], "")) return wait_library(ctx, args, timeout_s);
  return wait_cli(ctx, args, timeout_s);
}

}  // namespace vigil::admin
