// SPDX-License-Identifier: GPL-2.0-or-later
// The status section's structure, checked in code (see validate_cib): the
// records the scheduler reads must have their ids and numeric fields; any
// other attribute or record is accepted, as Pacemaker does.
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "id_check.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cib::detail {

namespace {

Error bad(const std::string& what, const xmlNode* n) {
  return Error(ErrorCode::kInvalidInput, located(what, n));
}

Status check_nvset(const xmlNode* set) {
  for (const xmlNode* nv : xml::children(set)) {
    if (!xml::is(nv, "nvpair")) return bad("unexpected element in a status attribute set", nv);
    if (!xml::has_attr(nv, "name")) return bad("nvpair without a name", nv);
  }
  return ok_status();
}

bool is_integer(std::string_view v) {
  if (v.empty()) return false;
  size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
  if (i == v.size()) return false;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

Error bad_at(const std::string& what, const HistoryElement& e) {
  return Error(ErrorCode::kInvalidInput, "line " + std::to_string(e.line) + ": element '" +
                                             std::string(e.name) + "': " + what);
}

// The element as a view, for the checks a streaming reader makes too.
struct TreeElement {
  std::vector<AttrView> attrs;
  HistoryElement view;
  TreeElement(const xmlNode* n, std::string_view parent) {
    for (const xmlAttr* a = n->properties; a; a = a->next) {
      const char* text = a->children && a->children->content
                             ? reinterpret_cast<const char*>(a->children->content)
                             : "";
      attrs.emplace_back(reinterpret_cast<const char*>(a->name), text);
    }
    view.name = xml::name(n);
    view.parent = parent;
    view.line = xmlGetLineNo(n);
    view.attrs = attrs;
  }
};

Status check_lrm_resource(const xmlNode* r) {
  if (auto st = check_history_element(TreeElement(r, "lrm_resources").view); !st) return st;
  for (const xmlNode* op = r->children; op; op = op->next) {
    if (op->type != XML_ELEMENT_NODE) continue;
    if (auto st = check_history_element(TreeElement(op, "lrm_resource").view); !st) return st;
  }
  return ok_status();
}

Status check_lrm(const xmlNode* lrm) {
  for (const xmlNode* lrs : xml::children(lrm)) {
    if (!xml::is(lrs, "lrm_resources")) return bad("unexpected element in lrm", lrs);
    for (const xmlNode* r : xml::children(lrs)) {
      if (auto st = check_lrm_resource(r); !st) return st;
    }
  }
  return ok_status();
}

}  // namespace

// One pass over the element's attributes: there are hundreds of thousands.
Status check_history_element(const HistoryElement& e) {
  if (e.parent == "lrm_resources") {
    if (e.name != "lrm_resource") return bad_at("unexpected element in lrm_resources", e);
    for (const auto& [name, value] : e.attrs) {
      if (name == "id") return ok_status();
    }
    return bad_at("lrm_resource without an id", e);
  }
  if (e.name != "lrm_rsc_op") return bad_at("unexpected element in lrm_resource", e);
  bool has_id = false, has_operation = false;
  for (const auto& [name, value] : e.attrs) {
    if (name == "id") {
      has_id = true;
    } else if (name == "operation") {
      has_operation = true;
    } else if ((name == "call-id" || name == "rc-code" || name == "op-status" ||
                name == "interval") &&
               !is_integer(value)) {
      return bad_at(
          "attribute '" + std::string(name) + "' is not an integer: '" + std::string(value) + "'",
          e);
    }
  }
  if (!has_id) return bad_at("lrm_rsc_op without an id", e);
  if (!has_operation) return bad_at("lrm_rsc_op without an operation", e);
  return ok_status();
}

Status check_status(const xmlNode* status) {
  for (const xmlNode* c : xml::children(status)) {
    if (auto st = check_status_entry(c); !st) return st;
  }
  return ok_status();
}

Status check_status_part(const xmlNode* n) {
  // Inside one resource's history (the usual update: a result recorded),
  // that history is all that can have changed.
  for (const xmlNode* p = n; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
    if (xml::is(p, "lrm_resource") && p->parent != nullptr && xml::is(p->parent, "lrm_resources")) {
      return check_lrm_resource(p);
    }
    if (xml::is(p, "status")) break;
  }
  const xmlNode* entry = n;
  while (entry->parent != nullptr && entry->parent->type == XML_ELEMENT_NODE &&
         !xml::is(entry->parent, "status")) {
    entry = entry->parent;
  }
  return check_status_entry(entry);
}

Status check_status_entry(const xmlNode* c) {
  if (xml::is(c, "node_state")) {
    for (const xmlNode* part : xml::children(c)) {
      if (xml::is(part, "lrm")) {
        if (auto st = check_lrm(part); !st) return st;
      } else if (xml::is(part, "transient_attributes")) {
        for (const xmlNode* set : xml::children(part)) {
          if (!(xml::is(set, "instance_attributes") || xml::is(set, "utilization"))) {
            return bad("unexpected element in transient_attributes", set);
          }
          if (auto st = check_nvset(set); !st) return st;
        }
      }
    }
  } else if (xml::is(c, "tickets")) {
    for (const xmlNode* t : xml::children(c)) {
      if (!xml::is(t, "ticket_state")) return bad("unexpected element in tickets", t);
      if (!xml::has_attr(t, "id")) return bad("ticket_state without an id", t);
    }
  }
  return ok_status();
}

}  // namespace vigil::cib::detail
