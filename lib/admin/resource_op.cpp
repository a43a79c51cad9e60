// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource op add / op delete|remove (pcs's older code path: plain
// "Error: ..." lines without the library's summary line).
#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/number.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

Status fail(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// pcs's timeout_to_seconds: digits with an optional s/sec/m/min/h/hr
// suffix; the text itself when it is none of these (then compared as text).
std::string seconds_or_text(const std::string& v) {
  // Digits beyond int64 are no number of seconds: compared as text.
  if (all_digits(v)) {
    const auto n = parse_int64(v);
    return n ? std::to_string(*n) : v;
  }
  static constexpr std::array<std::pair<std::string_view, long long>, 6> kSuffixes{
      {{"s", 1}, {"sec", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"hr", 3600}}};
  for (const auto& [suffix, factor] : kSuffixes) {
    if (v.size() > suffix.size() && v.ends_with(suffix) &&
        all_digits(std::string_view(v).substr(0, v.size() - suffix.size()))) {
      const auto n = parse_int64(v.substr(0, v.size() - suffix.size()));
      if (!n || *n > INT64_MAX / factor) return v;
      return std::to_string(*n * factor);
    }
  }
  return v;
}

std::string check_level(const xmlNode* op) {
  for (const xmlNode* set : xml::children(op, "instance_attributes")) {
    for (const xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == "OCF_CHECK_LEVEL") return xml::attr_or(nv, "value");
    }
  }
  return "";
}

// pcs's operation_to_string: name, the other attributes sorted, the check
// level, then (id).
std::string op_text(const xmlNode* op) {
  std::vector<std::pair<std::string, std::string>> attrs;
  for (const xmlAttr* a = op->properties; a != nullptr; a = a->next) {
    const std::string n = reinterpret_cast<const char*>(a->name);
    if (n != "id" && n != "name") attrs.emplace_back(n, xml::attr_or(op, n.c_str()));
  }
  std::sort(attrs.begin(), attrs.end());
  std::string out = xml::attr_or(op, "name");
  for (const auto& [n, v] : attrs) out += " " + n + "=" + v;
  for (const xmlNode* set : xml::children(op, "instance_attributes")) {
    for (const xmlNode* nv : xml::children(set, "nvpair"))
      out += " " + xml::attr_or(nv, "name") + "=" + xml::attr_or(nv, "value");
  }
  return out + " (" + xml::attr_or(op, "id") + ")";
}

xmlNode* find_primitive(xmlDoc* doc, const std::string& id) {
  xmlNode* r = find_resource(doc, id);
  return r != nullptr && xml::is(r, "primitive") ? r : nullptr;
}

void stonith_note(Context& ctx, const xmlNode* r, const std::string& cmd) {
  if (r != nullptr && xml::attr_or(r, "class") == "stonith") {
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith resources is deprecated "
        "and will be removed in a future release. Please use 'vigil stonith op " +
        cmd + "' instead.");
  }
}

bool is_role(const std::string& v) {
  for (std::string_view r : {"Stopped", "Started", "Promoted", "Master", "Unpromoted", "Slave"}) {
    if (v == r) return true;
  }
  return false;
}

Status op_add(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return fail("usage: vigil resource op add <resource id> <operation action> [options]");
  }
  const std::string& rsc_id = args[0];
  xmlNode* rsc = find_primitive(ctx.doc, rsc_id);
  stonith_note(ctx, rsc, "add");
  if (rsc == nullptr) return fail("Unable to find resource: " + rsc_id);
  const std::string& name = args[1];
  std::vector<std::pair<std::string, std::string>> props;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const auto eq = args[i].find('=');
    if (eq != std::string::npos) props.emplace_back(args[i].substr(0, eq), args[i].substr(eq + 1));
  }
  if (name.find('=') != std::string::npos) {
    return fail(name + " does not appear to be a valid operation action");
  }
  if (!ctx.flags.force) {
    static const std::set<std::string> kValid{
        "id",      "name",    "interval",       "description", "start-delay", "interval-origin",
        "timeout", "enabled", "record-pending", "role",        "on-fail",     "OCF_CHECK_LEVEL"};
    for (const auto& [k, v] : props) {
      if (kValid.count(k) == 0)
        return fail(k + " is not a valid op option (use --force to override)");
      if (k == "role" && !is_role(v)) {
        return fail(
            "role must be: 'Master', 'Promoted', 'Slave', 'Started', 'Stopped' or 'Unpromoted' "
            "(use --force to override)");
      }
    }
  }
  std::string interval;
  for (const auto& [k, v] : props) {
    if (k == "interval") {
      interval = v;
      break;
    }
  }
  if (interval.empty()) {
    interval = name == "monitor" ? "60s" : "0s";
    props.emplace_back("interval", interval);
  }
  std::stable_sort(props.begin(), props.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string op_id;
  for (const auto& [k, v] : props) {
    if (k != "id") continue;
    if (auto p = id_problem(v, "operation id"); !p.empty()) return fail(p);
    if (find_by_id(ctx.doc, v) != nullptr)
      return fail("id '" + v + "' is already in use, please specify another one");
    op_id = v;
  }
  if (op_id.empty()) op_id = unique_id(ctx.doc, rsc_id + "-" + name + "-interval-" + interval);

  std::string role, level;
  for (const auto& [k, v] : props) {
    if (k == "role") role = ctx.flags.force ? v : role_for_cib(ctx.doc, v);
    if (k == "OCF_CHECK_LEVEL") level = v;
  }
  xmlNode* ops = xml::first_child(rsc, "operations");
  if (ops != nullptr) {
    std::vector<xmlNode*> same;
    const std::string secs = seconds_or_text(interval);
    for (xmlNode* op : xml::children(ops, "op")) {
      if (xml::attr_or(op, "name") == name && seconds_or_text(xml::attr_or(op, "interval")) == secs)
        same.push_back(op);
    }
    if (!same.empty()) {
      std::string msg = "operation " + name + " with interval " + secs +
                        "s already specified for " + rsc_id + ":";
      for (xmlNode* op : same) msg += "\n" + op_text(op);
      return fail(msg);
    }
    if (!ctx.flags.force) {
      auto role_of = [&](const std::string& r) {
        return role_for_cib(ctx.doc, r.empty() ? "Started" : r);
      };
      const std::string want_role = role_of(role);
      std::vector<xmlNode*> named;
      for (xmlNode* op : xml::children(ops, "op")) {
        if (xml::attr_or(op, "name") != name) continue;
        if (name != "monitor" ||
            (role_of(xml::attr_or(op, "role")) == want_role && check_level(op) == level))
          named.push_back(op);
      }
      if (!named.empty()) {
        std::string msg =
            "operation " + name + " already specified for " + rsc_id + ", use --force to override:";
        for (xmlNode* op : named) msg += "\n" + op_text(op);
        return fail(msg);
      }
    }
  } else {
    ops = append_element(rsc, "operations", {});
  }
  std::vector<std::pair<std::string, std::string>> attrs{{"id", op_id}, {"name", name}};
  for (const auto& [k, v] : props) {
    if (k == "OCF_CHECK_LEVEL" || k == "id") continue;
    attrs.emplace_back(k, k == "role" ? role : v);
  }
  xmlNode* op = append_element(ops, "op", attrs);
  if (!level.empty()) {
    xmlNode* set =
        append_element(op, "instance_attributes", {{"id", unique_id(ctx.doc, "params-" + op_id)}});
    append_element(set, "nvpair",
                   {{"name", "OCF_CHECK_LEVEL"},
                    {"value", level},
                    {"id", unique_id(ctx.doc, op_id + "-OCF_CHECK_LEVEL-" + level)}});
  }
  ctx.changed = true;
  return ok_status();
}

Status op_delete(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return fail(
        "usage: vigil resource op delete <resource id> <operation action> [<operation "
        "properties>...] | op delete <operation id>");
  }
  if (args.size() == 1) {
    xmlNode* found = nullptr;
    if (xmlNode* resources = config_section(ctx.doc, "resources")) {
      std::vector<xmlNode*> stack{resources};
      while (!stack.empty() && found == nullptr) {
        xmlNode* n = stack.back();
        stack.pop_back();
        for (xmlNode* c : xml::children(n)) {
          if (xml::is(c, "op") && xml::attr_or(c, "id") == args[0]) found = c;
          stack.push_back(c);
        }
      }
    }
    stonith_note(ctx, find_primitive(ctx.doc, args[0]), "delete");
    if (found == nullptr) return fail("unable to find operation id: " + args[0]);
    remove_node(found);
    ctx.changed = true;
    return ok_status();
  }
  xmlNode* rsc = find_primitive(ctx.doc, args[0]);
  stonith_note(ctx, rsc, "delete");
  std::string original;
  for (std::size_t i = 1; i < args.size(); ++i) original += (i == 1 ? "" : " ") + args[i];
  if (rsc == nullptr) return fail("Unable to find resource: " + args[0]);
  const std::string& name = args[1];
  std::set<std::pair<std::string, std::string>> wanted{{"name", name}};
  for (std::size_t i = 2; i < args.size(); ++i) {
    const auto eq = args[i].find('=');
    if (eq != std::string::npos) wanted.emplace(args[i].substr(0, eq), args[i].substr(eq + 1));
  }
  bool found = false;
  std::vector<xmlNode*> all;
  if (xmlNode* ops = xml::first_child(rsc, "operations")) all = xml::children(ops, "op");
  for (xmlNode* op : all) {
    if (args.size() == 2) {
      if (xml::attr_or(op, "name") == name) {
        remove_node(op);
        found = true;
      }
      continue;
    }
    std::set<std::pair<std::string, std::string>> have;
    for (const xmlAttr* a = op->properties; a != nullptr; a = a->next) {
      const std::string n = reinterpret_cast<const char*>(a->name);
      if (n != "id") have.emplace(n, xml::attr_or(op, n.c_str()));
    }
    if (have == wanted) {
      remove_node(op);
      found = true;
      break;
    }
  }
  if (!found) return fail("Unable to find operation matching: " + original);
  ctx.changed = true;
  return ok_status();
}

}  // namespace

Status run_resource_op(Context& ctx, const std::vector<std::string>& args) {
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (!args.empty() && args[0] == "add") return op_add(ctx, rest);
  if (!args.empty() && (args[0] == "delete" || args[0] == "remove")) return op_delete(ctx, rest);
  if (!args.empty() && args[0] == "defaults") return run_defaults(ctx, rest, true);
  return Error(ErrorCode::kInvalidInput, "usage: vigil resource op add|delete|remove|defaults ...");
}

}  // namespace vigil::admin
