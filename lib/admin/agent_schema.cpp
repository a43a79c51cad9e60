// SPDX-License-Identifier: GPL-2.0-or-later
// The checks pcs makes of an agent's meta-data before it reads it: pcs
// validates OCF 1.0 and 1.1 documents against relaxed schemas of its own and
// refuses the agent with libxml2's validation message. Vigil checks the
// rules real agents trip over (the root and its children, the attributes of
// the root, parameters and actions, and their values) and words the first
// problem as libxml2 does.
#include <set>
#include <string>

#include "vigil/admin/agent.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

using Names = std::set<std::string, std::less<>>;

// Allowed attributes of one element: all, those holding 0 or 1, those
// holding a role name, and the one that must be there.
struct ElementRule {
  Names allowed;
  Names boolean;
  Names role;
};

bool is_boolean(const std::string& v) {
  return v == "0" || v == "1";
}

bool is_role(const std::string& v) {
  return v == "Master" || v == "Slave" || v == "Promoted" || v == "Unpromoted";
}

std::string line_of(const xmlNode* n) {
  return ", line " + std::to_string(xmlGetLineNo(n));
}

std::string name_of(const xmlNode* n) {
  return reinterpret_cast<const char*>(n->name);
}

// libxml2's words for the first attribute the rule refuses, or for a
// missing name; empty when the element's attributes are valid.
std::string attribute_problem(const xmlNode* n, const ElementRule& rule) {
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    const std::string attr = reinterpret_cast<const char*>(a->name);
    const std::string value = xml::attr_or(n, attr.c_str());
    const bool bad = !rule.allowed.contains(attr) ||
                     (rule.boolean.contains(attr) && !is_boolean(value)) ||
                     (rule.role.contains(attr) && !is_role(value));
    if (bad) return "Invalid attribute " + attr + " for element " + name_of(n) + line_of(n);
  }
  if (!xml::attr(n, "name"))
    return "Element " + name_of(n) + " failed to validate attributes" + line_of(n);
  return {};
}

std::string element_problems(const xmlNode* parent, const char* child, const ElementRule& rule) {
  for (const xmlNode* c : xml::children(parent, child)) {
    if (auto p = attribute_problem(c, rule); !p.empty()) return p;
  }
  return {};
}

}  // namespace

std::string trimmed(const std::string& s) {
  constexpr const char* kSpace = " \t\n\r\v\f";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::string ocf_schema_problem(const xmlNode* root) {
  if (root == nullptr) return "Document is empty";
  if (!xml::is(root, "resource-agent")) {
    return "Expecting element resource-agent, got " + name_of(root) + line_of(root);
  }
  std::string version = "1.0";
  if (const xmlNode* v = xml::first_child(root, "version")) {
    auto* content = xmlNodeGetContent(v);
    version = trimmed(content ? reinterpret_cast<const char*>(content) : "");
    xmlFree(content);
  }
  // Other versions are not validated: pcs refuses them by name.
  if (version != "1.0" && version != "1.1") return {};
  const bool v10 = version == "1.0";
  const ElementRule agent{
      v10 ? Names{"name", "version", "shortdesc"} : Names{"name", "version"}, {}, {}};
  const ElementRule parameter{
      v10 ? Names{"name", "shortdesc", "unique", "required", "deprecated", "obsoletes"}
          : Names{"name", "unique-group", "unique", "required", "reloadable"},
      v10 ? Names{"unique", "required", "deprecated"} : Names{"unique", "required", "reloadable"},
      {}};
  const ElementRule action{Names{"name", "timeout", "interval", "start-delay", "depth", "role",
                                 "on_target", "automatic"},
                           Names{"on_target", "automatic"}, v10 ? Names{"role"} : Names{}};
  if (auto p = attribute_problem(root, agent); !p.empty()) return p;
  const Names children =
      v10 ? Names{"version", "longdesc", "shortdesc",  "parameters",
                  "actions", "special",  "vendor-url", "symlink"}
          : Names{"version", "longdesc", "shortdesc", "parameters", "actions", "special"};
  for (const xmlNode* c : xml::children(root)) {
    if (!children.contains(name_of(c))) {
      return "Element resource-agent has extra content: " + name_of(c) + line_of(c);
    }
  }
  if (const xmlNode* params = xml::first_child(root, "parameters")) {
    if (auto p = element_problems(params, "parameter", parameter); !p.empty()) return p;
  }
  if (const xmlNode* actions = xml::first_child(root, "actions")) {
    if (auto p = element_problems(actions, "action", action); !p.empty()) return p;
  }
  return {};
}

}  // namespace vigil::admin
