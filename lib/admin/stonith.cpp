// SPDX-License-Identifier: GPL-2.0-or-later
// pcs stonith: fence devices are stonith-class primitives, edited as pcs
// does; fencing levels live in fencing_level.cpp; fence/confirm/history go
// to the fencing daemon through the Fencer interface.
#include <algorithm>
#include <cctype>

#include "fencing_level.hpp"
#include "resource_describe.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/fence_history.hpp"
#include "vigil/admin/resource_args.hpp"
#include "vigil/admin/status.hpp"
#include "vigil/admin/stonith_params.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

// Declared in resource_edit.hpp: update, enable/disable and clone use it.
void set_nvpair(xmlDoc* doc, xmlNode* rsc, const char* element, const std::string& name,
                const std::string& value, bool first) {
  xmlNode* set = xml::first_child(rsc, element);
  if (value.empty()) {
    if (set == nullptr) return;
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == name) remove_node(nv);
    }
    return;
  }
  if (set == nullptr) {
    const std::string id = unique_id(doc, xml::attr_or(rsc, "id") + "-" + element);
    set = xmlNewNode(nullptr, BAD_CAST element);
    xmlSetProp(set, BAD_CAST "id", BAD_CAST id.c_str());
    if (first && rsc->children != nullptr) {
      xmlAddPrevSibling(xmlFirstElementChild(rsc), set);
    } else {
      xmlAddChild(rsc, set);
    }
  }
  for (xmlNode* nv : xml::children(set, "nvpair")) {
    if (xml::attr_or(nv, "name") == name) {
      xmlSetProp(nv, BAD_CAST "value", BAD_CAST value.c_str());
      return;
    }
  }
  append_element(set, "nvpair",
                 {{"id", unique_id(doc, sanitize_id(xml::attr_or(set, "id") + "-" + name))},
                  {"name", name},
                  {"value", value}});
}

namespace {

xmlNode* find_device(xmlDoc* doc, const std::string& id) {
  xmlNode* r = find_resource(doc, id);
  return r != nullptr && xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith" ? r
                                                                                          : nullptr;
}

// `update ... op ACTION k=v...`: replaces the first op of that action (and
// role) in place, or appends one; pcs writes id first, then the options.
Status update_op(xmlDoc* doc, xmlNode* rsc, const OpArgs& op) {
  xmlNode* ops = xml::first_child(rsc, "operations");
  if (ops == nullptr) ops = append_element(rsc, "operations", {});
  std::string role, interval;
  std::vector<std::pair<std::string, std::string>> attrs;
  for (const auto& kv : op.options) {
    if (kv.key == "id" || kv.key == "name") {
      return Error(ErrorCode::kUnsupported,
                   "op option '" + kv.key + "' in 'stonith update' is not supported by vigil yet");
    }
    if (kv.key == "role") role = kv.value;
    if (kv.key == "interval") interval = kv.value;
    attrs.emplace_back(kv.key, kv.value);
  }
  if (interval.empty()) {
    interval = op.action == "monitor" ? "60s" : "0s";
    attrs.emplace_back("interval", interval);
  }
  xmlNode* before = nullptr;
  for (xmlNode* o : xml::children(ops, "op")) {
    if (xml::attr_or(o, "name") == op.action && xml::attr_or(o, "role") == role) {
      before = xmlNextElementSibling(o);
      remove_node(o);
      break;
    }
  }
  const std::string id = unique_id(
      doc, sanitize_id(xml::attr_or(rsc, "id") + "-" + op.action + "-interval-" + interval));
  attrs.insert(attrs.begin(), {{"id", id}, {"name", op.action}});
  xmlNode* added = append_element(ops, "op", attrs);
  if (before != nullptr) {
    xmlUnlinkNode(added);
    xmlAddPrevSibling(before, added);
  }
  return ok_status();
}

Status stonith_update(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = parse_resource_update(args);
  if (!parsed) return parsed.error();
  const ResourceCreateArgs& a = *parsed;
  if (a.instance.empty() && a.ops.empty() && a.meta.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil stonith update <stonith id> [options] [op <action> "
                 "<options>...] [meta <options>...]");
  }
  xmlNode* rsc = find_device(ctx.doc, a.id);
  if (rsc == nullptr) return Error(ErrorCode::kNotFound, "Unable to find resource: " + a.id);
  if (!a.instance.empty()) {
    if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
    auto md = ctx.agents->metadata({"stonith", "", xml::attr_or(rsc, "type")});
    std::vector<std::string> problems;
    if (!md) {
      note_forceable(ctx, {md.error().message() + ", use --force to override"}, problems);
    } else {
      // Names as given; what the device has once the update is applied.
      std::vector<std::string> named, present;
      for (const auto& kv : a.instance) named.push_back(kv.key);
      if (xmlNode* set = xml::first_child(rsc, "instance_attributes")) {
        for (xmlNode* nv : xml::children(set, "nvpair"))
          present.push_back(xml::attr_or(nv, "name"));
      }
      for (const auto& kv : a.instance) {
        std::erase(present, kv.key);
        if (!kv.value.empty()) present.push_back(kv.key);
      }
      auto found = check_stonith_options(stonith_parameters(*md), named, present);
      note_forceable(ctx, found.errors, problems);
      for (const auto& w : found.warnings) ctx.notes.push_back("Warning: " + w);
    }
    // pcs's older code path: no summary line after these errors.
    if (!problems.empty()) {
      std::string msg;
      for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
      return Error(ErrorCode::kInvalidInput, msg);
    }
    for (const auto& kv : a.instance)
      set_nvpair(ctx.doc, rsc, "instance_attributes", kv.key, kv.value, false);
  }
  for (const auto& op : a.ops) {
    if (auto st = update_op(ctx.doc, rsc, op); !st) return st;
  }
  for (const auto& kv : a.meta)
    set_nvpair(ctx.doc, rsc, "meta_attributes", kv.key, kv.value, false);
  ctx.changed = true;
  return ok_status();
}

// enable/disable: target-role in the device's meta attributes, as pcs's
// library writes it (a new set goes first).
Status set_target_role(Context& ctx, const std::vector<std::string>& ids, bool enable) {
  if (ids.empty()) {
    return Error(ErrorCode::kInvalidInput, std::string("usage: vigil stonith ") +
                                               (enable ? "enable" : "disable") +
                                               " <stonith id>...");
  }
  std::vector<std::string> problems;
  std::vector<xmlNode*> targets;
  for (const auto& id : ids) {
    xmlNode* r = find_resource(ctx.doc, id);
    if (r == nullptr) {
      problems.push_back("bundle/clone/group/resource/tag '" + id + "' does not exist");
    } else {
      targets.push_back(r);
    }
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return lib_error(msg);
  }
  for (xmlNode* r : targets) {
    if (enable) {
      for (xmlNode* set : xml::children(r, "meta_attributes")) {
        for (xmlNode* nv : xml::children(set, "nvpair")) {
          if (xml::attr_or(nv, "name") == "target-role") remove_node(nv);
        }
      }
    } else {
      set_nvpair(ctx.doc, r, "meta_attributes", "target-role", "Stopped", true);
    }
  }
  ctx.changed = true;
  return ok_status();
}

void nvset_lines(const xmlNode* rsc, const char* element, const char* title, std::string& out) {
  for (const xmlNode* set : xml::children(rsc, element)) {
    out += std::string("  ") + title + ": " + xml::attr_or(set, "id") + "\n";
    for (const xmlNode* nv : xml::children(set, "nvpair")) {
      out += "    " + name_value(xml::attr_or(nv, "name"), xml::attr_or(nv, "value")) + "\n";
    }
  }
}

// pcs's `stonith config` layout for one device.
std::string device_config(const xmlNode* rsc) {
  std::string out = "Resource: " + xml::attr_or(rsc, "id") +
                    " (class=stonith type=" + xml::attr_or(rsc, "type") + ")\n";
  nvset_lines(rsc, "instance_attributes", "Attributes", out);
  nvset_lines(rsc, "meta_attributes", "Meta Attributes", out);
  nvset_lines(rsc, "utilization", "Utilization", out);
  if (const xmlNode* ops = xml::first_child(rsc, "operations")) {
    out += "  Operations:\n";
    for (const xmlNode* op : xml::children(ops, "op")) {
      out += "    " + xml::attr_or(op, "name") + ": " + xml::attr_or(op, "id") + "\n";
      if (xml::has_attr(op, "interval"))
        out += "      interval=" + xml::attr_or(op, "interval") + "\n";
      for (const xmlAttr* at = op->properties; at != nullptr; at = at->next) {
        const std::string n = reinterpret_cast<const char*>(at->name);
        if (n == "id" || n == "name" || n == "interval") continue;
        out += "      " + name_value(n, xml::attr_or(op, n.c_str())) + "\n";
      }
    }
  }
  return out;
}

std::vector<xmlNode*> all_devices(xmlDoc* doc) {
  std::vector<xmlNode*> out;
  xmlNode* resources = config_section(doc, "resources");
  if (resources == nullptr) return out;
  std::vector<xmlNode*> stack{resources};
  // Document order, groups included.
  std::function<void(xmlNode*)> walk = [&](xmlNode* n) {
    for (xmlNode* c : xml::children(n)) {
      if (xml::is(c, "primitive") && xml::attr_or(c, "class") == "stonith") out.push_back(c);
      if (xml::is(c, "group")) walk(c);
    }
  };
  walk(resources);
  return out;
}

Status stonith_config(Context& ctx, const std::vector<std::string>& ids) {
  if (ctx.flags.output_format.value_or("text") != "text") {
    return stonith_config_export(ctx, ids, all_devices(ctx.doc));  // resource_config_export.cpp
  }
  std::string out;
  if (ids.empty()) {
    for (xmlNode* d : all_devices(ctx.doc)) out += device_config(d);
    const std::string levels = fencing_levels_text(ctx.doc, " ");
    if (!levels.empty())
      out += (out.empty() ? "" : "\n") + std::string("Fencing Levels:\n") + levels;
    ctx.out += out;
    return ok_status();
  }
  bool any = false;
  for (const auto& id : ids) {
    xmlNode* d = find_device(ctx.doc, id);
    if (d == nullptr) {
      ctx.notes.push_back("Warning: Unable to find stonith device '" + id + "'");
      continue;
    }
    any = true;
    out += device_config(d);
  }
  if (!any) return Error(ErrorCode::kNotFound, "No stonith device found");
  ctx.out += out;
  return ok_status();
}

Status stonith_status(Context& ctx) {
  auto text = resource_status_text(ctx.doc, ctx.now, true);
  if (!text) return text.error();
  ctx.out += *text;
  const std::string levels = fencing_levels_text(ctx.doc, " ");
  if (!levels.empty()) ctx.out += "\nFencing Levels:\n" + levels;
  return ok_status();
}

Status stonith_delete(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() == 1 && find_device(ctx.doc, args[0]) != nullptr) {
    remove_device_from_levels(ctx, args[0]);
  }
  return delete_resource(ctx, args);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// `stonith list [FILTER]`: "name - short description" of every installed
// fence agent whose name contains FILTER (ignoring case).
Status stonith_list(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1)
    return Error(ErrorCode::kInvalidInput, "usage: vigil stonith list [<filter>]");
  if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
  const std::string filter = args.empty() ? std::string() : lower(args[0]);
  for (const auto& name : ctx.agents->fence_agents()) {
    if (!filter.empty() && lower(name).find(filter) == std::string::npos) continue;
    auto md = ctx.agents->metadata({"stonith", "", name});
    if (!md) {
      ctx.notes.push_back("Warning: " + md.error().message());
      continue;
    }
    ctx.out += name + (md->shortdesc.empty() ? "" : " - " + md->shortdesc) + "\n";
  }
  return ok_status();
}

Status stonith_describe(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil stonith describe <fence agent> [--full]");
  }
  return describe_fence_agent(ctx, args[0]);  // resource_describe.cpp
}

// What needs vigil-stonithd: refused loudly while there is none.
Status no_fencer(const std::string& what) {
  return Error(ErrorCode::kUnsupported,
               "'stonith " + what +
                   "' needs the fencing daemon (vigil-stonithd), which this vigil cannot reach; "
                   "nothing was done");
}

// A node the cluster does not know is refused before anything is asked
// (when the cluster's nodes are known: corosync.conf in live mode).
Status check_node(const Context& ctx, const std::string& node, const std::string& failure) {
  const auto& known = ctx.cluster_nodes;
  if (known.empty() || std::find(known.begin(), known.end(), node) != known.end()) {
    return ok_status();
  }
  std::string names;
  for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
  return Error(ErrorCode::kNotFound, failure + "\nnode '" + node +
                                         "' is not a node of this cluster (known: " + names + ")");
}

// pcs: `stonith history [show|cleanup] [<node>]` runs `stonith_admin
// --history <node|*> --verbose|--cleanup`.
Status stonith_history(Context& ctx, const std::vector<std::string>& args) {
  std::string sub = "show";
  std::vector<std::string> rest = args;
  if (!rest.empty() && (rest[0] == "show" || rest[0] == "cleanup" || rest[0] == "update")) {
    sub = rest[0];
    rest.erase(rest.begin());
  }
  if (rest.size() > 1) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil stonith history [show|cleanup] [<node>]");
  }
  if (sub == "update") {
    return Error(ErrorCode::kUnsupported,
                 "'stonith history update' is not supported by vigil: every vigil-stonithd "
                 "shares its history with the others as it changes");
  }
  const std::string node = rest.empty() ? std::string() : rest[0];
  if (ctx.fencer == nullptr) return no_fencer("history " + sub);
  if (sub == "cleanup") {
    if (auto st = ctx.fencer->clear_history(node); !st) {
      return Error(st.error().code(), "Unable to cleanup fence history: " + st.error().message());
    }
    ctx.notes.push_back("cleaning up fencing-history for node " + (node.empty() ? "*" : node));
    return ok_status();
  }
  auto entries = ctx.fencer->history(node);
  if (!entries) {
    return Error(entries.error().code(),
                 "Unable to show fence history: " + entries.error().message());
  }
  ctx.out += fence_history_text(sort_fence_history(std::move(*entries)));
  return ok_status();
}

// pcs: `stonith fence <node> [--off]` (stonith_admin -B|-F), `stonith
// confirm <node> --force` (stonith_admin -C).
Status stonith_daemon_command(Context& ctx, const std::string& cmd,
                              const std::vector<std::string>& args) {
  if (cmd == "history") return stonith_history(ctx, args);
  if (args.size() != 1) {
    return Error(ErrorCode::kInvalidInput, cmd == "fence"
                                               ? "must specify one (and only one) node to fence"
                                               : "must specify one (and only one) node to "
                                                 "confirm fenced");
  }
  const std::string& node = args[0];
  if (cmd == "confirm") {
    const std::string warning = "If node '" + node +
                                "' is not powered off or it does have access to shared "
                                "resources, data corruption and/or cluster failure may occur";
    // pcs asks on a terminal; vigil never does (as pcs run from a script).
    if (!ctx.flags.force)
      return Error(ErrorCode::kInvalidInput, warning + ", use --force to override");
    const std::string failure = "unable to confirm fencing of node '" + node + "'";
    if (auto st = check_node(ctx, node, failure); !st) return st;
    if (ctx.fencer == nullptr) return no_fencer(cmd);
    ctx.notes.push_back("Warning: " + warning);
    if (auto st = ctx.fencer->confirm(node); !st) {
      return Error(st.error().code(), failure + "\n" + st.error().message());
    }
    ctx.out += "Node: " + node + " confirmed fenced\n";
    return ok_status();
  }
  const std::string failure = "unable to fence '" + node + "'";
  if (auto st = check_node(ctx, node, failure); !st) return st;
  if (ctx.fencer == nullptr) return no_fencer(cmd);
  if (auto st = ctx.fencer->fence(node, ctx.flags.off); !st) {
    return Error(st.error().code(),
                 failure + "\nCouldn't fence " + node + ": " + st.error().message());
  }
  ctx.notes.push_back("Node: " + node + " fenced");
  return ok_status();
}

bool is_daemon_command(const std::string& w) {
  return w == "fence" || w == "confirm" || w == "history";
}

}  // namespace

bool needs_no_cib(const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[0] == "resource" &&
      (args[1] == "describe" || args[1] == "agents" || args[1] == "standards" ||
       args[1] == "providers")) {
    return true;  // resource_agents.cpp
  }
  return args.size() >= 2 && args[0] == "stonith" &&
         (args[1] == "list" || args[1] == "describe" || is_daemon_command(args[1]));
}

Status run_stonith(Context& ctx, const std::vector<std::string>& args) {
  const std::string cmd = args.empty() ? "status" : args[0];
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (cmd == "list") return stonith_list(ctx, rest);
  if (cmd == "describe") return stonith_describe(ctx, rest);
  if (is_daemon_command(cmd)) return stonith_daemon_command(ctx, cmd, rest);
  if (ctx.doc == nullptr) return Error(ErrorCode::kInternal, "no CIB document");
  if (cmd == "status" && rest.empty()) return stonith_status(ctx);
  if (cmd == "create") return create_primitive(ctx, rest, true);
  if (cmd == "update") return stonith_update(ctx, rest);
  if (cmd == "delete" || cmd == "remove") return stonith_delete(ctx, rest);
  if (cmd == "config") return stonith_config(ctx, rest);
  if (cmd == "enable" || cmd == "disable") return set_target_role(ctx, rest, cmd == "enable");
  if (cmd == "level") return run_fencing_level(ctx, rest);
  if (cmd == "cleanup" || cmd == "refresh") {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '-f' is not supported in this command");
  }
  if (cmd == "show") {
    return Error(ErrorCode::kInvalidInput,
                 "This command has been replaced with 'vigil stonith status'");
  }
  return Error(ErrorCode::kUnsupported,
               "'stonith " + cmd +
                   "' is not supported by vigil yet; supported: stonith [status], create, update, "
                   "delete, config, enable, disable, cleanup, level, list, describe, fence, "
                   "confirm, history");
}

}  // namespace vigil::admin
