// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB the scheduler holds between runs, brought forward by vigil-cib's
// diffs (see held_cib.hpp).
#include "held_cib.hpp"

#include <libxml/parser.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "vigil/cibd/wire.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/common/xml_guard.hpp"

namespace vigil::pengined {

namespace {

Error stale(std::string why) {
  return Error(ErrorCode::kNotFound, "the scheduler's copy of the CIB: " + std::move(why));
}

bool named(const xmlNode* n, const char* name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && xml::is(n, name);
}

// The element itself or its nearest ancestor named `name`.
const xmlNode* self_or_ancestor(const xmlNode* n, const char* name) {
  for (; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
    if (named(n, name)) return n;
  }
  return nullptr;
}

// Elements by id outside the node_states' histories, the first definition
// in document order kept (as the whole-document reader's index): what
// id-refs in a re-read node_state resolve to after its own elements.
void index_ids(const xmlNode* n, std::unordered_map<std::string, const xmlNode*>& ids) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (named(c, "lrm") && named(c->parent, "node_state")) continue;
    if (auto id = xml::attr(c, "id")) ids.emplace(*id, c);
    index_ids(c, ids);
  }
}

bool has_element_child(const xmlNode* n) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return true;
  }
  return false;
}

std::int64_t int_or_zero(const xmlNode* n, const char* name) {
  const std::string v = xml::attr_or(n, name);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

struct ParserFree {
  void operator()(xmlParserCtxt* c) const {
    if (c->myDoc != nullptr) xmlFreeDoc(c->myDoc);
    c->myDoc = nullptr;
    xmlFreeParserCtxt(c);
  }
};
using ParserPtr = std::unique_ptr<xmlParserCtxt, ParserFree>;

// libxml2's structured errors into `errors` while alive.
class CollectErrors {
 public:
  explicit CollectErrors(xml::FirstXmlError& errors) {
    xmlSetStructuredErrorFunc(&errors,
                              [](void* c, xmlErrorPtr e) { xml::FirstXmlError::on_error(c, e); });
  }
  ~CollectErrors() { xmlSetStructuredErrorFunc(nullptr, nullptr); }
  CollectErrors(const CollectErrors&) = delete;
  CollectErrors& operator=(const CollectErrors&) = delete;
};

}  // namespace

Result<xml::DocPtr> HeldCib::parse(std::string_view text) {
  // xml::parse_string's push parser (lib/common/xml.cpp: fed in 16 KiB
  // slices, the same guards, the same messages) with XML_PARSE_COMPACT.
  // libxml2's own tree functions (setting, copying, freeing a value) know
  // that form, and the held tree is changed only through them (cibd::Store).
  constexpr std::size_t kSlice = 16 << 10;
  const std::string what = "CIB";
  xml::init();
  xml::FirstXmlError errors;
  ParserPtr ctxt(xmlCreatePushParserCtxt(nullptr, nullptr, nullptr, 0, what.c_str()));
  if (!ctxt) return Error(ErrorCode::kInternal, "cannot allocate XML parser");
  xml::refuse_doctype(ctxt->sax);
  xmlCtxtUseOptions(ctxt.get(), xml::kSafeParseOptions | XML_PARSE_COMPACT);
  {
    CollectErrors collect(errors);
    while (!text.empty() && ctxt->instate != XML_PARSER_EOF) {
      const std::size_t n = std::min(text.size(), kSlice);
      xmlParseChunk(ctxt.get(), text.data(), static_cast<int>(n), 0);
      text.remove_prefix(n);
    }
    if (ctxt->instate != XML_PARSER_EOF) xmlParseChunk(ctxt.get(), nullptr, 0, 1);
  }
  xml::DocPtr doc(ctxt->myDoc);
  ctxt->myDoc = nullptr;
  if (xml::doctype_refused(ctxt.get())) {
    return Error(ErrorCode::kInvalidInput, what + ": " + std::string(xml::kDoctypeRefused));
  }
  if (!ctxt->wellFormed || !doc) {
    return Error(
        ErrorCode::kInvalidInput,
        what + ": malformed XML" + (errors.first.empty() ? "" : " (" + errors.first + ")"));
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return Error(ErrorCode::kInvalidInput, what + ": XML document has no root element");
  }
  return doc;
}

// What a series of diffs reached, for the model's update.
struct HeldCib::Touched {
  bool whole = false;  // outside what can be re-read piecewise
  bool tickets = false;
  std::unordered_set<std::string> node_states;  // ids

  // An element a request works on (before or after it ran).
  void element(const xmlNode* n) {
    if (const xmlNode* ns = self_or_ancestor(n, "node_state")) {
      node_states.insert(xml::attr_or(ns, "id"));
    } else if (self_or_ancestor(n, "tickets") != nullptr) {
      tickets = true;
    } else {
      whole = true;
    }
  }
  // A payload put into <status> (or <cib> itself): what it names.
  void payload_into(const xmlNode* scope, const xmlNode* payload) {
    if (named(scope, "cib") && named(payload, "cib") && !has_element_child(payload)) {
      return;  // the root's attributes alone, always re-read
    }
    if (!named(scope, "status")) {
      whole = true;
      return;
    }
    auto one = [&](const xmlNode* p) {
      if (named(p, "node_state")) {
        node_states.insert(xml::attr_or(p, "id"));
      } else if (named(p, "tickets")) {
        tickets = true;
      } else {
        whole = true;
      }
    };
    if (named(payload, "status")) {
      for (const xmlNode* c : xml::children(payload)) one(c);
    } else {
      one(payload);
    }
  }
};

void HeldCib::drop() {
  model_.reset();
  store_.reset();
}

Status HeldCib::adopt(xml::DocPtr doc) {
  drop();
  auto store = cibd::Store::from_doc(std::move(doc), false);
  if (!store) return store.error().with_context("the scheduler's copy of the CIB");
  auto model = cib::Cib::from_tree(store->doc(), "CIB");
  if (!model) return model.error();
  store_ = std::move(store).value();
  model_ = std::move(model).value();
  reread_ = Reread{0, static_cast<int>(model_->node_states.size()), true};
  return ok_status();
}

Status HeldCib::apply(const cibd::CibVersion& base, std::span<const std::string> diffs) {
  if (!holds()) return stale("none held (the scheduler started, or a change failed)");
  if (store_->version() != base) {
    const std::string held = store_->version().to_string();
    drop();
    return stale("it is at " + held + ", the changes start at " + base.to_string());
  }
  Touched touched;
  for (const std::string& diff : diffs) {
    if (auto st = apply_one(diff, touched); !st) {
      drop();
      return st;
    }
  }
  if (auto st = update_model(touched); !st) {
    drop();
    return st;
  }
  reread_.diffs = static_cast<int>(diffs.size());
  return ok_status();
}

Status HeldCib::apply_one(const std::string& text, Touched& touched) {
  auto parsed = xml::parse_rooted(text, "CIB diff", "cib-diff");
  if (!parsed) return stale(parsed.error().message());
  const xmlNode* diff = parsed->root;
  if (xml::attr_or(diff, "full") == "true") return stale("the whole CIB was replaced");
  auto from = cibd::CibVersion::parse(xml::attr_or(diff, "from"));
  auto to = cibd::CibVersion::parse(xml::attr_or(diff, "to"));
  if (!from || !to) return stale("a diff without valid from/to versions");
  if (*from != store_->version()) {
    return stale("it is at " + store_->version().to_string() + ", the next change starts at " +
                 from->to_string());
  }
  const xmlNode* req_node = xml::first_child(diff, "cib-request");
  if (req_node == nullptr) return stale("the diff to " + to->to_string() + " has no request");
  auto req = cibd::request_from_node(req_node);
  if (!req) return stale("the diff to " + to->to_string() + ": " + req.error().message());

  // What the request reaches: its scope's elements before it ran (what a
  // delete or replace takes away), after it ran (what it made), and the
  // payload's own elements when its scope is <status> or <cib>.
  xmlDoc* doc = store_->doc();
  auto before = cibd::scope_elements(doc, req->scope);
  if (!before) return stale("the diff to " + to->to_string() + ": " + before.error().message());
  for (const xmlNode* n : *before) {
    if (named(n, "status") || named(n, "cib")) continue;  // judged by the payload below
    touched.element(n);
  }

  cibd::UpdateMeta meta;
  meta.origin = xml::attr_or(diff, "origin");
  meta.client = req->client;
  meta.user = req->user;
  meta.wall_seconds = int_or_zero(diff, "written");
  auto outcome = store_->apply(*req, meta, false);
  if (!outcome) {
    return stale("cannot apply the change to " + to->to_string() + ": " +
                 outcome.error().message());
  }
  if (store_->version() != *to) store_->set_version(*to);
  if (const auto digest = xml::attr(diff, "digest"); digest && *digest != store_->digest()) {
    return stale("its digest after " + to->to_string() + " differs from vigil-cib's");
  }
  if (outcome->config_changed) touched.whole = true;
  if (touched.whole) return ok_status();

  auto after = cibd::scope_elements(doc, req->scope);
  if (!after) return stale(after.error().message());
  xml::DocPtr payload_doc;
  const xmlNode* payload = nullptr;
  if (!req->payload.empty()) {
    auto p = xml::parse_string(req->payload, "CIB diff payload");
    if (!p) return stale(p.error().message());
    payload_doc = std::move(p).value();
    payload = xmlDocGetRootElement(payload_doc.get());
  }
  for (const xmlNode* n : *after) {
    if (named(n, "status") || named(n, "cib")) {
      if (req->op == cibd::CibOp::kDelete || payload == nullptr) {
        touched.whole = true;
      } else {
        touched.payload_into(n, payload);
      }
    } else {
      touched.element(n);
    }
  }
  if (before->empty() && after->empty() && outcome->changed) touched.whole = true;
  return ok_status();
}

Status HeldCib::update_model(const Touched& touched) {
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(store_->doc()));
  if (touched.whole) {
    auto model = cib::Cib::from_tree(store_->doc(), "CIB");
    if (!model) return stale(model.error().message());
    model_ = std::move(model).value();
    reread_ = Reread{0, static_cast<int>(model_->node_states.size()), true};
    return ok_status();
  }
  reread_ = Reread{0, 0, false};
  model_->read_root_attributes(root);
  const xmlNode* status = xml::first_child(root, "status");
  if (status == nullptr) {
    model_->node_states.clear();
    model_->ticket_states.clear();
    return ok_status();
  }
  if (touched.tickets) model_->read_ticket_states(status);

  // The node_states in document order: untouched ones keep their model.
  std::unordered_map<std::string, cib::NodeState*> kept;
  kept.reserve(model_->node_states.size());
  for (cib::NodeState& s : model_->node_states) {
    if (!kept.emplace(s.id, &s).second) return stale("two node_states with id " + s.id);
  }
  std::unordered_map<std::string, const xmlNode*> ids;
  bool indexed = false;
  std::vector<cib::NodeState> states;
  for (const xmlNode* ns = status->children; ns; ns = ns->next) {
    if (!named(ns, "node_state")) continue;
    const std::string id = xml::attr_or(ns, "id");
    auto it = kept.find(id);
    if (it != kept.end() && it->second != nullptr && !touched.node_states.contains(id)) {
      states.push_back(std::move(*it->second));
      it->second = nullptr;  // a second element with that id is read from the document
      continue;
    }
    auto resolve = [&](const std::string& ref) -> const xmlNode* {
      if (const xmlNode* own = xml::find_by_id(ns, ref)) return own;
      if (!indexed) {
        index_ids(root, ids);
        indexed = true;
      }
      auto found = ids.find(ref);
      return found == ids.end() ? nullptr : found->second;
    };
    auto state = cib::Cib::read_node_state(ns, resolve);
    if (!state) return stale(state.error().message());
    states.push_back(std::move(state).value());
    ++reread_.node_states;
  }
  model_->node_states = std::move(states);
  return ok_status();
}

}  // namespace vigil::pengined
