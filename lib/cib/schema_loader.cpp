// SPDX-License-Identifier: GPL-2.0-or-later
#include "schema_loader.hpp"

#include <libxml/tree.h>

#include <memory>
#include <set>
#include <string>

#include "schema_files.hpp"

namespace vigil::cib::detail {

namespace {

constexpr const char* kRngNamespace = "http://relaxng.org/ns/structure/1.0";

// Includes nest two levels in practice (cib-2.rng -> parts); anything deeper
// is a cycle.
constexpr int kMaxIncludeDepth = 8;

Error internal(std::string_view file, const std::string& what) {
  return Error(ErrorCode::kInternal, "schema " + std::string(file) + ": " + what);
}

struct NodeFree {
  void operator()(xmlNode* n) const { xmlFreeNode(n); }
};

bool is_rng(const xmlNode* n, const char* local) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
         xmlStrEqual(n->ns->href, BAD_CAST kRngNamespace) && xmlStrEqual(n->name, BAD_CAST local);
}

const SchemaFile* find_file(std::string_view name) {
  for (const SchemaFile& f : schema_files()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// What an <include> element redefines: define names, and whether it has its
// own start. Both may sit inside <div>s.
struct Overrides {
  std::set<std::string> defines;
  bool start = false;
};

void collect_overrides(const xmlNode* parent, Overrides& out) {
  for (const xmlNode* c = parent->children; c; c = c->next) {
    if (is_rng(c, "define")) {
      out.defines.insert(xml::attr_or(c, "name"));
    } else if (is_rng(c, "start")) {
      out.start = true;
    } else if (is_rng(c, "div")) {
      collect_overrides(c, out);
    }
  }
}

xmlNode* new_div(xmlDoc* doc, xmlNs* ns, const xmlNode* like) {
  xmlNode* div = xmlNewDocNode(doc, ns, BAD_CAST "div", nullptr);
  // datatypeLibrary is inherited from ancestors; keep the included file's.
  if (auto lib = xml::attr(like, "datatypeLibrary")) {
    xmlSetProp(div, BAD_CAST "datatypeLibrary", BAD_CAST lib->c_str());
  }
  return div;
}

// Copies the components of the included grammar `from` into `to`, leaving
// out the ones the include element overrides. Records which overridden
// defines were found.
void copy_components(xmlDoc* doc, const xmlNode* from, xmlNode* to, const Overrides& overrides,
                     std::set<std::string>& found) {
  for (const xmlNode* c = from->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is_rng(c, "define")) {
      std::string name = xml::attr_or(c, "name");
      if (overrides.defines.count(name) != 0) {
        found.insert(name);
        continue;
      }
    } else if (is_rng(c, "start") && overrides.start) {
      continue;
    } else if (is_rng(c, "div")) {
      xmlNode* div = new_div(doc, to->ns, c);
      xmlAddChild(to, div);
      copy_components(doc, c, div, overrides, found);
      continue;
    }
    xmlAddChild(to, xmlDocCopyNode(const_cast<xmlNode*>(c), doc, 1));
  }
}

Result<xml::DocPtr> load(std::string_view name, int depth);

Status splice_includes(xmlDoc* doc, xmlNode* parent, std::string_view file, int depth);

// Replaces one <include> by a <div> holding its overriding components
// followed by the included grammar's remaining components.
Status splice_include(xmlDoc* doc, xmlNode* include, std::string_view file, int depth) {
  auto href = xml::attr(include, "href");
  if (!href) return internal(file, "include without href");
  auto included = load(*href, depth + 1);
  if (!included) return included.error();
  const xmlNode* grammar = xmlDocGetRootElement(included->get());

  Overrides overrides;
  collect_overrides(include, overrides);

  // Owned here until it takes the include's place in the tree.
  std::unique_ptr<xmlNode, NodeFree> div(new_div(doc, include->ns, grammar));
  while (xmlNode* c = include->children) {
    xmlUnlinkNode(c);
    if (c->type == XML_ELEMENT_NODE) {
      xmlAddChild(div.get(), c);
    } else {
      xmlFreeNode(c);  // comments and whitespace
    }
  }
  std::set<std::string> found;
  copy_components(doc, grammar, div.get(), overrides, found);
  for (const std::string& name : overrides.defines) {
    if (found.count(name) == 0) {
      return internal(file, "include of " + *href + " overrides '" + name + "', which " + *href +
                                " does not define");
    }
  }
  xmlReplaceNode(include, div.release());
  xmlFreeNode(include);
  return ok_status();
}

Status splice_includes(xmlDoc* doc, xmlNode* parent, std::string_view file, int depth) {
  for (xmlNode* c = parent->children; c;) {
    xmlNode* next = c->next;
    if (is_rng(c, "externalRef")) {
      return internal(file, "externalRef is not supported; use include");
    }
    Status st = is_rng(c, "include") ? splice_include(doc, c, file, depth)
                                     : splice_includes(doc, c, file, depth);
    if (!st) return st;
    c = next;
  }
  return ok_status();
}

Result<xml::DocPtr> load(std::string_view name, int depth) {
  if (depth > kMaxIncludeDepth) return internal(name, "includes nested too deeply (a cycle?)");
  const SchemaFile* file = find_file(name);
  if (file == nullptr) return internal(name, "not among the embedded schema files");
  auto doc = xml::parse_string(file->text, std::string(name));
  if (!doc) return Error(ErrorCode::kInternal, doc.error().message());
  xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!is_rng(root, "grammar")) return internal(name, "root element is not a RelaxNG grammar");
  Status st = splice_includes(doc->get(), root, name, depth);
  if (!st) return st.error();
  return std::move(*doc);
}

}  // namespace

Result<xml::DocPtr> load_schema(std::string_view name) {
  return load(name, 0);
}

}  // namespace vigil::cib::detail
