// SPDX-License-Identifier: GPL-2.0-or-later
#include "tree_hash.hpp"

#include <array>
#include <cstdio>

#include "vigil/common/xml.hpp"

namespace vigil::cibd {

void TreeHash::element(const xmlNode* n) {
  open(n);
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) attribute(a);
  children(n);
  close();
}

void TreeHash::sum(const TreeSum& s) {
  byte('e');
  for (std::uint64_t v : {s.h, s.count}) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(v >> (8 * i)));
  }
}

void TreeHash::open(const xmlNode* n) {
  byte('<');
  text(n->name);
}

void TreeHash::attribute(const xmlAttr* a) {
  byte(' ');
  text(a->name);
  byte('=');
  const xmlNode* v = a->children;
  if (v == nullptr) {
    byte(0);
  } else if (v->type == XML_TEXT_NODE && v->next == nullptr) {
    text(v->content);  // the usual case: no allocation
  } else {
    xml::XmlCharPtr joined(xmlNodeListGetString(a->doc, v, 1));
    text(joined.get());
  }
}

void TreeHash::children(const xmlNode* n) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      element(c);
    } else {
      leaf(c);
    }
  }
}

void TreeHash::leaf(const xmlNode* c) {
  switch (c->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      byte('t');
      text(c->content);
      break;
    case XML_COMMENT_NODE:
      byte('c');
      text(c->content);
      break;
    default:
      break;
  }
}

void TreeHash::text(const xmlChar* p) {
  if (p != nullptr) {
    for (; *p != 0; ++p) byte(*p);
  }
  byte(0);
}

std::string TreeHash::hex() const {
  std::array<char, 40> buf{};
  const int n =
      std::snprintf(buf.data(), buf.size(), "%016llx-%llx", static_cast<unsigned long long>(h_),
                    static_cast<unsigned long long>(count_));
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace vigil::cibd
