// SPDX-License-Identifier: GPL-2.0-or-later
// `resource config --output-format=json`: the resources as pcs 0.11.5
// exports them (its ListCibResourcesDto through json.dumps): primitives with
// their agent, operations and attribute sets, clones (promotable <master>
// elements after the clones, marked promotable), groups and bundles, every
// optional field present as null, text escaped to ASCII. `stonith config`
// exports fence devices alone, in either format.
#include <algorithm>
#include <set>

#include "resource_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

// Python's json.dumps of a str (ensure_ascii): quotes, backslashes and
// control characters escaped, everything past ASCII as \uXXXX (UTF-16).
std::string json_string(const std::string& s) {
  // Characters with a short escape, each followed by its letter.
  static constexpr std::string_view kShort = "\"\"\\\\\nn\rr\tt\bb\ff";
  std::string out = "\"";
  auto hex = [&](unsigned v) {
    static constexpr const char* kDigits = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(v >> shift) & 0xf];
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      const auto at = kShort.find(static_cast<char>(c));
      if (at != std::string_view::npos && at % 2 == 0) {
        out += '\\';
        out += kShort[at + 1];
      } else if (c < 0x20) {
        hex(c);
      } else {
        out += static_cast<char>(c);
      }
      continue;
    }
    const int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    unsigned cp = n == 1 ? c : c & (0x7fu >> n);
    for (int k = 1; k < n && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      hex(0xd800 + (cp >> 10));
      hex(0xdc00 + (cp & 0x3ff));
    } else {
      hex(cp);
    }
  }
  return out + "\"";
}

std::string json_optional(const std::optional<std::string>& v) {
  return v ? json_string(*v) : "null";
}

// A JSON object from (key, already encoded value) pairs, in order.
std::string object(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (const auto& [k, v] : fields) {
    out += (out.size() > 1 ? ", " : "") + json_string(k) + ": " + v;
  }
  return out + "}";
}

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() > 1 ? ", " : "") + i;
  return out + "]";
}

// pcs names roles by their current names.
std::string primary_role(const std::string& role) {
  if (role == "Master") return "Promoted";
  if (role == "Slave") return "Unpromoted";
  return role;
}

bool is_true(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "true" || v == "on" || v == "yes" || v == "y" || v == "1";
}

struct Pair {
  std::string id, name, value;
};

Result<std::string> nvset(const xmlNode* set, const std::vector<Pair>& extra = {}) {
  if (xml::first_child(set, "rule") != nullptr) {
    return Error(ErrorCode::kUnsupported,
                 "'resource config --output-format=json' of attribute sets with rules is not "
                 "supported by vigil yet");
  }
  std::vector<std::pair<std::string, std::string>> options;
  for (const xmlAttr* a = set->properties; a != nullptr; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    if (name == "id") continue;
    std::string value = xml::attr_or(set, name.c_str());
    if (name == "role" || name == "rsc-role" || name == "with-rsc-role") {
      if (!value.empty()) value[0] = static_cast<char>(std::toupper(value[0]));
      value = primary_role(value);
    }
    options.emplace_back(name, json_string(value));
  }
  std::vector<Pair> pairs;
  for (const xmlNode* p : xml::children(set, "nvpair")) {
    pairs.push_back({xml::attr_or(p, "id"), xml::attr_or(p, "name"), xml::attr_or(p, "value")});
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& a, const Pair& b) { return a.id < b.id; });
  pairs.insert(pairs.end(), extra.begin(), extra.end());
  std::vector<std::string> items;
  for (const auto& p : pairs) {
    items.push_back(object({{"id", json_string(p.id)},
                            {"name", json_string(p.name)},
                            {"value", json_string(p.value)}}));
  }
  return object({{"id", json_string(xml::attr_or(set, "id"))},
                 {"options", object(options)},
                 {"rule", "null"},
                 {"nvpairs", array(items)}});
}

Result<std::string> nvsets(const xmlNode* parent, const char* kind) {
  std::vector<std::string> items;
  for (const xmlNode* set : xml::children(parent, kind)) {
    auto one = nvset(set);
    if (!one) return one.error();
    items.push_back(*one);
  }
  return array(items);
}

// An object of `fields` followed by the attribute sets of `n` of these
// kinds (field name and element name alike), or the first error.
Result<std::string> with_sets(std::vector<std::pair<std::string, std::string>> fields,
                              const xmlNode* n, const std::vector<const char*>& kinds) {
  for (const char* kind : kinds) {
    auto sets = nvsets(n, kind);
    if (!sets) return sets.error();
    fields.emplace_back(kind, *sets);
  }
  return object(fields);
}

std::optional<std::string> attr_opt(const xmlNode* n, const char* name) {
  return xml::attr(n, name);
}

Result<std::string> operation(const xmlNode* op) {
  auto flag = [&](const char* name) -> std::string {
    auto v = xml::attr(op, name);
    return v ? (is_true(*v) ? "true" : "false") : "null";
  };
  auto role = xml::attr(op, "role");
  if (role) role = primary_role(*role);
  std::vector<std::pair<std::string, std::string>> fields{
      {"id", json_string(xml::attr_or(op, "id"))},
      {"name", json_string(xml::attr_or(op, "name"))},
      {"interval", json_string(xml::attr_or(op, "interval"))},
      {"description", json_optional(attr_opt(op, "description"))},
      {"start_delay", json_optional(attr_opt(op, "start-delay"))},
      {"interval_origin", json_optional(attr_opt(op, "interval-origin"))},
      {"timeout", json_optional(attr_opt(op, "timeout"))},
      {"enabled", flag("enabled")},
      {"record_pending", flag("record-pending")},
      {"role", json_optional(role)},
      {"on_fail", json_optional(attr_opt(op, "on-fail"))}};
  return with_sets(std::move(fields), op, {"meta_attributes", "instance_attributes"});
}

Result<std::string> primitive(const xmlNode* p) {
  std::vector<std::string> ops;
  if (const xmlNode* operations = xml::first_child(p, "operations")) {
    for (const xmlNode* op : xml::children(operations, "op")) {
      auto one = operation(op);
      if (!one) return one.error();
      ops.push_back(*one);
    }
  }
  std::vector<std::pair<std::string, std::string>> fields{
      {"id", json_string(xml::attr_or(p, "id"))},
      {"agent_name", object({{"standard", json_string(xml::attr_or(p, "class"))},
                             {"provider", json_optional(attr_opt(p, "provider"))},
                             {"type", json_string(xml::attr_or(p, "type"))}})},
      {"description", json_optional(attr_opt(p, "description"))},
      {"operations", array(ops)}};
  return with_sets(std::move(fields), p, {"meta_attributes", "instance_attributes", "utilization"});
}

Result<std::string> group(const xmlNode* g) {
  std::vector<std::string> members;
  for (const xmlNode* p : xml::children(g, "primitive")) {
    members.push_back(json_string(xml::attr_or(p, "id")));
  }
  std::vector<std::pair<std::string, std::string>> fields{
      {"id", json_string(xml::attr_or(g, "id"))},
      {"description", json_optional(attr_opt(g, "description"))},
      {"member_ids", array(members)}};
  return with_sets(std::move(fields), g, {"meta_attributes", "instance_attributes"});
}

// A <master> is a clone with promotable=true added to its first meta
// attribute set (a set without id when it has none).
Result<std::string> clone(const xmlNode* c) {
  std::string member;
  for (const xmlNode* m : xml::children(c)) {
    if (xml::is(m, "primitive") || xml::is(m, "group")) {
      member = xml::attr_or(m, "id");
      break;
    }
  }
  const std::vector<Pair> promotable{{"", "promotable", "true"}};
  std::vector<std::string> meta;
  const auto sets = xml::children(c, "meta_attributes");
  for (std::size_t i = 0; i < sets.size(); ++i) {
    auto one = nvset(sets[i], i == 0 && xml::is(c, "master") ? promotable : std::vector<Pair>{});
    if (!one) return one.error();
    meta.push_back(*one);
  }
  if (sets.empty() && xml::is(c, "master")) {
    meta.push_back(object(
        {{"id", "\"\""},
         {"options", "{}"},
         {"rule", "null"},
         {"nvpairs",
          array({object({{"id", "\"\""}, {"name", "\"promotable\""}, {"value", "\"true\""}})})}}));
  }
  auto instance = nvsets(c, "instance_attributes");
  if (!instance) return instance.error();
  return object({{"id", json_string(xml::attr_or(c, "id"))},
                 {"description", json_optional(attr_opt(c, "description"))},
                 {"member_id", json_string(member)},
                 {"meta_attributes", array(meta)},
                 {"instance_attributes", *instance}});
}

template <typename Fn>
Result<std::string> array_of(const std::vector<xmlNode*>& nodes, Fn fn) {
  std::vector<std::string> items;
  for (const xmlNode* n : nodes) {
    auto one = fn(n);
    if (!one) return one.error();
    items.push_back(*one);
  }
  return array(items);
}

}  // namespace

Result<std::string> resources_as_json(const std::vector<xmlNode*>& primitives,
                                      const std::vector<xmlNode*>& groups,
                                      std::vector<xmlNode*> clones, bool masters_last) {
  if (masters_last) {
    std::stable_partition(clones.begin(), clones.end(),
                          [](const xmlNode* c) { return xml::is(c, "clone"); });
  }
  auto p = array_of(primitives, primitive);
  if (!p) return p.error();
  auto c = array_of(clones, clone);
  if (!c) return c.error();
  auto g = array_of(groups, group);
  if (!g) return g.error();
  return object({{"primitives", *p}, {"clones", *c}, {"groups", *g}, {"bundles", "[]"}}) + "\n";
}

Status check_config_output_format(const std::string& format) {
  if (format == "text" || format == "cmd" || format == "json") return ok_status();
  return Error(ErrorCode::kInvalidInput,
               "Unknown value '" + format +
                   "' for '--output-format' option. Supported values are: 'cmd', 'json', 'text'");
}

Status stonith_config_export(Context& ctx, const std::vector<std::string>& ids,
                             std::vector<xmlNode*> devices) {
  const std::string format = ctx.flags.output_format.value_or("text");
  if (auto st = check_config_output_format(format); !st) return st;
  ctx.notes.push_back("Warning: Only 'text' output format is supported for stonith levels");
  if (!ids.empty()) {
    // The devices named, by id (unknown ones warned about).
    std::set<std::string> wanted;
    for (const auto& id : ids) {
      const bool known = std::any_of(devices.begin(), devices.end(),
                                     [&](const xmlNode* d) { return xml::attr_or(d, "id") == id; });
      if (known) {
        wanted.insert(id);
      } else {
        ctx.notes.push_back("Warning: Unable to find stonith device '" + id + "'");
      }
    }
    if (wanted.empty()) return Error(ErrorCode::kNotFound, "No stonith device found");
    std::erase_if(devices,
                  [&](const xmlNode* d) { return !wanted.contains(xml::attr_or(d, "id")); });
    std::sort(devices.begin(), devices.end(), [](const xmlNode* x, const xmlNode* y) {
      return xml::attr_or(x, "id") < xml::attr_or(y, "id");
    });
  }
  if (format == "cmd") {
    ctx.out += resources_as_commands(devices, {}, {});
    return ok_status();
  }
  auto json = resources_as_json(devices, {}, {}, true);
  if (!json) return json.error();
  ctx.out += *json;
  return ok_status();
}

}  // namespace vigil::admin
