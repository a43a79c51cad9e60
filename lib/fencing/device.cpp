// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/device.hpp"

#include <limits>

#include "vigil/common/number.hpp"
#include "vigil/common/time.hpp"

namespace vigil::fencing {

namespace {

constexpr std::string_view kListDelimiters = " ,;\t\n\r";
constexpr int kDefaultRetries = 2;

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::optional<std::string> param(const std::map<std::string, std::string>& p,
                                 const std::string& name) {
  auto it = p.find(name);
  if (it == p.end()) return std::nullopt;
  return it->second;
}

Result<Duration> parse_duration(const std::string& name, const std::string& value) {
  auto ms = parse_interval_ms(value);
  if (!ms || *ms < 0) {
    return Error(ErrorCode::kInvalidInput, name + "='" + value + "' is not a valid interval");
  }
  return Duration(*ms);
}

Result<int> parse_int(const std::string& name, const std::string& value) {
  const auto n = parse_int64(trim(value));
  if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
    return Error(ErrorCode::kInvalidInput, name + "='" + value + "' is not an integer");
  }
  return static_cast<int>(*n);
}

Result<HostCheck> parse_host_check(const std::string& value) {
  if (value == "static-list") return HostCheck::kStaticList;
  if (value == "dynamic-list") return HostCheck::kDynamicList;
  if (value == "status") return HostCheck::kStatus;
  if (value == "none") return HostCheck::kNone;
  return Error(
      ErrorCode::kInvalidInput,
      "pcmk_host_check='" + value + "' is not one of static-list, dynamic-list, status, none");
}

// pcmk_delay_base: one interval for every target, or "node:interval" items.
Status parse_delay_base(const std::string& value, Device& d) {
  if (value.find(':') == std::string::npos) {
    auto v = parse_duration("pcmk_delay_base", value);
    if (!v) return v.error();
    d.delay_base = *v;
    return ok_status();
  }
  for (const auto& item : parse_host_list(value)) {
    const auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Error(ErrorCode::kInvalidInput,
                   "pcmk_delay_base: '" + item + "' is not of the form node:interval");
    }
    auto v = parse_duration("pcmk_delay_base", item.substr(colon + 1));
    if (!v) return v.error();
    d.delay_per_host[item.substr(0, colon)] = *v;
  }
  return ok_status();
}

// pcmk_<action>_action, _timeout and _retries for every action named so.
Status parse_action_params(Device& d) {
  for (const auto& [name, value] : d.params) {
    if (name.rfind("pcmk_", 0) != 0) continue;
    const auto last = name.rfind('_');
    if (last <= 5) continue;
    const std::string action = name.substr(5, last - 5);
    const std::string kind = name.substr(last + 1);
    if (kind == "action") {
      if (trim(value).empty()) return Error(ErrorCode::kInvalidInput, name + " is empty");
      d.action_names[action] = std::string(trim(value));
    } else if (kind == "timeout") {
      auto v = parse_duration(name, value);
      if (!v) return v.error();
      d.timeouts[action] = *v;
    } else if (kind == "retries") {
      auto v = parse_int(name, value);
      if (!v) return v.error();
      if (*v < 0) return Error(ErrorCode::kInvalidInput, name + " is negative");
      d.retries[action] = *v;
    }
  }
  return ok_status();
}

HostCheck default_host_check(const Device& d) {
  if (!d.host_list.empty() || !d.host_map.empty()) return HostCheck::kStaticList;
  if (d.metadata.supports("list")) return HostCheck::kDynamicList;
  if (d.metadata.supports("status")) return HostCheck::kStatus;
  return HostCheck::kNone;
}

std::string default_host_argument(const AgentMetadata& m) {
  if (m.parameters.count("port") || m.parameters.empty()) return "port";
  if (m.parameters.count("plug")) return "plug";
  return "none";
}

Status parse_params(Device& d) {
  const auto& p = d.params;
  if (auto v = param(p, "pcmk_host_list")) d.host_list = parse_host_list(*v);
  if (auto v = param(p, "pcmk_host_map")) {
    auto m = parse_host_map(*v);
    if (!m) return m.error();
    d.host_map = std::move(*m);
  }
  d.host_argument = param(p, "pcmk_host_argument").value_or(default_host_argument(d.metadata));
  if (auto v = param(p, "pcmk_host_check")) {
    auto c = parse_host_check(*v);
    if (!c) return c.error();
    d.host_check = *c;
  } else {
    d.host_check = default_host_check(d);
  }
  if (auto v = param(p, "pcmk_delay_base")) {
    if (auto s = parse_delay_base(*v, d); !s) return s.error();
  }
  if (auto v = param(p, "pcmk_delay_max")) {
    auto m = parse_duration("pcmk_delay_max", *v);
    if (!m) return m.error();
    d.delay_max = *m;
  }
  if (auto v = param(p, "pcmk_action_limit")) {
    auto n = parse_int("pcmk_action_limit", *v);
    if (!n) return n.error();
    if (*n == 0 || *n < -1) {
      return Error(ErrorCode::kInvalidInput, "pcmk_action_limit must be positive or -1");
    }
    d.action_limit = *n;
  }
  return parse_action_params(d);
}

}  // namespace

const char* to_string(HostCheck check) {
  switch (check) {
    case HostCheck::kStaticList:
      return "static-list";
    case HostCheck::kDynamicList:
      return "dynamic-list";
    case HostCheck::kStatus:
      return "status";
    case HostCheck::kNone:
      return "none";
  }
  return "?";
}

std::vector<std::string> parse_host_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto b = text.find_first_not_of(kListDelimiters, pos);
    if (b == std::string_view::npos) break;
    auto e = text.find_first_of(kListDelimiters, b);
    if (e == std::string_view::npos) e = text.size();
    out.emplace_back(text.substr(b, e - b));
    pos = e;
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_host_map(std::string_view text) {
  std::map<std::string, std::string> out;
  // Entries are separated like a host list; ':' or '=' splits node and port.
  for (const auto& item : parse_host_list(text)) {
    const auto sep = item.find_first_of(":=");
    if (sep == std::string::npos || sep == 0 || sep + 1 == item.size()) {
      return Error(ErrorCode::kInvalidInput,
                   "pcmk_host_map: '" + item + "' is not of the form node:port");
    }
    out[item.substr(0, sep)] = item.substr(sep + 1);
  }
  return out;
}

bool is_fencer_parameter(std::string_view name) {
  return name.rfind("pcmk_", 0) == 0 || name.rfind("CRM_meta", 0) == 0 ||
         name == "crm_feature_set" || name.rfind('#', 0) == 0;
}

std::string Device::agent_action(std::string_view action) const {
  auto it = action_names.find(std::string(action));
  return it == action_names.end() ? std::string(action) : it->second;
}

Duration Device::timeout_for(std::string_view action, Duration stonith_timeout) const {
  auto it = timeouts.find(std::string(action));
  return it == timeouts.end() ? stonith_timeout : it->second;
}

int Device::retries_for(std::string_view action) const {
  auto it = retries.find(std::string(action));
  return it == retries.end() ? kDefaultRetries : it->second;
}

Duration Device::delay_base_for(std::string_view target) const {
  auto it = delay_per_host.find(std::string(target));
  return it == delay_per_host.end() ? delay_base : it->second;
}

std::string Device::port_for(std::string_view target) const {
  auto it = host_map.find(std::string(target));
  return it == host_map.end() ? std::string(target) : it->second;
}

bool Device::lists_statically(std::string_view target) const {
  if (host_map.count(std::string(target))) return true;
  for (const auto& h : host_list) {
    if (h == target) return true;
  }
  return false;
}

bool Device::can_reboot() const {
  return metadata.supports(agent_action("reboot"));
}

Result<Device> make_device(std::string id, std::string agent,
                           std::map<std::string, std::string> params,
                           const std::map<std::string, std::string>& meta, AgentMetadata metadata) {
  Device d;
  d.id = std::move(id);
  d.agent = std::move(agent);
  d.params = std::move(params);
  d.metadata = std::move(metadata);
  if (auto it = meta.find("target-role"); it != meta.end()) {
    d.enabled = it->second != "Stopped" && it->second != "stopped";
  }
  if (auto it = meta.find("provides"); it != meta.end()) {
    d.provides_unfencing = it->second == "unfencing";
  }
  if (auto s = parse_params(d); !s) return s.error().with_context("device " + d.id);
  return d;
}

}  // namespace vigil::fencing
