// SPDX-License-Identifier: GPL-2.0-or-later
// pcs stonith level add / remove / clear / config / verify: <fencing-level>
// elements of <fencing-topology>, targets by node name, by pattern
// (regexp%PATTERN) or by node attribute (attrib%NAME=VALUE).
#include "fencing_level.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

struct Target {
  enum class Kind { kNode, kPattern, kAttribute } kind = Kind::kNode;
  std::string value;       // node name, pattern, or attribute name
  std::string attr_value;  // kAttribute only
};

Result<Target> parse_target(const std::string& word) {
  if (word.rfind("regexp%", 0) == 0) return Target{Target::Kind::kPattern, word.substr(7), ""};
  if (word.rfind("attrib%", 0) == 0) {
    auto kv = split_key_value(word.substr(7));
    if (!kv) return kv.error();
    return Target{Target::Kind::kAttribute, kv->key, kv->value};
  }
  return Target{Target::Kind::kNode, word, ""};
}

Target target_of(const xmlNode* level) {
  if (xml::has_attr(level, "target-pattern"))
    return {Target::Kind::kPattern, xml::attr_or(level, "target-pattern"), ""};
  if (xml::has_attr(level, "target-attribute")) {
    return {Target::Kind::kAttribute, xml::attr_or(level, "target-attribute"),
            xml::attr_or(level, "target-value")};
  }
  return {Target::Kind::kNode, xml::attr_or(level, "target"), ""};
}

bool same_target(const Target& a, const Target& b) {
  return a.kind == b.kind && a.value == b.value && a.attr_value == b.attr_value;
}

// As pcs names targets in messages and listings.
std::string target_label(const Target& t) {
  return t.kind == Target::Kind::kAttribute ? t.value + "=" + t.attr_value : t.value;
}

std::vector<xmlNode*> all_levels(xmlDoc* doc) {
  xmlNode* topo = config_section(doc, "fencing-topology");
  return topo ? xml::children(topo, "fencing-level") : std::vector<xmlNode*>{};
}

bool is_stonith_device(xmlDoc* doc, const std::string& id) {
  xmlNode* r = find_resource(doc, id);
  return r != nullptr && xml::is(r, "primitive") && xml::attr_or(r, "class") == "stonith";
}

bool node_known(const Context& ctx, const std::string& name) {
  if (std::find(ctx.cluster_nodes.begin(), ctx.cluster_nodes.end(), name) !=
      ctx.cluster_nodes.end()) {
    return true;
  }
  if (xmlNode* nodes = config_section(ctx.doc, "nodes")) {
    for (xmlNode* n : xml::children(nodes, "node")) {
      if (xml::attr_or(n, "uname") == name) return true;
    }
  }
  return false;
}

std::vector<std::string> split_devices(const std::vector<std::string>& words, bool& commas) {
  std::vector<std::string> out;
  commas = false;
  for (const auto& w : words) {
    std::size_t start = 0;
    while (start <= w.size()) {
      const auto c = w.find(',', start);
      if (c != std::string::npos) commas = true;
      std::string part = w.substr(start, c == std::string::npos ? std::string::npos : c - start);
      if (!part.empty()) out.push_back(part);
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : sep) + i;
  return s;
}

bool valid_level(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  if (!std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
    return false;
  return std::stoi(s) > 0;
}

constexpr const char* kDeprecatedRemove =
    "Deprecation Warning: Syntax 'vigil stonith level delete | remove <level> [<target>] "
    "[<stonith id>...]' is deprecated and will be removed. Please use 'vigil stonith level delete "
    "| "
    "remove <level> [target <target>] [stonith <stonith id>...]'.";
constexpr const char* kDeprecatedClear =
    "Deprecation Warning: Syntax 'vigil stonith level clear [<target> | <stonith id(s)>] is "
    "deprecated and will be removed. Please use 'vigil stonith level clear [target <target>] | "
    "[stonith <stonith id>...]'.";
constexpr const char* kDeprecatedCommas =
    "Deprecation Warning: Delimiting stonith devices with ',' is deprecated and will be "
    "removed. Please use a space to delimit stonith devices.";

// Problems with a target and devices that exist nowhere in the CIB.
void check_references(Context& ctx, const Target& target, const std::vector<std::string>& devices,
                      std::vector<std::string>& problems) {
  if (target.kind == Target::Kind::kNode && !node_known(ctx, target.value)) {
    note_forceable(ctx,
                   {"Node '" + target.value +
                    "' does not appear to exist in configuration, use --force to override"},
                   problems);
  }
  std::vector<std::string> missing;
  for (const auto& d : devices) {
    if (!is_stonith_device(ctx.doc, d)) missing.push_back(d);
  }
  if (!missing.empty()) {
    note_forceable(
        ctx,
        {"Stonith resource(s) " + quoted_list(missing) + " do not exist, use --force to override"},
        problems);
  }
}

Status fail_with(const std::vector<std::string>& problems) {
  return lib_error(joined(problems, "\nError: "));
}

Status level_add(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 3) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil stonith level add <level> <target> <stonith id>...");
  }
  auto target = parse_target(args[1]);
  if (!target) return target.error();
  bool commas = false;
  const auto devices = split_devices({args.begin() + 2, args.end()}, commas);
  if (commas) ctx.notes.push_back(kDeprecatedCommas);
  std::vector<std::string> problems;
  if (!valid_level(args[0])) {
    problems.push_back("'" + args[0] + "' is not a valid level value, use a positive integer");
  }
  check_references(ctx, *target, devices, problems);
  const std::string devices_attr = joined(devices, ",");
  for (xmlNode* l : all_levels(ctx.doc)) {
    if (xml::attr_or(l, "index") == args[0] && same_target(target_of(l), *target) &&
        xml::attr_or(l, "devices") == devices_attr) {
      problems.push_back("Fencing level for '" + target_label(*target) + "' at level '" + args[0] +
                         "' with device(s) '" + devices_attr + "' already exists");
    }
  }
  if (!problems.empty()) return fail_with(problems);
  xmlNode* topo = config_section(ctx.doc, "fencing-topology", true);
  std::vector<std::pair<std::string, std::string>> attrs{{"index", args[0]},
                                                         {"devices", devices_attr}};
  switch (target->kind) {
    case Target::Kind::kNode:
      attrs.emplace_back("target", target->value);
      break;
    case Target::Kind::kPattern:
      attrs.emplace_back("target-pattern", target->value);
      break;
    case Target::Kind::kAttribute:
      attrs.emplace_back("target-attribute", target->value);
      attrs.emplace_back("target-value", target->attr_value);
      break;
  }
  attrs.emplace_back("id", unique_id(ctx.doc, sanitize_id("fl-" + target->value + "-" + args[0])));
  append_element(topo, "fencing-level", attrs);
  ctx.changed = true;
  return ok_status();
}

// remove LEVEL [TARGET] [DEVICE...] (old form) or remove LEVEL [target T]
// [stonith D...] (new form).
Status level_remove(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil stonith level remove <level> [target <target>] [stonith <stonith "
                 "id>...]");
  }
  const std::string& index = args[0];
  std::optional<Target> target;
  std::vector<std::string> devices;
  const bool new_form = args.size() > 1 && (args[1] == "target" || args[1] == "stonith");
  if (new_form) {
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "target" && i + 1 < args.size()) {
        auto t = parse_target(args[++i]);
        if (!t) return t.error();
        target = *t;
      } else if (args[i] == "stonith") {
        bool commas = false;
        devices = split_devices({args.begin() + static_cast<long>(i) + 1, args.end()}, commas);
        break;
      } else {
        return Error(ErrorCode::kInvalidInput,
                     "usage: vigil stonith level remove <level> "
                     "[target <target>] [stonith <stonith id>...]");
      }
    }
  } else if (args.size() > 1) {
    ctx.notes.push_back(kDeprecatedRemove);
    auto t = parse_target(args[1]);
    if (!t) return t.error();
    target = *t;
    bool commas = false;
    devices = split_devices({args.begin() + 2, args.end()}, commas);
  }
  const std::string devices_attr = joined(devices, ",");
  std::vector<xmlNode*> hits;
  for (xmlNode* l : all_levels(ctx.doc)) {
    if (xml::attr_or(l, "index") != index) continue;
    if (target && !same_target(target_of(l), *target)) continue;
    if (!devices.empty() && xml::attr_or(l, "devices") != devices_attr) continue;
    hits.push_back(l);
  }
  if (hits.empty()) {
    std::vector<std::string> problems;
    if (target && devices.empty()) {
      problems.push_back("Fencing level for '" + target_label(*target) + "' at level '" + index +
                         "' does not exist");
      // The old form cannot tell a target from a device: pcs tries both.
      if (!new_form) {
        problems.push_back("Fencing level at level '" + index + "' with device(s) '" + args[1] +
                           "' does not exist");
      }
    } else if (target) {
      problems.push_back("Fencing level for '" + target_label(*target) + "' at level '" + index +
                         "' with device(s) '" + devices_attr + "' does not exist");
    } else if (!devices.empty()) {
      problems.push_back("Fencing level at level '" + index + "' with device(s) '" + devices_attr +
                         "' does not exist");
    } else {
      problems.push_back("Fencing level at level '" + index + "' does not exist");
    }
    return fail_with(problems);
  }
  for (xmlNode* l : hits) remove_node(l);
  ctx.changed = true;
  return ok_status();
}

Status level_clear(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    // Every level goes; pcs keeps the (now empty) <fencing-topology>.
    for (xmlNode* l : all_levels(ctx.doc)) remove_node(l);
    ctx.changed = true;
    return ok_status();
  }
  std::optional<Target> target;
  std::vector<std::string> devices;
  if (args[0] == "target" && args.size() == 2) {
    auto t = parse_target(args[1]);
    if (!t) return t.error();
    target = *t;
  } else if (args[0] == "stonith" && args.size() > 1) {
    bool commas = false;
    devices = split_devices({args.begin() + 1, args.end()}, commas);
  } else {
    ctx.notes.push_back(kDeprecatedClear);
    // One word: a target or a device list, whichever matches.
    auto t = parse_target(args[0]);
    if (!t) return t.error();
    target = *t;
    bool commas = false;
    devices = split_devices(args, commas);
  }
  const std::string devices_attr = joined(devices, ",");
  for (xmlNode* l : all_levels(ctx.doc)) {
    const bool by_target = target && same_target(target_of(l), *target);
    const bool by_devices = !devices.empty() && xml::attr_or(l, "devices") == devices_attr;
    if (by_target || by_devices) {
      remove_node(l);
      ctx.changed = true;
    }
  }
  return ok_status();
}

Status level_verify(Context& ctx) {
  std::vector<std::string> problems;
  std::set<std::string> seen_devices, seen_nodes;
  std::vector<std::string> missing_devices, missing_nodes;
  for (xmlNode* l : all_levels(ctx.doc)) {
    bool commas = false;
    for (const auto& d : split_devices({xml::attr_or(l, "devices")}, commas)) {
      if (!is_stonith_device(ctx.doc, d) && seen_devices.insert(d).second) {
        missing_devices.push_back(d);
      }
    }
    const Target t = target_of(l);
    if (t.kind == Target::Kind::kNode && !node_known(ctx, t.value) &&
        seen_nodes.insert(t.value).second) {
      missing_nodes.push_back(t.value);
    }
  }
  if (!missing_devices.empty()) {
    problems.push_back("Stonith resource(s) " + quoted_list(missing_devices) + " do not exist");
  }
  for (const auto& n : missing_nodes) {
    problems.push_back("Node '" + n + "' does not appear to exist in configuration");
  }
  if (!problems.empty()) return fail_with(problems);
  return ok_status();
}

}  // namespace

std::string fencing_levels_text(xmlDoc* doc, const std::string& indent) {
  auto levels = all_levels(doc);
  // Targets by kind (nodes, patterns, attributes), then name; levels by index.
  std::stable_sort(levels.begin(), levels.end(), [](xmlNode* a, xmlNode* b) {
    const Target ta = target_of(a), tb = target_of(b);
    if (ta.kind != tb.kind) return ta.kind < tb.kind;
    if (target_label(ta) != target_label(tb)) return target_label(ta) < target_label(tb);
    return std::atol(xml::attr_or(a, "index").c_str()) <
           std::atol(xml::attr_or(b, "index").c_str());
  });
  std::string out;
  std::optional<Target> current;
  for (xmlNode* l : levels) {
    const Target t = target_of(l);
    if (!current || !same_target(*current, t)) {
      out += indent + "Target" + (t.kind == Target::Kind::kPattern ? " (regexp)" : "") + ": " +
             target_label(t) + "\n";
      current = t;
    }
    out +=
        indent + "  Level " + xml::attr_or(l, "index") + " - " + xml::attr_or(l, "devices") + "\n";
  }
  return out;
}

void remove_device_from_levels(Context& ctx, const std::string& device) {
  for (xmlNode* l : all_levels(ctx.doc)) {
    bool commas = false;
    auto devices = split_devices({xml::attr_or(l, "devices")}, commas);
    const auto before = devices.size();
    std::erase(devices, device);
    if (devices.size() == before) continue;
    if (devices.empty()) {
      remove_node(l);
    } else {
      xmlSetProp(l, BAD_CAST "devices", BAD_CAST joined(devices, ",").c_str());
    }
    ctx.changed = true;
  }
  // pcs drops a <fencing-topology> that no level is left in.
  xmlNode* topo = config_section(ctx.doc, "fencing-topology");
  if (topo != nullptr && xml::children(topo).empty()) {
    remove_node(topo);
    ctx.changed = true;
  }
}

Status run_fencing_level(Context& ctx, const std::vector<std::string>& args) {
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (args.empty() || (args[0] == "config" && rest.empty())) {
    ctx.out += fencing_levels_text(ctx.doc, "");
    return ok_status();
  }
  if (args[0] == "add") return level_add(ctx, rest);
  if (args[0] == "remove" || args[0] == "delete") return level_remove(ctx, rest);
  if (args[0] == "clear") return level_clear(ctx, rest);
  if (args[0] == "verify" && rest.empty()) return level_verify(ctx);
  return Error(ErrorCode::kInvalidInput,
               "usage: vigil stonith level [config] | add <level> <target> <stonith id>... | "
               "remove <level> [target <target>] [stonith <id>...] | clear [target <target> | "
               "stonith <id>...] | verify");
}

}  // namespace vigil::admin
