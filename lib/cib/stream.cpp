// SPDX-License-Identifier: GPL-2.0-or-later
// The streaming CIB reader. A steady-state CIB is nearly all status: every
// resource's probe and monitor history on every node, 140 MB at 64 nodes and
// 4000 resources. As a whole tree that is gigabytes of libxml2 nodes held
// only to be copied into the model. Here libxml2's SAX parser builds a tree
// of everything but the history (libxml2's own tree builder does that part),
// each <node_state> is handed over and freed as soon as it ends, and the
// history entries go from the parser's attribute arrays straight into the
// model: building them as trees costs four times the parsing itself.
#include <libxml/SAX2.h>
#include <libxml/parser.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>

#include "parse_internal.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/common/xml_guard.hpp"

namespace vigil::cib {

namespace {

struct ParserFree {
  void operator()(xmlParserCtxt* c) const {
    if (c->myDoc) xmlFreeDoc(c->myDoc);
    xmlFreeParserCtxt(c);
  }
};
using ParserPtr = std::unique_ptr<xmlParserCtxt, ParserFree>;

struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

bool named(const xmlNode* n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

bool equal(const xmlChar* a, const char* b) {
  return a && std::strcmp(reinterpret_cast<const char*>(a), b) == 0;
}

void index_ids(const xmlNode* n, std::unordered_map<std::string, const xmlNode*>& ids) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (auto id = xml::attr(c, "id")) ids.emplace(*id, c);  // the first definition wins
    index_ids(c, ids);
  }
}

class Reader {
 public:
  Reader(const std::string& path, const Cib::StreamChecks& checks) : path_(path), checks_(checks) {
    kept_.reset(xmlNewDoc(BAD_CAST "1.0"));
    kept_root_ = xmlNewDocNode(kept_.get(), nullptr, BAD_CAST "kept", nullptr);
    xmlDocSetRootElement(kept_.get(), kept_root_);
  }

  // The document without node_states, or the first error; states() has the
  // node_states read.
  Result<xml::DocPtr> read_file() {
    std::unique_ptr<std::FILE, FileClose> f(std::fopen(path_.c_str(), "rb"));
    if (!f) return Error(ErrorCode::kIo, "cannot read " + path_ + ": " + std::strerror(errno));
    auto doc = parse([&](char* buf, size_t size) { return std::fread(buf, 1, size, f.get()); });
    if (doc && std::ferror(f.get())) return Error(ErrorCode::kIo, "cannot read " + path_);
    return doc;
  }
  Result<xml::DocPtr> read_memory(std::string_view text) {
    return parse([&](char* buf, size_t size) {
      const size_t n = std::min(size, text.size());
      std::memcpy(buf, text.data(), n);
      text.remove_prefix(n);
      return n;
    });
  }

  std::vector<NodeState>& states() { return states_; }
  const std::optional<Error>& failed_check() const { return failed_check_; }

 private:
  // Feeds the parser what `next` puts in a buffer (0 bytes: the end).
  template <class Next>
  Result<xml::DocPtr> parse(Next next) {
    xmlSAXHandler sax;
    std::memset(&sax, 0, sizeof sax);
    xmlSAXVersion(&sax, 2);
    defaults_ = sax;
    sax.startElementNs = &Reader::on_start;
    sax.endElementNs = &Reader::on_end;
    sax.characters = &Reader::on_characters;
    sax.cdataBlock = &Reader::on_cdata;
    sax.comment = &Reader::on_comment;
    sax.processingInstruction = &Reader::on_pi;
    xml::refuse_doctype(&sax);
    ParserPtr ctxt(xmlCreatePushParserCtxt(&sax, nullptr, nullptr, 0, path_.c_str()));
    if (!ctxt) return Error(ErrorCode::kInternal, "cannot allocate XML parser");
    xmlCtxtUseOptions(ctxt.get(), xml::kSafeParseOptions);
    ctxt->_private = this;
    ctxt_ = ctxt.get();
    xml::FirstXmlError errors;
    xmlSetStructuredErrorFunc(&errors,
                              [](void* c, xmlErrorPtr e) { xml::FirstXmlError::on_error(c, e); });
    std::array<char, 1 << 16> buf;
    size_t n = 0;
    while (!stopped() && !xml::doctype_refused(ctxt.get()) &&
           (n = next(buf.data(), buf.size())) > 0) {
      xmlParseChunk(ctxt.get(), buf.data(), static_cast<int>(n), 0);
    }
    if (!stopped()) xmlParseChunk(ctxt.get(), nullptr, 0, 1);
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    if (model_error_) return *model_error_;
    if (xml::doctype_refused(ctxt.get())) {
      return Error(ErrorCode::kInvalidInput, path_ + ": " + std::string(xml::kDoctypeRefused));
    }
    if (!ctxt->wellFormed || !ctxt->myDoc) {
      if (ctxt->myDoc == nullptr && errors.first.empty()) {
        return Error(ErrorCode::kInvalidInput, path_ + ": XML document has no root element");
      }
      return Error(
          ErrorCode::kInvalidInput,
          path_ + ": malformed XML" + (errors.first.empty() ? "" : " (" + errors.first + ")"));
    }
    if (!xmlDocGetRootElement(ctxt->myDoc)) {
      return Error(ErrorCode::kInvalidInput, path_ + ": XML document has no root element");
    }
    xml::DocPtr doc(ctxt->myDoc);
    ctxt->myDoc = nullptr;
    return doc;
  }

  static Reader& of(void* ctx) {
    return *static_cast<Reader*>(static_cast<xmlParserCtxt*>(ctx)->_private);
  }
  bool stopped() const { return model_error_.has_value(); }
  bool in_history() const { return history_depth_ >= 0 && depth_ > history_depth_; }

  static void on_start(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                       const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces,
                       int nb_attributes, int nb_defaulted, const xmlChar** attributes) {
    Reader& r = of(ctx);
    const int depth = ++r.depth_;
    if (r.history_depth_ >= 0 && depth > r.history_depth_) {
      r.history_start(localname, depth, nb_attributes, attributes);
      return;
    }
    if (depth < static_cast<int>(r.path_names_.size())) r.path_names_[depth] = localname;
    r.defaults_.startElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
                               nb_attributes, nb_defaulted, attributes);
    if (depth == 2 && equal(r.path_names_[1], "status") && equal(localname, "node_state")) {
      r.node_state_ = r.ctxt_->node;
      r.history_.clear();
    } else if (depth == 4 && r.node_state_ && equal(r.path_names_[3], "lrm") &&
               equal(localname, "lrm_resources")) {
      r.history_depth_ = depth;
    }
  }

  static void on_end(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                     const xmlChar* uri) {
    Reader& r = of(ctx);
    const int depth = r.depth_--;
    if (r.history_depth_ >= 0 && depth > r.history_depth_) {
      if (depth == r.history_depth_ + 1 && r.resource_) {
        detail::sort_history(*r.resource_);
        r.resource_ = nullptr;
      }
      return;
    }
    if (depth == r.history_depth_) r.history_depth_ = -1;
    r.defaults_.endElementNs(ctx, localname, prefix, uri);
    if (depth == 2 && r.node_state_) r.finish_node_state();
  }

  static void on_characters(void* ctx, const xmlChar* ch, int len) {
    Reader& r = of(ctx);
    if (r.in_history()) return;
    // libxml2 keeps blanks before an end tag when the element has no
    // children, and the children of these two are taken away.
    const bool hollow =
        r.depth_ == r.history_depth_ || (r.depth_ == 1 && equal(r.path_names_[1], "status"));
    if (hollow && std::all_of(ch, ch + len, [](xmlChar c) {
          return c == ' ' || c == '\t' || c == '\n' || c == '\r';
        })) {
      return;
    }
    r.defaults_.characters(ctx, ch, len);
  }
  static void on_cdata(void* ctx, const xmlChar* value, int len) {
    if (!of(ctx).in_history()) of(ctx).defaults_.cdataBlock(ctx, value, len);
  }
  static void on_comment(void* ctx, const xmlChar* value) {
    if (!of(ctx).in_history()) of(ctx).defaults_.comment(ctx, value);
  }
  static void on_pi(void* ctx, const xmlChar* target, const xmlChar* data) {
    if (!of(ctx).in_history()) of(ctx).defaults_.processingInstruction(ctx, target, data);
  }

  // An element under <lrm_resources>: an lrm_resource, one of its entries,
  // or something deeper that nothing reads.
  void history_start(const xmlChar* localname, int depth, int nb_attributes,
                     const xmlChar** attributes) {
    const int level = depth - history_depth_;
    if (level > 2 || failed_check_ || (level == 2 && !in_resource_)) return;
    attrs_.clear();
    for (int i = 0; i < nb_attributes; ++i) {
      // localname, prefix, URI, value, end of value
      const xmlChar* const* a = attributes + 5 * i;
      attrs_.emplace_back(
          reinterpret_cast<const char*>(a[0]),
          std::string_view(reinterpret_cast<const char*>(a[3]), static_cast<size_t>(a[4] - a[3])));
    }
    HistoryElement e;
    e.name = reinterpret_cast<const char*>(localname);
    e.parent = level == 1 ? "lrm_resources" : "lrm_resource";
    e.line = xmlSAX2GetLineNumber(ctxt_);
    e.attrs = attrs_;
    e.node_state = node_state_;
    if (checks_.history) {
      if (auto st = checks_.history(e); !st) {
        failed_check_ = st.error();
        return;
      }
    }
    if (level == 1) {
      in_resource_ = e.name == "lrm_resource";
      resource_ = nullptr;
      if (in_resource_) {
        history_.emplace_back();
        resource_ = &history_.back();
        detail::resource_history_from(attrs_, *resource_);
      }
    } else if (resource_ && e.name == "lrm_rsc_op") {
      resource_->ops.push_back(detail::op_history_from(attrs_));
      resource_->ops.back().doc_index = static_cast<int>(resource_->ops.size()) - 1;
    }
  }

  // The node_state has ended: checked, read into the model with the history
  // gathered, and freed (its attribute sets kept for id-refs).
  void finish_node_state() {
    xmlNode* ns = node_state_;
    node_state_ = nullptr;
    if (!failed_check_ && checks_.node_state) {
      if (auto st = checks_.node_state(ns); !st) failed_check_ = st.error();
    }
    if (!failed_check_) {
      auto resolve = [&](const std::string& id) -> const xmlNode* {
        if (const xmlNode* own = xml::find_by_id(ns, id)) return own;
        if (!ids_indexed_) {
          // Not the status section: the node_state being read is freed next.
          for (const xmlNode* c = xmlDocGetRootElement(ctxt_->myDoc)->children; c; c = c->next) {
            if (named(c, "status")) continue;
            if (auto cid = xml::attr(c, "id")) ids_before_.emplace(*cid, c);
            index_ids(c, ids_before_);
          }
          ids_indexed_ = true;
        }
        auto it = ids_before_.find(id);
        if (it != ids_before_.end()) return it->second;
        return xml::find_by_id(kept_root_, id);
      };
      auto state = detail::parse_node_state(ns, resolve);
      if (!state) {
        model_error_ = state.error().with_context(path_);
        xmlStopParser(ctxt_);
      } else {
        state->resources = std::move(history_);
        states_.push_back(std::move(state).value());
      }
      for (const xmlNode* c = ns->children; c; c = c->next) {
        if (named(c, "transient_attributes")) {
          xmlAddChild(kept_root_, xmlDocCopyNode(const_cast<xmlNode*>(c), kept_.get(), 1));
        }
      }
    }
    history_.clear();
    xmlUnlinkNode(ns);
    xmlFreeNode(ns);
  }

  const std::string& path_;
  const Cib::StreamChecks& checks_;
  xmlSAXHandler defaults_{};
  xmlParserCtxt* ctxt_ = nullptr;
  int depth_ = -1;  // of the current element; the root's is 0
  // The names of the current element's ancestors, as deep as they matter.
  std::array<const xmlChar*, 5> path_names_{};
  xmlNode* node_state_ = nullptr;  // the one being read, as a tree without history
  int history_depth_ = -1;         // of its <lrm_resources>, while inside
  bool in_resource_ = false;
  std::vector<ResourceHistory> history_;
  ResourceHistory* resource_ = nullptr;
  std::vector<AttrView> attrs_;  // reused: no allocation per entry
  std::vector<NodeState> states_;
  std::optional<Error> failed_check_, model_error_;
  // id-refs in a node_state resolve within it first, then in what came
  // before it: the configuration (indexed on first use) and the earlier
  // node_states' attribute sets, which are small and kept for that.
  std::unordered_map<std::string, const xmlNode*> ids_before_;
  bool ids_indexed_ = false;
  xml::DocPtr kept_;
  xmlNode* kept_root_ = nullptr;
};

}  // namespace

namespace {

template <class Read>
Result<std::unique_ptr<Cib>> stream_model(Reader& reader, Read read, const std::string& what,
                                          const Cib::StreamChecks& checks) {
  auto rest = read();
  if (!rest) return rest.error();
  if (checks.document) {
    if (auto st = checks.document(rest->get()); !st) return st.error();
  }
  if (reader.failed_check()) return *reader.failed_check();
  auto cib = Cib::from_doc(std::move(rest).value(), what);
  if (!cib) return cib.error();
  // The rest of the document has no node_state left for from_doc to read.
  (*cib)->node_states = std::move(reader.states());
  return cib;
}

}  // namespace

Result<std::unique_ptr<Cib>> Cib::from_file_streaming(const std::string& path,
                                                      const StreamChecks& checks) {
  xml::init();
  Reader reader(path, checks);
  return stream_model(
      reader, [&] { return reader.read_file(); }, path, checks);
}

Result<std::unique_ptr<Cib>> Cib::from_string_streaming(std::string_view text,
                                                        const std::string& what,
                                                        const StreamChecks& checks) {
  xml::init();
  Reader reader(what, checks);
  return stream_model(
      reader, [&] { return reader.read_memory(text); }, what, checks);
}

}  // namespace vigil::cib
