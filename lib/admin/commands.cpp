// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/commands.hpp"

#include <string_view>
#include <utility>

#include "vigil/admin/fence_history.hpp"
#include "vigil/admin/status.hpp"
#include "vigil/admin/status_text.hpp"
#include "vigil/admin/status_xml.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

namespace {

// The options that take no value, and the flag each sets.
bool Flags::*switch_flag(const std::string& option) {
  static constexpr std::pair<std::string_view, bool Flags::*> kSwitches[] = {
      {"--disabled", &Flags::disabled}, {"--no-default-ops", &Flags::no_default_ops},
      {"--all", &Flags::all},           {"--force", &Flags::force},
      {"--full", &Flags::full},         {"--off", &Flags::off},
      {"--promoted", &Flags::promoted}, {"--master", &Flags::master},
      {"--watch", &Flags::watch},       {"--autodelete", &Flags::autodelete}};
  for (const auto& [name, flag] : kSwitches) {
    if (option == name) return flag;
  }
  return nullptr;
}

// The resource commands' switches and --wait[=N]: true when `a` was one.
bool resource_flag(Flags& flags, const std::string& a) {
  if (a == "--monitor" || a == "--defaults") {
    (a == "--monitor" ? flags.monitor : flags.defaults) = true;
    return true;
  }
  if (a == "--strict" || a == "--autodelete") {  // resource move
    (a == "--strict" ? flags.strict : flags.autodelete) = true;
    return true;
  }
  if (a == "--wait" || a.rfind("--wait=", 0) == 0) {
    flags.wait = a.size() > 7 ? a.substr(7) : std::string();
    return true;
  }
  return false;
}

// The options that take a value ("--opt VALUE" or "--opt=VALUE"), and the
// flag each sets.
std::optional<std::string> Flags::*value_flag(std::string_view option) {
  static constexpr std::pair<std::string_view, std::optional<std::string> Flags::*> kValued[] = {
      {"--group", &Flags::group},
      {"--interval", &Flags::interval},
      {"--png", &Flags::png},
      {"--before", &Flags::before},
      {"--after", &Flags::after},
      {"--name", &Flags::name},
      {"--output-format", &Flags::output_format}};
  for (const auto& [name, flag] : kValued) {
    if (option == name) return flag;
  }
  return nullptr;
}

// pcs's refusal of resource move's own options elsewhere.
std::string move_only_options(const Flags& flags) {
  if (flags.strict && flags.autodelete) {
    return "Specified options '--autodelete', '--strict' are not supported in this command";
  }
  return std::string("Specified option '") + (flags.strict ? "--strict" : "--autodelete") +
         "' is not supported in this command";
}

}  // namespace

Result<Invocation> parse_invocation(const std::vector<std::string>& argv) {
  Invocation inv;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](const std::string& opt) -> Result<std::string> {
      if (i + 1 >= argv.size()) {
        return Error(ErrorCode::kInvalidInput, "option '" + opt + "' requires a value");
      }
      return argv[++i];
    };
    if (a == "--") {
      inv.args.insert(inv.args.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (a == "-f") {
      auto v = value(a);
      if (!v) return v.error();
      inv.file = *v;
    } else if (a.rfind("-f", 0) == 0 && a.size() > 2 && a[2] != '-') {
      inv.file = a.substr(2);
    } else if (auto valued = value_flag(a)) {
      auto v = value(a);
      if (!v) return v.error();
      inv.flags.*valued = *v;
    } else if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos &&
                                      value_flag(std::string_view(a).substr(0, eq))) {
      inv.flags.*value_flag(std::string_view(a).substr(0, eq)) = a.substr(eq + 1);
    } else if (bool Flags::*flag = switch_flag(a)) {
      inv.flags.*flag = true;
    } else if (resource_flag(inv.flags, a)) {
    } else if (a == "-h" || a == "--help") {
      inv.help = true;
    } else if (a.rfind("--", 0) == 0) {
      // --force, --wait, --before ... are not implemented: refuse, never ignore.
      return Error(ErrorCode::kUnsupported, "option '" + a + "' is not supported by vigil yet");
    } else {
      inv.args.push_back(a);
    }
  }
  return inv;
}

Status resource_status(Context& ctx) {
  auto text = resource_status_text(ctx.doc, ctx.now);
  if (!text) return text.error();
  ctx.out += *text;
  return ok_status();
}

Status monitor_status(Context& ctx) {
  // crm_mon reads a CIB file only if it validates; else it prints its
  // complaint alone, and exits 0.
  if (auto valid = cib::validate_cib(ctx.doc); !valid) {
    ctx.notes.push_back(
        "Could not connect to the CIB: Update does not conform to the configured schema");
    return ok_status();
  }
  auto text = monitor_status_text(ctx.doc, ctx.now, ctx.flags.full);
  if (!text) return text.error();
  ctx.out += *text;
  return ok_status();
}

Status cluster_status(Context& ctx) {
  auto text = monitor_status_text(ctx.doc, ctx.now, ctx.flags.full);
  if (!text) return text.error();
  // pcs takes the name from corosync.conf, else from the cluster-name property.
  ctx.out += ctx.cluster_name.empty() ? cluster_name_line(ctx.doc)
                                      : "Cluster name: " + ctx.cluster_name + "\n";
  const auto warnings = status_warnings(ctx.doc);
  if (!warnings.empty()) {
    ctx.out += "\nWARNINGS:\n";
    for (const auto& w : warnings) ctx.out += w + "\n";
    ctx.out += "\n";
  }
  ctx.out += *text;
  // crm_mon's fencing sections, from the fencer's history; none (as
  // crm_mon) when vigil-stonithd cannot be reached.
  if (ctx.fencer != nullptr) {
    if (auto history = ctx.fencer->history(""); history) {
      ctx.out += fencing_status_text(sort_fence_history(std::move(*history)), ctx.flags.full);
    }
  }
  if (ctx.flags.full) {
    auto tickets = ticket_details_text(ctx.doc, ctx.now);
    if (!tickets) return tickets.error();
    ctx.out += "\nTickets:\n";
    for (std::size_t at = 0; at < tickets->size();) {
      const auto end = tickets->find('\n', at);
      ctx.out += "  " + tickets->substr(at, end - at) + "\n";
      at = end == std::string::npos ? tickets->size() : end + 1;
    }
  }
  if (ctx.services != nullptr) ctx.out += "\nDaemon Status:\n" + daemon_status_text(*ctx.services);
  return ok_status();
}

Status run_command(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(
        ErrorCode::kInvalidInput,
        "no command given; supported: property, resource, constraint, node, stonith, status");
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  // acl checks every option itself, with pcs's words.
  if (args[0] == "acl") return run_acl(ctx, rest);
  if (args[0] == "alert") return run_alert(ctx, rest);
  const bool stonith = args[0] == "stonith";
  const std::string sub = rest.empty() ? std::string() : rest[0];
  const bool create = (args[0] == "resource" || stonith) && sub == "create";
  // Flags only where pcs takes them; elsewhere they would be silently ignored.
  const bool forceable =
      (stonith && (sub == "create" || sub == "update" || sub == "confirm" ||
                   (sub == "level" && rest.size() > 1 && rest[1] == "add"))) ||
      (args[0] == "resource" && (sub == "create" || sub == "clone" || sub == "promotable" ||
                                 sub == "meta" || sub == "update")) ||
      args[0] == "constraint" || args[0] == "node" ||  // constraint.cpp, node.cpp check theirs
      resource_takes_force(args);
  // describe takes --full only (resource_describe.cpp).
  if (ctx.flags.force && (stonith || args[0] == "resource") && sub == "describe") {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '--force' is not supported in this command");
  }
  if (ctx.flags.force && !forceable) {
    return Error(ErrorCode::kUnsupported,
                 "option '--force' is not supported by vigil yet here (only with resource "
                 "create, clone, promotable, meta, update, stonith create, update, confirm, "
                 "level add)");
  }
  const bool describe = (stonith || args[0] == "resource") && sub == "describe";
  if (auto st = check_resource_options(ctx, args); !st) return st;
  if (ctx.flags.full && !describe && !(args[0] == "status" && rest.empty()) &&
      args[0] != "constraint" && !resource_takes_full(args)) {
    return Error(ErrorCode::kInvalidInput,
                 "--full is only valid with 'stonith describe', 'resource describe' and 'status'");
  }
  if ((ctx.flags.watch || ctx.flags.interval) && !(args[0] == "status" && rest.empty())) {
    return Error(ErrorCode::kInvalidInput, "--watch and --interval are only valid with 'status'");
  }
  if (ctx.flags.interval && !ctx.flags.watch) {
    return Error(ErrorCode::kInvalidInput, "--interval is only valid with 'status --watch'");
  }
  if (ctx.flags.off && !(stonith && sub == "fence")) {
    return Error(ErrorCode::kInvalidInput, "--off is only valid with 'stonith fence'");
  }
  const bool moving = args[0] == "resource" && (sub == "ban" || sub == "move" ||
                                                sub == "move-with-constraint" || sub == "clear");
  if ((ctx.flags.promoted || ctx.flags.master) && !moving) {
    return Error(ErrorCode::kInvalidInput, std::string("Specified option '") +
                                               (ctx.flags.master ? "--master" : "--promoted") +
                                               "' is not supported in this command");
  }
  if ((ctx.flags.strict || ctx.flags.autodelete) && !(args[0] == "resource" && sub == "move")) {
    return Error(ErrorCode::kInvalidInput, move_only_options(ctx.flags));
  }
  if (ctx.flags.master) {
    ctx.notes.push_back(
        "Deprecation Warning: Option '--master' is deprecated and has been replaced by option "
        "'--promoted' ");
    ctx.flags.promoted = true;
  }
  if (ctx.flags.all && args[0] != "node" && args[0] != "constraint" && !resource_takes_all(args)) {
    return Error(ErrorCode::kInvalidInput, "--all is only valid with 'node' commands");
  }
  if (!create && (ctx.flags.group || ctx.flags.disabled || ctx.flags.no_default_ops)) {
    return Error(ErrorCode::kInvalidInput,
                 "--group, --disabled and --no-default-ops are only valid with 'resource create' "
                 "and 'stonith create'");
  }
  if (stonith && ctx.flags.no_default_ops) {
    return Error(ErrorCode::kInvalidInput, "--no-default-ops is not valid with 'stonith create'");
  }
  if (ctx.flags.png) {
    if (args[0] != "status" || !rest.empty()) {
      return Error(ErrorCode::kInvalidInput, "--png is only valid with 'status'");
    }
    return status_picture(ctx);
  }
  if (args[0] == "property") return run_property(ctx, rest);
  if (args[0] == "resource") return run_resource(ctx, rest);
  if (args[0] == "constraint") return run_constraint(ctx, rest);
  if (args[0] == "node") return run_node(ctx, rest);
  if (args[0] == "tag") return run_tag(ctx, rest);
  if (stonith) return run_stonith(ctx, rest);
  if (args[0] == "cluster" && rest.size() == 1 && rest[0] == "cib") {
    // `pcs cluster cib`: the whole CIB as XML.
    ctx.out += xml::to_string(ctx.doc, true);
    if (ctx.out.empty() || ctx.out.back() != '\n') ctx.out += "\n";
    return ok_status();
  }
  if (args[0] == "status") {
    if (!rest.empty() && rest[0] == "xml") return status_xml_command(ctx, rest);  // status_xml.cpp
    if (rest.size() == 1 && rest[0] == "resources") return resource_status(ctx);
    if (rest.empty() && ctx.live) return cluster_status(ctx);
    // With -f: crm_mon's part alone (no cluster name, no daemons).
    if (rest.empty()) return monitor_status(ctx);
    return Error(ErrorCode::kUnsupported, "'status " + rest[0] + "' is not supported by vigil yet");
  }
  return Error(ErrorCode::kUnsupported,
               "command '" + args[0] +
                   "' is not supported by vigil yet; supported: "
                   "property, resource, constraint, node, stonith, status");
}

}  // namespace vigil::admin
