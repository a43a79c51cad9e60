// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource config (the text layout of pcs 0.11's configuration facade),
// resource group list / remove / ungroup, resource utilization and resource
// manage / unmanage.
#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

std::string pcs_quote(const std::string& s) {
  if (s.find_first_of("= ") == std::string::npos) return s;
  if (s.find('"') == std::string::npos) return "\"" + s + "\"";
  if (s.find('\'') == std::string::npos) return "'" + s + "'";
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\\\"") : std::string(1, c);
  return out + "\"";
}

std::string name_value(const std::string& name, const std::string& value) {
  return pcs_quote(name) + "=" + pcs_quote(value);
}

namespace {

bool is_stonith_primitive(const xmlNode* r) {
  return xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith";
}

void indent_into(std::string& out, const std::vector<std::string>& lines, int by) {
  const std::string pad(static_cast<std::size_t>(by), ' ');
  for (const auto& l : lines) out += (l.empty() ? l : pad + l) + "\n";
}

// "Label: ID [options]" then its pairs sorted, for the first set only (pcs
// shows no further sets of a resource).
void first_nvset_lines(const xmlNode* rsc, const char* element, const char* label,
                       std::vector<std::string>& out) {
  const xmlNode* set = xml::first_child(rsc, element);
  if (set == nullptr) return;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const xmlNode* nv : xml::children(set, "nvpair")) {
    pairs.emplace_back(xml::attr_or(nv, "name"), xml::attr_or(nv, "value"));
  }
  if (pairs.empty()) return;
  std::sort(pairs.begin(), pairs.end());
  std::string heading = std::string(label) + ":";
  if (const auto id = xml::attr_or(set, "id"); !id.empty()) heading += " " + id;
  if (xml::has_attr(set, "score")) heading += " " + name_value("score", xml::attr_or(set, "score"));
  out.push_back(heading);
  for (const auto& [n, v] : pairs) out.push_back("  " + name_value(n, v));
}

std::string cli_bool(const std::string& v) {
  return is_true(v) ? "1" : "0";
}

std::vector<std::string> operation_lines(const xmlNode* op) {
  std::vector<std::pair<std::string, std::string>> pairs{
      {"interval", xml::attr_or(op, "interval", "0s")}};
  auto add = [&](const char* name) {
    if (const auto v = xml::attr_or(op, name); !v.empty()) pairs.emplace_back(name, v);
  };
  if (xml::has_attr(op, "start-delay") && !xml::attr_or(op, "start-delay").empty()) {
    add("start-delay");
  } else {
    add("interval-origin");
  }
  add("timeout");
  if (xml::has_attr(op, "enabled"))
    pairs.emplace_back("enabled", cli_bool(xml::attr_or(op, "enabled")));
  if (xml::has_attr(op, "record-pending"))
    pairs.emplace_back("record-pending", cli_bool(xml::attr_or(op, "record-pending")));
  add("role");
  add("on-fail");
  for (const xmlNode* set : xml::children(op, "instance_attributes")) {
    for (const xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == "OCF_CHECK_LEVEL" && !xml::attr_or(nv, "value").empty())
        pairs.emplace_back("OCF_CHECK_LEVEL", xml::attr_or(nv, "value"));
    }
  }
  std::string head = xml::attr_or(op, "name") + ":";
  if (const auto id = xml::attr_or(op, "id"); !id.empty()) head += " " + id;
  std::vector<std::string> lines{head};
  for (const auto& [n, v] : pairs) lines.push_back("  " + name_value(n, v));
  return lines;
}

void description_line(const xmlNode* r, std::vector<std::string>& out) {
  if (const auto d = xml::attr_or(r, "description"); !d.empty()) out.push_back("Description: " + d);
}

std::vector<std::string> primitive_lines(const xmlNode* p) {
  std::vector<std::string> body;
  description_line(p, body);
  first_nvset_lines(p, "instance_attributes", "Attributes", body);
  first_nvset_lines(p, "meta_attributes", "Meta Attributes", body);
  first_nvset_lines(p, "utilization", "Utilization", body);
  if (const xmlNode* ops = xml::first_child(p, "operations")) {
    const auto list = xml::children(ops, "op");
    if (!list.empty()) {
      body.push_back("Operations:");
      for (const xmlNode* op : list) {
        for (const auto& l : operation_lines(op)) body.push_back("  " + l);
      }
    }
  }
  std::string agent = "class=" + xml::attr_or(p, "class");
  if (xml::has_attr(p, "provider")) agent += " provider=" + xml::attr_or(p, "provider");
  agent += " type=" + xml::attr_or(p, "type");
  std::vector<std::string> lines{"Resource: " + xml::attr_or(p, "id") + " (" + agent + ")"};
  for (const auto& l : body) lines.push_back(l.empty() ? l : "  " + l);
  return lines;
}

// What a group or clone shows before its members.
std::vector<std::string> wrapper_head_lines(const xmlNode* r) {
  std::vector<std::string> body;
  description_line(r, body);
  first_nvset_lines(r, "instance_attributes", "Attributes", body);
  first_nvset_lines(r, "meta_attributes", "Meta Attributes", body);
  return body;
}

std::vector<std::string> group_lines(const xmlNode* g) {
  std::vector<std::string> body = wrapper_head_lines(g);
  for (const xmlNode* p : xml::children(g, "primitive")) {
    for (const auto& l : primitive_lines(p)) body.push_back(l);
  }
  std::vector<std::string> lines{"Group: " + xml::attr_or(g, "id")};
  for (const auto& l : body) lines.push_back("  " + l);
  return lines;
}

std::vector<std::string> clone_lines(const xmlNode* c) {
  std::vector<std::string> body = wrapper_head_lines(c);
  if (const xmlNode* p = xml::first_child(c, "primitive")) {
    for (const auto& l : primitive_lines(p)) body.push_back(l);
  } else if (const xmlNode* g = xml::first_child(c, "group")) {
    for (const auto& l : group_lines(g)) body.push_back(l);
  }
  std::vector<std::string> lines{"Clone: " + xml::attr_or(c, "id")};
  for (const auto& l : body) lines.push_back("  " + l);
  return lines;
}

// Every resource element under <resources> of one kind, in document order.
std::vector<xmlNode*> all_of_kind(xmlDoc* doc, const char* kind) {
  std::vector<xmlNode*> out;
  xmlNode* resources = config_section(doc, "resources");
  if (resources == nullptr) return out;
  std::vector<xmlNode*> stack{resources};
  auto walk = [&](auto&& self, xmlNode* n) -> void {
    for (xmlNode* c : xml::children(n)) {
      if (xml::is(c, kind) || (std::string_view(kind) == "clone" && xml::is(c, "master")))
        out.push_back(c);
      if (xml::is(c, "group") || xml::is(c, "clone") || xml::is(c, "master") ||
          xml::is(c, "bundle"))
        self(self, c);
    }
  };
  walk(walk, resources);
  return out;
}

bool has_resource_parent(const xmlNode* r) {
  const xmlNode* p = r->parent;
  return xml::is(p, "group") || xml::is(p, "clone") || xml::is(p, "master") || xml::is(p, "bundle");
}

Status resource_config(Context& ctx, const std::vector<std::string>& ids) {
  const std::string format = ctx.flags.output_format.value_or("text");
  if (auto st = check_config_output_format(format); !st) return st;
  // cmd and json export the same selection (resource_config_cmd.cpp,
  // resource_config_export.cpp).
  const bool as_commands = format == "cmd" || format == "json";
  auto export_as = [&](const std::vector<xmlNode*>& p, const std::vector<xmlNode*>& g,
                       const std::vector<xmlNode*>& c, bool all) -> Status {
    if (format == "cmd") {
      ctx.out += resources_as_commands(p, g, c);
      return ok_status();
    }
    auto json = resources_as_json(p, g, c, all);
    if (!json) return json.error();
    ctx.out += *json;
    return ok_status();
  };
  // pcs leaves out fence devices unless they sit in a group or clone.
  auto visible = [](const xmlNode* p) {
    return !is_stonith_primitive(p) || has_resource_parent(p);
  };
  auto primitives = all_of_kind(ctx.doc, "primitive");
  auto groups = all_of_kind(ctx.doc, "group");
  auto clones = all_of_kind(ctx.doc, "clone");
  if (!all_of_kind(ctx.doc, "bundle").empty()) {
    return Error(ErrorCode::kUnsupported,
                 "'resource config' of a CIB with bundles is not supported by vigil yet");
  }
  std::vector<std::string> lines;
  if (ids.empty() && as_commands) {
    std::erase_if(primitives, [&](xmlNode* p) { return !visible(p); });
    return export_as(primitives, groups, clones, true);
  }
  if (ids.empty()) {
    for (xmlNode* p : primitives) {
      if (visible(p) && !has_resource_parent(p)) {
        auto l = primitive_lines(p);
        lines.insert(lines.end(), l.begin(), l.end());
      }
    }
    for (xmlNode* g : groups) {
      if (!has_resource_parent(g)) {
        auto l = group_lines(g);
        lines.insert(lines.end(), l.begin(), l.end());
      }
    }
    for (xmlNode* c : clones) {
      auto l = clone_lines(c);
      lines.insert(lines.end(), l.begin(), l.end());
    }
    indent_into(ctx.out, lines, 0);
    return ok_status();
  }
  std::set<std::string> wanted;
  for (const auto& id : ids) {
    xmlNode* r = find_resource(ctx.doc, id);
    const bool known =
        r != nullptr && !xml::is(r, "bundle") && (!xml::is(r, "primitive") || visible(r));
    if (!known) {
      ctx.notes.push_back("Warning: Unable to find resource '" + id + "'");
      continue;
    }
    wanted.insert(id);
  }
  if (wanted.empty()) return Error(ErrorCode::kNotFound, "No resource found");
  if (as_commands) {
    // The named resources and everything inside them, each kind by id.
    std::set<std::string> all = wanted;
    for (const auto& id : wanted) {
      xmlNode* r = find_resource(ctx.doc, id);
      for (xmlNode* c : xml::children(r)) {
        if (xml::is(c, "primitive") || xml::is(c, "group")) all.insert(xml::attr_or(c, "id"));
        if (xml::is(c, "group")) {
          for (xmlNode* p : xml::children(c, "primitive")) all.insert(xml::attr_or(p, "id"));
        }
      }
    }
    auto chosen = [&](std::vector<xmlNode*> list) {
      std::erase_if(list, [&](xmlNode* r) { return all.count(xml::attr_or(r, "id")) == 0; });
      std::sort(list.begin(), list.end(), [](xmlNode* x, xmlNode* y) {
        return xml::attr_or(x, "id") < xml::attr_or(y, "id");
      });
      return list;
    };
    return export_as(chosen(primitives), chosen(groups), chosen(clones), false);
  }
  auto by_id = [](xmlNode* x, xmlNode* y) { return xml::attr_or(x, "id") < xml::attr_or(y, "id"); };
  for (auto* list : {&primitives, &groups, &clones}) {
    std::vector<xmlNode*> chosen;
    for (xmlNode* r : *list) {
      if (wanted.count(xml::attr_or(r, "id")) != 0) chosen.push_back(r);
    }
    std::sort(chosen.begin(), chosen.end(), by_id);
    for (xmlNode* r : chosen) {
      auto l = list == &primitives ? primitive_lines(r)
               : list == &groups   ? group_lines(r)
                                   : clone_lines(r);
      lines.insert(lines.end(), l.begin(), l.end());
    }
  }
  indent_into(ctx.out, lines, 0);
  return ok_status();
}

Status group_list(Context& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil resource group list");
  }
  for (xmlNode* g : all_of_kind(ctx.doc, "group")) {
    std::string line = xml::attr_or(g, "id") + ":";
    for (xmlNode* p : xml::children(g, "primitive")) line += " " + xml::attr_or(p, "id");
    ctx.out += line + "\n";
  }
  return ok_status();
}

// `resource group remove|delete G [RSC...]` and `resource ungroup`: the
// members leave the group (all of them when none is named) and follow it;
// an emptied group goes with its constraints.
Status group_remove(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil resource group remove <group id> [<resource id>]...");
  }
  xmlNode* group = nullptr;
  for (xmlNode* g : all_of_kind(ctx.doc, "group")) {
    if (xml::attr_or(g, "id") == args[0]) group = g;
  }
  if (group == nullptr) {
    return Error(ErrorCode::kNotFound, "Group '" + args[0] + "' does not exist");
  }
  std::vector<xmlNode*> moving;
  const auto members = xml::children(group, "primitive");
  if (args.size() == 1) {
    moving = members;
  } else {
    for (std::size_t i = 1; i < args.size(); ++i) {
      auto it = std::find_if(members.begin(), members.end(),
                             [&](xmlNode* p) { return xml::attr_or(p, "id") == args[i]; });
      if (it == members.end()) {
        return Error(ErrorCode::kNotFound,
                     "Resource '" + args[i] + "' does not exist in group '" + args[0] + "'");
      }
      moving.push_back(*it);
    }
  }
  const bool cloned = xml::is(group->parent, "clone") || xml::is(group->parent, "master");
  if (cloned && members.size() > 1 && moving.size() == members.size()) {
    return Error(ErrorCode::kInvalidInput, "Cannot remove all resources from a cloned group");
  }
  if (auto st = check_wait_late(ctx, ""); !st) return st;
  xmlNode* target =
      cloned && members.size() > 1 ? config_section(ctx.doc, "resources") : group->parent;
  for (xmlNode* p : moving) {
    xmlUnlinkNode(p);
    xmlAddChild(target, p);
  }
  if (xml::children(group, "primitive").empty()) {
    remove_node(group);
    remove_constraints_of(ctx, {args[0]});
  }
  ctx.changed = true;
  return ok_status();
}

xmlNode* find_primitive(xmlDoc* doc, const std::string& id) {
  for (xmlNode* p : all_of_kind(doc, "primitive")) {
    if (xml::attr_or(p, "id") == id) return p;
  }
  return nullptr;
}

std::string utilization_text(const xmlNode* p) {
  const xmlNode* set = xml::first_child(p, "utilization");
  if (set == nullptr) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const xmlNode* nv : xml::children(set, "nvpair")) {
    pairs.emplace_back(xml::attr_or(nv, "name"), xml::attr_or(nv, "value"));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [n, v] : pairs) out += (out.empty() ? "" : " ") + n + "=" + v;
  return out;
}

// Python's int(): optional blanks, sign, digits (underscores between them).
bool python_int(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) v.remove_prefix(1);
  if (v.empty() || v.front() == '_' || v.back() == '_') return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '_' && v[i - 1] != '_') continue;
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

Status utilization(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (xmlNode* p : all_of_kind(ctx.doc, "primitive")) {
      if (auto u = utilization_text(p); !u.empty()) rows.emplace_back(xml::attr_or(p, "id"), u);
    }
    std::sort(rows.begin(), rows.end());
    ctx.out += "Resource Utilization:\n";
    for (const auto& [id, u] : rows) ctx.out += " " + id + ": " + u + "\n";
    return ok_status();
  }
  xmlNode* p = find_primitive(ctx.doc, args[0]);
  if (p != nullptr && is_stonith_primitive(p)) {
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith resources is deprecated "
        "and will be removed in a future release.");
  }
  if (args.size() == 1) {
    if (p == nullptr) return Error(ErrorCode::kNotFound, "Unable to find a resource: " + args[0]);
    ctx.out += "Resource Utilization:\n " + args[0] + ": " + utilization_text(p) + "\n";
    return ok_status();
  }
  std::vector<KeyValue> pairs;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto kv = split_key_value(args[i]);
    if (!kv) return kv.error();
    auto same = std::find_if(pairs.begin(), pairs.end(),
                             [&](const KeyValue& x) { return x.key == kv->key; });
    if (same != pairs.end()) {
      same->value = kv->value;  // the last one wins, as in a Python dict
    } else {
      pairs.push_back(*kv);
    }
  }
  if (p == nullptr) return Error(ErrorCode::kNotFound, "Unable to find a resource: " + args[0]);
  std::sort(pairs.begin(), pairs.end(),
            [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  bool only_removing = true;
  for (const auto& kv : pairs) {
    if (!kv.value.empty() && !python_int(kv.value)) {
      return Error(ErrorCode::kInvalidInput, "Value of utilization attribute must be integer: '" +
                                                 kv.key + "=" + kv.value + "'");
    }
    only_removing = only_removing && kv.value.empty();
  }
  if (xml::first_child(p, "utilization") == nullptr && only_removing) return ok_status();
  for (const auto& kv : pairs) set_nvpair(ctx.doc, p, "utilization", kv.key, kv.value, false);
  ctx.changed = true;
  return ok_status();
}

// pcs's manage: the named resource, its clone or group wrappers above and
// what it holds below, all lose is-managed.
std::vector<xmlNode*> to_manage(xmlNode* r) {
  std::vector<xmlNode*> out{r};
  xmlNode* parent = r->parent;
  if (xml::is(parent, "clone") || xml::is(parent, "master") || xml::is(parent, "bundle")) {
    out.push_back(parent);
  } else if (xml::is(parent, "group")) {
    out.push_back(parent);
    if (xml::is(parent->parent, "clone") || xml::is(parent->parent, "master"))
      out.push_back(parent->parent);
  }
  for (xmlNode* c : xml::children(r)) {
    if (xml::is(c, "primitive") || xml::is(c, "group")) out.push_back(c);
    if (xml::is(c, "group")) {
      for (xmlNode* p : xml::children(c, "primitive")) out.push_back(p);
    }
  }
  return out;
}

// pcs's unmanage: only primitives carry is-managed=false (a group's or a
// clone's members), so managing one member later affects no other.
std::vector<xmlNode*> primitives_of(xmlNode* r) {
  if (xml::is(r, "clone") || xml::is(r, "master")) {
    xmlNode* inner = xml::first_child(r, "primitive");
    if (inner == nullptr) inner = xml::first_child(r, "group");
    if (inner == nullptr) return {};
    r = inner;
  }
  if (xml::is(r, "group")) return xml::children(r, "primitive");
  if (xml::is(r, "primitive")) return {r};
  return {};
}

std::vector<xmlNode*> monitors_of(xmlNode* p) {
  std::vector<xmlNode*> out;
  if (xmlNode* ops = xml::first_child(p, "operations")) {
    for (xmlNode* op : xml::children(ops, "op")) {
      if (xml::attr_or(op, "name") == "monitor") out.push_back(op);
    }
  }
  return out;
}

Status manage(Context& ctx, const std::vector<std::string>& ids, bool managed) {
  if (ids.empty()) {
    return Error(ErrorCode::kInvalidInput, std::string("You must specify resource(s) to ") +
                                               (managed ? "manage" : "unmanage"));
  }
  std::vector<xmlNode*> targets;
  std::string problems;
  for (const auto& id : ids) {
    xmlNode* r = find_resource(ctx.doc, id);
    if (r == nullptr) {
      problems += (problems.empty() ? "" : "\nError: ") +
                  std::string("bundle/clone/group/resource/tag '") + id + "' does not exist";
      continue;
    }
    if (xml::is(r, "bundle")) {
      return Error(ErrorCode::kUnsupported,
                   "resource manage/unmanage of a bundle is not supported by vigil yet");
    }
    targets.push_back(r);
  }
  if (!problems.empty()) return lib_error(problems);
  if (!managed) {
    std::vector<xmlNode*> monitors;
    for (xmlNode* r : targets) {
      for (xmlNode* p : primitives_of(r)) {
        set_nvpair(ctx.doc, p, "meta_attributes", "is-managed", "false", true);
        if (ctx.flags.monitor) {
          for (xmlNode* op : monitors_of(p)) xmlSetProp(op, BAD_CAST "enabled", BAD_CAST "false");
        }
      }
    }
    ctx.changed = true;
    return ok_status();
  }
  for (xmlNode* r : targets) {
    for (xmlNode* x : to_manage(r)) {
      set_nvpair(ctx.doc, x, "meta_attributes", "is-managed", "", true);
      if (ctx.flags.monitor && xml::is(x, "primitive")) {
        for (xmlNode* op : monitors_of(x)) xmlUnsetProp(op, BAD_CAST "enabled");
      }
    }
  }
  std::sort(targets.begin(), targets.end(),
            [](xmlNode* a, xmlNode* b) { return xml::attr_or(a, "id") < xml::attr_or(b, "id"); });
  for (xmlNode* r : targets) {
    for (xmlNode* p : primitives_of(r)) {
      const auto ops = monitors_of(p);
      const bool any_enabled = std::any_of(ops.begin(), ops.end(), [](xmlNode* op) {
        return is_true(xml::attr_or(op, "enabled", "true"));
      });
      if (!ops.empty() && !any_enabled) {
        ctx.notes.push_back("Warning: Resource '" + xml::attr_or(p, "id") +
                            "' has no enabled monitor operations. Re-run with '--monitor' to "
                            "enable them.");
      }
    }
  }
  ctx.changed = true;
  return ok_status();
}

}  // namespace

Status run_resource_listing(Context& ctx, const std::string& cmd,
                            const std::vector<std::string>& args) {
  if (cmd == "config") return resource_config(ctx, args);
  if (cmd == "group" && !args.empty() && args[0] == "list")
    return group_list(ctx, {args.begin() + 1, args.end()});
  if (cmd == "group" && !args.empty() && (args[0] == "remove" || args[0] == "delete"))
    return group_remove(ctx, {args.begin() + 1, args.end()});
  if (cmd == "ungroup") return group_remove(ctx, args);
  if (cmd == "utilization") return utilization(ctx, args);
  if (cmd == "manage" || cmd == "unmanage") return manage(ctx, args, cmd == "manage");
  return Error(ErrorCode::kUnsupported, "'resource " + cmd + "' is not supported by vigil yet");
}

}  // namespace vigil::admin
