// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource enable / disable (pcs's library: target-role in the first
// meta attributes set), resource meta and resource update (pcs's older
// code paths: no summary line after their errors).
#include <algorithm>
#include <set>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/resource_args.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

bool is_stonith(const xmlNode* r) {
  return xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith";
}

// Removes target-role from the first meta attributes set of `r` (an
// emptied set stays, as pcs leaves it).
void clear_target_role(xmlNode* r) {
  xmlNode* set = xml::first_child(r, "meta_attributes");
  if (set == nullptr) return;
  for (xmlNode* nv : xml::children(set, "nvpair")) {
    if (xml::attr_or(nv, "name") == "target-role") remove_node(nv);
  }
}

// Meta attributes that make a resource a guest node: pcs then talks to the
// cluster about it, which vigil does not do yet.
bool names_guest_option(const std::vector<KeyValue>& pairs) {
  for (const auto& kv : pairs) {
    if (kv.key == "remote-node" || kv.key == "remote-addr" || kv.key == "remote-port" ||
        kv.key == "remote-connect-timeout")
      return true;
  }
  return false;
}

}  // namespace

Status resource_enable(Context& ctx, const std::vector<std::string>& ids, bool enable) {
  const std::string cmd = enable ? "enable" : "disable";
  if (ids.empty()) {
    return invalid("You must specify resource(s) to " + cmd);
  }
  std::vector<xmlNode*> targets;
  std::vector<std::string> problems;
  bool any_stonith = false;
  for (const auto& id : ids) {
    xmlNode* r = find_resource(ctx.doc, id);
    if (r == nullptr) {
      problems.push_back("bundle/clone/group/resource/tag '" + id + "' does not exist");
      continue;
    }
    if (xml::is(r, "bundle")) {
      return Error(ErrorCode::kUnsupported,
                   "resource " + cmd + " of a bundle is not supported by vigil yet");
    }
    any_stonith = any_stonith || is_stonith(r);
    targets.push_back(r);
  }
  if (any_stonith) {
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith resources is deprecated "
        "and will be removed in a future release. Please use 'vigil stonith " +
        cmd + "' instead.");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return lib_error(msg);
  }
  for (xmlNode* r : targets) {
    if (!enable) {
      set_nvpair(ctx.doc, r, "meta_attributes", "target-role", "Stopped", true);
      continue;
    }
    // Enabling a clone enables what it holds; enabling a cloned resource
    // enables its clone too.
    clear_target_role(r);
    if (xml::is(r, "clone") || xml::is(r, "master")) {
      xmlNode* inner = xml::first_child(r, "primitive");
      if (inner == nullptr) inner = xml::first_child(r, "group");
      if (inner != nullptr) clear_target_role(inner);
    } else if (xml::is(r->parent, "clone") || xml::is(r->parent, "master")) {
      clear_target_role(r->parent);
    }
  }
  ctx.changed = true;
  return ok_status();
}

Status resource_meta(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return invalid(
        "usage: vigil -f FILE resource meta <resource id | group id | clone id> "
        "<meta options>...");
  }
  const std::string& id = args[0];
  std::vector<KeyValue> pairs;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto kv = split_key_value(args[i]);
    if (!kv) return kv.error();
    pairs.push_back(*kv);
  }
  if (names_guest_option(pairs)) {
    return Error(ErrorCode::kUnsupported,
                 "guest node meta attributes (remote-node ...) are not supported by vigil yet");
  }
  xmlNode* r = find_resource(ctx.doc, id);
  if (r != nullptr && xml::is(r, "master")) {
    return Error(ErrorCode::kUnsupported,
                 "resource meta of a <master> resource (pcs turns it into a clone) is not "
                 "supported by vigil yet");
  }
  if (r == nullptr || xml::is(r, "bundle")) {
    return invalid("unable to find a resource/clone/group: " + id);
  }
  if (auto st = check_wait_late(ctx, id); !st) return st;
  if (xml::is(r, "clone")) {
    if (auto st = clone_meta(ctx, r, pairs); !st) return st;
  }
  // Typed order, each pair updated in place or appended.
  for (const auto& kv : pairs) set_nvpair(ctx.doc, r, "meta_attributes", kv.key, kv.value, false);
  ctx.changed = true;
  return ok_status();
}

Status resource_update(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return invalid(
        "usage: vigil -f FILE resource update <resource id> [resource options] [op [<operation "
        "action> <operation options>]...] [meta <meta operations>...]");
  }
  const std::string& id = args[0];
  xmlNode* r = find_resource(ctx.doc, id);
  if (r != nullptr && (xml::is(r, "clone") || xml::is(r, "master"))) {
    return update_clone(ctx, r, {args.begin() + 1, args.end()});
  }
  if (r == nullptr || !xml::is(r, "primitive")) {
    return Error(ErrorCode::kNotFound, "Unable to find resource: " + id);
  }
  auto parsed = parse_resource_update(args);
  if (!parsed) return parsed.error();
  const ResourceCreateArgs& a = *parsed;
  if (!a.ops.empty()) {
    return Error(ErrorCode::kUnsupported,
                 "'resource update ... op' is not supported by vigil yet (pcs replaces every op "
                 "of that action)");
  }
  if (names_guest_option(a.meta)) {
    return Error(ErrorCode::kUnsupported,
                 "guest node meta attributes (remote-node ...) are not supported by vigil yet");
  }
  if (!a.instance.empty()) {
    const AgentName agent{xml::attr_or(r, "class"), xml::attr_or(r, "provider"),
                          xml::attr_or(r, "type")};
    if (agent.standard == "stonith") {
      return Error(ErrorCode::kUnsupported,
                   "'resource update' of a fence device: use 'stonith update " + id + "'");
    }
    if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
    auto md = ctx.agents->metadata(agent);
    if (!md && md.error().code() != ErrorCode::kNotFound) return md.error();
    std::vector<std::string> problems;
    if (!md) {
      // No meta-data: refused unless --force, which updates unchecked.
      note_forceable(ctx, {md.error().message() + ", use --force to override"}, problems);
    } else {
      // Names the agent does not know (pcs adds trace_ra and trace_file),
      // those already set left alone.
      std::set<std::string> allowed, current;
      for (const auto& p : md->parameters) allowed.insert(p.name);
      if (agent.standard == "ocf") allowed.insert({"trace_ra", "trace_file"});
      if (const xmlNode* set = xml::first_child(r, "instance_attributes")) {
        for (const xmlNode* nv : xml::children(set, "nvpair"))
          current.insert(xml::attr_or(nv, "name"));
      }
      std::vector<std::string> bad;
      for (const auto& kv : a.instance) {
        if (!allowed.contains(kv.key) && !current.contains(kv.key)) bad.push_back(kv.key);
      }
      if (!bad.empty()) note_forceable(ctx, {invalid_options_message(bad, allowed)}, problems);
    }
    if (!problems.empty()) return invalid(problems.front());
    for (const auto& kv : a.instance)
      set_nvpair(ctx.doc, r, "instance_attributes", kv.key, kv.value, false);
  }
  for (const auto& kv : a.meta) set_nvpair(ctx.doc, r, "meta_attributes", kv.key, kv.value, false);
  ctx.changed = true;
  return ok_status();
}

}  // namespace vigil::admin
