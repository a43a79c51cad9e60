// SPDX-License-Identifier: GPL-2.0-or-later
// pcs node standby / unstandby / maintenance / unmaintenance / attribute:
// nvpairs in the <instance_attributes id="nodes-<id>"> of a <node> entry.
#include <algorithm>
#include <cctype>
#include <optional>
#include <tuple>

#include "constraint_common.hpp"
#include "pcs_usage.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

std::vector<xmlNode*> all_nodes(xmlDoc* doc) {
  xmlNode* nodes = config_section(doc, "nodes");
  return nodes ? xml::children(nodes, "node") : std::vector<xmlNode*>{};
}

xmlNode* node_by_name(xmlDoc* doc, const std::string& name) {
  for (xmlNode* n : all_nodes(doc)) {
    if (xml::attr_or(n, "uname") == name) return n;
  }
  return nullptr;
}

// The node's instance_attributes set pcs writes to (created when missing).
xmlNode* node_attributes(xmlDoc* doc, xmlNode* node) {
  for (xmlNode* set : xml::children(node, "instance_attributes")) return set;
  const std::string id = unique_id(doc, "nodes-" + xml::attr_or(node, "id"));
  return append_element(node, "instance_attributes", {{"id", id}});
}

// Returns whether the document changed (pcs writes nothing otherwise, so
// the epoch stays).
bool set_node_attr(xmlDoc* doc, xmlNode* node, const std::string& name, const std::string& value) {
  for (xmlNode* set : xml::children(node, "instance_attributes")) {
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") != name) continue;
      if (xml::attr_or(nv, "value") == value) return false;
      xmlSetProp(nv, BAD_CAST "value", BAD_CAST value.c_str());
      return true;
    }
  }
  xmlNode* set = node_attributes(doc, node);
  const std::string id = unique_id(doc, xml::attr_or(set, "id") + "-" + name);
  append_element(set, "nvpair", {{"id", id}, {"name", name}, {"value", value}});
  return true;
}

bool unset_node_attr(xmlNode* node, const std::string& name) {
  bool changed = false;
  for (xmlNode* set : xml::children(node, "instance_attributes")) {
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == name) {
        remove_node(nv);
        changed = true;
      }
    }
  }
  return changed;
}

bool has_node_attr(xmlNode* node, const std::string& name) {
  for (xmlNode* set : xml::children(node, "instance_attributes")) {
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == name) return true;
    }
  }
  return false;
}

// The nodes a standby-style command names: the arguments, or every node
// with --all. Unknown names are refused before anything changes.
Result<std::vector<xmlNode*>> target_nodes(Context& ctx, const std::vector<std::string>& names,
                                           const std::string& verb) {
  if (ctx.flags.all) {
    if (!names.empty()) {
      return Error(ErrorCode::kInvalidInput, "Cannot specify both --all and a list of nodes.");
    }
    return all_nodes(ctx.doc);
  }
  std::vector<std::string> wanted = names;
  if (wanted.empty()) {
    if (ctx.local_node.empty()) {
      return Error(ErrorCode::kInvalidInput, "Node(s) must be specified if -f is used");
    }
    wanted.push_back(ctx.local_node);
  }
  std::vector<xmlNode*> out;
  for (const std::string& name : wanted) {
    xmlNode* n = node_by_name(ctx.doc, name);
    if (!n) {
      return Error(ErrorCode::kNotFound,
                   "Node '" + name + "' does not appear to exist in configuration");
    }
    out.push_back(n);
  }
  return out;
}

Status node_flag(Context& ctx, const std::vector<std::string>& names, const std::string& verb,
                 const std::string& attr, bool on) {
  auto targets = target_nodes(ctx, names, verb);
  if (!targets) return targets.error();
  for (xmlNode* n : *targets) {
    if (on ? set_node_attr(ctx.doc, n, attr, "on") : unset_node_attr(n, attr)) ctx.changed = true;
  }
  return ok_status();
}

}  // namespace

Result<std::vector<KeyValue>> pcs_name_values(const std::vector<std::string>& words) {
  std::vector<KeyValue> pairs;
  for (const auto& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) {
      return Error(ErrorCode::kInvalidInput, "missing value of '" + w + "' option");
    }
    if (eq == 0) return Error(ErrorCode::kInvalidInput, "missing key in '" + w + "' option");
    pairs.push_back({w.substr(0, eq), w.substr(eq + 1)});
  }
  return dedupe_options(pairs);
}

namespace {

// "Node Attributes:" / "Node Utilization:" then " node: a=1 b=2", nodes
// and names sorted; pcs reads the first set of each node only.
std::string node_listing(Context& ctx, const char* title, const char* set_tag,
                         const std::optional<std::string>& node,
                         const std::optional<std::string>& name) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (xmlNode* n : all_nodes(ctx.doc)) {
    const std::string uname = xml::attr_or(n, "uname");
    if (node && uname != *node) continue;
    std::vector<std::string> pairs;
    for (xmlNode* set : xml::children(n, set_tag)) {
      for (xmlNode* nv : xml::children(set, "nvpair")) {
        const std::string key = xml::attr_or(nv, "name");
        if (name && key != *name) continue;
        pairs.push_back(key + "=" + xml::attr_or(nv, "value"));
      }
      break;
    }
    std::sort(pairs.begin(), pairs.end());
    std::string line;
    for (const auto& p : pairs) line += " " + p;
    if (!line.empty()) lines.emplace_back(uname, line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out = std::string(title) + "\n";
  for (const auto& [uname, line] : lines) out += " " + uname + ":" + line + "\n";
  return out;
}

Status node_attribute(Context& ctx, const std::vector<std::string>& args) {
  if (ctx.flags.name && args.size() > 1) return usage_error(ctx, "node", {"attribute"});
  if (args.size() <= 1) {
    ctx.out += node_listing(ctx, "Node Attributes:", "instance_attributes",
                            args.empty() ? std::nullopt : std::optional(args[0]), ctx.flags.name);
    return ok_status();
  }
  xmlNode* node = node_by_name(ctx.doc, args[0]);
  auto pairs = pcs_name_values({args.begin() + 1, args.end()});
  if (!pairs) return pairs.error();
  if (!node) {
    // pcs passes the error of crm_attribute on.
    return Error(ErrorCode::kNotFound, "unable to set attribute " + pairs->front().key +
                                           "\ncrm_attribute: Could not map name=" + args[0] +
                                           " to a UUID\n");
  }
  for (const auto& kv : *pairs) {
    if (kv.value.empty() && !has_node_attr(node, kv.key) && !ctx.flags.force) {
      ctx.error_exit = 2;  // pcs's code for pcsd: nothing to remove
      return Error(ErrorCode::kNotFound,
                   "attribute: '" + kv.key + "' doesn't exist for node: '" + args[0] + "'");
    }
  }
  // pcs runs crm_attribute once per pair: one epoch per actual change.
  int writes = 0;
  for (const auto& kv : *pairs) {
    const bool changed = kv.value.empty() ? unset_node_attr(node, kv.key)
                                          : set_node_attr(ctx.doc, node, kv.key, kv.value);
    if (changed) ++writes;
  }
  ctx.changed = writes > 0;
  if (writes > 1) ctx.extra_writes += writes - 1;
  return ok_status();
}

bool is_integer(const std::string& v) {
  std::size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
  if (i == v.size()) return false;
  for (; i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

// `node utilization [NODE] [--name N] | NODE NAME=VALUE...`: the node's
// <utilization id="nodes-ID-utilization">, names sorted when set.
Status node_utilization(Context& ctx, const std::vector<std::string>& args) {
  if (ctx.flags.name && args.size() > 1) return usage_error(ctx, "node", {"utilization"});
  if (args.size() <= 1) {
    if (!args.empty() && node_by_name(ctx.doc, args[0]) == nullptr) {
      return Error(ErrorCode::kNotFound, "Unable to find a node: " + args[0]);
    }
    ctx.out += node_listing(ctx, "Node Utilization:", "utilization",
                            args.empty() ? std::nullopt : std::optional(args[0]), ctx.flags.name);
    return ok_status();
  }
  auto pairs = pcs_name_values({args.begin() + 1, args.end()});
  if (!pairs) return pairs.error();
  xmlNode* node = node_by_name(ctx.doc, args[0]);
  if (node == nullptr) return Error(ErrorCode::kNotFound, "Unable to find a node: " + args[0]);
  std::sort(pairs->begin(), pairs->end(),
            [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  bool only_removing = true;
  for (const auto& kv : *pairs) {
    if (!kv.value.empty() && !is_integer(kv.value)) {
      return Error(ErrorCode::kInvalidInput, "Value of utilization attribute must be integer: '" +
                                                 kv.key + "=" + kv.value + "'");
    }
    only_removing = only_removing && kv.value.empty();
  }
  auto sets = xml::children(node, "utilization");
  if (sets.empty() && only_removing) return ok_status();
  xmlNode* set =
      sets.empty()
          ? append_element(
                node, "utilization",
                {{"id", unique_id(ctx.doc, "nodes-" + xml::attr_or(node, "id") + "-utilization")}})
          : sets.front();
  for (const auto& kv : *pairs) {
    xmlNode* found = nullptr;
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == kv.key) found = nv;
    }
    if (kv.value.empty()) {
      if (found != nullptr) remove_node(found);
    } else if (found != nullptr) {
      xmlSetProp(found, BAD_CAST "value", BAD_CAST kv.value.c_str());
    } else {
      append_element(set, "nvpair",
                     {{"id", unique_id(ctx.doc, xml::attr_or(set, "id") + "-" + kv.key)},
                      {"name", kv.key},
                      {"value", kv.value}});
    }
  }
  ctx.changed = true;
  return ok_status();
}

}  // namespace

Status run_node(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error(ctx, "node", {});
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& verb = args[0];
  const bool listing = verb == "attribute" || verb == "utilization";
  for (const auto& [given, allowed, option] :
       {std::tuple{ctx.flags.force, verb == "attribute", "--force"},
        std::tuple{ctx.flags.name.has_value(), listing, "--name"}}) {
    if (given && !allowed) {
      return Error(ErrorCode::kInvalidInput, std::string("Specified option '") + option +
                                                 "' is not supported in this command");
    }
  }
  if (verb == "standby") return node_flag(ctx, rest, verb, "standby", true);
  if (verb == "unstandby") return node_flag(ctx, rest, verb, "standby", false);
  if (verb == "maintenance") return node_flag(ctx, rest, verb, "maintenance", true);
  if (verb == "unmaintenance") return node_flag(ctx, rest, verb, "maintenance", false);
  if (verb == "attribute") return node_attribute(ctx, rest);
  if (verb == "utilization") return node_utilization(ctx, rest);
  return usage_error(ctx, "node", {verb});
}

}  // namespace vigil::admin
