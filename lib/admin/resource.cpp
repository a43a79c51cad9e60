// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource create / group add / delete.
#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/resource_args.hpp"
#include "vigil/admin/stonith_params.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

using Attrs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

bool is_resource_element(const xmlNode* n) {
  return xml::is(n, "primitive") || xml::is(n, "group") || xml::is(n, "clone") ||
         xml::is(n, "master") || xml::is(n, "bundle");
}

xmlNode* find_resource(xmlDoc* doc, std::string_view id) {
  xmlNode* n = find_by_id(doc, id);
  if (n == nullptr || !is_resource_element(n)) return nullptr;
  for (xmlNode* p = n->parent; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
    if (xml::is(p, "resources")) return n;
  }
  return nullptr;
}

Status lib_error(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg + kErrorsOccurred);
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "'" : ", '") + i + "'";
  return s;
}

namespace {

// Interval in milliseconds for duplicate detection ("1min" == "60s"), or -1.
long long interval_ms(std::string_view v) {
  std::size_t i = 0;
  long long n = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])))
    n = n * 10 + (v[i++] - '0');
  if (i == 0) return -1;
  const std::string_view unit = v.substr(i);
  if (unit.empty() || unit == "s" || unit == "sec") return n * 1000;
  if (unit == "ms" || unit == "msec") return n;
  if (unit == "m" || unit == "min") return n * 60000;
  if (unit == "h" || unit == "hr") return n * 3600000;
  return -1;
}

// pcs's default interval for an op given without one.
std::string default_interval(std::string_view action) {
  return action == "monitor" ? "60s" : "0s";
}

constexpr std::array kOpOptions = {"OCF_CHECK_LEVEL",
                                   "description",
                                   "enabled",
                                   "id",
                                   "interval",
                                   "interval-origin",
                                   "name",
                                   "on-fail",
                                   "record-pending",
                                   "role",
                                   "start-delay",
                                   "timeout"};
constexpr std::array kOnFail = {
    "block", "demote", "fence", "ignore", "restart", "restart-container", "standby", "stop"};

struct PlannedOp {
  Attrs attrs;  // without id
  std::string name;
  std::string interval;
  std::string user_id;
};

Result<std::vector<PlannedOp>> plan_ops(xmlDoc* doc, const ResourceCreateArgs& a,
                                        const AgentMetadata& md, bool no_default_ops, bool stonith,
                                        std::vector<std::string>& notes, bool force = false) {
  std::vector<std::string> problems;
  std::set<std::string> action_names;
  for (const auto& act : md.actions) action_names.insert(act.name);
  // The fencer starts and stops devices itself; pcs accepts both for them.
  if (stonith) action_names.insert({"start", "stop"});
  std::vector<PlannedOp> user;
  for (const auto& op : a.ops) {
    if (!action_names.contains(op.action)) {
      const std::string msg = "'" + op.action + "' is not a valid operation name value, use " +
                              quoted_list({action_names.begin(), action_names.end()});
      // Forceable, as in pcs: a warning with --force, and the operation kept.
      if (!force) {
        problems.push_back(msg + ", use --force to override");
        continue;
      }
      notes.push_back("Warning: " + msg);
    }
    PlannedOp p{{{"name", op.action}}, op.action, "", ""};
    std::vector<std::string> bad;
    for (const auto& kv : op.options) {
      if (std::find(kOpOptions.begin(), kOpOptions.end(), kv.key) == kOpOptions.end()) {
        bad.push_back(kv.key);
        continue;
      }
      if (kv.value.empty()) continue;  // pcs drops empty op options
      if (kv.key == "role") {
        static constexpr std::array kRoles = {"Master",  "Promoted", "Slave",
                                              "Started", "Stopped",  "Unpromoted"};
        if (std::find(kRoles.begin(), kRoles.end(), kv.value) == kRoles.end()) {
          problems.push_back("'" + kv.value +
                             "' is not a valid role value, use 'Master', 'Promoted', 'Slave', "
                             "'Started', 'Stopped', 'Unpromoted'");
          continue;
        }
        if (kv.value == "Master" || kv.value == "Slave") {
          notes.push_back("Deprecation Warning: Value '" + kv.value +
                          "' of option role is deprecated and should not be used, use '" +
                          (kv.value == "Master" ? "Promoted" : "Unpromoted") + "' value instead");
        }
      }
      if ((kv.key == "enabled" || kv.key == "record-pending") && kv.value != "0" &&
          kv.value != "1" && kv.value != "false" && kv.value != "true") {
        problems.push_back("'" + kv.value + "' is not a valid " + kv.key +
                           " value, use '0', '1', 'false', 'true'");
        continue;
      }
      if (kv.key == "OCF_CHECK_LEVEL") {
        return Error(ErrorCode::kUnsupported,
                     "op option OCF_CHECK_LEVEL is not supported by vigil yet");
      }
      if (kv.key == "on-fail" &&
          std::find(kOnFail.begin(), kOnFail.end(), kv.value) == kOnFail.end()) {
        problems.push_back("'" + kv.value +
                           "' is not a valid on-fail value, use 'block', 'demote', "
                           "'fence', 'ignore', 'restart', 'restart-container', 'standby', 'stop'");
        continue;
      }
      if (kv.key == "name") continue;  // the action word already names it
      if (kv.key == "id") {
        p.user_id = kv.value;
        continue;
      }
      if (kv.key == "role") {
        p.attrs.emplace_back(kv.key, role_for_cib(doc, kv.value));
        continue;
      }
      if (kv.key == "interval") p.interval = kv.value;
      p.attrs.emplace_back(kv.key, kv.value);
    }
    if (!bad.empty()) {
      problems.push_back(std::string(bad.size() == 1 ? "invalid resource operation option "
                                                     : "invalid resource operation options: ") +
                         quoted_list(bad) + ", allowed options are: " +
                         quoted_list({kOpOptions.begin(), kOpOptions.end()}));
    }
    if (p.interval.empty()) {
      p.interval = default_interval(op.action);
      p.attrs.emplace_back("interval", p.interval);
    }
    user.push_back(std::move(p));
  }
  // Same action twice with the same effective interval.
  for (std::size_t i = 0; i < user.size(); ++i) {
    for (std::size_t j = i + 1; j < user.size(); ++j) {
      const long long a1 = interval_ms(user[i].interval), a2 = interval_ms(user[j].interval);
      const bool same = a1 >= 0 && a2 >= 0 ? a1 == a2 : user[i].interval == user[j].interval;
      if (user[i].name == user[j].name && same) {
        problems.push_back(
            "multiple specification of the same operation with the same interval:\n" +
            user[i].name + " with intervals " + user[i].interval + ", " + user[j].interval);
      }
    }
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return Error(ErrorCode::kInvalidInput, msg + kErrorsOccurred);
  }

  // Agent defaults for every action the user did not name (pcs copies all
  // but meta-data, status and validate-all; --no-default-ops keeps monitor).
  std::set<std::string> user_names;
  for (const auto& p : user) user_names.insert(p.name);
  std::vector<PlannedOp> all = user;
  bool have_monitor = user_names.contains("monitor");
  for (const auto& act : md.actions) {
    if (act.name == "meta-data" || act.name == "status" || act.name == "validate-all") continue;
    if (no_default_ops && act.name != "monitor") continue;
    if (user_names.contains(act.name)) continue;
    if (!act.depth.empty() && act.depth != "0") {
      return Error(ErrorCode::kUnsupported, "agent action '" + act.name + "' with depth " +
                                                act.depth +
                                                " (OCF_CHECK_LEVEL) is not supported by vigil yet");
    }
    PlannedOp p;
    p.name = act.name;
    p.interval = act.interval.empty() ? default_interval(act.name) : act.interval;
    p.attrs = {{"name", act.name}, {"interval", p.interval}};
    if (!act.timeout.empty()) p.attrs.emplace_back("timeout", act.timeout);
    if (!act.role.empty()) p.attrs.emplace_back("role", role_for_cib(doc, act.role));
    all.push_back(std::move(p));
    if (act.name == "monitor") have_monitor = true;
  }
  if (!have_monitor) {
    all.push_back({{{"name", "monitor"}, {"interval", "60s"}}, "monitor", "60s", ""});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const PlannedOp& x, const PlannedOp& y) { return x.name < y.name; });
  return all;
}

}  // namespace

void append_nvset(xmlDoc* doc, xmlNode* parent, const char* element, const std::string& set_id,
                  std::vector<KeyValue> pairs) {
  if (pairs.empty()) return;
  // Sorted by name on create, as pcs writes them.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const KeyValue& x, const KeyValue& y) { return x.key < y.key; });
  const std::string id = unique_id(doc, set_id);
  xmlNode* set = append_element(parent, element, {{"id", id}});
  for (const auto& kv : pairs) {
    append_element(set, "nvpair",
                   {{"id", unique_id(doc, sanitize_id(id + "-" + kv.key))},
                    {"name", kv.key},
                    {"value", kv.value}});
  }
}

namespace {

// Instance attributes of a fence device against its parameters: errors
// (overridden by --force into warnings) go to `problems`, warnings to notes.
void check_device_options(Context& ctx, const AgentMetadata& md,
                          const std::vector<KeyValue>& instance,
                          std::vector<std::string>& problems) {
  std::vector<std::string> named, present;
  for (const auto& kv : instance) {
    named.push_back(kv.key);
    if (!kv.value.empty()) present.push_back(kv.key);
  }
  auto found = check_stonith_options(stonith_parameters(md), named, present);
  note_forceable(ctx, found.errors, problems);
  for (const auto& w : found.warnings) ctx.notes.push_back("Warning: " + w);
}

// Instance attributes against an OCF agent's parameters (pcs adds trace_ra
// and trace_file to every ocf agent).
void check_resource_options(const AgentName& agent, const AgentMetadata& md,
                            const std::vector<KeyValue>& instance,
                            std::vector<std::string>& problems) {
  std::set<std::string> allowed;
  for (const auto& p : md.parameters) allowed.insert(p.name);
  if (agent.standard == "ocf") allowed.insert({"trace_ra", "trace_file"});
  std::vector<std::string> bad, missing;
  std::set<std::string> given;
  for (const auto& kv : instance) {
    given.insert(kv.key);
    if (!allowed.contains(kv.key)) bad.push_back(kv.key);
  }
  for (const auto& p : md.parameters) {
    if (p.required && !given.contains(p.name)) missing.push_back(p.name);
  }
  if (!bad.empty()) problems.push_back(invalid_options_message(bad, allowed));
  if (!missing.empty()) {
    problems.push_back(std::string(missing.size() == 1 ? "required resource option "
                                                       : "required resource options ") +
                       quoted_list(missing) + (missing.size() == 1 ? " is" : " are") +
                       " missing, use --force to override");
  }
}

}  // namespace

std::string invalid_options_message(std::vector<std::string> bad,
                                    const std::set<std::string>& allowed) {
  std::sort(bad.begin(), bad.end());
  bad.erase(std::unique(bad.begin(), bad.end()), bad.end());
  return std::string(bad.size() == 1 ? "invalid resource option " : "invalid resource options: ") +
         quoted_list(bad) +
         (allowed.empty()
              ? ", there are no options allowed"
              : ", allowed options are: " + quoted_list({allowed.begin(), allowed.end()})) +
         ", use --force to override";
}

void note_forceable(Context& ctx, const std::vector<std::string>& errors,
                    std::vector<std::string>& problems) {
  static const std::string kTail = ", use --force to override";
  for (const auto& e : errors) {
    if (!ctx.flags.force) {
      problems.push_back(e);
    } else if (e.size() >= kTail.size() &&
               e.compare(e.size() - kTail.size(), kTail.size(), kTail) == 0) {
      ctx.notes.push_back("Warning: " + e.substr(0, e.size() - kTail.size()));
    } else {
      ctx.notes.push_back("Warning: " + e);
    }
  }
}

namespace {

// Puts `r` (unlinked) into `group`: last, or just after / before `next_to`.
void place_in_group(xmlNode* group, xmlNode* r, xmlNode* next_to, bool after) {
  if (next_to == nullptr) {
    xmlAddChild(group, r);
  } else if (after) {
    xmlAddNextSibling(next_to, r);
  } else {
    xmlAddPrevSibling(next_to, r);
  }
}

// The primitive `id` of `group` (null: a group still to be created named
// `group_id`), or pcs's error for resources put next to it.
Result<xmlNode*> member_of_group(xmlNode* group, const std::string& id,
                                 const std::string& group_id) {
  if (group != nullptr) {
    for (xmlNode* p : xml::children(group, "primitive")) {
      if (xml::attr_or(p, "id") == id) return p;
    }
  }
  return Error(ErrorCode::kInvalidInput, "There is no resource '" + id + "' in the group '" +
                                             group_id + "', cannot add resources next to it" +
                                             kErrorsOccurred);
}

// pcs's short agent names: the one installed agent of that type (noted),
// else an error listing the candidates or saying there is none.
Result<AgentName> guess_agent(Context& ctx, const std::string& type) {
  const auto found = ctx.agents->agents_of_type(type);
  if (found.size() == 1) {
    ctx.notes.push_back("Assumed agent name '" + found[0].full() + "' (deduced from '" + type +
                        "')");
    return found[0];
  }
  if (found.empty()) {
    return Error(ErrorCode::kNotFound, "Unable to find agent '" + type +
                                           "', try specifying its full name" + kErrorsOccurred);
  }
  std::string list;
  for (std::size_t i = 0; i < found.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == found.size() ? " or " : ", ") + ("'" + found[i].full() + "'");
  }
  return Error(
      ErrorCode::kInvalidInput,
      "Multiple agents match '" + type + "', please specify full name: " + list + kErrorsOccurred);
}

}  // namespace

Status create_primitive(Context& ctx, const std::vector<std::string>& args, bool stonith) {
  auto parsed = parse_resource_create(args);
  if (!parsed) return parsed.error();
  ResourceCreateArgs& a = *parsed;
  const bool cloned = a.clone != CloneKind::kNone;
  if (cloned && stonith) {
    return Error(ErrorCode::kUnsupported, "stonith create ... clone|promotable is not supported");
  }
  if (a.clone_and_promotable || (cloned && ctx.flags.group)) {
    return Error(ErrorCode::kInvalidInput,
                 "you can specify only one of clone, promotable, bundle or --group");
  }
  if (a.clone == CloneKind::kPromotable) {
    for (const auto& kv : a.clone_meta) {
      if (kv.key == "promotable") {
        return Error(ErrorCode::kInvalidInput,
                     "you cannot specify both promotable option and promotable keyword");
      }
    }
    a.clone_meta.push_back({"promotable", "true"});
  }
  if (ctx.flags.before && ctx.flags.after) {
    return Error(ErrorCode::kInvalidInput,
                 std::string("you cannot specify both --before and --after") +
                     (ctx.flags.group ? "" : " and you have to specify --group"));
  }
  if (!ctx.flags.group && (ctx.flags.before || ctx.flags.after)) {
    return Error(ErrorCode::kInvalidInput, std::string("you cannot use ") +
                                               (ctx.flags.before ? "--before" : "--after") +
                                               " without --group");
  }
  if (auto p = id_problem(a.id, "resource name"); !p.empty())
    return Error(ErrorCode::kInvalidInput, p);
  if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
  Result<AgentName> agent = AgentName{"stonith", "", a.agent};
  if (!stonith && a.agent.find(':') == std::string::npos && !a.agent.empty()) {
    agent = guess_agent(ctx, a.agent);
  } else if (!stonith) {
    agent = parse_agent_name(a.agent);
  } else if (a.agent.find(':') != std::string::npos) {
    return lib_error(
        "Invalid stonith agent name '" + a.agent +
        "'. Agent name cannot contain the ':' character, do not use the 'stonith:' "
        "prefix. List of agents can be obtained by using command 'vigil stonith list'.");
  }
  if (!agent) return agent.error();
  if (!stonith && agent->standard == "stonith") {
    return lib_error("This is a stonith resource: use 'stonith create " + a.id + " " + agent->type +
                     "'");
  }
  auto md = ctx.agents->metadata(*agent);
  const bool forced_agent = !md && ctx.flags.force && md.error().code() != ErrorCode::kUnsupported;
  if (forced_agent) {
    // pcs writes the device unchecked, with a monitor op only.
    ctx.notes.push_back("Warning: " + md.error().message());
    md = AgentMetadata{};
  } else if (!md) {
    if (md.error().code() == ErrorCode::kUnsupported) return md.error();
    if (ctx.flags.force) {
      return Error(ErrorCode::kUnsupported,
                   md.error().message() +
                       "; creating a resource whose agent metadata cannot be read (--force) is "
                       "not supported by vigil yet");
    }
    return Error(md.error().code(),
                 md.error().message() + ", use --force to override" + kErrorsOccurred);
  }
  if (find_by_id(ctx.doc, a.id) != nullptr) {
    return Error(ErrorCode::kInvalidInput, "'" + a.id + "' already exists");
  }
  if (stonith && ctx.flags.group) {
    ctx.notes.push_back(
        "Deprecation Warning: Option to group stonith resource is deprecated and will be "
        "removed in a future release.");
  }

  std::vector<std::string> problems;
  if (cloned) {
    // pcs's library checks the clone before the primitive, each step
    // stopping on its own errors.
    check_clone_agent(ctx, *agent, *md, a.clone_meta, problems);
    if (problems.empty() && !a.clone_id.empty()) {
      if (auto p = id_problem(a.clone_id, "id"); !p.empty()) {
        problems.push_back(p);
      } else if (find_by_id(ctx.doc, a.clone_id) != nullptr) {
        problems.push_back("'" + a.clone_id + "' already exists");
      }
    }
    if (!problems.empty()) {
      std::string msg;
      for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
      return lib_error(msg);
    }
  }
  for (const auto& kv : a.instance) {
    if (kv.value.empty()) problems.push_back(kv.key + " cannot be empty");
  }
  if (stonith && !forced_agent) check_device_options(ctx, *md, a.instance, problems);
  if (!stonith) {
    std::vector<std::string> found;
    check_resource_options(*agent, *md, a.instance, found);
    note_forceable(ctx, found, problems);
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return Error(ErrorCode::kInvalidInput, msg + kErrorsOccurred);
  }
  // Fence devices get a monitor only (the fencer runs the other actions).
  auto ops = plan_ops(ctx.doc, a, *md, ctx.flags.no_default_ops || stonith, stonith, ctx.notes,
                      ctx.flags.force);
  if (!ops && ctx.flags.force &&
      ops.error().message().find("use --force to override") != std::string::npos) {
    const std::string& m = ops.error().message();
    return Error(ErrorCode::kUnsupported,
                 "overriding operation errors with --force is not supported by vigil yet: " +
                     m.substr(0, m.find('\n')));
  }
  if (!ops) return ops.error();
  if (ctx.flags.disabled && !cloned) {
    std::erase_if(a.meta, [](const KeyValue& kv) { return kv.key == "target-role"; });
    a.meta.push_back({"target-role", "Stopped"});
  }

  // Where it goes: an existing group, a new group, or <resources>.
  xmlNode* resources = config_section(ctx.doc, "resources", true);
  if (resources == nullptr)
    return Error(ErrorCode::kInvalidInput, "the CIB has no <configuration> section");
  xmlNode* parent = resources;
  xmlNode* next_to = nullptr;
  if (ctx.flags.group) {
    const std::string& g = *ctx.flags.group;
    if (auto p = id_problem(g, "group name"); !p.empty()) return lib_error(p);
    if (g == a.id) return lib_error("'" + g + "' already exists");
    xmlNode* existing = find_by_id(ctx.doc, g);
    if (existing != nullptr && !xml::is(existing, "group"))
      return lib_error("'" + g + "' is not a group");
    if (existing != nullptr && find_resource(ctx.doc, g) == nullptr)
      return lib_error("'" + g + "' is not a group");
    const auto& adjacent = ctx.flags.before ? ctx.flags.before : ctx.flags.after;
    if (adjacent && find_resource(ctx.doc, *adjacent) == nullptr)
      return lib_error("'" + *adjacent + "' does not exist");
    if (adjacent) {
      auto found = member_of_group(existing, *adjacent, g);
      if (!found) return found.error();
      next_to = *found;
    }
    parent = existing != nullptr ? existing : append_element(resources, "group", {{"id", g}});
  }
  Attrs prim{{"id", a.id}, {"class", agent->standard}, {"type", agent->type}};
  if (!agent->provider.empty()) prim.emplace_back("provider", agent->provider);
  xmlNode* rsc = append_element(parent, "primitive", prim);
  if (next_to != nullptr) {
    xmlUnlinkNode(rsc);
    place_in_group(parent, rsc, next_to, ctx.flags.after.has_value());
  }
  append_nvset(ctx.doc, rsc, "instance_attributes", a.id + "-instance_attributes", a.instance);
  append_nvset(ctx.doc, rsc, "meta_attributes", a.id + "-meta_attributes", a.meta);
  xmlNode* operations = append_element(rsc, "operations", {});
  for (auto& op : *ops) {
    std::string id = op.user_id;
    if (!id.empty()) {
      if (auto p = id_problem(id, "id"); !p.empty()) return lib_error(p);
      if (find_by_id(ctx.doc, id) != nullptr) return lib_error("'" + id + "' already exists");
    } else {
      id = unique_id(ctx.doc, sanitize_id(a.id + "-" + op.name + "-interval-" + op.interval));
    }
    op.attrs.emplace_back("id", id);
    append_element(operations, "op", op.attrs);
  }
  if (cloned) {
    const std::string clone_id =
        a.clone_id.empty() ? unique_id(ctx.doc, a.id + "-clone") : a.clone_id;
    xmlNode* clone = wrap_in_clone(ctx.doc, rsc, clone_id, a.clone_meta);
    // --disabled stops the clone, not the primitive; a new set goes first.
    if (ctx.flags.disabled)
      set_nvpair(ctx.doc, clone, "meta_attributes", "target-role", "Stopped", true);
  }
  ctx.changed = true;
  return ok_status();
}

namespace {

Status group_add(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil -f FILE resource group add <group id> <resource id>...");
  }
  const std::string& g = args[0];
  if (auto p = id_problem(g, "group name"); !p.empty()) return lib_error(p);
  xmlNode* group = find_by_id(ctx.doc, g);
  if (group != nullptr && (!xml::is(group, "group") || find_resource(ctx.doc, g) == nullptr)) {
    return lib_error("'" + g + "' is not a group");
  }
  std::vector<std::string> dups, already;
  std::set<std::string> seen;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!seen.insert(args[i]).second &&
        std::find(dups.begin(), dups.end(), args[i]) == dups.end()) {
      dups.push_back(args[i]);
    }
  }
  if (!dups.empty()) {
    return lib_error("Resources to add or remove must be unique, duplicate resources: " +
                     quoted_list(dups));
  }
  const std::optional<std::string>& adjacent = ctx.flags.after ? ctx.flags.after : ctx.flags.before;
  if (ctx.flags.after && ctx.flags.before) {
    return Error(ErrorCode::kInvalidInput, "you cannot specify both --before and --after");
  }
  std::vector<xmlNode*> members;
  for (std::size_t i = 1; i < args.size(); ++i) {
    xmlNode* r = find_resource(ctx.doc, args[i]);
    if (r == nullptr) {
      return lib_error("'" + args[i] + "' does not exist\nError: Cannot modify group '" + g +
                       "', no resources to add or remove specified" +
                       (adjacent ? "\nError: Cannot specify adjacent resource '" + *adjacent +
                                       "' without resources to add"
                                 : std::string()));
    }
    if (!xml::is(r, "primitive")) {
      const std::string kind(xml::name(r));
      return lib_error("'" + args[i] + "' is a " + kind + " resource, " + kind +
                       " resources cannot be put into a group");
    }
    if (!xml::is(r->parent, "group") && !xml::is(r->parent, "resources")) {
      const std::string kind =
          xml::is(r->parent, "master") ? "clone" : std::string(xml::name(r->parent));
      return lib_error("'" + args[i] + "' cannot be put into a group because its parent '" +
                       xml::attr_or(r->parent, "id") + "' is a " + kind + " resource");
    }
    if (group != nullptr && r->parent == group) already.push_back(args[i]);
    members.push_back(r);
  }
  xmlNode* next_to = nullptr;
  if (adjacent && find_resource(ctx.doc, *adjacent) == nullptr) {
    return lib_error("'" + *adjacent + "' does not exist");
  }
  if (adjacent) {
    auto found = member_of_group(group, *adjacent, g);
    if (!found) return found.error();
    next_to = *found;
    if (std::find(members.begin(), members.end(), next_to) != members.end()) {
      return lib_error("Cannot put resource '" + *adjacent + "' next to itself");
    }
    already.clear();
  }
  if (!already.empty()) {
    return lib_error(
        std::string(already.size() == 1 ? "Cannot add resource " : "Cannot add resources ") +
        quoted_list(already) + (already.size() == 1 ? ", it is" : ", they are") +
        " already present in group '" + g + "'");
  }
  if (group == nullptr) {
    group = append_element(config_section(ctx.doc, "resources"), "group", {{"id", g}});
  }
  for (xmlNode* r : members) {
    xmlNode* old = r->parent;
    xmlUnlinkNode(r);
    place_in_group(group, r, next_to, ctx.flags.after.has_value());
    if (next_to != nullptr && ctx.flags.after) next_to = r;
    // A group left with no primitive is deleted, as pcs does.
    if (old != group && xml::is(old, "group") && xml::children(old, "primitive").empty())
      remove_node(old);
  }
  ctx.changed = true;
  return ok_status();
}

// Constraints that name `id` directly (rsc, with-rsc, first, then).
std::vector<xmlNode*> referring_constraints(xmlDoc* doc, const std::string& id) {
  std::vector<xmlNode*> out;
  xmlNode* cons = config_section(doc, "constraints");
  if (cons == nullptr) return out;
  for (xmlNode* c : xml::children(cons)) {
    for (const char* attr : {"rsc", "with-rsc", "first", "then"}) {
      if (xml::attr_or(c, attr) == id) {
        out.push_back(c);
        break;
      }
    }
  }
  return out;
}

bool in_resource_set(xmlDoc* doc, const std::string& id) {
  xmlNode* cons = config_section(doc, "constraints");
  if (cons == nullptr) return false;
  for (xmlNode* c : xml::children(cons)) {
    for (xmlNode* set : xml::children(c, "resource_set")) {
      for (xmlNode* ref : xml::children(set, "resource_ref")) {
        if (xml::attr_or(ref, "id") == id) return true;
      }
    }
  }
  return false;
}

// Removes the constraints naming each of `ids` (per id, by kind, each kind
// in document order), noting pcs's lines when `print`. pcs writes each such
// batch as its own CIB update, so a batch that removes something costs an
// epoch.
}  // namespace

void remove_constraints_of(Context& ctx, const std::vector<std::string>& ids, bool print) {
  // pcs lists them by kind (colocation, location, order, ticket).
  auto rank = [](xmlNode* c) {
    static constexpr std::array kKinds = {"rsc_colocation", "rsc_location", "rsc_order"};
    for (std::size_t i = 0; i < kKinds.size(); ++i) {
      if (xml::is(c, kKinds[i])) return static_cast<int>(i);
    }
    return static_cast<int>(kKinds.size());
  };
  std::vector<xmlNode*> all;
  for (const auto& id : ids) {
    auto cons = referring_constraints(ctx.doc, id);
    std::stable_sort(cons.begin(), cons.end(),
                     [&](xmlNode* x, xmlNode* y) { return rank(x) < rank(y); });
    for (xmlNode* c : cons) {
      if (std::find(all.begin(), all.end(), c) == all.end()) all.push_back(c);
    }
  }
  for (xmlNode* c : all) {
    if (print) ctx.notes.push_back("Removing Constraint - " + xml::attr_or(c, "id"));
    remove_node(c);
  }
  if (!all.empty()) ++ctx.extra_writes;
}

namespace {

// Removes a primitive's constraints (those of a clone holding it directly
// first), then, when it is the last member of a group, the group's (and the
// cloned group's clone's), then the primitive with whatever it leaves empty:
// one more write.
void delete_primitive(Context& ctx, xmlNode* r) {
  const std::string id = xml::attr_or(r, "id");
  xmlNode* parent = r->parent;
  const bool in_group = xml::is(parent, "group");
  const bool last_in_group = in_group && xml::children(parent, "primitive").size() == 1;
  xmlNode* clone = clone_ancestor(r);
  const std::string clone_id = clone != nullptr ? xml::attr_or(clone, "id") : "";
  if (clone != nullptr && !in_group) {
    remove_constraints_of(ctx, {clone_id, id});
  } else {
    remove_constraints_of(ctx, {id});
  }
  xmlNode* doomed = r;
  std::string what;
  if (last_in_group && clone != nullptr) {
    // pcs drops the group's references silently, then the clone's aloud.
    remove_constraints_of(ctx, {xml::attr_or(parent, "id")}, false);
    remove_constraints_of(ctx, {clone_id});
    doomed = clone;
    what = xml::is(clone, "master") ? " (and group and M/S)" : " (and group and clone)";
  } else if (last_in_group) {
    remove_constraints_of(ctx, {xml::attr_or(parent, "id")});
    doomed = parent;
    what = " (and group)";
  } else if (clone != nullptr && !in_group) {
    doomed = clone;
  }
  ++ctx.extra_writes;  // the deletion itself
  ctx.notes.push_back("Deleting Resource" + what + " - " + id);
  remove_node(doomed);
}

// The resources pcs's `resource delete` takes with `r` (its
// find_resources_to_delete): `r`, what it holds, and the clone or the group
// (with that group's clone) left empty without it.
std::vector<xmlNode*> deleted_with(xmlNode* r) {
  auto is_rsc = [](const xmlNode* n) {
    return xml::is(n, "primitive") || xml::is(n, "group") || xml::is(n, "clone") ||
           xml::is(n, "master") || xml::is(n, "bundle");
  };
  auto inner = [&](xmlNode* n) {
    std::vector<xmlNode*> out;
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && is_rsc(c)) out.push_back(c);
    }
    return out;
  };
  std::vector<xmlNode*> out{r};
  const auto held = inner(r);
  out.insert(out.end(), held.begin(), held.end());
  if (!held.empty() && xml::is(held[0], "group")) {
    const auto members = inner(held[0]);
    out.insert(out.end(), members.begin(), members.end());
  }
  xmlNode* parent = r->parent;
  if (parent == nullptr || !is_rsc(parent) || xml::is(parent, "bundle")) return out;
  if (xml::is(parent, "clone") || xml::is(parent, "master")) out.insert(out.begin(), parent);
  if (xml::is(parent, "group")) {
    const auto members = inner(parent);
    if (members.size() <= 1) {
      out = {parent};
      out.insert(out.end(), members.begin(), members.end());
      xmlNode* up = parent->parent;
      if (up != nullptr && (xml::is(up, "clone") || xml::is(up, "master"))) {
        out.insert(out.begin(), up);
      }
    }
  }
  return out;
}

// pcs refuses to delete a resource a tag refers to (through anything
// deleted with it) rather than leave the tag's reference dangling.
Status check_not_tagged(Context& ctx, xmlNode* r, const std::string& id) {
  const xmlNode* tags = config_section(ctx.doc, "tags");
  if (tags == nullptr) return ok_status();
  std::set<std::string> ids;
  for (xmlNode* n : deleted_with(r)) ids.insert(xml::attr_or(n, "id"));
  std::set<std::string> referring;
  for (const xmlNode* tag : xml::children(tags, "tag")) {
    for (const xmlNode* ref : xml::children(tag, "obj_ref")) {
      if (ids.count(xml::attr_or(ref, "id")) != 0) referring.insert(xml::attr_or(tag, "id"));
    }
  }
  if (referring.empty()) return ok_status();
  std::string list;
  for (const auto& t : referring) list += (list.empty() ? "'" : ", '") + t + "'";
  return Error(ErrorCode::kInvalidInput,
               "Unable to remove resource '" + id + "' because it is referenced in " +
                   (referring.size() > 1 ? "tags" : "the tag") + ": " + list);
}

Status resource_delete(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Error(ErrorCode::kInvalidInput, "usage: vigil -f FILE resource delete <resource id>");
  }
  const std::string& id = args[0];
  xmlNode* r = find_resource(ctx.doc, id);
  if (r == nullptr) return Error(ErrorCode::kNotFound, "Resource '" + id + "' does not exist.");
  if (auto st = check_not_tagged(ctx, r, id); !st) return st;
  // A clone is deleted through what it holds, as pcs does.
  if (xml::is(r, "clone") || xml::is(r, "master")) {
    xmlNode* child = xml::first_child(r, "primitive");
    if (child == nullptr) child = xml::first_child(r, "group");
    if (child == nullptr) {
      return Error(ErrorCode::kUnsupported,
                   "deleting a clone without a primitive or group is not supported by vigil yet");
    }
    r = child;
  }
  if (!xml::is(r, "primitive") && !xml::is(r, "group")) {
    return Error(ErrorCode::kUnsupported,
                 "deleting a " + std::string(xml::name(r)) + " is not supported by vigil yet");
  }
  for (xmlNode* p = r->parent; p != nullptr && !xml::is(p, "resources"); p = p->parent) {
    if (!xml::is(p, "group") && !xml::is(p, "clone") && !xml::is(p, "master")) {
      return Error(ErrorCode::kUnsupported, "deleting a resource inside a " +
                                                std::string(xml::name(p)) +
                                                " is not supported by vigil yet");
    }
  }
  const std::string own_id = xml::attr_or(r, "id");
  std::vector<std::string> ids{own_id};
  if (xmlNode* clone = clone_ancestor(r)) ids.push_back(xml::attr_or(clone, "id"));
  if (xml::is(r, "group")) {
    for (xmlNode* m : xml::children(r, "primitive")) ids.push_back(xml::attr_or(m, "id"));
  }
  for (const auto& i : ids) {
    if (in_resource_set(ctx.doc, i)) {
      return Error(ErrorCode::kUnsupported, "'" + i +
                                                "' is in a resource set; removing resources from "
                                                "constraint sets is not supported by vigil yet");
    }
  }
  if (xml::is(r, "primitive")) {
    delete_primitive(ctx, r);
  } else {
    ctx.notes.push_back("Removing group: " + own_id + " (and all resources within group)");
    ctx.notes.push_back("Stopping all resources in group: " + own_id + "...");
    auto prims = xml::children(r, "primitive");
    if (prims.empty()) {
      xmlNode* clone = clone_ancestor(r);
      for (const auto& i : ids) {
        for (xmlNode* c : referring_constraints(ctx.doc, i)) remove_node(c);
      }
      remove_node(clone != nullptr ? clone : r);
    }
    for (xmlNode* m : prims) delete_primitive(ctx, m);
    ++ctx.extra_writes;  // pcs first writes target-role=Stopped for the group
  }
  ctx.changed = true;
  --ctx.extra_writes;  // commit counts one write itself
  return ok_status();
}

}  // namespace

Status delete_resource(Context& ctx, const std::vector<std::string>& args) {
  return resource_delete(ctx, args);
}

Status run_resource(Context& ctx, const std::vector<std::string>& args) {
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (args.empty() || (args.size() == 1 && args[0] == "status")) return resource_status(ctx);
  if (!args.empty() && args[0] == "create") return create_primitive(ctx, rest, false);
  if (!args.empty() && (args[0] == "clone" || args[0] == "promotable"))
    return clone_resource(ctx, rest, args[0] == "promotable");
  if (!args.empty() && args[0] == "unclone") return unclone_resource(ctx, rest);
  if (!args.empty() && (args[0] == "enable" || args[0] == "disable"))
    return resource_enable(ctx, rest, args[0] == "enable");
  if (!args.empty() && args[0] == "meta") return resource_meta(ctx, rest);
  if (!args.empty() && (args[0] == "ban" || args[0] == "move" ||
                        args[0] == "move-with-constraint" || args[0] == "clear"))
    return resource_move_command(ctx, args[0], rest);
  if (!args.empty() && args[0] == "update") return resource_update(ctx, rest);
  if (!args.empty() && args[0] == "why") return resource_why(ctx, rest);
  if (!args.empty() && (args[0] == "delete" || args[0] == "remove"))
    return resource_delete(ctx, rest);
  if (args[0] == "op") return run_resource_op(ctx, rest);
  if (args[0] == "defaults") return run_defaults(ctx, rest, false);
  if (args[0] == "failcount" || args[0] == "relocate" || args[0] == "restart" ||
      args[0].rfind("debug-", 0) == 0) {
    return run_resource_runtime(ctx, args[0], rest);
  }
  if (args[0] == "config" || args[0] == "ungroup" || args[0] == "utilization" ||
      args[0] == "manage" || args[0] == "unmanage" ||
      (args.size() >= 2 && args[0] == "group" && args[1] != "add")) {
    return run_resource_listing(ctx, args[0], rest);
  }
  if (args.size() >= 2 && args[0] == "group" && args[1] == "add") {
    return group_add(ctx, {args.begin() + 2, args.end()});
  }
  if (args[0] == "describe" || args[0] == "agents" || args[0] == "standards" ||
      args[0] == "providers") {
    return run_resource_agents(ctx, args[0], rest);  // resource_agents.cpp
  }
  return Error(
      ErrorCode::kUnsupported,
      "'resource " + (args.empty() ? std::string() : args[0]) +
          "' is not supported by vigil yet; supported: resource create, resource group add, "
          "resource delete, resource clone, resource promotable, resource unclone, resource "
          "enable, resource disable, resource meta, resource update, resource ban, resource "
          "move-with-constraint, resource clear");
}

}  // namespace vigil::admin
