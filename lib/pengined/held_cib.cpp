// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB the scheduler holds between runs, brought forward by vigil-cib's
// diffs (see held_cib.hpp).
#include "held_cib.hpp"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>  // xmlStringTextNoenc

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "vigil/cibd/wire.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/common/xml_compact.hpp"
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

// --- resource histories kept as text -----------------------------------------
//
// Nearly all of a steady-state CIB is the node_states' <lrm> histories, and
// as a libxml2 tree each attribute costs ~240 bytes. The held copy keeps
// each <lrm>'s children as the text libxml2 writes for them, in one text
// node libxml2 writes out unescaped (xmlStringTextNoenc): serialising the
// document writes the very bytes the tree would. The Store keeps the
// element's digest sum frozen meanwhile. A change that can reach a
// node_state makes its history a tree again first (see reach()), the model
// reads a kept history through a temporary tree, and after each change
// every history is text again.

bool dehydrated(const xmlNode* lrm) {
  const xmlNode* t = lrm->children;
  return t != nullptr && t->next == nullptr && t->type == XML_TEXT_NODE &&
         t->name == xmlStringTextNoenc;
}

// The <lrm> children of node_states under <status>.
template <typename F>
void each_lrm(xmlNode* root, F&& f) {
  xmlNode* status = xml::first_child(root, "status");
  if (status == nullptr) return;
  for (xmlNode* ns = status->children; ns; ns = ns->next) {
    if (!named(ns, "node_state")) continue;
    for (xmlNode* c = ns->children; c; c = c->next) {
      if (named(c, "lrm")) f(ns, c);
    }
  }
}

struct BufferFree {
  void operator()(xmlBuffer* b) const { xmlBufferFree(b); }
};

// Parses a kept history's text into a list of nodes of `lrm`'s document
// (not linked in); the text node stays where it is.
Result<xmlNode*> parse_history(xmlNode* lrm, const xmlNode* text) {
  const auto* content = reinterpret_cast<const char*>(text->content);
  const std::size_t len = content == nullptr ? 0 : std::strlen(content);
  if (len > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return Error(ErrorCode::kInternal, "a kept resource history is too large");
  }
  xml::FirstXmlError errors;
  xmlNode* list = nullptr;
  xmlParserErrors rc;
  {
    CollectErrors collect(errors);
    rc = xmlParseInNodeContext(lrm, content, static_cast<int>(len),
                               xml::kSafeParseOptions | XML_PARSE_COMPACT, &list);
  }
  if (rc != XML_ERR_OK) {
    if (list != nullptr) xmlFreeNodeList(list);
    return Error(ErrorCode::kInternal, "cannot read a kept resource history of node_state '" +
                                           xml::attr_or(lrm->parent, "id") + "' back" +
                                           (errors.first.empty() ? "" : " (" + errors.first + ")"));
  }
  return list;
}

void free_children(xmlNode* n) {
  for (xmlNode* c = n->children; c != nullptr;) {
    xmlNode* next = c->next;
    xmlUnlinkNode(c);
    xmlFreeNode(c);
    c = next;
  }
}

// The history as text (nothing to do when it is text or empty).
Status dehydrate(cibd::Store& store, xmlNode* lrm) {
  if (lrm->children == nullptr || dehydrated(lrm)) return ok_status();
  std::unique_ptr<xmlBuffer, BufferFree> buf(xmlBufferCreate());
  if (!buf) return Error(ErrorCode::kInternal, "cannot allocate a buffer");
  for (xmlNode* c = lrm->children; c != nullptr; c = c->next) {
    if (xmlNodeDump(buf.get(), lrm->doc, c, 0, 0) < 0) {
      return Error(ErrorCode::kInternal, "cannot write a resource history as text");
    }
  }
  if (xmlBufferLength(buf.get()) == 0) return ok_status();  // nothing worth keeping apart
  xmlChar* text = xmlStrndup(xmlBufferContent(buf.get()), xmlBufferLength(buf.get()));
  xmlNode* t = xmlNewDocText(lrm->doc, nullptr);
  if (text == nullptr || t == nullptr) {
    xmlFree(text);
    if (t != nullptr) xmlFreeNode(t);
    return Error(ErrorCode::kInternal, "cannot allocate a resource history's text");
  }
  buf.reset();
  store.freeze(lrm);  // its sum, before its children go
  free_children(lrm);
  t->name = xmlStringTextNoenc;
  t->content = text;
  xmlAddChild(lrm, t);
  return ok_status();
}

// The history as a tree again, for good (the digest's sum follows it).
Status hydrate(cibd::Store& store, xmlNode* lrm) {
  if (!dehydrated(lrm)) return ok_status();
  xmlNode* t = lrm->children;
  auto list = parse_history(lrm, t);
  if (!list) return list.error();
  xmlUnlinkNode(t);
  xmlFreeNode(t);
  if (*list != nullptr) xmlAddChildList(lrm, *list);
  store.thaw(lrm);
  return ok_status();
}

// A kept history as a tree while alive, text again after (the digest's sum
// untouched: the content is the same).
class TemporaryTree {
 public:
  TemporaryTree() = default;
  Status open(xmlNode* lrm) {
    if (!dehydrated(lrm)) return ok_status();
    auto list = parse_history(lrm, lrm->children);
    if (!list) return list.error();
    lrm_ = lrm;
    text_ = lrm->children;
    xmlUnlinkNode(text_);
    if (*list != nullptr) xmlAddChildList(lrm, *list);
    return ok_status();
  }
  ~TemporaryTree() {
    if (lrm_ == nullptr) return;
    free_children(lrm_);
    lrm_->children = lrm_->last = nullptr;
    xmlAddChild(lrm_, text_);
  }
  TemporaryTree(const TemporaryTree&) = delete;
  TemporaryTree& operator=(const TemporaryTree&) = delete;

 private:
  xmlNode* lrm_ = nullptr;
  xmlNode* text_ = nullptr;
};

// --- what a change can reach ---------------------------------------------------

bool name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Predicates [@name='value'] (or "value"): they only filter, by the
// element's own attribute.
bool skip_predicates(std::string_view& p) {
  while (!p.empty() && p.front() == '[') {
    if (p.size() < 2 || p[1] != '@') return false;
    std::size_t i = 2;
    if (i >= p.size() || !name_start(p[i])) return false;
    while (i < p.size() && name_char(p[i])) ++i;
    if (i + 1 >= p.size() || p[i] != '=' || (p[i + 1] != '\'' && p[i + 1] != '"')) return false;
    const char q = p[i + 1];
    const std::size_t end = p.find(q, i + 2);
    if (end == std::string_view::npos || end + 1 >= p.size() || p[end + 1] != ']') return false;
    p.remove_prefix(end + 2);
  }
  return true;
}

// Whether `p` is steps down from where it starts and nothing else: child
// or descendant steps of names (or *), each with simple predicates. Such a
// path selects only elements inside the element it starts from.
bool steps_down(std::string_view p) {
  if (!skip_predicates(p)) return false;
  while (!p.empty()) {
    if (p.front() != '/') return false;
    p.remove_prefix(p.size() > 1 && p[1] == '/' ? 2 : 1);
    if (!p.empty() && p.front() == '*') {
      p.remove_prefix(1);
    } else {
      if (p.empty() || !name_start(p.front())) return false;
      while (!p.empty() && name_char(p.front())) p.remove_prefix(1);
    }
    if (!skip_predicates(p)) return false;
  }
  return true;
}

// The ids of the node_states whose histories a request can reach; nullopt
// when that cannot be told (any of them).
using Reach = std::optional<std::unordered_set<std::string>>;

Reach reach_of_payload(const cibd::CibRequest& req) {
  if (req.payload.empty()) return std::nullopt;
  auto parsed = xml::parse_string(req.payload, "CIB diff payload");
  if (!parsed) return std::nullopt;  // the Store refuses it: the copy is dropped
  const xmlNode* p = xmlDocGetRootElement(parsed->get());
  std::unordered_set<std::string> ids;
  auto one = [&ids](const xmlNode* e) {
    if (named(e, "tickets")) return true;
    if (!named(e, "node_state")) return false;
    auto id = xml::attr(e, "id");
    if (!id) return false;
    ids.insert(*id);
    return true;
  };
  if (named(p, "status")) {
    for (const xmlNode* c : xml::children(p)) {
      if (!one(c)) return std::nullopt;
    }
    return ids;
  }
  if (!one(p)) return std::nullopt;
  return ids;
}

Reach reach(const cibd::CibRequest& req) {
  const std::string_view scope = req.scope;
  if (!scope.empty() && scope.front() == '/') {
    for (std::string_view inside : {"/cib/configuration", "/cib/status/tickets"}) {
      if (scope.substr(0, inside.size()) == inside && steps_down(scope.substr(inside.size()))) {
        return std::unordered_set<std::string>{};
      }
    }
    constexpr std::string_view kNode = "/cib/status/node_state[@id='";
    if (scope.substr(0, kNode.size()) != kNode) return std::nullopt;
    std::string_view rest = scope.substr(kNode.size());
    const std::size_t end = rest.find('\'');
    if (end == std::string_view::npos || rest.substr(end, 2) != "']") return std::nullopt;
    if (!steps_down(rest.substr(end + 2))) return std::nullopt;
    return std::unordered_set<std::string>{std::string(rest.substr(0, end))};
  }
  if (scope.empty() || scope == "cib") {
    // The root's attributes alone (have-quorum, dc-uuid) reach no history.
    if (req.op == cibd::CibOp::kModify && !req.payload.empty()) {
      auto parsed = xml::parse_string(req.payload, "CIB diff payload");
      if (parsed) {
        const xmlNode* p = xmlDocGetRootElement(parsed->get());
        if (named(p, "cib") && !has_element_child(p)) return std::unordered_set<std::string>{};
      }
    }
    return std::nullopt;
  }
  if (scope == "status") return reach_of_payload(req);
  if (scope == "configuration") return std::unordered_set<std::string>{};
  // A section under <configuration> (an unknown name is refused by the Store).
  return std::unordered_set<std::string>{};
}

// A node_state read into the model as a whole read reads it (id-refs: its
// own elements first, then `ids`), a history kept as text through a
// temporary tree.
// Elements by id outside the histories, indexed on first use.
struct LazyIds {
  const xmlNode* root;
  std::unordered_map<std::string, const xmlNode*> ids;
  bool indexed = false;
  const xmlNode* find(const std::string& ref) {
    if (!indexed) {
      index_ids(root, ids);
      indexed = true;
    }
    auto found = ids.find(ref);
    return found == ids.end() ? nullptr : found->second;
  }
};

// A node_state read into the model as a whole read reads it (id-refs: its
// own elements first, then the others), a history kept as text through a
// temporary tree.
Result<cib::NodeState> read_state(xmlNode* ns, LazyIds& ids) {
  std::vector<std::unique_ptr<TemporaryTree>> trees;
  for (xmlNode* c = ns->children; c; c = c->next) {
    if (!named(c, "lrm") || !dehydrated(c)) continue;
    trees.push_back(std::make_unique<TemporaryTree>());
    if (auto st = trees.back()->open(c); !st) return st.error();
  }
  auto resolve = [&](const std::string& ref) -> const xmlNode* {
    if (const xmlNode* own = xml::find_by_id(ns, ref)) return own;
    return ids.find(ref);
  };
  return cib::Cib::read_node_state(ns, resolve);
}
}  // namespace

Result<xml::DocPtr> HeldCib::parse(std::string_view text) {
  // Compact: libxml2's own tree functions (setting, copying, freeing a
  // value) know that form, and the held tree is changed only through them
  // (cibd::Store).
  return xml::parse_string_compact(text, "CIB");
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
  if (auto st = keep_histories_as_text(); !st) {
    drop();
    return st.error().with_context("the scheduler's copy of the CIB");
  }
  return ok_status();
}

Status HeldCib::keep_histories_as_text() {
  Status out = ok_status();
  each_lrm(xmlDocGetRootElement(store_->doc()), [&](xmlNode*, xmlNode* lrm) {
    if (out) out = dehydrate(*store_, lrm);
  });
  return out;
}

Status HeldCib::make_reachable(const cibd::CibRequest& req) {
  const auto ids = reach(req);
  Status out = ok_status();
  each_lrm(xmlDocGetRootElement(store_->doc()), [&](xmlNode* ns, xmlNode* lrm) {
    if (!out || !dehydrated(lrm)) return;
    if (!ids || ids->contains(xml::attr_or(ns, "id"))) out = hydrate(*store_, lrm);
  });
  return out;
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
  if (auto st = keep_histories_as_text(); !st) {
    drop();
    return stale(st.error().message());
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

  // The histories it can reach become trees again (kept as text, the
  // digest's sums stand for them but XPaths and merges do not see them).
  if (auto st = make_reachable(*req); !st) {
    return stale("the diff to " + to->to_string() + ": " + st.error().message());
  }

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
    // The histories kept as text read as empty: they are the ones no change
    // reached, the same as in the model before (a history is read from its
    // attributes alone, nothing of the configuration); others are read from
    // a temporary tree.
    auto model = cib::Cib::from_tree(store_->doc(), "CIB");
    if (!model) return stale(model.error().message());
    std::unordered_map<std::string, cib::NodeState*> before;
    std::unordered_set<std::string> twice;
    for (cib::NodeState& s : model_->node_states) {
      if (!before.emplace(s.id, &s).second) twice.insert(s.id);
    }
    std::size_t i = 0;
    LazyIds ids{root, {}};
    const xmlNode* status = xml::first_child(root, "status");
    for (xmlNode* ns = status ? status->children : nullptr; ns; ns = ns->next) {
      if (!named(ns, "node_state")) continue;
      if (i >= (*model)->node_states.size()) return stale("the model lost a node_state");
      cib::NodeState& now = (*model)->node_states[i++];
      xmlNode* lrm = xml::first_child(ns, "lrm");
      if (lrm == nullptr || !dehydrated(lrm)) continue;
      auto it = before.find(now.id);
      if (it != before.end() && !twice.contains(now.id) && it->second->has_lrm) {
        now.resources = std::move(it->second->resources);
        continue;
      }
      auto state = read_state(ns, ids);
      if (!state) return stale(state.error().message());
      now = std::move(state).value();
    }
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
  LazyIds ids{root, {}};
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
    auto state = read_state(const_cast<xmlNode*>(ns), ids);
    if (!state) return stale(state.error().message());
    states.push_back(std::move(state).value());
    ++reread_.node_states;
  }
  model_->node_states = std::move(states);
  return ok_status();
}

}  // namespace vigil::pengined
