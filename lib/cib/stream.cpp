// SPDX-License-Identifier: GPL-2.0-or-later
// The streaming CIB reader. A steady-state CIB is nearly all status: every
// resource's probe and monitor history on every node, 140 MB at 64 nodes and
// 4000 resources. As a whole tree that is gigabytes of libxml2 nodes held
// only to be copied into the model; here each <node_state> exists as a tree
// only while it is checked and turned into the model.
#include <libxml/xmlreader.h>

#include <cstring>
#include <memory>
#include <unordered_map>

#include "parse_internal.hpp"
#include "vigil/cib/cib.hpp"

namespace vigil::cib {

namespace {

struct ReaderFree {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};
using ReaderPtr = std::unique_ptr<xmlTextReader, ReaderFree>;

// The first error libxml2 reports, with its line.
struct FirstError {
  std::string text;
  static void on_error(void* self, const xmlError* err) {
    auto* me = static_cast<FirstError*>(self);
    if (!me->text.empty() || err == nullptr) return;
    std::string msg = err->message ? err->message : "unknown XML error";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    me->text = "line " + std::to_string(err->line) + ": " + msg;
  }
};

bool named(const xmlNode* n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

void index_ids(const xmlNode* n, std::unordered_map<std::string, const xmlNode*>& ids) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (auto id = xml::attr(c, "id")) ids.emplace(*id, c);  // the first definition wins
    index_ids(c, ids);
  }
}

const xmlNode* find_id(const xmlNode* n, const std::string& id) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xml::attr(c, "id") == id) return c;
    if (const xmlNode* found = find_id(c, id)) return found;
  }
  return nullptr;
}

}  // namespace

Result<std::unique_ptr<Cib>> Cib::from_file_streaming(const std::string& path,
                                                      const StreamChecks& checks) {
  xml::init();
  ReaderPtr reader(xmlReaderForFile(path.c_str(), nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_HUGE));
  if (!reader) return Error(ErrorCode::kIo, "cannot read " + path);
  FirstError errors;
  xmlTextReaderSetStructuredErrorHandler(
      reader.get(), [](void* self, xmlErrorPtr e) { FirstError::on_error(self, e); }, &errors);
  auto malformed = [&] {
    return Error(ErrorCode::kInvalidInput,
                 path + ": malformed XML" + (errors.text.empty() ? "" : " (" + errors.text + ")"));
  };

  // Everything but the node_state elements, copied as it is read.
  xml::DocPtr rest(xmlNewDoc(BAD_CAST "1.0"));
  xmlNode* root = nullptr;
  xmlNode* status = nullptr;
  std::vector<NodeState> states;
  std::optional<Error> failed_check;
  // id-refs in a node_state resolve within it first, then in what came
  // before it: the configuration (indexed on first use) and the earlier
  // node_states' attribute sets, which are small and kept for that.
  std::unordered_map<std::string, const xmlNode*> ids_before;
  bool ids_indexed = false;
  xml::DocPtr kept(xmlNewDoc(BAD_CAST "1.0"));
  xmlNode* kept_root = xmlNewDocNode(kept.get(), nullptr, BAD_CAST "kept", nullptr);
  xmlDocSetRootElement(kept.get(), kept_root);

  int ret = xmlTextReaderRead(reader.get());
  while (ret == 1) {
    if (xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT) {
      ret = xmlTextReaderRead(reader.get());
      continue;
    }
    const int depth = xmlTextReaderDepth(reader.get());
    xmlNode* cur = xmlTextReaderCurrentNode(reader.get());
    if (depth == 0 || (depth == 1 && named(cur, "status"))) {
      // Only the element itself: its children are read one by one.
      xmlNode* copy = xmlDocCopyNode(cur, rest.get(), 2);
      if (!copy) return Error(ErrorCode::kInternal, path + ": out of memory");
      if (depth == 0) {
        root = copy;
        xmlDocSetRootElement(rest.get(), root);
      } else {
        status = copy;
        xmlAddChild(root, status);
      }
      ret = xmlTextReaderRead(reader.get());
      continue;
    }
    xmlNode* tree = xmlTextReaderExpand(reader.get());
    if (!tree) return malformed();
    if (depth == 2 && named(tree, "node_state")) {
      if (!failed_check && checks.node_state) {
        if (auto st = checks.node_state(tree); !st) failed_check = st.error();
      }
      if (!failed_check) {
        auto resolve = [&](const std::string& id) -> const xmlNode* {
          if (const xmlNode* own = find_id(tree, id)) return own;
          if (!ids_indexed) {
            index_ids(root, ids_before);
            ids_indexed = true;
          }
          auto it = ids_before.find(id);
          if (it != ids_before.end()) return it->second;
          return find_id(kept_root, id);
        };
        auto state = detail::parse_node_state(tree, resolve);
        if (!state) return state.error().with_context(path);
        states.push_back(std::move(state).value());
        for (const xmlNode* c = tree->children; c; c = c->next) {
          if (named(c, "transient_attributes")) {
            xmlAddChild(kept_root, xmlDocCopyNode(const_cast<xmlNode*>(c), kept.get(), 1));
          }
        }
      }
    } else {
      xmlNode* copy = xmlDocCopyNode(tree, rest.get(), 1);
      if (!copy) return Error(ErrorCode::kInternal, path + ": out of memory");
      xmlAddChild(depth == 1 ? root : status, copy);
      ids_indexed = false;  // an id-ref may name what was just added
      ids_before.clear();
    }
    // Past the subtree: the reader frees what it leaves behind.
    ret = xmlTextReaderNext(reader.get());
  }
  if (ret < 0 || !errors.text.empty() || !root) {
    if (!root && errors.text.empty()) {
      return Error(ErrorCode::kInvalidInput, path + ": XML document has no root element");
    }
    return malformed();
  }
  reader.reset();

  if (checks.document) {
    if (auto st = checks.document(rest.get()); !st) return st.error();
  }
  if (failed_check) return *failed_check;
  auto cib = from_doc(std::move(rest), path);
  if (!cib) return cib.error();
  // The rest of the document has no node_state left for from_doc to read.
  (*cib)->node_states = std::move(states);
  return cib;
}

}  // namespace vigil::cib
