// SPDX-License-Identifier: GPL-2.0-or-later
// pcs node standby / unstandby / maintenance / unmaintenance / attribute:
// nvpairs in the <instance_attributes id="nodes-<id>"> of a <node> entry.
#include <algorithm>

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

Status node_attribute(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    // The listing: "Node Attributes:" then " node1: rack=1".
    std::string out = "Node Attributes:\n";
    for (xmlNode* n : all_nodes(ctx.doc)) {
      std::string line;
      for (xmlNode* set : xml::children(n, "instance_attributes")) {
        for (xmlNode* nv : xml::children(set, "nvpair")) {
          line += " " + xml::attr_or(nv, "name") + "=" + xml::attr_or(nv, "value");
        }
      }
      if (!line.empty()) out += " " + xml::attr_or(n, "uname") + ":" + line + "\n";
    }
    ctx.out += out;
    return ok_status();
  }
  xmlNode* node = node_by_name(ctx.doc, args[0]);
  if (args.size() == 1) {
    return Error(ErrorCode::kUnsupported,
                 "'node attribute <node>' listing is not supported by vigil yet");
  }
  // "name=" removes the attribute, so an empty value is allowed here.
  std::vector<KeyValue> pairs;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto eq = args[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error(ErrorCode::kInvalidInput, "missing key in '" + args[i] + "' option");
    }
    pairs.push_back({args[i].substr(0, eq), args[i].substr(eq + 1)});
  }
  if (!node) {
    // pcs passes the error of crm_attribute on.
    return Error(ErrorCode::kNotFound, "unable to set attribute " + pairs.front().key +
                                           "\ncrm_attribute: Could not map name=" + args[0] +
                                           " to a UUID\n");
  }
  for (const auto& kv : pairs) {
    if (kv.value.empty() && !has_node_attr(node, kv.key)) {
      return Error(ErrorCode::kNotFound,
                   "attribute: '" + kv.key + "' doesn't exist for node: '" + args[0] + "'");
    }
  }
  // pcs runs crm_attribute once per pair: one epoch per actual change.
  int writes = 0;
  for (const auto& kv : pairs) {
    const bool changed = kv.value.empty() ? unset_node_attr(node, kv.key)
                                          : set_node_attr(ctx.doc, node, kv.key, kv.value);
    if (changed) ++writes;
  }
  ctx.changed = writes > 0;
  if (writes > 1) ctx.extra_writes += writes - 1;
  return ok_status();
}

}  // namespace

Status run_node(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: node standby|unstandby|maintenance|unmaintenance [<node>...] [--all] | "
                 "node attribute [<node> <name>=<value>...]");
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& verb = args[0];
  if (verb == "standby") return node_flag(ctx, rest, verb, "standby", true);
  if (verb == "unstandby") return node_flag(ctx, rest, verb, "standby", false);
  if (verb == "maintenance") return node_flag(ctx, rest, verb, "maintenance", true);
  if (verb == "unmaintenance") return node_flag(ctx, rest, verb, "maintenance", false);
  if (verb == "attribute") return node_attribute(ctx, rest);
  return Error(ErrorCode::kUnsupported, "'node " + verb + "' is not supported by vigil yet");
}

}  // namespace vigil::admin
