// SPDX-License-Identifier: GPL-2.0-or-later
// The cluster as DOT: a box per node with the resources active there, built
// from each node's list of running primitives (Node::running_rsc) and their
// parents, so the cost follows what runs, not nodes times resources.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "vigil/pengine/working_set.hpp"
#include "vigil/picture/picture.hpp"

namespace vigil::picture {

namespace {

using pengine::Node;
using pengine::Resource;
using pengine::Role;

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string node_state(const Node& n) {
  if (n.unclean) return "UNCLEAN (offline)";
  if (!n.online) return "OFFLINE";
  if (n.standby) return "standby";
  if (n.maintenance) return "maintenance";
  return "online";
}

const char* node_fill(const Node& n) {
  if (n.unclean) return "#f4c7c3";
  if (!n.online) return "#e0e0e0";
  if (n.standby || n.maintenance) return "#fff2cc";
  return "#e8f4e8";
}

std::string agent_of(const Resource& r) {
  std::string a = r.cls;
  if (!r.provider.empty()) a += ":" + r.provider;
  return a + ":" + r.type;
}

// What a primitive does on a node, in crm_mon's words where it has them.
std::string primitive_state(const Resource& r) {
  std::string s;
  if (r.pending_task == "start") {
    s = "Starting";
  } else if (r.pending_task == "stop") {
    s = "Stopping";
  } else if (r.pending_task == "promote") {
    s = "Promoting";
  } else if (r.pending_task == "demote") {
    s = "Demoting";
  } else {
    s = pengine::role_text(r.role);
  }
  if (r.is(pengine::kRscFailed)) s += " (FAILED)";
  if (!r.is(pengine::kRscManaged)) s += " (unmanaged)";
  return s;
}

const char* primitive_fill(const Resource& r) {
  if (r.is(pengine::kRscFailed)) return "#e06666";
  if (!r.is(pengine::kRscManaged)) return "#f6b26b";
  if (!r.pending_task.empty() && r.pending_task != "monitor") return "#ffe599";
  if (r.role == Role::kPromoted) return "#6aa84f";
  if (r.role == Role::kStopped) return "#cccccc";
  return "#b6d7a8";
}

const char* collective_word(const Resource& r) {
  switch (r.kind) {
    case cib::RscKind::kGroup:
      return "Group";
    case cib::RscKind::kClone:
      return "Clone";
    case cib::RscKind::kBundle:
      return "Bundle";
    default:
      return "Resource";
  }
}

// The resources shown in one box: each parent with the children present.
class Tree {
 public:
  void add(const Resource* primitive) {
    const Resource* child = primitive;
    for (const Resource* p = primitive->parent; p; child = p, p = p->parent) {
      auto& kids = children_[p];
      const bool known = !kids.empty();
      if (std::find(kids.begin(), kids.end(), child) == kids.end()) kids.push_back(child);
      if (known) return;  // p's own ancestors are in already
    }
    if (std::find(tops_.begin(), tops_.end(), child) == tops_.end()) tops_.push_back(child);
  }

  void write(std::string& out, const std::string& scope, int depth) {
    sort(tops_);
    for (const Resource* r : tops_) write_one(out, *r, scope, depth);
  }

 private:
  static void sort(std::vector<const Resource*>& v) {
    std::sort(v.begin(), v.end(),
              [](const Resource* a, const Resource* b) { return a->index < b->index; });
  }

  void write_one(std::string& out, const Resource& r, const std::string& scope, int depth) {
    const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
    const std::string id = scope + "_r" + std::to_string(r.index);
    if (r.is_primitive()) {
      out += indent + quoted(id) +
             " [label=" + quoted(r.id + "\n" + agent_of(r) + "\n" + primitive_state(r)) +
             ", fillcolor=\"" + primitive_fill(r) + "\"];\n";
      return;
    }
    out += indent + "subgraph " + quoted("cluster_" + id) + " {\n";
    out += indent + "  label=" + quoted(std::string(collective_word(r)) + " " + r.id) +
           "; style=\"rounded,dashed\";\n";
    auto& kids = children_[&r];
    sort(kids);
    for (const Resource* c : kids) write_one(out, *c, scope, depth + 1);
    out += indent + "}\n";
  }

  std::map<const Resource*, std::vector<const Resource*>> children_;
  std::vector<const Resource*> tops_;
};

}  // namespace

std::string cluster_dot(const pengine::WorkingSet& ws, std::string_view title) {
  std::string out = "digraph cluster_status {\n";
  out += "  graph [fontname=\"sans-serif\", labelloc=t, label=" + quoted(title) +
         ", compound=true, rankdir=LR];\n";
  out += "  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\"];\n";
  for (const auto& n : ws.nodes) {
    const std::string scope = "n" + std::to_string(n->index);
    std::string label = n->uname + "\n" + node_state(*n);
    if (n->is_dc) label += " (DC)";
    out += "  subgraph " + quoted("cluster_" + scope) + " {\n";
    out += "    label=" + quoted(label) + "; style=\"rounded,filled\"; fillcolor=\"" +
           node_fill(*n) + "\";\n";
    Tree tree;
    for (const Resource* r : n->running_rsc) tree.add(r);
    // An empty box still gets drawn with something in it.
    out += "    " + quoted(scope + "_anchor") + " [shape=point, style=invis];\n";
    tree.write(out, scope, 2);
    out += "  }\n";
  }
  Tree stopped;
  bool any_stopped = false;
  for (const auto& r : ws.all_rscs) {
    if (r->is_primitive() && r->running_on.empty()) {
      stopped.add(r.get());
      any_stopped = true;
    }
  }
  if (any_stopped) {
    out += "  subgraph \"cluster_stopped\" {\n";
    out += "    label=\"Not running\"; style=\"rounded,dashed\";\n";
    stopped.write(out, "stopped", 2);
    out += "  }\n";
  }
  out += "}\n";
  return out;
}

}  // namespace vigil::picture
