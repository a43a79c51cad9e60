// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/pengine/graph.hpp"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <string_view>
#include <unordered_map>

#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

namespace {

// Whether `name` can start an XML attribute name (a letter, '_' or ':';
// non-ASCII bytes are let through).
bool xml_name_start(std::string_view name) {
  if (name.empty()) return false;
  unsigned char c = static_cast<unsigned char>(name.front());
  return std::isalpha(c) || c == '_' || c == ':' || c >= 0x80;
}

bool should_add_action(const Action* a) {
  if (!a->is(kActRunnable)) return false;
  if (a->is(kActOptional) && !a->is(kActPrintAlways)) return false;
  if (a->rsc && !a->rsc->is(kRscManaged) && a->task != "monitor") {
    auto interval = lookup(a->meta, "interval");
    if (!interval || *interval == "0") return false;
  }
  if (a->is(kActPseudo) || a->task == "stonith" || a->task == "do_shutdown") return true;
  if (!a->node) return false;
  if (a->is(kActDc)) return true;
  if (runnable_on_guest(a->node)) return true;  // the guest comes up in this transition
  if (!a->node->online) return false;
  if (a->node->unclean) return false;
  return true;
}

bool ordering_can_change_actions(std::uint32_t type) {
  return (type & ~(kOrderImpliesFirstPrinted | kOrderImpliesThenPrinted | kOrderOptional)) != 0;
}

bool should_add_input(const Action* action, ActionLink& input) {
  if (input.dumped) return true;
  const Action* in = input.action;
  if (input.type == kOrderNone) return false;
  if (!in->is(kActRunnable) && !ordering_can_change_actions(input.type)) return false;
  if (!in->is(kActRunnable) && (input.type & kOrderOneOrMore)) return false;
  if ((input.type & kOrderImpliesFirstMigratable) && !in->is(kActRunnable)) return false;
  if ((input.type & kOrderApplyFirstNonMigratable) && in->is(kActMigrateRunnable)) return false;
  if (input.type == kOrderOptional && in->is(kActMigrateRunnable) && in->uuid.size() >= 7 &&
      in->uuid.compare(in->uuid.size() - 7, 7, "_stop_0") == 0) {
    return false;
  }
  if (input.type == kOrderLoad) {
    // Into a migrate_to, what counts is where the resource goes, not where
    // the migrate_to runs.
    if (action->rsc && action->task == "migrate_to") {
      if (!in->node || !action->rsc->allocated_to || in->node != action->rsc->allocated_to) {
        input.type = kOrderNone;
        return false;
      }
    } else if (!in->node || !action->node || in->node != action->node) {
      input.type = kOrderNone;
      return false;
    } else if (in->is(kActOptional)) {
      input.type = kOrderNone;
      return false;
    }
  } else if (input.type == kOrderAntiColocation) {
    if (in->node && action->node && in->node != action->node) {
      input.type = kOrderNone;
      return false;
    }
    if (in->is(kActOptional)) {
      input.type = kOrderNone;
      return false;
    }
  } else if (in->is(kActOptional) && !in->is(kActPrintAlways) && !in->is(kActDumped) &&
             !should_add_action(in)) {
    return false;
  }
  return true;
}

// Merges an action's inputs that name the same action and sorts them by id,
// keeping the first of equals (a stable sort). Runs once per action of the
// graph, so it reuses one buffer instead of allocating.
void dedup_inputs(Action* a) {
  if (a->before.size() < 2) {
    for (ActionLink* in : a->before) in->dumped = false;
    return;
  }
  thread_local std::vector<std::pair<ActionLink*, size_t>> sorted;
  sorted.clear();
  for (ActionLink* in : a->before) sorted.emplace_back(in, sorted.size());
  std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
    if (x.first->action->id != y.first->action->id)
      return x.first->action->id < y.first->action->id;
    return x.second < y.second;
  });
  thread_local std::vector<ActionLink*> out;
  out.clear();
  for (const auto& [in, pos] : sorted) {
    if (!out.empty() && out.back()->action->id == in->action->id) {
      out.back()->type |= in->type;
      if (in->dumped) out.back()->dumped = true;
    } else {
      in->dumped = false;
      out.push_back(in);
    }
  }
  a->before.assign(out);
}

void add_action(WorkingSet& ws, Graph& g, Action* a) {
  if (!a->is(kActDedup)) {
    dedup_inputs(a);
    a->set(kActDedup);
  }
  if (a->is(kActDumped) || !should_add_action(a)) return;
  a->set(kActDumped);
  Synapse s;
  s.id = static_cast<int>(g.synapses.size());
  s.action = a;
  s.priority = a->rsc ? a->rsc->priority : 0;
  if (a->priority > s.priority) s.priority = a->priority;
  for (ActionLink* in : a->before) {
    if (should_add_input(a, *in)) {
      in->dumped = true;
      s.inputs.push_back(in->action);
    }
  }
  g.synapses.push_back(std::move(s));
  (void)ws;
}

void add_rsc_actions(WorkingSet& ws, Graph& g, Resource* rsc) {
  // Newest first, as Pacemaker walks its list (adding to the graph creates
  // no actions). A clone adds its instances' actions before its own.
  if (is_bundle(rsc)) {  // bundle_actions.cpp: its own actions come with the rest
    for (Resource* c : bundle_graph_order(rsc)) add_rsc_actions(ws, g, c);
    return;
  }
  if (rsc->is_clone()) {
    clone_expand(ws, rsc);  // clone_actions.cpp: notifications, made now
    for (Resource* c : rsc->children) add_rsc_actions(ws, g, c);
  }
  for (auto it = rsc->actions.rbegin(); it != rsc->actions.rend(); ++it) add_action(ws, g, *it);
  if (rsc->is_clone()) return;
  for (Resource* c : rsc->children) add_rsc_actions(ws, g, c);
}

std::string esc(const std::string& s) {
  return xml::escaped(s);
}

std::string meta_name(const std::string& k) {
  std::string n = "CRM_meta_" + k;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

std::string action_element(const Action* a) {
  if (a->task == "stonith") return a->is(kActPseudo) ? "pseudo_event" : "crm_event";
  if (a->task == "do_shutdown" || a->task == "clear_failcount") return "crm_event";
  if (a->task == "delete" && !a->rsc) return "crm_event";
  if (a->task == "lrm_delete") return "crm_event";
  if (a->is(kActPseudo)) return "pseudo_event";
  return "rsc_op";
}

// Resource parameters per resource, for resources whose parameter sets have
// no rules (the common case); others are evaluated per node.
struct ParamCache {
  std::unordered_map<const Resource*, AttrMap> by_rsc;
  std::unordered_map<std::string, std::string> meta_names;
  // The <primitive .../> line of each resource, and a buffer reused for
  // every action's attributes: one graph has hundreds of thousands.
  std::unordered_map<const Resource*, std::string> rsc_lines;
  std::vector<std::pair<std::string_view, const std::string*>> attrs;
};

bool params_use_rules(const Resource* rsc) {
  for (const Resource* r = rsc; r; r = r->parent) {
    if (!r->config) continue;
    for (const auto& set : r->config->instance_sets) {
      if (set.rule) return true;
    }
  }
  return false;
}

const AttrMap& cached_params(const WorkingSet& ws, ParamCache& cache, const Resource* rsc,
                             const Node* node, AttrMap& scratch) {
  if (params_use_rules(rsc)) {
    scratch = rsc_params(ws, rsc, node);
    return scratch;
  }
  auto it = cache.by_rsc.find(rsc);
  if (it == cache.by_rsc.end()) it = cache.by_rsc.emplace(rsc, rsc_params(ws, rsc, node)).first;
  return it->second;
}

void append_esc(std::string& out, std::string_view s) {
  xml::append_escaped(out, s);
}

void append_attr(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_esc(out, value);
  out += '"';
}

// "CRM_meta_<name>" with dashes turned into underscores, computed once per name.
const std::string& meta_name_cached(std::unordered_map<std::string, std::string>& cache,
                                    const std::string& k) {
  auto it = cache.find(k);
  if (it == cache.end()) it = cache.emplace(k, meta_name(k)).first;
  return it->second;
}

void write_action(const WorkingSet& ws, ParamCache& cache, std::string& out, const Action* a,
                  bool skip_details, std::string_view indent) {
  const std::string el = action_element(a);
  bool needs_node = !(el == "pseudo_event" && a->task != "stonith");
  out += indent;
  out += '<';
  out += el;
  // lrm_delete only erases recorded history: the controller does it in the CIB.
  if (a->task == "lrm_delete") append_attr(out, "mode", "cib");
  append_attr(out, "id", std::to_string(a->id));
  append_attr(out, "operation", a->task);
  // An instance is known to the cluster by its history's name; the
  // scheduler's own key rides along.
  if (a->rsc && !a->rsc->clone_name.empty()) {
    append_attr(out, "operation_key", clone_action_key(a, false));
    append_attr(out, "internal_operation_key", a->uuid);
  } else {
    append_attr(out, "operation_key", a->uuid);
  }
  if (needs_node && a->node) {
    append_attr(out, "on_node", a->node->uname);
    append_attr(out, "on_node_uuid", a->node->id);
    if (const Node* router = connection_host_for_action(a)) {
      append_attr(out, "router_node", router->uname);
    }
  }
  if (skip_details) {
    out += "/>\n";
    return;
  }
  if (action_keeps_shutdown_lock(a))
    append_attr(out, "shutdown-lock", std::to_string(a->rsc->lock_time));
  out += ">\n";
  if (a->rsc && !a->is(kActPseudo)) {
    auto [line, fresh] = cache.rsc_lines.try_emplace(a->rsc);
    if (fresh) {
      line->second = a->rsc->is_group() ? "  <group" : "  <primitive";
      append_graph_rsc_ids(line->second, a->rsc);  // clone_output.cpp
      for (const char* k : {"class", "provider", "type"}) {
        if (auto v = lookup(a->rsc->meta, k)) append_attr(line->second, k, *v);
      }
      line->second += "/>\n";
    }
    out += indent;
    out += line->second;
  }
  // Attributes sorted by name: parameters, then CRM_meta_* from the meta.
  auto& attrs = cache.attrs;
  attrs.clear();
  static const std::string kFeatureSet = "3.16.1";
  attrs.emplace_back("crm_feature_set", &kFeatureSet);
  for (const auto& [k, v] : a->extra) attrs.emplace_back(k, &v);
  AttrMap scratch;
  // A parameter named with a leading digit cannot be an XML attribute:
  // Pacemaker writes it as a <param name= value=/> child instead.
  std::vector<std::pair<std::string_view, const std::string*>> digit_params;
  if (a->rsc && (a->node || a->rsc->is_primitive())) {
    for (const auto& [k, v] : cached_params(ws, cache, a->rsc, a->node, scratch)) {
      if (!k.empty() && k[0] >= '0' && k[0] <= '9') {
        digit_params.emplace_back(k, &v);
      } else {
        attrs.emplace_back(k, &v);
      }
    }
  }
  for (const auto& [k, v] : a->meta) attrs.emplace_back(meta_name_cached(cache.meta_names, k), &v);
  remote_graph_meta(a, attrs);                      // remote.cpp: container, physical host
  bundle_graph_meta(a, attrs);                      // bundle_actions.cpp: external IP
  if (a->rsc) add_clone_graph_meta(a->rsc, attrs);  // clone_output.cpp
  if (needs_node && a->node) {
    if (!lookup(a->meta, "on_node")) attrs.emplace_back("CRM_meta_on_node", &a->node->uname);
    if (!lookup(a->meta, "on_node_uuid")) attrs.emplace_back("CRM_meta_on_node_uuid", &a->node->id);
  }
  if (!a->rsc && a->task == "stonith" && a->node) {
    // The target's attributes ride along, except the cluster-generated ones
    // (built-ins like #uname, fail counts): Pacemaker skips any name with '#' or ':'.
    for (const auto& [k, v] : a->node->attrs) {
      if (k.find_first_of("#:") != std::string::npos) continue;
      attrs.emplace_back(meta_name_cached(cache.meta_names, k), &v);
    }
  }
  // Later entries win for the same name (meta over parameters), as a map
  // would. A stable insertion sort: the lists are short, and it allocates
  // nothing.
  for (size_t i = 1; i < attrs.size(); ++i) {
    auto v = attrs[i];
    size_t j = i;
    for (; j > 0 && v.first < attrs[j - 1].first; --j) attrs[j] = attrs[j - 1];
    attrs[j] = v;
  }
  out += indent;
  out += "  <attributes";
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i + 1 < attrs.size() && attrs[i + 1].first == attrs[i].first) continue;
    // Any other name that cannot be an XML attribute name is left out.
    if (!xml_name_start(attrs[i].first)) continue;
    append_attr(out, attrs[i].first, *attrs[i].second);
  }
  if (digit_params.empty()) {
    out += "/>\n";
  } else {
    out += ">\n";
    for (const auto& [k, v] : digit_params) {
      out += indent;
      out += "    <param";
      append_attr(out, "name", k);
      append_attr(out, "value", *v);
      out += "/>\n";
    }
    out += indent;
    out += "  </attributes>\n";
  }
  bool downed = false;
  if (needs_node && a->node) {
    if (a->task == "do_shutdown") {
      downed = true;
    } else if (a->task == "stonith") {
      auto op = lookup(a->meta, "stonith_action");
      downed = op && (*op == "reboot" || *op == "off" || *op == "poweroff");
    }
  }
  std::vector<const Node*> down_nodes;
  if (downed) down_nodes.push_back(a->node);
  // Only actions that name their node (no pseudo-action but fencing) list
  // the nodes they bring down.
  if (needs_node && a->node && (downed || a->task != "stonith")) {
    for (const Node* n : remote_downed_nodes(ws, a)) down_nodes.push_back(n);
  }
  if (!down_nodes.empty()) {
    out += indent;
    out += "  <downed>\n";
    for (const Node* n : down_nodes) {
      out += indent;
      out += "    <node";
      append_attr(out, "id", n->id);
      out += "/>\n";
    }
    out += indent;
    out += "  </downed>\n";
  }
  if (a->task == "maintenance_nodes") {
    out += indent;
    out += "  <maintenance>\n";
    for (const Node* n : maintenance_changes(ws)) {
      out += indent;
      out += "    <node";
      append_attr(out, "id", n->id);
      append_attr(out, "node_in_maintenance", n->maintenance ? "1" : "0");
      out += "/>\n";
    }
    out += indent;
    out += "  </maintenance>\n";
  }
  out += indent;
  out += "</";
  out += el;
  out += ">\n";
}

}  // namespace

bool graph_should_add_input(const Action* action, ActionLink& input) {
  return should_add_input(action, input);
}

Graph build_graph(WorkingSet& ws) {
  Graph g;
  // At most one synapse per action (expanding clones makes a few more): one
  // allocation instead of copies through doublings, each touching fresh pages.
  g.synapses.reserve(ws.actions.size() + ws.actions.size() / 8);
  for (Resource* r : ws.resources) add_rsc_actions(ws, g, r);
  add_maintenance_update(ws);  // remote.cpp
  std::vector<Action*> all;
  for (Action* a : ws.actions) {
    if (a->id > 0) all.push_back(a);
  }
  for (auto it = all.rbegin(); it != all.rend(); ++it) add_action(ws, g, *it);
  return g;
}

void write_graph_xml(const WorkingSet& ws, const Graph& g,
                     const std::function<void(std::string_view)>& sink) {
  std::string out = "<transition_graph cluster-delay=\"" + esc(ws.config.cluster_delay) +
                    "\" stonith-timeout=\"" + esc(ws.config.stonith_timeout) +
                    "\" failed-stop-offset=\"INFINITY\" failed-start-offset=\"" +
                    (ws.config.start_failure_is_fatal ? "INFINITY" : "1") + "\" batch-limit=\"" +
                    esc(ws.config.batch_limit) + "\" transition_id=\"" +
                    std::to_string(g.transition_id) + "\"";
  long long limit = std::atoll(ws.config.migration_limit.c_str());
  if (limit > 0) out += " migration-limit=\"" + esc(ws.config.migration_limit) + "\"";
  if (ws.recheck_by > 0) out += " recheck-by=\"" + std::to_string(ws.recheck_by) + "\"";
  if (g.synapses.empty()) {
    sink(out + "/>\n");
    return;
  }
  out += ">\n";
  sink(out);
  out.clear();
  // Synapses are formatted in blocks, two at a time on large graphs (the
  // machine has two cores), and handed out in order. Each of the two workers
  // keeps its buffer and caches from block to block: fresh multi-megabyte
  // buffers would cost a page fault every 4 KiB.
  struct Worker {
    std::string text;
    ParamCache cache;
    std::future<void> done;
  };
  auto format_block = [&ws, &g](Worker& w, size_t begin, size_t end) {
    std::string& text = w.text;
    text.clear();
    text.reserve((end - begin) * 900);
    for (size_t i = begin; i < end; ++i) {
      const Synapse& s = g.synapses[i];
      text += "  <synapse";
      append_attr(text, "id", std::to_string(s.id));
      if (s.priority > 0) append_attr(text, "priority", std::to_string(s.priority));
      text += ">\n    <action_set>\n";
      write_action(ws, w.cache, text, s.action, false, "      ");
      text += "    </action_set>\n";
      if (s.inputs.empty()) {
        text += "    <inputs/>\n";
      } else {
        text += "    <inputs>\n";
        for (const Action* in : s.inputs) {
          text += "      <trigger>\n";
          write_action(ws, w.cache, text, in, true, "        ");
          text += "      </trigger>\n";
        }
        text += "    </inputs>\n";
      }
      text += "  </synapse>\n";
    }
  };
  constexpr size_t kBlock = 4096;
  const size_t n = g.synapses.size();
  if (n <= 2 * kBlock) {
    Worker w;
    format_block(w, 0, n);
    sink(w.text);
  } else {
    Worker workers[2];
    size_t next = 0;
    auto launch = [&](Worker& w) {
      size_t begin = next;
      size_t end = std::min(n, begin + kBlock);
      next = end;
      w.done = std::async(std::launch::async, format_block, std::ref(w), begin, end);
    };
    launch(workers[0]);
    launch(workers[1]);
    // Blocks alternate between the workers, so taking them in turn keeps
    // the synapses in order.
    for (size_t turn = 0; workers[turn % 2].done.valid(); ++turn) {
      Worker& w = workers[turn % 2];
      w.done.get();
      sink(w.text);
      if (next < n) launch(w);
    }
  }
  out += "</transition_graph>\n";
  sink(out);
}

std::string graph_xml(const WorkingSet& ws, const Graph& g) {
  std::string all;
  write_graph_xml(ws, g, [&](std::string_view chunk) { all.append(chunk.data(), chunk.size()); });
  return all;
}

std::string action_display_name(const Action* a) {
  std::string host;
  bool has_host = false;
  if (a->node) {
    host = a->node->uname;
    has_host = true;
  } else if (!a->is(kActPseudo)) {
    host = "<none>";
    has_host = true;
  }
  std::string prefix;
  std::string task = a->task;
  if (a->task == "cancel") {
    prefix = "Cancel ";
    task = a->cancel_task;
  }
  if (a->rsc && !a->rsc->clone_name.empty()) {
    // An instance is named as its history names it.
    return prefix + clone_action_key(a, true) + (has_host ? " " + host : "");
  }
  if (a->task == "stonith") {
    auto op = lookup(a->meta, "stonith_action");
    return prefix + a->task + " '" + (op ? *op : "") + "' " + host;
  }
  if (a->rsc && has_host) {
    if (a->task == "cancel") return prefix + a->uuid + " " + host;
    return prefix + a->uuid + " " + host;
  }
  if (has_host) return prefix + a->task + " " + host;
  return a->uuid;
}

std::string graph_dot(const WorkingSet& ws, bool all_actions) {
  std::string out = " digraph \"g\" {\n";
  std::vector<char> written(ws.actions.size() + 1, 0);
  std::vector<Action*> all;
  for (Action* a : ws.actions) {
    if (a->id > 0) all.push_back(a);
  }
  std::reverse(all.begin(), all.end());
  for (Action* a : all) {
    std::string style = "dashed", font = "black", color = "black";
    if (a->is(kActPseudo)) font = "orange";
    if (a->is(kActDumped)) {
      style = "bold";
      color = "green";
    } else if (a->rsc && !a->rsc->is(kRscManaged)) {
      color = "red";
      font = "purple";
      if (!all_actions) continue;
    } else if (a->is(kActOptional)) {
      color = "blue";
      if (!all_actions) continue;
    } else {
      color = "red";
    }
    a->set(kActDumped);
    out += "\"" + action_display_name(a) + "\" [ style=" + style + " color=\"" + color +
           "\" fontcolor=\"" + font + "\"]\n";
  }
  for (Action* a : all) {
    for (const ActionLink* b : a->before) {
      std::string style = "dashed";
      bool optional = true;
      if (b->dumped) {
        optional = false;
        style = "bold";
      } else if (b->type == kOrderNone) {
        continue;
      } else if (b->action->is(kActDumped) && a->is(kActDumped) && b->type != kOrderLoad) {
        optional = false;
      }
      if (all_actions || !optional) {
        out += "\"" + action_display_name(b->action) + "\" -> \"" + action_display_name(a) +
               "\" [ style = " + style + "]\n";
      }
    }
  }
  out += "}\n";
  return out;
}

}  // namespace vigil::pengine
