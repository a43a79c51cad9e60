// SPDX-License-Identifier: GPL-2.0-or-later
// Unpacking the <alerts> section with Pacemaker 2.1.5's semantics
// (lib/pengine/rules_alerts.c).
#include "vigil/alerts/alerts.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>

#include "vigil/common/rules.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::alerts {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case kNode:
      return "node";
    case kFencing:
      return "fencing";
    case kResource:
      return "resource";
    case kAttribute:
      return "attribute";
    default:
      return "unknown";
  }
}

namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::int64_t parse_msec(std::string_view text) {
  // crm_get_msec(): leading blanks, digits and dots, blanks, a unit matched
  // by its first letters (case ignored), anything after it ignored; the
  // number is what strtoll reads (so "1.5s" is 1 s).
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t i = 0;
  while (i < text.size() && blank(text[i])) ++i;
  const std::size_t num_start = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == num_start) return -1;
  const std::string_view number = text.substr(num_start, i - num_start);
  while (i < text.size() && blank(text[i])) ++i;
  const std::string_view units = text.substr(i);
  std::int64_t multiplier = 1000, divisor = 1;
  if (starts_with_ci(units, "ms")) {
    multiplier = 1;
  } else if (starts_with_ci(units, "us")) {
    multiplier = 1;
    divisor = 1000;
  } else if (starts_with_ci(units, "s")) {
    multiplier = 1000;
  } else if (starts_with_ci(units, "m")) {
    multiplier = 60 * 1000;
  } else if (starts_with_ci(units, "h")) {
    multiplier = 60 * 60 * 1000;
  } else if (!units.empty() && units[0] != '\n' && units[0] != '\r') {
    return -1;
  }
  // strtoll over the digits (a leading dot: no digits, the default -1).
  std::int64_t value = 0;
  std::size_t d = 0;
  if (number.empty() || !std::isdigit(static_cast<unsigned char>(number[0]))) return -1;
  for (; d < number.size() && std::isdigit(static_cast<unsigned char>(number[d])); ++d) {
    const int digit = number[d] - '0';
    if (value > (LLONG_MAX - digit) / 10) {
      value = LLONG_MAX;  // strtoll clips
      break;
    }
    value = value * 10 + digit;
  }
  if (value > LLONG_MAX / multiplier) return LLONG_MAX;
  return value * multiplier / divisor;
}

namespace {

// Pacemaker stores the timeout in an int: what does not fit wraps.
int as_int(std::int64_t ms) {
  return static_cast<int>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(ms)));
}

const xmlNode* doc_root(const xmlNode* n) {
  const xmlNode* root = n;
  while (root->parent != nullptr && root->parent->type == XML_ELEMENT_NODE) root = root->parent;
  return root;
}

void unpack_meta(const xmlNode* base, Alert& a, EpochSeconds now,
                 std::vector<std::string>& warnings) {
  const xmlNode* root = doc_root(base);
  auto sets = rules::parse_nvsets(
      base, "meta_attributes", [root](const std::string& id) { return xml::find_by_id(root, id); });
  if (!sets) {
    warnings.push_back("Alert " + a.id +
                       ": ignoring its meta_attributes: " + sets.error().message());
    return;
  }
  rules::AttrMap meta;
  rules::RuleInput in;
  in.now = now;
  rules::apply_nvsets(*sets, in, meta);
  if (auto it = meta.find("timeout"); it != meta.end()) {
    const int ms = as_int(parse_msec(it->second));
    if (ms <= 0) {
      if (ms < 0) {
        warnings.push_back("Alert " + a.id + " has invalid timeout value '" + it->second +
                           "', using default " + std::to_string(kDefaultTimeoutMs) + "msec");
      }
      a.timeout_ms = kDefaultTimeoutMs;
    } else {
      a.timeout_ms = ms;
    }
  }
  if (auto it = meta.find("timestamp-format"); it != meta.end()) {
    a.timestamp_format = it->second;  // anything may be a format
  }
}

void unpack_env(const xmlNode* base, Alert& a, std::vector<std::string>& warnings) {
  // Only the first instance_attributes set, without rules, as Pacemaker.
  const xmlNode* set = xml::first_child(base, "instance_attributes");
  if (set == nullptr) return;
  for (const xmlNode* nv : xml::children(set, "nvpair")) {
    auto name = xml::attr(nv, "name");
    if (!name) {
      warnings.push_back("Alert " + a.id + ": ignoring nvpair '" + xml::attr_or(nv, "id") +
                         "' without a name");
      continue;
    }
    a.env[*name] = xml::attr_or(nv, "value");
  }
}

void unpack_select(const xmlNode* base, Alert& a) {
  const xmlNode* select = xml::first_child(base, "select");
  if (select == nullptr) return;
  unsigned kinds = 0;
  for (const xmlNode* child : xml::children(select)) {
    if (xml::is(child, "select_fencing")) {
      kinds |= kFencing;
    } else if (xml::is(child, "select_nodes")) {
      kinds |= kNode;
    } else if (xml::is(child, "select_resources")) {
      kinds |= kResource;
    } else if (xml::is(child, "select_attributes")) {
      kinds |= kAttribute;
      // Names replace what the alert had only when some are given.
      std::vector<std::string> names;
      for (const xmlNode* attr : xml::children(child, "attribute")) {
        if (auto n = xml::attr(attr, "name")) names.push_back(*n);
      }
      if (!names.empty()) a.attribute_names = std::move(names);
    }
  }
  // An empty <select> changes nothing.
  if (kinds != 0) a.kinds = kinds;
}

void unpack_into(const xmlNode* base, Alert& a, EpochSeconds now,
                 std::vector<std::string>& warnings) {
  unpack_env(base, a, warnings);
  unpack_meta(base, a, now, warnings);
  unpack_select(base, a);
}

}  // namespace

Unpacked unpack(const xmlNode* alerts, EpochSeconds now) {
  Unpacked out;
  if (alerts == nullptr) return out;
  std::vector<Alert> in_order;
  for (const xmlNode* node : xml::children(alerts, "alert")) {
    auto id = xml::attr(node, "id");
    auto path = xml::attr(node, "path");
    if (!id || !path) {
      out.warnings.push_back("Ignoring invalid alert without id and path" +
                             (id ? " (" + *id + ")" : std::string()));
      continue;
    }
    Alert alert;
    alert.id = *id;
    alert.path = *path;
    alert.description = xml::attr_or(node, "description");
    unpack_into(node, alert, now, out.warnings);
    bool any_recipient = false;
    for (const xmlNode* r : xml::children(node, "recipient")) {
      auto value = xml::attr(r, "value");
      if (!value) {
        out.warnings.push_back("Alert " + alert.id + ": ignoring recipient '" +
                               xml::attr_or(r, "id") + "' without a value");
        continue;
      }
      any_recipient = true;
      Alert copy = alert;
      copy.recipient = *value;
      copy.recipient_id = xml::attr_or(r, "id");
      unpack_into(r, copy, now, out.warnings);
      in_order.push_back(std::move(copy));
    }
    if (!any_recipient) in_order.push_back(std::move(alert));
  }
  out.alerts.assign(in_order.rbegin(), in_order.rend());
  return out;
}

}  // namespace vigil::alerts
