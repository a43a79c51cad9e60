// SPDX-License-Identifier: GPL-2.0-or-later
#include "journal.hpp"

#include <algorithm>

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

Journal::Path Journal::path_of(const xmlNode* n) {
  Path path;
  for (; n != nullptr && n->parent != nullptr && n->type != XML_DOCUMENT_NODE; n = n->parent) {
    std::size_t i = 0;
    for (const xmlNode* s = n->prev; s != nullptr; s = s->prev) ++i;
    path.push_back(i);
  }
  return Path(path.rbegin(), path.rend());
}

// Path element 0 is the root element's position among the document's children.
xmlNode* Journal::at(const Path& path) const {
  xmlNode* n = reinterpret_cast<xmlNode*>(doc_);
  for (std::size_t i : path) {
    n = n->children;
    for (std::size_t k = 0; k < i && n != nullptr; ++k) n = n->next;
    if (n == nullptr) return nullptr;
  }
  return n;
}

bool Journal::inside_added(const xmlNode* n) const {
  const Path p = path_of(n);
  for (const Entry& e : entries_) {
    if (e.kind == Kind::kAdded && e.path.size() <= p.size() &&
        std::equal(e.path.begin(), e.path.end(), p.begin())) {
      return true;
    }
  }
  return false;
}

void Journal::snapshot_attributes(xmlNode* n) {
  if (inside_added(n)) return;
  entries_.push_back({Kind::kAttributes, path_of(n), 0, xmlCopyNode(n, 2)});
}

std::vector<const xmlNode*> Journal::touched() const {
  std::vector<const xmlNode*> out;
  for (const Entry& e : entries_) {
    if (const xmlNode* n = at(e.path)) out.push_back(n);
  }
  return out;
}

std::vector<const xmlNode*> Journal::detached() const {
  std::vector<const xmlNode*> out;
  for (const Entry& e : entries_) {
    if ((e.kind == Kind::kRemoved || e.kind == Kind::kReplaced) && e.other != nullptr) {
      out.push_back(e.other);
    }
  }
  return out;
}

void Journal::added(xmlNode* n) {
  entries_.push_back({Kind::kAdded, path_of(n), 0, nullptr});
}

void Journal::remove(xmlNode* n) {
  const Path path = path_of(n);
  Entry e{Kind::kRemoved, Path(path.begin(), path.end() - 1), path.back(), n};
  xmlUnlinkNode(n);
  entries_.push_back(std::move(e));
}

void Journal::replace(xmlNode* old, xmlNode* replacement) {
  xmlReplaceNode(old, replacement);
  entries_.push_back({Kind::kReplaced, path_of(replacement), 0, old});
}

void Journal::commit() {
  done_ = true;
  for (Entry& e : entries_) {
    if (e.other != nullptr) xmlFreeNode(e.other);
    e.other = nullptr;
  }
}

void Journal::rollback() {
  done_ = true;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    Entry& e = *it;
    xmlNode* n = at(e.path);
    switch (e.kind) {
      case Kind::kReplaced:
        if (n != nullptr) {
          xmlReplaceNode(n, e.other);
          xmlFreeNode(n);
          e.other = nullptr;
        }
        break;
      case Kind::kAttributes:
        if (n != nullptr) {
          xmlFreePropList(n->properties);
          n->properties = xmlCopyPropList(n, e.other->properties);
        }
        break;
      case Kind::kAdded:
        if (n != nullptr) {
          xmlUnlinkNode(n);
          xmlFreeNode(n);
        }
        break;
      case Kind::kRemoved: {
        if (n == nullptr) break;
        xmlNode* next = n->children;
        for (std::size_t k = 0; k < e.index && next != nullptr; ++k) next = next->next;
        if (next != nullptr) {
          xmlAddPrevSibling(next, e.other);
        } else {
          xmlAddChild(n, e.other);
        }
        e.other = nullptr;
        break;
      }
    }
  }
  for (Entry& e : entries_) {  // anything not put back (a path gone: a bug)
    if (e.other != nullptr) xmlFreeNode(e.other);
    e.other = nullptr;
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
