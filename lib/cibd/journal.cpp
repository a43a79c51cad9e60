// SPDX-License-Identifier: GPL-2.0-or-later
#include "journal.hpp"

#include "vigil/common/xml.hpp"

namespace vigil::cibd {
namespace {

void set_attr(xmlNode* n, const std::string& name, const std::string& value) {
  xmlSetProp(n, reinterpret_cast<const xmlChar*>(name.c_str()),
             reinterpret_cast<const xmlChar*>(value.c_str()));
}

}  // namespace

Journal::Journal(xmlDoc* doc) : doc_(doc) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  for (const xmlAttr* a = root->properties; a != nullptr; a = a->next) {
    const char* name = reinterpret_cast<const char*>(a->name);
    root_attrs_.emplace_back(name, xml::attr_or(root, name));
  }
}

Journal::~Journal() {
  if (!done_) rollback();
}

void Journal::snapshot(xmlNode* n) {
  for (xmlNode* p = n; p != nullptr; p = p->parent) {
    for (const Entry& e : entries_) {
      if (e.kind == Kind::kAdded && e.node == p) return;
    }
  }
  entries_.push_back({Kind::kSnapshot, n, xmlCopyNode(n, 1), nullptr, nullptr});
}

void Journal::added(xmlNode* n) {
  entries_.push_back({Kind::kAdded, n, nullptr, nullptr, nullptr});
}

void Journal::remove(xmlNode* n) {
  entries_.push_back({Kind::kRemoved, n, nullptr, n->parent, n->next});
  xmlUnlinkNode(n);
}

void Journal::replace(xmlNode* old, xmlNode* replacement) {
  xmlReplaceNode(old, replacement);
  entries_.push_back({Kind::kReplaced, replacement, old, nullptr, nullptr});
}

void Journal::commit() {
  done_ = true;
  for (Entry& e : entries_) {
    if (e.kind == Kind::kSnapshot) xmlFreeNode(e.other);
    if (e.kind == Kind::kRemoved) xmlFreeNode(e.node);
    if (e.kind == Kind::kReplaced) xmlFreeNode(e.other);
  }
}

void Journal::rollback() {
  done_ = true;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    Entry& e = *it;
    switch (e.kind) {
      case Kind::kSnapshot:
      case Kind::kReplaced:
        xmlReplaceNode(e.node, e.other);
        xmlFreeNode(e.node);
        break;
      case Kind::kAdded:
        xmlUnlinkNode(e.node);
        xmlFreeNode(e.node);
        break;
      case Kind::kRemoved:
        if (e.next != nullptr) {
          xmlAddPrevSibling(e.next, e.node);
        } else {
          xmlAddChild(e.parent, e.node);
        }
        break;
    }
  }
  // Root attributes: values back in place (order kept), additions removed.
  xmlNode* root = xmlDocGetRootElement(doc_);
  std::vector<std::string> extra;
  for (const xmlAttr* a = root->properties; a != nullptr; a = a->next) {
    const std::string name(reinterpret_cast<const char*>(a->name));
    bool known = false;
    for (const auto& [n, v] : root_attrs_) known = known || n == name;
    if (!known) extra.push_back(name);
  }
  for (const std::string& name : extra) {
    xmlUnsetProp(root, reinterpret_cast<const xmlChar*>(name.c_str()));
  }
  for (const auto& [name, value] : root_attrs_) set_attr(root, name, value);
}

}  // namespace vigil::cibd
