// SPDX-License-Identifier: GPL-2.0-or-later
// `resource describe` and `stonith describe`, as pcs 0.11.5 prints an
// agent: "NAME - SHORTDESC", the long description, the parameters ("Resource
// options:" or "Stonith options:"; deprecated and advanced ones with --full
// only) and the operations `resource create` would add ("Default
// operations:"). pcs reads OCF 1.0 and 1.1 meta-data into one model first
// (deprecation and uniqueness are written differently in each), adds the
// tracing parameters of heartbeat and pacemaker agents and the fencer's
// parameters of fence agents, and wraps the lines only on a terminal.
#include "resource_describe.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "pcs_wrap.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/stonith_params.hpp"

namespace vigil::admin {
namespace {

// pcs marks an OCF 1.0 unique parameter with a group of its own, named so.
constexpr std::string_view kOwnUniqueGroup = "_pcs_unique_group_";

// One parameter as pcs shows it.
struct Shown {
  std::string name;
  bool required = false;
  bool hidden = false;  // advanced or deprecated: --full only
  bool deprecated = false;
  std::vector<std::string> deprecated_by;
  std::string unique_group;  // "" none, kOwnUniqueGroup... "(unique)"
  std::string desc;          // the text after "NAME ...: "
};

std::string lines_as_spaces(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

std::string description_of(const AgentParameter& p) {
  std::string desc = lines_as_spaces(p.longdesc);
  if (desc.empty()) desc = lines_as_spaces(p.shortdesc);
  if (desc.empty()) desc = "No description available";
  // pcs 0.11.5 prints this placeholder itself, not the text it names.
  if (!p.deprecated_desc.empty()) desc += "DEPRECATED: {param.deprecated_desc}";
  return desc;
}

// pcs's own tracing parameters, added to heartbeat and pacemaker agents
// that do not define them.
std::vector<AgentParameter> trace_parameters(const std::vector<AgentParameter>& own) {
  bool trace_ra = false, trace_file = false;
  for (const auto& p : own) {
    std::string lower = p.name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    trace_ra = trace_ra || lower == "trace_ra";
    trace_file = trace_file || lower == "trace_file";
  }
  std::vector<AgentParameter> out;
  if (!trace_ra) {
    AgentParameter p;
    p.name = "trace_ra";
    p.shortdesc = "Set to 1 to turn on resource agent tracing (expect large output)";
    p.longdesc = p.shortdesc +
                 " The trace output will be saved to trace_file, if set, or by default to "
                 "$HA_VARRUN/ra_trace/<type>/<id>.<action>.<timestamp> e.g. "
                 "$HA_VARRUN/ra_trace/oracle/db.start.2012-11-27.08:37:08";
    p.advanced = true;
    out.push_back(std::move(p));
  }
  if (!trace_file) {
    AgentParameter p;
    p.name = "trace_file";
    p.shortdesc = "Path to a file to store resource agent tracing log";
    p.longdesc = p.shortdesc;
    p.advanced = true;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Shown> shown_parameters(const AgentName& agent, const AgentMetadata& md) {
  const bool stonith = agent.standard == "stonith";
  std::vector<AgentParameter> params = stonith ? stonith_parameters(md) : md.parameters;
  if (agent.standard == "ocf" && (agent.provider == "heartbeat" || agent.provider == "pacemaker")) {
    auto more = trace_parameters(md.parameters);
    params.insert(params.end(), more.begin(), more.end());
  }
  // OCF 1.0 names the replaced parameter on its replacement (obsoletes).
  std::map<std::string, std::set<std::string>> obsoleted_by;
  for (const auto& p : params) {
    if (!p.obsoletes.empty()) obsoleted_by[p.obsoletes].insert(p.name);
  }
  const bool ocf_1_0 = md.ocf_version == "1.0";
  std::vector<Shown> out;
  for (const auto& p : params) {
    Shown s;
    s.name = p.name;
    s.required = p.required;
    s.deprecated = p.deprecated;
    s.hidden = p.advanced || p.deprecated;
    if (ocf_1_0) {
      if (auto it = obsoleted_by.find(p.name); it != obsoleted_by.end()) {
        s.deprecated_by.assign(it->second.begin(), it->second.end());
      }
      if (p.unique) s.unique_group = std::string(kOwnUniqueGroup) + p.name;
    } else {
      s.deprecated_by = p.replaced_with;
      s.unique_group = p.unique_group;
    }
    // The fencer sends the action itself: pcs shows 'action' as replaced by
    // the options that choose it.
    if (stonith && p.name == "action") {
      s.hidden = true;
      s.deprecated = true;
      s.deprecated_by.insert(s.deprecated_by.begin(), {"pcmk_off_action", "pcmk_reboot_action"});
    }
    s.desc = description_of(p);
    out.push_back(std::move(s));
  }
  return out;
}

std::string title_of(const Shown& p) {
  std::string title = p.name;
  if (!p.deprecated_by.empty()) {
    std::string by;
    for (const auto& b : p.deprecated_by) by += (by.empty() ? "" : ", ") + b;
    title += " (deprecated by " + by + ")";
  } else if (p.deprecated) {
    title += " (deprecated)";
  }
  if (p.required) title += " (required)";
  if (!p.unique_group.empty()) {
    title += p.unique_group.starts_with(kOwnUniqueGroup)
                 ? " (unique)"
                 : " (unique group: " + p.unique_group + ")";
  }
  return title;
}

// pcs's timeout_to_seconds: "N", "Ns", "Nsec", "Nm", "Nmin", "Nh", "Nhr".
std::optional<long long> interval_seconds(const std::string& v) {
  static const std::vector<std::pair<std::string, long long>> kUnits{
      {"", 1}, {"s", 1}, {"sec", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"hr", 3600}};
  for (const auto& [unit, factor] : kUnits) {
    if (v.size() <= unit.size() || !v.ends_with(unit)) continue;
    const std::string digits = v.substr(0, v.size() - unit.size());
    if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    if (digits.size() > 15) return std::nullopt;
    return std::stoll(digits) * factor;
  }
  return std::nullopt;
}

// The operations `resource create` adds: the agent's actions (only monitor
// for fence agents; never meta-data, status or validate-all), a monitor when
// there is none, intervals defaulted and made unique per action name.
std::vector<std::string> default_operations(const AgentName& agent, const AgentMetadata& md,
                                            std::vector<std::string>& warnings) {
  const bool stonith = agent.standard == "stonith";
  std::vector<AgentAction> ops;
  for (const auto& a : md.actions) {
    const bool wanted =
        stonith ? a.name == "monitor"
                : a.name != "meta-data" && a.name != "status" && a.name != "validate-all";
    if (wanted) ops.push_back(a);
  }
  if (std::none_of(ops.begin(), ops.end(),
                   [](const AgentAction& a) { return a.name == "monitor"; }))
    ops.push_back({"monitor", "", "", "", ""});
  std::map<std::string, std::set<long long>> used;
  std::vector<std::string> lines;
  for (auto& op : ops) {
    if (op.interval.empty()) op.interval = op.name == "monitor" ? "60s" : "0s";
    if (auto secs = interval_seconds(op.interval)) {
      auto& taken = used[op.name];
      long long s = *secs;
      while (taken.contains(s)) ++s;
      taken.insert(s);
      if (s != *secs) {
        const std::string adapted = std::to_string(s);
        warnings.push_back("Warning: changing a " + op.name + " operation interval from " +
                           op.interval + " to " + adapted + " to make the operation unique");
        op.interval = adapted;
      }
    }
    lines.push_back("  " + op.name + ":");
    auto add = [&](const std::string& name, const std::string& value) {
      lines.push_back("    " + name_value(name, value));
    };
    add("interval", op.interval);
    if (!op.start_delay.empty()) add("start-delay", op.start_delay);
    if (!op.timeout.empty()) add("timeout", op.timeout);
    if (!op.role.empty()) {
      add("role", op.role == "Master" ? "Promoted" : op.role == "Slave" ? "Unpromoted" : op.role);
    }
    if (!op.depth.empty() && op.depth != "0") add("OCF_CHECK_LEVEL", op.depth);
  }
  return lines;
}

// pcs's format_wrap_for_terminal: one line when not on a terminal.
std::vector<std::string> wrapped(const std::string& text, int width, int subsequent_indent) {
  if (width <= 0) return {text};
  return pcs_wrap(text, width, subsequent_indent);
}

}  // namespace

Result<std::string> describe_agent_text(const AgentName& agent, const AgentMetadata& md,
                                        const DescribeOptions& options,
                                        std::vector<std::string>& warnings) {
  if (md.ocf_version != "1.0" && md.ocf_version != "1.1") {
    return Error(ErrorCode::kInvalidInput, "Unable to process agent '" + agent.full() +
                                               "' as it implements unsupported OCF version '" +
                                               md.ocf_version +
                                               "', supported versions are: '1.0', '1.1'");
  }
  const bool stonith = agent.standard == "stonith";
  const std::string name = stonith ? agent.type : agent.full();
  std::vector<std::string> lines;
  if (md.shortdesc.empty()) {
    lines.push_back(name);
  } else {
    for (auto& l : wrapped(name + " - " + lines_as_spaces(md.shortdesc), options.width, 4))
      lines.push_back(std::move(l));
  }
  if (!md.longdesc.empty()) {
    lines.emplace_back();
    for (auto& l : wrapped(lines_as_spaces(md.longdesc), options.width, 0))
      lines.push_back(std::move(l));
  }
  std::vector<std::string> params;
  for (const auto& p : shown_parameters(agent, md)) {
    if (p.hidden && !options.full) continue;
    params.push_back("  " + title_of(p) + ": " + p.desc);
  }
  if (!params.empty()) {
    lines.emplace_back();
    lines.emplace_back(stonith ? "Stonith options:" : "Resource options:");
    lines.insert(lines.end(), params.begin(), params.end());
  }
  lines.emplace_back();
  lines.emplace_back("Default operations:");
  auto ops = default_operations(agent, md, warnings);
  lines.insert(lines.end(), ops.begin(), ops.end());
  // Every line wrapped once more, continuation lines 4 columns deeper than
  // the line's own indentation.
  std::string out;
  for (const auto& line : lines) {
    if (line.empty() || options.width <= 0) {
      out += line + "\n";
      continue;
    }
    const auto indent = static_cast<int>(line.find_first_not_of(' '));
    for (const auto& l : pcs_wrap(line, options.width, indent + 4)) out += l + "\n";
  }
  return out;
}

namespace {

Status describe_agent(Context& ctx, const AgentName& agent) {
  if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
  auto md = ctx.agents->metadata(agent);
  if (!md) return lib_error(md.error().message());
  std::vector<std::string> warnings;
  auto text = describe_agent_text(agent, *md, {ctx.flags.full, pcs_terminal_width()}, warnings);
  ctx.notes.insert(ctx.notes.end(), warnings.begin(), warnings.end());
  if (!text) return lib_error(text.error().message());
  ctx.out += *text;
  return ok_status();
}

}  // namespace

Status resource_describe(Context& ctx, const std::string& name) {
  if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
  Result<AgentName> agent = Error(ErrorCode::kInternal, "");
  if (name.find(':') == std::string::npos) {
    const auto found = ctx.agents->agents_of_type(name);
    if (found.empty()) {
      return Error(ErrorCode::kNotFound,
                   "Unable to find agent '" + name + "', try specifying its full name");
    }
    if (found.size() > 1) {
      std::string list;
      for (std::size_t i = 0; i < found.size(); ++i) {
        list += (i == 0                  ? ""
                 : i + 1 == found.size() ? " or "
                                         : ", ") +
                ("'" + found[i].full() + "'");
      }
      return Error(ErrorCode::kInvalidInput,
                   "Multiple agents match '" + name + "', please specify full name: " + list);
    }
    ctx.notes.push_back("Assumed agent name '" + found[0].full() + "' (deduced from '" + name +
                        "')");
    agent = found[0];
  } else {
    agent = parse_agent_name(name);
  }
  if (!agent) return agent.error();
  if (agent->standard == "stonith") {
    // pcs still takes fence agents here, with a warning.
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith / fence agents is "
        "deprecated and will be removed in a future release. Please use 'vigil stonith describe' "
        "instead.");
  }
  return describe_agent(ctx, *agent);
}

Status describe_fence_agent(Context& ctx, const std::string& type) {
  return describe_agent(ctx, {"stonith", "", type});
}

}  // namespace vigil::admin
