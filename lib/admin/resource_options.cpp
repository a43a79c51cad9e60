// SPDX-License-Identifier: GPL-2.0-or-later
// Which resource and property commands take the options pcs gives them
// (--wait, --monitor, --before/--after, --defaults, --full, --all): checked
// before the command runs, with pcs's messages.
#include <string_view>

#include "resource_edit.hpp"
#include "vigil/admin/commands.hpp"

namespace vigil::admin {
namespace {

// pcs's commands that wait for the cluster with --wait[=N].
bool takes_wait(const std::string& sub, const std::string& sub2) {
  for (std::string_view c :
       {"create", "enable", "disable", "meta", "update", "clone", "promotable", "unclone",
        "ungroup", "move", "ban", "clear", "restart", "move-with-constraint"}) {
    if (sub == c) return true;
  }
  return sub == "group" && (sub2 == "add" || sub2 == "remove" || sub2 == "delete");
}

Status not_here(const std::string& option) {
  return Error(ErrorCode::kInvalidInput,
               "Specified option '" + option + "' is not supported in this command");
}

}  // namespace

bool resource_takes_all(const std::vector<std::string>& args) {
  const std::string sub = args.size() > 1 ? args[1] : "";
  if (args[0] == "property") return sub.empty() || sub == "config";
  return args[0] == "resource" &&
         (sub == "defaults" || (sub == "op" && args.size() > 2 && args[2] == "defaults"));
}

bool resource_takes_full(const std::vector<std::string>& args) {
  return (resource_takes_all(args) && args[0] == "resource") ||
         (args[0] == "resource" && args.size() > 1 && args[1] == "failcount");
}

bool resource_takes_force(const std::vector<std::string>& args) {
  const std::string sub = args.size() > 1 ? args[1] : "";
  const std::string sub2 = args.size() > 2 ? args[2] : "";
  if (args[0] == "property") return sub == "set" || sub == "unset";
  if (args[0] != "resource") return false;
  return (sub == "op" && sub2 == "add") || (sub == "defaults" && sub2 == "set") ||
         (sub == "op" && sub2 == "defaults");
}

Status check_resource_options(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return ok_status();
  const bool resource = args[0] == "resource";
  const std::string sub = args.size() > 1 ? args[1] : "";
  const std::string sub2 = args.size() > 2 ? args[2] : "";
  if (ctx.flags.wait) {
    if (!resource || !takes_wait(sub, sub2)) return not_here("--wait");
    if (auto st = check_wait_option(ctx, sub, sub2); !st) return st;
  }
  if (ctx.flags.monitor && !(resource && (sub == "manage" || sub == "unmanage"))) {
    return not_here("--monitor");
  }
  // tag.cpp checks its own (tag create|update).
  if ((ctx.flags.before || ctx.flags.after) && args[0] != "tag" &&
      !(resource && (sub == "create" || (sub == "group" && sub2 == "add")))) {
    return not_here(ctx.flags.before ? "--before" : "--after");
  }
  if (ctx.flags.output_format && !((resource || args[0] == "stonith") && sub == "config")) {
    return not_here("--output-format");
  }
  if (ctx.flags.defaults && !(args[0] == "property" && (sub.empty() || sub == "config"))) {
    return not_here("--defaults");
  }
  return ok_status();
}

}  // namespace vigil::admin
