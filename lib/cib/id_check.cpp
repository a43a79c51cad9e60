// SPDX-License-Identifier: GPL-2.0-or-later
#include "id_check.hpp"

#include <initializer_list>
#include <map>
#include <string_view>
#include <vector>

#include "vigil/common/xml.hpp"

namespace vigil::cib::detail {

namespace {

// Elements whose id attribute is not a configuration id of its own: node
// ids come from the cluster layer, acl_target ids are user names, obj_ref
// (tags) may name anything, and resource_ref and role refer to an id
// defined elsewhere.
bool id_is_foreign(const xmlNode* n) {
  return xml::is(n, "node") || xml::is(n, "acl_target") || xml::is(n, "obj_ref") ||
         xml::is(n, "resource_ref") || xml::is(n, "role");
}

// Attributes that must name an existing configuration id, besides id-ref
// (which may appear on sets, nvpairs, rules and operations).
struct Reference {
  std::string_view element;
  std::initializer_list<const char*> attributes;
};

const Reference kReferences[] = {
    {"rsc_location", {"rsc"}},
    {"rsc_colocation", {"rsc", "with-rsc"}},
    {"rsc_order", {"first", "then"}},
    {"rsc_ticket", {"rsc"}},
    {"resource_ref", {"id"}},
    {"primitive", {"template"}},
    {"role", {"id"}},
    {"acl_permission", {"reference"}},
};

// Every element of the subtree, in document order.
std::vector<const xmlNode*> in_document_order(const xmlNode* top) {
  std::vector<const xmlNode*> out;
  std::vector<const xmlNode*> stack{top};
  while (!stack.empty()) {
    const xmlNode* n = stack.back();
    stack.pop_back();
    out.push_back(n);
    auto kids = xml::children(n);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

Status check_reference(const xmlNode* n, const char* attribute,
                       const std::map<std::string, const xmlNode*, std::less<>>& ids) {
  auto target = xml::attr(n, attribute);
  if (!target || ids.count(*target) != 0) return ok_status();
  return Error(ErrorCode::kInvalidInput, located("attribute '" + std::string(attribute) +
                                                     "' refers to unknown id '" + *target + "'",
                                                 n));
}

}  // namespace

std::string located(const std::string& what, const xmlNode* n) {
  return "line " + std::to_string(xmlGetLineNo(n)) + ": element '" + std::string(xml::name(n)) +
         "': " + what;
}

Status check_ids(const xmlNode* configuration) {
  const std::vector<const xmlNode*> nodes = in_document_order(configuration);

  std::map<std::string, const xmlNode*, std::less<>> ids;
  for (const xmlNode* n : nodes) {
    if (id_is_foreign(n)) continue;
    auto id = xml::attr(n, "id");
    if (!id) continue;
    auto [it, inserted] = ids.emplace(*id, n);
    if (!inserted) {
      const xmlNode* first = it->second;
      return Error(ErrorCode::kInvalidInput,
                   located("duplicate id '" + *id + "' (already used by element '" +
                               std::string(xml::name(first)) + "' at line " +
                               std::to_string(xmlGetLineNo(first)) + ")",
                           n));
    }
  }

  for (const xmlNode* n : nodes) {
    if (Status st = check_reference(n, "id-ref", ids); !st) return st;
    for (const Reference& ref : kReferences) {
      if (xml::name(n) != ref.element) continue;
      for (const char* attribute : ref.attributes) {
        if (Status st = check_reference(n, attribute, ids); !st) return st;
      }
    }
  }
  return ok_status();
}

}  // namespace vigil::cib::detail
