// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource failcount show (from the status section's transient
// attributes fail-count-* / last-failure-*), resource relocate clear, and
// the resource commands pcs runs on a live cluster only (refused with -f).
#include <algorithm>
#include <map>
#include <set>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

struct Failure {
  std::string node, resource, operation, interval;
  long long count = 0;  // -1: INFINITY
};

// "<rsc>[:<instance>]#<operation>_<interval ms>" (false when malformed).
bool parse_failure_name(const std::string& name, Failure& f) {
  const auto hash = name.find('#');
  if (hash == std::string::npos) return false;
  f.resource = name.substr(0, hash);
  if (const auto colon = f.resource.find(':'); colon != std::string::npos) f.resource.resize(colon);
  const std::string op = name.substr(hash + 1);
  const auto us = op.rfind('_');
  if (us == std::string::npos) return false;
  f.operation = op.substr(0, us);
  f.interval = op.substr(us + 1);
  return true;
}

long long parse_count(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  if (v == "INFINITY") return -1;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  return 1;  // there were failures, how many is unknown
}

std::vector<Failure> failures(xmlDoc* doc) {
  std::vector<Failure> out;
  xmlNode* status = xml::first_child(xmlDocGetRootElement(doc), "status");
  if (status == nullptr) return out;
  for (xmlNode* ns : xml::children(status, "node_state")) {
    const std::string node = xml::attr_or(ns, "uname");
    std::map<std::string, std::string> counts;  // failure name -> fail-count
    std::set<std::string> names;
    for (xmlNode* ta : xml::children(ns, "transient_attributes")) {
      for (xmlNode* set : xml::children(ta, "instance_attributes")) {
        for (xmlNode* nv : xml::children(set, "nvpair")) {
          const std::string n = xml::attr_or(nv, "name");
          if (n.rfind("fail-count-", 0) == 0) {
            names.insert(n.substr(11));
            counts[n.substr(11)] = xml::attr_or(nv, "value");
          } else if (n.rfind("last-failure-", 0) == 0) {
            names.insert(n.substr(13));
          }
        }
      }
    }
    for (const auto& name : names) {
      Failure f;
      if (!parse_failure_name(name, f)) continue;
      f.node = node;
      auto it = counts.find(name);
      f.count = parse_count(it == counts.end() ? "0" : it->second);
      out.push_back(f);
    }
  }
  return out;
}

std::string headline(bool empty, const std::string& rsc, const std::string& node,
                     const std::string& op, const std::string& interval) {
  std::string h = empty ? "No failcounts" : "Failcounts";
  if (!op.empty()) {
    h += " for operation '" + op + "'";
    if (!interval.empty()) h += " with interval '" + interval + "'";
  }
  if (!rsc.empty()) h += std::string(op.empty() ? " for" : " of") + " resource '" + rsc + "'";
  if (!node.empty()) h += " on node '" + node + "'";
  return h;
}

std::string sum_text(const std::vector<const Failure*>& list) {
  long long sum = 0;
  for (const Failure* f : list) {
    if (f->count < 0) return "INFINITY";
    sum += f->count;
  }
  return std::to_string(sum);
}

Status failcount_show(Context& ctx, std::vector<std::string> args) {
  std::string rsc;
  if (!args.empty() && args[0].find('=') == std::string::npos) {
    rsc = args[0];
    args.erase(args.begin());
  }
  std::map<std::string, std::string> opts;
  std::set<std::string> unknown;
  for (const auto& a : args) {
    auto kv = split_key_value(a);
    if (!kv) return kv.error();
    if (kv->key != "node" && kv->key != "operation" && kv->key != "interval")
      unknown.insert(kv->key);
    opts[kv->key] = kv->value;
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : "', '") + u;
    return Error(ErrorCode::kInvalidInput, std::string("Unknown option") +
                                               (unknown.size() > 1 ? "s" : "") + " '" + list + "'");
  }
  if (opts.count("interval") != 0) {
    return Error(ErrorCode::kUnsupported,
                 "'resource failcount show ... interval=' is not supported by vigil yet");
  }
  const std::string node = opts["node"], op = opts["operation"];
  std::vector<Failure> all = failures(ctx.doc);
  std::vector<const Failure*> shown;
  for (const auto& f : all) {
    if ((node.empty() || f.node == node) && (rsc.empty() || f.resource == rsc) &&
        (op.empty() || f.operation == op))
      shown.push_back(&f);
  }
  if (shown.empty()) {
    ctx.out += headline(true, rsc, node, op, "") + "\n";
    return ok_status();
  }
  std::set<std::string> resources;
  for (const Failure* f : shown) resources.insert(f->resource);
  for (const auto& r : resources) {
    ctx.out += headline(false, r, node, op, "") + "\n";
    std::set<std::string> nodes;
    for (const Failure* f : shown) {
      if (f->resource == r) nodes.insert(f->node);
    }
    for (const auto& n : nodes) {
      std::vector<const Failure*> here;
      for (const Failure* f : shown) {
        if (f->resource == r && f->node == n) here.push_back(f);
      }
      if (!ctx.flags.full) {
        ctx.out += "  " + n + ": " + sum_text(here) + "\n";
        continue;
      }
      ctx.out += "  " + n + ":\n";
      std::map<std::string, std::vector<std::pair<long long, const Failure*>>> by_op;
      for (const Failure* f : here) {
        long long key = f->interval == "INFINITY" ? 1000000 : std::atoll(f->interval.c_str());
        by_op[f->operation].emplace_back(key, f);
      }
      for (auto& [o, list] : by_op) {
        std::stable_sort(list.begin(), list.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t i = 0; i < list.size();) {
          std::vector<const Failure*> same;
          std::size_t j = i;
          for (; j < list.size() && list[j].second->interval == list[i].second->interval; ++j)
            same.push_back(list[j].second);
          ctx.out += "    " + o + " " + list[i].second->interval + "ms: " + sum_text(same) + "\n";
          i = j;
        }
      }
    }
  }
  return ok_status();
}

Status relocate_clear(Context& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil resource relocate clear");
  }
  if (xmlNode* cons = config_section(ctx.doc, "constraints")) {
    for (xmlNode* c : xml::children(cons, "rsc_location")) {
      const std::string id = xml::attr_or(c, "id");
      if (id.rfind("pcs-relocate-", 0) != 0) continue;
      ctx.notes.push_back("Removing constraint " + id);
      remove_node(c);
    }
  }
  ctx.changed = true;
  return ok_status();
}

// `resource debug-start|stop|monitor|promote|demote RSC` on a live node:
// the agent's action run here, by hand, reported as crm_resource
// --force-* reports it (pcs prints that and exits with its code).
Status debug_action(Context& ctx, const std::string& cmd, const std::vector<std::string>& args) {
  static const std::map<std::string, std::pair<std::string, std::string>> kActions{
      {"debug-start", {"force-start", "start"}},
      {"debug-stop", {"force-stop", "stop"}},
      {"debug-monitor", {"force-check", "monitor"}},
      {"debug-promote", {"force-promote", "promote"}},
      {"debug-demote", {"force-demote", "demote"}}};
  const auto action = kActions.find(cmd);
  if (action == kActions.end()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil resource debug-start|debug-stop|"
                 "debug-monitor|debug-promote|debug-demote <resource>");
  }
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput, "You must specify a resource to " + cmd);
  }
  if (args.size() != 1) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil resource " + cmd + " <resource id>");
  }
  xmlNode* r = find_resource(ctx.doc, args[0]);
  if (r == nullptr) {
    return Error(ErrorCode::kNotFound, "unable to find a resource/clone/group/bundle: " + args[0]);
  }
  if (xml::is(r, "bundle")) {
    return Error(ErrorCode::kInvalidInput, "unable to " + cmd + " a bundle");
  }
  if (xml::is(r, "group")) {
    std::string members;
    for (xmlNode* p : xml::children(r, "primitive"))
      members += (members.empty() ? "" : ",") + xml::attr_or(p, "id");
    return Error(
        ErrorCode::kInvalidInput,
        "unable to " + cmd + " a group, try one of the group's resource(s) (" + members + ")");
  }
  if (xml::is(r, "clone") || xml::is(r, "master")) {
    xmlNode* inner = xml::first_child(r, "primitive");
    if (inner == nullptr) inner = xml::first_child(r, "group");
    return Error(ErrorCode::kInvalidInput,
                 "unable to " + cmd + " a clone, try the clone's resource: " +
                     (inner != nullptr ? xml::attr_or(inner, "id") : std::string()));
  }
  const AgentName agent{xml::attr_or(r, "class"), xml::attr_or(r, "provider"),
                        xml::attr_or(r, "type")};
  if (agent.standard == "stonith") {
    return Error(ErrorCode::kInvalidInput, "stonith devices are not supported");
  }
  std::map<std::string, std::string> params;
  if (const xmlNode* set = xml::first_child(r, "instance_attributes")) {
    for (const xmlNode* nv : xml::children(set, "nvpair"))
      params[xml::attr_or(nv, "name")] = xml::attr_or(nv, "value");
  }
  auto run = ctx.agents->run_action(agent, args[0], action->second.second, params);
  if (!run) return run.error();
  const std::string what =
      "Operation " + action->second.first + " for " + args[0] + " (" + agent.full() + ")";
  const std::string reason = run->exit_reason.empty() ? "" : ": " + run->exit_reason;
  // pcs reads crm_resource's stderr with its stdout: its closing error
  // comes first through the pipe.
  static const std::map<int, std::string> kExit{
      {1, "Error occurred"},
      {2, "Invalid parameter"},
      {3, "Unimplemented"},
      {4, "Insufficient privileges"},
      {5, "Not installed"},
      {6, "Not configured"},
      {7, "Not running"},
      {8, "Promoted"},
      {9, "Failed in promoted role"},
      {190, "Service active but more likely to fail soon"},
      {191, "Service promoted but more likely to fail soon"}};
  std::string text;
  if (run->rc != 0) {
    const auto e = kExit.find(run->rc);
    text = "crm_resource: Error performing operation: " +
           (e != kExit.end() ? e->second : std::string("Unknown exit status")) + "\n";
  }
  text += run->done
              ? what + " returned " + std::to_string(run->rc) + " (" + run->rc_text + reason + ")\n"
              : what + " could not be executed (" + run->status + reason + ")\n";
  if (!run->out.empty()) text += run->out + "\n";
  if (!run->err.empty()) text += run->err + "\n";
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  ctx.out += text + "\n";
  ctx.exit_code = run->rc;
  return ok_status();
}

}  // namespace

Status run_resource_runtime(Context& ctx, const std::string& cmd,
                            const std::vector<std::string>& args) {
  if (cmd == "failcount" && (args.empty() || args[0] == "show")) {
    return failcount_show(ctx, args.empty() ? args : std::vector(args.begin() + 1, args.end()));
  }
  if (cmd == "failcount") {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil resource failcount [show [<resource id>] [node=<node>] "
                 "[operation=<operation>]] [--full]");
  }
  if (cmd == "relocate" && !args.empty() && args[0] == "clear") {
    return relocate_clear(ctx, {args.begin() + 1, args.end()});
  }
  if (cmd == "relocate") return resource_relocate(ctx, args);
  if (!ctx.live) {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '-f' is not supported in this command");
  }
  if (cmd.rfind("debug-", 0) == 0) return debug_action(ctx, cmd, args);
  if (cmd == "restart") return resource_restart(ctx, args);
  return Error(ErrorCode::kUnsupported,
               "'resource " + cmd + "' on a running cluster is not supported by vigil yet");
}

}  // namespace vigil::admin
