// SPDX-License-Identifier: GPL-2.0-or-later
#include "schema_hints.hpp"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string_view>

#include "vigil/common/xml.hpp"

namespace vigil::cib::detail {

namespace {

bool has_any(const xmlNode* n, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (xml::has_attr(n, name)) return true;
  }
  return false;
}

bool has_child(const xmlNode* n, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (xml::first_child(n, name) != nullptr) return true;
  }
  return false;
}

bool in_status(const xmlNode* n) {
  for (const xmlNode* p = n; p != nullptr; p = p->parent) {
    if (xml::is(p, "status")) return true;
  }
  return false;
}

// Configuration elements that carry an id (or, where allowed, an id-ref).
bool needs_id(std::string_view element) {
  static constexpr std::string_view kNames[] = {"primitive",
                                                "template",
                                                "group",
                                                "clone",
                                                "master",
                                                "bundle",
                                                "op",
                                                "meta_attributes",
                                                "instance_attributes",
                                                "utilization",
                                                "cluster_property_set",
                                                "nvpair",
                                                "rule",
                                                "expression",
                                                "date_expression",
                                                "date_spec",
                                                "duration",
                                                "rsc_expression",
                                                "op_expression",
                                                "rsc_location",
                                                "rsc_colocation",
                                                "rsc_order",
                                                "rsc_ticket",
                                                "resource_set",
                                                "resource_ref",
                                                "fencing-level",
                                                "acl_target",
                                                "acl_group",
                                                "acl_role",
                                                "acl_permission",
                                                "role",
                                                "tag",
                                                "obj_ref",
                                                "alert",
                                                "recipient",
                                                "attribute",
                                                "port-mapping",
                                                "storage-mapping",
                                                "node"};
  for (std::string_view name : kNames) {
    if (element == name) return true;
  }
  return false;
}

// Attributes an element cannot do without (beyond its id).
struct Required {
  std::string_view element;
  std::initializer_list<const char*> attributes;
};

const char* missing_required(const xmlNode* n) {
  static const Required kRequired[] = {
      {"op", {"name", "interval"}},
      {"expression", {"attribute", "operation"}},
      {"date_expression", {"operation"}},
      {"op_expression", {"name"}},
      {"rsc_ticket", {"ticket"}},
      {"fencing-level", {"index", "devices"}},
      {"node", {"uname"}},
      {"alert", {"path"}},
      {"recipient", {"value"}},
      {"acl_permission", {"kind"}},
      {"storage-mapping", {"target-dir"}},
  };
  for (const Required& r : kRequired) {
    if (xml::name(n) != r.element) continue;
    for (const char* attribute : r.attributes) {
      if (!xml::has_attr(n, attribute)) return attribute;
    }
  }
  return nullptr;
}

bool is_score(std::string_view v) {
  if (v == "INFINITY" || v == "+INFINITY" || v == "-INFINITY") return true;
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) v.remove_prefix(1);
  if (v.empty()) return false;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string constraint_hint(const xmlNode* n) {
  const bool has_set = has_child(n, {"resource_set"});
  if (xml::is(n, "rsc_location")) {
    if (!has_set && !has_any(n, {"rsc", "rsc-pattern"})) {
      return "names no resource (rsc, rsc-pattern or resource_set)";
    }
    if (!has_child(n, {"rule"}) && !(xml::has_attr(n, "score") && xml::has_attr(n, "node"))) {
      return "needs score and node, or rules";
    }
  } else if (xml::is(n, "rsc_colocation")) {
    if (!has_set && !(xml::has_attr(n, "rsc") && xml::has_attr(n, "with-rsc"))) {
      return "names no resources (rsc and with-rsc, or resource_set)";
    }
  } else if (xml::is(n, "rsc_order")) {
    if (!has_set && !(xml::has_attr(n, "first") && xml::has_attr(n, "then"))) {
      return "names no resources (first and then, or resource_set)";
    }
  } else if (xml::is(n, "rsc_ticket")) {
    if (!has_set && !xml::has_attr(n, "rsc")) return "names no resource (rsc or resource_set)";
  }
  return {};
}

// A role name the document's schema version does not have yet: Promoted and
// Unpromoted are pacemaker-3.7 names (before it, Master and Slave).
std::string role_hint(const xmlNode* n) {
  const xmlNode* root = n->doc ? xmlDocGetRootElement(n->doc) : nullptr;
  const std::string version = root ? xml::attr_or(root, "validate-with") : std::string();
  constexpr std::string_view kOld[] = {"pacemaker-3.0", "pacemaker-3.1", "pacemaker-3.2",
                                       "pacemaker-3.3", "pacemaker-3.4", "pacemaker-3.5",
                                       "pacemaker-3.6"};
  if (std::find(std::begin(kOld), std::end(kOld), version) == std::end(kOld)) return {};
  for (const char* attribute : {"role", "rsc-role", "with-rsc-role"}) {
    auto value = xml::attr(n, attribute);
    if (value && (*value == "Promoted" || *value == "Unpromoted")) {
      return "role '" + *value + "' needs validate-with pacemaker-3.7 or later (" + version +
             " has Master and Slave)";
    }
  }
  return {};
}

}  // namespace

std::string hint_for(const xmlNode* n) {
  if (n == nullptr || n->type != XML_ELEMENT_NODE || in_status(n)) return {};
  if (needs_id(xml::name(n)) && !has_any(n, {"id", "id-ref"})) return "no 'id' attribute";
  if (const char* attribute = missing_required(n)) {
    return "no '" + std::string(attribute) + "' attribute";
  }
  if (auto score = xml::attr(n, "score"); score && !is_score(*score)) {
    return "score '" + *score + "' is neither an integer nor [+-]INFINITY";
  }
  if (std::string hint = role_hint(n); !hint.empty()) return hint;
  if (std::string hint = constraint_hint(n); !hint.empty()) return hint;
  // Nesting Pacemaker's grammar refuses (and its unpacking ignores when
  // validation is off): a group's members are primitives, a clone holds one
  // primitive or group.
  const xmlNode* parent = n->parent;
  const bool collective =
      xml::is(n, "clone") || xml::is(n, "master") || xml::is(n, "group") || xml::is(n, "bundle");
  if (collective && parent && xml::is(parent, "group")) {
    return "a group's members are primitives only, not a " + std::string(xml::name(n));
  }
  if (collective && !xml::is(n, "group") && parent &&
      (xml::is(parent, "clone") || xml::is(parent, "master"))) {
    return "a clone holds one primitive or group, not a " + std::string(xml::name(n));
  }
  if (xml::is(n, "group") && !has_child(n, {"primitive"})) {
    return "a group needs at least one primitive";
  }
  if ((xml::is(n, "clone") || xml::is(n, "master")) && !has_child(n, {"primitive", "group"})) {
    return "a clone needs a primitive or a group";
  }
  return {};
}

}  // namespace vigil::cib::detail
