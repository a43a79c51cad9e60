// SPDX-License-Identifier: GPL-2.0-or-later
// pcs property set / unset: nvpairs of <cluster_property_set
// id="cib-bootstrap-options">, checked against the cluster options pcs knows.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

constexpr const char* kSetId = "cib-bootstrap-options";

enum class Kind { kAny, kBoolean, kInteger, kTime, kEnum };
struct PropertyDef {
  std::string_view name;
  Kind kind;
  std::string_view values;  // kEnum: the allowed values, as pcs lists them
};

// Pacemaker 2.1.5's cluster options, sorted (pcs lists them in this order).
constexpr std::array kProperties = {
    PropertyDef{"batch-limit", Kind::kInteger, ""},
    PropertyDef{"cluster-delay", Kind::kTime, ""},
    PropertyDef{"cluster-ipc-limit", Kind::kAny, ""},
    PropertyDef{"cluster-recheck-interval", Kind::kTime, ""},
    PropertyDef{"concurrent-fencing", Kind::kBoolean, ""},
    PropertyDef{"dc-deadtime", Kind::kTime, ""},
    PropertyDef{"election-timeout", Kind::kTime, ""},
    PropertyDef{"enable-acl", Kind::kBoolean, ""},
    PropertyDef{"enable-startup-probes", Kind::kBoolean, ""},
    PropertyDef{"fence-reaction", Kind::kAny, ""},
    PropertyDef{"join-finalization-timeout", Kind::kTime, ""},
    PropertyDef{"join-integration-timeout", Kind::kTime, ""},
    PropertyDef{"load-threshold", Kind::kAny, ""},
    PropertyDef{"maintenance-mode", Kind::kBoolean, ""},
    PropertyDef{"migration-limit", Kind::kInteger, ""},
    PropertyDef{"no-quorum-policy", Kind::kEnum, "'demote', 'freeze', 'ignore', 'stop', 'suicide'"},
    PropertyDef{"node-action-limit", Kind::kInteger, ""},
    PropertyDef{"node-health-base", Kind::kInteger, ""},
    PropertyDef{"node-health-green", Kind::kInteger, ""},
    PropertyDef{"node-health-red", Kind::kInteger, ""},
    PropertyDef{"node-health-strategy", Kind::kAny, ""},
    PropertyDef{"node-health-yellow", Kind::kInteger, ""},
    PropertyDef{"pe-error-series-max", Kind::kInteger, ""},
    PropertyDef{"pe-input-series-max", Kind::kInteger, ""},
    PropertyDef{"pe-warn-series-max", Kind::kInteger, ""},
    PropertyDef{"placement-strategy", Kind::kEnum,
                "'balanced', 'default', 'minimal', 'utilization'"},
    PropertyDef{"priority-fencing-delay", Kind::kTime, ""},
    PropertyDef{"remove-after-stop", Kind::kBoolean, ""},
    PropertyDef{"shutdown-escalation", Kind::kTime, ""},
    PropertyDef{"shutdown-lock", Kind::kBoolean, ""},
    PropertyDef{"shutdown-lock-limit", Kind::kTime, ""},
    PropertyDef{"start-failure-is-fatal", Kind::kBoolean, ""},
    PropertyDef{"startup-fencing", Kind::kBoolean, ""},
    PropertyDef{"stonith-action", Kind::kAny, ""},
    PropertyDef{"stonith-enabled", Kind::kBoolean, ""},
    PropertyDef{"stonith-max-attempts", Kind::kAny, ""},
    PropertyDef{"stonith-timeout", Kind::kTime, ""},
    PropertyDef{"stonith-watchdog-timeout", Kind::kAny, ""},
    PropertyDef{"stop-all-resources", Kind::kBoolean, ""},
    PropertyDef{"stop-orphan-actions", Kind::kBoolean, ""},
    PropertyDef{"stop-orphan-resources", Kind::kBoolean, ""},
    PropertyDef{"symmetric-cluster", Kind::kBoolean, ""},
    PropertyDef{"transition-delay", Kind::kTime, ""},
};

// Pacemaker 2.1.5's defaults of the cluster options (schedulerd's and
// controld's meta-data, as pcs lists them with --all / --defaults).
constexpr std::pair<std::string_view, std::string_view> kDefaults[] = {
    {"batch-limit", "0"},
    {"cluster-delay", "60s"},
    {"cluster-ipc-limit", "500"},
    {"cluster-name", ""},
    {"cluster-recheck-interval", "15min"},
    {"concurrent-fencing", "false"},
    {"dc-deadtime", "20s"},
    {"election-timeout", "2min"},
    {"enable-acl", "false"},
    {"enable-startup-probes", "true"},
    {"fence-reaction", "stop"},
    {"have-watchdog", "false"},
    {"join-finalization-timeout", "30min"},
    {"join-integration-timeout", "3min"},
    {"load-threshold", "80%"},
    {"maintenance-mode", "false"},
    {"migration-limit", "-1"},
    {"no-quorum-policy", "stop"},
    {"node-action-limit", "0"},
    {"node-health-base", "0"},
    {"node-health-green", "0"},
    {"node-health-red", "-INFINITY"},
    {"node-health-strategy", "none"},
    {"node-health-yellow", "0"},
    {"pe-error-series-max", "-1"},
    {"pe-input-series-max", "4000"},
    {"pe-warn-series-max", "5000"},
    {"placement-strategy", "default"},
    {"priority-fencing-delay", "0"},
    {"remove-after-stop", "false"},
    {"shutdown-escalation", "20min"},
    {"shutdown-lock", "false"},
    {"shutdown-lock-limit", "0"},
    {"start-failure-is-fatal", "true"},
    {"startup-fencing", "true"},
    {"stonith-action", "reboot"},
    {"stonith-enabled", "true"},
    {"stonith-max-attempts", "10"},
    {"stonith-timeout", "60s"},
    {"stonith-watchdog-timeout", "0"},
    {"stop-all-resources", "false"},
    {"stop-orphan-actions", "true"},
    {"stop-orphan-resources", "true"},
    {"symmetric-cluster", "true"},
    {"transition-delay", "0s"},
};

const PropertyDef* find_def(std::string_view name) {
  for (const auto& d : kProperties) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_boolean(std::string_view v) {
  static constexpr std::array kValues = {"0",   "1",  "false", "n", "no",
                                         "off", "on", "true",  "y", "yes"};
  const std::string l = lower(v);
  return std::find(kValues.begin(), kValues.end(), l) != kValues.end();
}

// Pacemaker's interval syntax: digits with an optional unit.
bool is_time(std::string_view v) {
  std::size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 0) return false;
  static constexpr std::array kUnits = {"",   "s",  "sec",  "m",  "min", "h",
                                        "hr", "ms", "msec", "us", "usec"};
  const std::string unit = lower(v.substr(i));
  return std::find(kUnits.begin(), kUnits.end(), unit) != kUnits.end();
}

// "" when value suits the property, else pcs's message.
std::string value_problem(const PropertyDef& d, const std::string& value) {
  const std::string head = "'" + value + "' is not a valid " + std::string(d.name) + " value, use ";
  const std::string tail = ", use --force to override";
  switch (d.kind) {
    case Kind::kBoolean:
      if (is_boolean(value)) return {};
      return head +
             "a pacemaker boolean value: '0', '1', 'false', 'n', 'no', 'off', 'on', 'true', 'y', "
             "'yes'" +
             tail;
    case Kind::kInteger:
      if (is_score(value)) return {};
      return head + "an integer or INFINITY or -INFINITY" + tail;
    case Kind::kTime:
      if (is_time(value)) return {};
      return head + "time interval (e.g. 1, 2s, 3m, 4h, ...)" + tail;
    case Kind::kEnum: {
      const std::string quoted = "'" + value + "'";
      if (std::string_view(d.values).find(quoted) != std::string_view::npos) return {};
      return head + std::string(d.values) + tail;
    }
    case Kind::kAny:
      return {};
  }
  return {};
}

std::string allowed_list() {
  std::string s;
  for (const auto& d : kProperties) {
    if (!s.empty()) s += ", ";
    s += "'" + std::string(d.name) + "'";
  }
  return s;
}

xmlNode* property_set(xmlDoc* doc, bool create) {
  xmlNode* crm_config = config_section(doc, "crm_config", create);
  if (crm_config == nullptr) return nullptr;
  // pcs edits the first set, whatever its id; cib-bootstrap-options is
  // only the name of a new one.
  if (xmlNode* first = xml::first_child(crm_config, "cluster_property_set")) return first;
  if (!create) return nullptr;
  return append_element(crm_config, "cluster_property_set", {{"id", kSetId}});
}

// The set's id as pcs names it (a missing set would be cib-bootstrap-options).
std::string set_name(const xmlNode* set) {
  return set ? xml::attr_or(set, "id") : kSetId;
}

xmlNode* find_nvpair(xmlNode* set, std::string_view name) {
  if (set == nullptr) return nullptr;
  for (xmlNode* nv : xml::children(set, "nvpair")) {
    if (xml::attr_or(nv, "name") == name) return nv;
  }
  return nullptr;
}

// A problem --force turns into a warning.
void forceable(Context& ctx, const std::string& msg, std::vector<std::string>& problems) {
  if (ctx.flags.force) {
    ctx.notes.push_back("Warning: " + msg);
  } else {
    problems.push_back(msg + ", use --force to override");
  }
}

Status join_errors(const std::vector<std::string>& problems) {
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
  return Error(ErrorCode::kInvalidInput, msg + kErrorsOccurred);
}

Status property_set_cmd(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil -f FILE property set <property>=[<value>]...");
  }
  std::vector<KeyValue> pairs;
  for (const auto& a : args) {
    auto kv = split_key_value(a);
    if (!kv) return kv.error();  // pcs: a parse error, no summary line
    pairs.push_back(*kv);
  }
  auto unique = dedupe_options(pairs);
  if (!unique) return unique.error();
  pairs = std::move(*unique);
  std::vector<std::string> problems;
  // An empty value removes the property, which must then be there.
  xmlNode* existing = property_set(ctx.doc, false);
  for (const auto& kv : pairs) {
    if (kv.value.empty() && find_nvpair(existing, kv.key) == nullptr) {
      forceable(ctx,
                "Cannot remove property '" + kv.key + "', it is not present in property set '" +
                    set_name(existing) + "'",
                problems);
    }
  }
  for (const auto& kv : pairs) {
    const PropertyDef* d = find_def(kv.key);
    if (d == nullptr) {
      // Properties the cluster itself maintains cannot be forced.
      static constexpr std::array kReadOnly = {"cluster-infrastructure", "cluster-name",
                                               "dc-version", "have-watchdog", "last-lrm-refresh"};
      const bool read_only =
          std::find(kReadOnly.begin(), kReadOnly.end(), kv.key) != kReadOnly.end();
      const std::string msg = "invalid cluster property option '" + kv.key +
                              "', allowed options are: " + allowed_list();
      if (read_only) {
        problems.push_back(msg);
      } else {
        forceable(ctx, msg, problems);
      }
    } else if (!kv.value.empty()) {
      if (auto p = value_problem(*d, kv.value); !p.empty()) {
        forceable(ctx, p.substr(0, p.size() - std::string_view(", use --force to override").size()),
                  problems);
      }
    }
  }
  if (!problems.empty()) return join_errors(problems);

  for (const auto& kv : pairs) {
    xmlNode* set = property_set(ctx.doc, !kv.value.empty());
    if (set == nullptr && !kv.value.empty()) {
      return Error(ErrorCode::kInvalidInput, "the CIB has no <configuration> section");
    }
    xmlNode* nv = find_nvpair(set, kv.key);
    if (kv.value.empty()) {
      // An empty value removes the property; an emptied set stays, as in pcs.
      if (nv != nullptr) remove_node(nv);
    } else if (nv != nullptr) {
      xmlSetProp(nv, BAD_CAST "value", BAD_CAST kv.value.c_str());
    } else {
      const std::string id = unique_id(ctx.doc, sanitize_id(set_name(set) + "-" + kv.key));
      append_element(set, "nvpair", {{"id", id}, {"name", kv.key}, {"value", kv.value}});
    }
  }
  ctx.changed = true;
  return ok_status();
}

Status property_unset_cmd(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil -f FILE property unset <property>...");
  }
  xmlNode* set = property_set(ctx.doc, false);
  std::vector<std::string> problems;
  for (const auto& name : args) {
    if (find_nvpair(set, name) == nullptr) {
      forceable(ctx,
                "Cannot remove property '" + name + "', it is not present in property set '" +
                    set_name(set) + "'",
                problems);
    }
  }
  if (!problems.empty()) return join_errors(problems);
  for (const auto& name : args) {
    if (xmlNode* nv = find_nvpair(set, name)) remove_node(nv);
  }
  ctx.changed = true;
  return ok_status();
}

// Every nvpair under <crm_config> (later ones win), sorted by name, as
// pcs 0.11's legacy listing prints them.
Status property_config_cmd(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil -f FILE property config [<property>]");
  }
  std::vector<KeyValue> props;
  if (xmlNode* crm_config = config_section(ctx.doc, "crm_config")) {
    std::vector<xmlNode*> nvpairs;
    // Document order, depth first, like getElementsByTagName.
    auto walk = [&](auto&& self, xmlNode* n) -> void {
      for (xmlNode* c : xml::children(n)) {
        if (xml::is(c, "nvpair")) nvpairs.push_back(c);
        self(self, c);
      }
    };
    walk(walk, crm_config);
    for (xmlNode* nv : nvpairs) {
      const std::string name = xml::attr_or(nv, "name");
      if (!args.empty() && name != args[0]) continue;
      auto same = std::find_if(props.begin(), props.end(),
                               [&](const KeyValue& kv) { return kv.key == name; });
      if (same != props.end()) {
        same->value = xml::attr_or(nv, "value");
      } else {
        props.push_back({name, xml::attr_or(nv, "value")});
      }
    }
  }
  if (ctx.flags.all && ctx.flags.defaults) {
    return Error(ErrorCode::kInvalidInput, "you cannot specify both --all and --defaults");
  }
  if ((ctx.flags.all || ctx.flags.defaults) && !args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "you cannot specify a property when using --all or --defaults");
  }
  if (ctx.flags.all || ctx.flags.defaults || (props.empty() && !args.empty())) {
    // Defaults under what is configured (--all), alone (--defaults), or
    // the default of one property that is not set.
    std::vector<KeyValue> merged;
    for (const auto& [name, value] : kDefaults) {
      if (args.empty() || args[0] == name)
        merged.push_back({std::string(name), std::string(value)});
    }
    if (ctx.flags.all) {
      for (const auto& kv : props) {
        auto it = std::find_if(merged.begin(), merged.end(),
                               [&](const KeyValue& m) { return m.key == kv.key; });
        if (it != merged.end()) {
          it->value = kv.value;
        } else {
          merged.push_back(kv);
        }
      }
    }
    props = std::move(merged);
  }
  std::sort(props.begin(), props.end(),
            [](const KeyValue& x, const KeyValue& y) { return x.key < y.key; });
  ctx.out += "Cluster Properties:\n";
  for (const auto& kv : props) ctx.out += " " + kv.key + ": " + kv.value + "\n";
  return ok_status();
}

}  // namespace

Status run_property(Context& ctx, const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "set") {
    return property_set_cmd(ctx, {args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "unset") {
    return property_unset_cmd(ctx, {args.begin() + 1, args.end()});
  }
  if (args.empty() || args[0] == "config") {
    return property_config_cmd(
        ctx, args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "show" || args[0] == "list") {
    ctx.notes.push_back(
        "Deprecation Warning: This command is deprecated and will be removed. Please use 'vigil "
        "property config' instead.");
    return property_config_cmd(ctx, {args.begin() + 1, args.end()});
  }
  return Error(ErrorCode::kUnsupported,
               "'property " + args[0] +
                   "' is not supported by vigil yet; supported: property [config], set, unset");
}

}  // namespace vigil::admin
