// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil resource relocate show|dry-run|run [RSC...]`, as pcs 0.11: the
// scheduler runs on a copy of the CIB where the resources' stickiness is 0;
// `show` prints that run's status and transition summary, `dry-run` and
// `run` turn the starts, promotions and migrations of its transition graph
// into pcs-relocate-* location constraints. Placement is never computed
// here: it is read from the scheduler's graph.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {
namespace {

constexpr const char* kRelocatePrefix = "pcs-relocate-";

bool is_resource_tag(const xmlNode* n, const char* tag) {
  return xml::is(n, tag);
}

void collect(xmlNode* n, const char* tag, std::vector<xmlNode*>& out) {
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is_resource_tag(c, tag)) out.push_back(c);
    collect(c, tag, out);
  }
}

// resource-stickiness=0 in the first meta_attributes of the element (made
// when missing), as pcs's dom_prepare_child_element / dom_update_nv_pair.
void zero_stickiness(xmlDoc* doc, xmlNode* el) {
  const std::string id = xml::attr_or(el, "id");
  xmlNode* meta = xml::first_child(el, "meta_attributes");
  if (meta == nullptr) {
    meta = append_element(el, "meta_attributes", {{"id", unique_id(doc, id + "-meta_attributes")}});
  }
  for (xmlNode* nv : xml::children(meta, "nvpair")) {
    if (xml::attr_or(nv, "name") == "resource-stickiness") {
      xmlSetProp(nv, BAD_CAST "value", BAD_CAST "0");
      return;
    }
  }
  const std::string nv_id = unique_id(doc, xml::attr_or(meta, "id") + "-resource-stickiness");
  append_element(meta, "nvpair", {{"id", nv_id}, {"name", "resource-stickiness"}, {"value", "0"}});
}

// pcs's resource_relocate_set_stickiness on `doc` (a copy): every master,
// clone, group and primitive (only those named, when any are), with the
// groups and primitives inside them. Returns the ids it changed.
Result<std::set<std::string>> set_stickiness(xmlDoc* doc, const std::vector<std::string>& only) {
  std::set<std::string> found, updated;
  xmlNode* root = xmlDocGetRootElement(doc);
  for (const char* tag : {"master", "clone", "group", "primitive"}) {
    std::vector<xmlNode*> els;
    collect(root, tag, els);
    for (xmlNode* el : els) {
      const std::string id = xml::attr_or(el, "id");
      if (!only.empty() && std::find(only.begin(), only.end(), id) == only.end()) continue;
      found.insert(id);
      std::vector<xmlNode*> targets{el};
      collect(el, "group", targets);
      collect(el, "primitive", targets);
      for (xmlNode* t : targets) {
        updated.insert(xml::attr_or(t, "id"));
        zero_stickiness(doc, t);
      }
    }
  }
  std::string missing;
  for (const auto& id : std::set<std::string>(only.begin(), only.end())) {
    if (found.count(id) == 0) {
      missing += (missing.empty() ? "" : "\nError: ") +
                 std::string("unable to find a resource/clone/group: ") + id;
    }
  }
  if (!missing.empty()) return Error(ErrorCode::kNotFound, missing);
  return updated;
}

// pcs's validate_constraint_resource(...)[2]: the id a location constraint
// for `id` names (a clone's, master's or bundle's member: that parent).
std::string id_for_constraint(xmlDoc* doc, const std::string& id) {
  xmlNode* r = find_resource(doc, id);
  if (r == nullptr) return {};
  if (xml::is(r, "clone") || xml::is(r, "master") || xml::is(r, "bundle")) return id;
  if (!xml::is(r, "primitive") && !xml::is(r, "group")) return {};
  xmlNode* p = r->parent;
  if (p != nullptr && xml::is(p, "bundle")) return xml::attr_or(p, "id");
  if (xmlNode* clone = clone_ancestor(r)) return xml::attr_or(clone, "id");
  return id;
}

struct Location {
  std::string id, id_for_constraint, start_on, promote_on;
};

// The starts, promotions and migrations of the scheduler's graph, by the
// instance they concern (pcs's get_resources_location_from_operations).
Result<std::vector<Location>> locations(const Context& ctx, const std::vector<std::string>& only) {
  xml::DocPtr copy(xmlCopyDoc(ctx.doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto updated = set_stickiness(copy.get(), only);
  if (!updated) return updated.error();
  auto s = status_view::unpack_copy(copy.get(), ctx.now, true);
  if (!s) return s.error();
  const pengine::Graph g = pengine::build_graph(*s->ws);
  auto graph = xml::parse_string(pengine::graph_xml(*s->ws, g), "transition graph");
  if (!graph) return graph.error();
  struct Op {
    long id;
    std::string rsc, long_id, task, node;
  };
  std::vector<Op> ops;
  std::vector<xmlNode*> rsc_ops;
  collect(xmlDocGetRootElement(graph->get()), "rsc_op", rsc_ops);
  static const std::set<std::string> kWatched{"start",  "stop",         "promote",
                                              "demote", "migrate_from", "migrate_to"};
  for (xmlNode* op : rsc_ops) {
    std::string task = xml::attr_or(op, "operation");
    std::transform(task.begin(), task.end(), task.begin(), ::tolower);
    if (kWatched.count(task) == 0) continue;
    for (xmlNode* prim : xml::children(op, "primitive")) {
      const std::string id = xml::attr_or(prim, "id");
      ops.push_back({std::stol(xml::attr_or(op, "id", "0")), id, xml::attr_or(prim, "long-id", id),
                     task, xml::attr_or(op, "on_node")});
    }
  }
  std::stable_sort(ops.begin(), ops.end(), [](const Op& a, const Op& b) { return a.id < b.id; });
  std::vector<Location> out;
  std::map<std::string, size_t> by_long_id;
  for (const Op& op : ops) {
    if (op.task != "start" && op.task != "promote" && op.task != "migrate_from") continue;
    auto it = by_long_id.find(op.long_id);
    if (it == by_long_id.end()) {
      const std::string target = id_for_constraint(ctx.doc, op.rsc.substr(0, op.rsc.find(':')));
      if (target.empty()) continue;
      it = by_long_id.emplace(op.long_id, out.size()).first;
      out.push_back({op.rsc, target, {}, {}});
    }
    (op.task == "promote" ? out[it->second].promote_on : out[it->second].start_on) = op.node;
  }
  std::vector<Location> kept;
  for (auto& l : out) {
    if (l.start_on.empty() && l.promote_on.empty()) continue;
    if (!only.empty() && updated->count(l.id) == 0 && updated->count(l.id_for_constraint) == 0) {
      continue;
    }
    kept.push_back(std::move(l));
  }
  return kept;
}

// `relocate show`: crm_simulate's first status and its transition summary,
// filtered as pcs filters crm_simulate's output.
Status relocate_show(Context& ctx) {
  xml::DocPtr copy(xmlCopyDoc(ctx.doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  if (auto st = set_stickiness(copy.get(), {}); !st) return st.error();
  auto before = status_view::unpack_copy(copy.get(), ctx.now, false);
  if (!before) return before.error();
  auto after = status_view::unpack_copy(copy.get(), ctx.now, true);
  if (!after) return after.error();
  const std::string text =
      "Current cluster status:\n" + pengine::cluster_status_text(*before->ws, true) +
      "\nTransition Summary:\n" + pengine::transition_summary_text(*after->ws) + "\n";
  bool in_status = false, in_resources = false, in_transitions = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t");
    const std::string stripped =
        b == std::string::npos ? "" : line.substr(b, line.find_last_not_of(" \t") + 1 - b);
    if (stripped == "Current cluster status:") {
      in_status = true;
      in_resources = in_transitions = false;
    } else if (stripped == "Transition Summary:") {
      in_status = in_resources = false;
      in_transitions = true;
      ctx.out += "\n";
    } else if (stripped.empty()) {
      in_resources = in_status;
      in_status = in_transitions = false;
    }
    if (in_status || in_resources || in_transitions) ctx.out += line + "\n";
  }
  return ok_status();
}

// pcs warns (and goes on) when a stonith resource, or a tag holding one, is named.
void warn_stonith(Context& ctx, const std::vector<std::string>& ids) {
  std::vector<std::string> expanded;
  const xmlNode* tags = config_section(ctx.doc, "tags");
  for (const auto& id : ids) {
    expanded.push_back(id);
    if (tags == nullptr) continue;
    for (const xmlNode* tag : xml::children(tags, "tag")) {
      if (xml::attr_or(tag, "id") != id) continue;
      for (const xmlNode* ref : xml::children(tag, "obj_ref"))
        expanded.push_back(xml::attr_or(ref, "id"));
    }
  }
  for (const auto& id : expanded) {
    xmlNode* r = find_resource(ctx.doc, id);
    if (r != nullptr && xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith") {
      ctx.notes.push_back(
          "Deprecation Warning: Ability of this command to accept stonith resources is "
          "deprecated and will be removed in a future release.");
      return;
    }
  }
}

// pcs's resource_relocate_clear on the constraints section `cons`.
void remove_relocate_constraints(Context& ctx, xmlNode* cons) {
  for (xmlNode* c : xml::children(cons, "rsc_location")) {
    const std::string id = xml::attr_or(c, "id");
    if (id.rfind(kRelocatePrefix, 0) != 0) continue;
    ctx.notes.push_back("Removing constraint " + id);
    remove_node(c);
  }
}

Status relocate_run(Context& ctx, const std::vector<std::string>& args, bool dry) {
  if (!args.empty()) warn_stonith(ctx, args);
  auto locs = locations(ctx, args);
  if (!locs) return locs.error();
  if (locs->empty()) return ok_status();
  if (!dry && ctx.live_cib == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 "'resource relocate run' without a connection to the cluster's CIB is not "
                 "supported by vigil");
  }
  xml::DocPtr copy(xmlCopyDoc(ctx.doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  xmlNode* cons = config_section(copy.get(), "constraints", true);
  for (const Location& l : *locs) {
    const bool promote = !l.promote_on.empty();
    const std::string node = promote ? l.promote_on : l.start_on;
    ctx.notes.push_back("Creating location constraint: " + l.id_for_constraint + " prefers " +
                        node + "=INFINITY" + (promote ? " role=Promoted" : ""));
    std::vector<std::pair<std::string, std::string>> attrs{
        {"id", unique_id(copy.get(), kRelocatePrefix + l.id_for_constraint)},
        {"rsc", l.id_for_constraint},
        {"score", "INFINITY"},
        {"node", node}};
    if (promote) attrs.emplace_back("role", role_for_cib(copy.get(), "Promoted"));
    append_element(cons, "rsc_location", attrs);
  }
  if (!dry) {
    if (auto st = ctx.live_cib->write_configuration(copy.get()); !st) return st;
  }
  ctx.notes.insert(ctx.notes.end(), {"", "Waiting for resources to move...", ""});
  if (dry) {
    remove_relocate_constraints(ctx, cons);
    return ok_status();
  }
  // As crm_resource --wait without --timeout: up to an hour, every 2 s.
  const WaitOutcome waited = settle(*ctx.live_cib, 60 * 60);
  if (waited.timed_out || !waited.error.empty()) {
    ctx.notes.push_back("Error: " + (waited.timed_out ? "waiting timeout" : waited.error));
    ctx.exit_code = 1;
  }
  auto now = ctx.live_cib->read();
  if (!now) return now.error();
  remove_relocate_constraints(ctx, config_section(now->get(), "constraints", true));
  return ctx.live_cib->write_configuration(now->get());
}

}  // namespace

Status resource_relocate(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (sub == "dry-run") return relocate_run(ctx, rest, true);
  if (sub != "show" && sub != "run") {
    return Error(ErrorCode::kUnsupported, "'resource relocate " + sub +
                                              "' is not supported by vigil yet; supported: "
                                              "relocate show, dry-run, run, clear");
  }
  if (!ctx.live) {
    return Error(ErrorCode::kInvalidInput,
                 "Specified option '-f' is not supported in this command");
  }
  if (sub == "show") {
    if (!rest.empty()) {
      return Error(ErrorCode::kInvalidInput, "usage: vigil resource relocate show");
    }
    return relocate_show(ctx);
  }
  return relocate_run(ctx, rest, false);
}

}  // namespace vigil::admin
