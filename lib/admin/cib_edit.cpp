// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/cib_edit.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

bool first_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool next_ok(char c) {
  return first_ok(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

xmlNode* find_in(xmlNode* n, std::string_view id) {
  for (xmlNode* c = n; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (auto v = xml::attr(c, "id"); v && *v == id) return c;
    if (xmlNode* hit = find_in(c->children, id)) return hit;
  }
  return nullptr;
}

// The character starting at byte `at` of UTF-8 text (all its bytes).
std::string character_at(std::string_view s, std::size_t at) {
  const auto lead = static_cast<unsigned char>(s[at]);
  const std::size_t len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return std::string(s.substr(at, len));
}

}  // namespace

std::string id_problem(std::string_view id, std::string_view description) {
  const std::string desc(description);
  if (id.empty()) return desc + " cannot be empty";
  if (!first_ok(id[0])) {
    return "invalid " + desc + " '" + std::string(id) + "', '" + character_at(id, 0) +
           "' is not a valid first character for a " + desc;
  }
  for (std::size_t i = 1; i < id.size(); ++i) {
    if (!next_ok(id[i])) {
      return "invalid " + desc + " '" + std::string(id) + "', '" + character_at(id, i) +
             "' is not a valid character for a " + desc;
    }
  }
  return {};
}

std::string sanitize_id(std::string_view candidate) {
  std::size_t start = 0;
  while (start < candidate.size() && !first_ok(candidate[start])) ++start;
  std::string out;
  for (std::size_t i = start; i < candidate.size(); ++i) {
    if (i == start || next_ok(candidate[i])) out += candidate[i];
  }
  return out;
}

xmlNode* find_by_id(xmlDoc* doc, std::string_view id) {
  // As pcs: ids are looked for outside the status section, where the
  // history of a deleted resource (its lrm_resource) keeps the resource's
  // id until the cluster forgets it; that id is free to create again.
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return nullptr;
  if (!xml::is(root, "cib")) return find_in(root->children, id);
  for (xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || xml::is(c, "status")) continue;
    if (xmlNode* hit = find_in(c->children, id)) return hit;
  }
  return nullptr;
}

std::string unique_id(xmlDoc* doc, std::string_view candidate) {
  std::string id(candidate);
  for (int i = 1; find_by_id(doc, id) != nullptr; ++i) {
    id = std::string(candidate) + "-" + std::to_string(i);
  }
  return id;
}

xmlNode* config_section(xmlDoc* doc, const char* name, bool create) {
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* conf = root ? xml::first_child(root, "configuration") : nullptr;
  if (conf == nullptr) return nullptr;
  xmlNode* sec = xml::first_child(conf, name);
  if (sec == nullptr && create) sec = xmlNewChild(conf, nullptr, BAD_CAST name, nullptr);
  return sec;
}

xmlNode* append_element(xmlNode* parent, const char* name,
                        const std::vector<std::pair<std::string, std::string>>& attrs) {
  xmlNode* n = xmlNewChild(parent, nullptr, BAD_CAST name, nullptr);
  for (const auto& [k, v] : attrs) xmlNewProp(n, BAD_CAST k.c_str(), BAD_CAST v.c_str());
  return n;
}

void remove_node(xmlNode* n) {
  xmlUnlinkNode(n);
  xmlFreeNode(n);
}

int schema_version(xmlDoc* doc) {
  const std::string v = xml::attr_or(xmlDocGetRootElement(doc), "validate-with");
  constexpr std::string_view kPrefix = "pacemaker-";
  if (v.rfind(kPrefix, 0) != 0) return 0;
  const std::string rest = v.substr(kPrefix.size());
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return 0;
  return std::atoi(rest.substr(0, dot).c_str()) * 100 + std::atoi(rest.substr(dot + 1).c_str());
}

std::string role_for_cib(xmlDoc* doc, std::string_view role) {
  const bool new_roles = schema_version(doc) >= 307;
  if (new_roles && role == "Master") return "Promoted";
  if (new_roles && role == "Slave") return "Unpromoted";
  if (!new_roles && role == "Promoted") return "Master";
  if (!new_roles && role == "Unpromoted") return "Slave";
  return std::string(role);
}

Status bump_epoch(xmlDoc* doc, int by) {
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr || !xml::is(root, "cib")) {
    return Error(ErrorCode::kInvalidInput, "the file is not a CIB (no <cib> root element)");
  }
  const std::string epoch = xml::attr_or(root, "epoch", "0");
  char* end = nullptr;
  const long long n = std::strtoll(epoch.c_str(), &end, 10);
  if (end == epoch.c_str() || *end != '\0' || n < 0) {
    return Error(ErrorCode::kInvalidInput, "the CIB's epoch '" + epoch + "' is not a number");
  }
  xmlSetProp(root, BAD_CAST "epoch", BAD_CAST std::to_string(n + by).c_str());
  return ok_status();
}

Result<KeyValue> split_key_value(std::string_view arg) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) {
    return Error(ErrorCode::kInvalidInput, "missing value of '" + std::string(arg) + "' option");
  }
  if (eq == 0) {
    return Error(ErrorCode::kInvalidInput, "missing key in '" + std::string(arg) + "' option");
  }
  return KeyValue{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

Result<std::vector<KeyValue>> dedupe_options(const std::vector<KeyValue>& pairs) {
  std::vector<KeyValue> out;
  for (const auto& kv : pairs) {
    auto same =
        std::find_if(out.begin(), out.end(), [&](const KeyValue& o) { return o.key == kv.key; });
    if (same == out.end()) {
      out.push_back(kv);
    } else if (same->value != kv.value) {
      return Error(ErrorCode::kInvalidInput, "duplicate option '" + kv.key +
                                                 "' with different values '" + same->value +
                                                 "' and '" + kv.value + "'");
    }
  }
  return out;
}

bool is_score(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (s == "INFINITY") return true;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace vigil::admin
