// SPDX-License-Identifier: GPL-2.0-or-later
// Status-section edits on an in-memory CIB, as the CIB daemon applies them.
#include "vigil/transition/status_document.hpp"

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "vigil/common/score.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::transition {

namespace {

void set(xmlNode* n, const char* name, const std::string& value) {
  xmlSetProp(n, BAD_CAST name, BAD_CAST value.c_str());
}

// The first child named `name` with this id (any id when `id` is empty).
xmlNode* first_matching(const xmlNode* parent, const char* name, const std::string& id) {
  for (xmlNode* c = parent ? parent->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && xml::is(c, name) &&
        (id.empty() || xml::attr_or(c, "id") == id)) {
      return c;
    }
  }
  return nullptr;
}

// Every attribute but the id, which matched already (or, for a container,
// stays what it was).
void copy_attributes(const xmlNode* from, xmlNode* to) {
  for (const xmlAttr* a = from->properties; a; a = a->next) {
    const char* name = reinterpret_cast<const char*>(a->name);
    if (std::string_view(name) != "id") set(to, name, xml::attr_or(from, name));
  }
}

// Sections a node_state holds once, matched by name alone: CIBs written by
// older versions gave them ids of their own ("lrm.auto-1").
bool is_container(const xmlNode* n) {
  for (const char* name : {"lrm", "lrm_resources", "transient_attributes"}) {
    if (xml::is(n, name)) return true;
  }
  return false;
}

bool is_history(const xmlNode* parent, const char* name) {
  return xml::is(parent, "lrm_resources") && std::string_view(name) == "lrm_resource";
}

// The instance_attributes holding the node's transient attributes, or null.
xmlNode* transient_set(const xmlNode* state) {
  return first_matching(first_matching(state, "transient_attributes", ""), "instance_attributes",
                        "");
}

}  // namespace

struct StatusDocument::Index {
  xmlNode* status = nullptr;
  std::unordered_map<std::string, xmlNode*> node_by_id, node_by_uname;
  // Each lrm_resources element's lrm_resource children by id, built when
  // first looked into. An id more than one entry has maps to null: crm_simulate
  // finds no entry then (its XPath lookup wants exactly one match) and
  // records into a new one.
  std::unordered_map<const xmlNode*, std::unordered_map<std::string, xmlNode*>> histories;

  static void add_history(std::unordered_map<std::string, xmlNode*>& list, const std::string& id,
                          xmlNode* entry) {
    auto [it, added] = list.emplace(id, entry);
    if (!added) it->second = nullptr;
  }

  void add_node(xmlNode* ns) {
    if (auto id = xml::attr(ns, "id")) node_by_id.emplace(*id, ns);
    if (auto uname = xml::attr(ns, "uname")) node_by_uname.emplace(*uname, ns);
  }
};

StatusDocument::StatusDocument(xmlDoc* doc) : doc_(doc) {}
StatusDocument::~StatusDocument() = default;

StatusDocument::Index& StatusDocument::index() const {
  if (!index_) {
    index_ = std::make_unique<Index>();
    index_->status = first_matching(xmlDocGetRootElement(doc_), "status", "");
    for (xmlNode* c = index_->status ? index_->status->children : nullptr; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && xml::is(c, "node_state")) index_->add_node(c);
    }
  }
  return *index_;
}

xmlNode* StatusDocument::find_node_state(const std::string& uuid, const std::string& uname) const {
  Index& ix = index();
  if (auto it = ix.node_by_id.find(uuid); !uuid.empty() && it != ix.node_by_id.end()) {
    return it->second;
  }
  auto it = ix.node_by_uname.find(uname);
  return (!uname.empty() && it != ix.node_by_uname.end()) ? it->second : nullptr;
}

xmlNode* StatusDocument::node_state(const std::string& uuid, const std::string& uname) {
  if (xmlNode* ns = find_node_state(uuid, uname)) return ns;
  Index& ix = index();
  if (!ix.status) {
    ix.status = xmlNewChild(xmlDocGetRootElement(doc_), nullptr, BAD_CAST "status", nullptr);
  }
  xmlNode* ns = xmlNewChild(ix.status, nullptr, BAD_CAST "node_state", nullptr);
  set(ns, "id", uuid.empty() ? uname : uuid);
  if (!uname.empty()) set(ns, "uname", uname);
  ix.add_node(ns);
  return ns;
}

xmlNode* StatusDocument::child(xmlNode* parent, const char* name, const std::string& id) const {
  if (id.empty() || !is_history(parent, name)) return first_matching(parent, name, id);
  auto [list, fresh] = index().histories.try_emplace(parent);
  if (fresh) {
    for (xmlNode* c = parent->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && xml::is(c, name)) {
        Index::add_history(list->second, xml::attr_or(c, "id"), c);
      }
    }
  }
  auto it = list->second.find(id);
  return it == list->second.end() ? nullptr : it->second;
}

xmlNode* StatusDocument::ensure_child(xmlNode* parent, const char* name, const std::string& id) {
  if (xmlNode* c = child(parent, name, id)) return c;
  xmlNode* c = xmlNewChild(parent, nullptr, BAD_CAST name, nullptr);
  if (id.empty()) return c;
  set(c, "id", id);
  if (is_history(parent, name)) Index::add_history(index().histories[parent], id, c);
  return c;
}

void StatusDocument::merge(const xmlNode* from, xmlNode* to) {
  for (const xmlNode* c = from->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    const char* name = reinterpret_cast<const char*>(c->name);
    const std::string id = xml::attr_or(c, "id");
    xmlNode* mine = is_container(c) ? first_matching(to, name, "") : nullptr;
    if (!mine) mine = ensure_child(to, name, id);
    copy_attributes(c, mine);
    merge(c, mine);
  }
}

Status StatusDocument::apply(std::string_view node_state_xml) {
  auto update = xml::parse_string(node_state_xml, "status update");
  if (!update) return update.error();
  const xmlNode* in = xmlDocGetRootElement(update->get());
  const std::string id = xml::attr_or(in, "id");
  if (id.empty() || !xml::is(in, "node_state")) {
    return Error(ErrorCode::kInvalidInput,
                 "status update: a <node_state> with an id expected, not " +
                     xml::to_string(in, false).substr(0, 80));
  }
  xmlNode* ns = node_state(id, xml::attr_or(in, "uname"));
  copy_attributes(in, ns);
  merge(in, ns);
  index().add_node(ns);  // a uname it did not have
  return ok_status();
}

Result<int> StatusDocument::erase(const std::string& xpath) {
  std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx(xmlXPathNewContext(doc_),
                                                                       &xmlXPathFreeContext);
  if (!ctx) return Error(ErrorCode::kInternal, "no memory for an XPath context");
  // A handler of our own keeps libxml2 from printing to stderr (the error
  // says which XPath failed; libxml2 2.9 gives no message with it).
  ctx->error = [](void*, xmlErrorPtr) {};
  std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> found(
      xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx.get()), &xmlXPathFreeObject);
  if (!found) return Error(ErrorCode::kInvalidInput, "cannot evaluate XPath '" + xpath + "'");
  if (!found->nodesetval) return 0;
  const std::vector<xmlNode*> doomed(found->nodesetval->nodeTab,
                                     found->nodesetval->nodeTab + found->nodesetval->nodeNr);
  const std::unordered_set<const xmlNode*> selected(doomed.begin(), doomed.end());
  // Descendants of another selected element go with it: the outermost are
  // chosen before anything is freed (freeing one frees the selected
  // elements inside it, which must not be read afterwards).
  std::vector<xmlNode*> outermost;
  for (xmlNode* n : doomed) {
    bool inside = false;
    for (xmlNode* p = n->parent; p && !inside; p = p->parent) {
      inside = selected.count(p) != 0;
    }
    if (!inside && n->type == XML_ELEMENT_NODE) outermost.push_back(n);
  }
  for (xmlNode* n : outermost) {
    // A history record or an attribute is in no index; anything larger may
    // hold indexed elements.
    if (!xml::is(n, "lrm_rsc_op") && !xml::is(n, "nvpair")) index_.reset();
    xmlUnlinkNode(n);
    xmlFreeNode(n);
  }
  return static_cast<int>(outermost.size());
}

std::string StatusDocument::set_attribute(const std::string& node_uuid,
                                          const std::string& node_name, const std::string& name,
                                          const std::string& value) {
  xmlNode* ns = node_state(node_uuid, node_name);
  const std::string id = xml::attr_or(ns, "id");
  xmlNode* attrs = ensure_child(ns, "transient_attributes", "");
  if (!xml::has_attr(attrs, "id")) set(attrs, "id", id);
  xmlNode* inst = first_matching(attrs, "instance_attributes", "");
  if (!inst) inst = ensure_child(attrs, "instance_attributes", "status-" + id);
  xmlNode* nv = nullptr;
  for (xmlNode* c = inst->children; c && !nv; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && xml::is(c, "nvpair") && xml::attr_or(c, "name") == name) {
      nv = c;
    }
  }
  if (!nv) {
    nv = xmlNewChild(inst, nullptr, BAD_CAST "nvpair", nullptr);
    set(nv, "id", "status-" + id + "-" + name);
    set(nv, "name", name);
  }
  std::string v = value;
  if (value == "value++") {
    v = (parse_score_lenient(xml::attr_or(nv, "value", "0")) + Score(1)).str();
  }
  set(nv, "value", v);
  return id;
}

int StatusDocument::remove_attributes(const std::string& node_uuid,
                                      const std::function<bool(std::string_view)>& which) {
  xmlNode* ns = find_node_state(node_uuid, "");
  xmlNode* inst = ns ? transient_set(ns) : nullptr;
  if (!inst) return 0;
  int removed = 0;
  for (xmlNode* nv : xml::children(inst, "nvpair")) {
    if (!which(xml::attr_or(nv, "name"))) continue;
    xmlUnlinkNode(nv);
    xmlFreeNode(nv);
    ++removed;
  }
  return removed;
}

bool StatusDocument::has_history(const std::string& node_uuid, const std::string& node_name,
                                 const std::string& rsc) const {
  xmlNode* lrm = first_matching(find_node_state(node_uuid, node_name), "lrm", "");
  xmlNode* list = first_matching(lrm, "lrm_resources", "");
  return list && child(list, "lrm_resource", rsc);
}

int StatusDocument::next_call_id(const std::string& node_uuid, const std::string& node_name,
                                 const std::string& rsc) const {
  int highest = 0;
  xmlNode* lrm = first_matching(find_node_state(node_uuid, node_name), "lrm", "");
  xmlNode* list = first_matching(lrm, "lrm_resources", "");
  xmlNode* history = list ? child(list, "lrm_resource", rsc) : nullptr;
  for (xmlNode* op = history ? history->children : nullptr; op; op = op->next) {
    if (op->type == XML_ELEMENT_NODE && xml::is(op, "lrm_rsc_op")) {
      highest = std::max(highest, std::atoi(xml::attr_or(op, "call-id", "0").c_str()));
    }
  }
  return highest + 1;
}

}  // namespace vigil::transition
