// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB document and cibadmin's operations on it. Every update works on a
// copy that is validated before it replaces the document (see store.hpp).
#include "vigil/cibd/store.hpp"

#include <libxml/xpath.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>

#include "journal.hpp"
#include "tree_hash.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/cibd/acl.hpp"
#include "vigil/common/score.hpp"
#include "vigil/log/log.hpp"

namespace vigil::cibd {
namespace {

constexpr std::array<const char*, 4> kVolatileRootAttrs = {"cib-last-written", "update-origin",
                                                           "update-client", "update-user"};
constexpr std::array<const char*, 3> kVersionAttrs = {"admin_epoch", "epoch", "num_updates"};
// Root attributes that belong to the cluster's state, not its configuration.
constexpr std::array<const char*, 4> kStateRootAttrs = {"dc-uuid", "have-quorum", "crm_feature_set",
                                                        "no-quorum-panic"};
// Sections that may never be deleted.
constexpr std::array<const char*, 7> kRequiredElements = {
    "cib", "configuration", "status", "crm_config", "nodes", "resources", "constraints"};
// Sections directly under <configuration>.
constexpr std::array<const char*, 10> kConfigSections = {
    "crm_config",  "nodes",  "resources",        "constraints", "rsc_defaults",
    "op_defaults", "alerts", "fencing-topology", "tags",        "acls"};

template <std::size_t N>
bool in(const std::array<const char*, N>& set, std::string_view name) {
  for (const char* s : set) {
    if (name == s) return true;
  }
  return false;
}

struct XPathContextFree {
  void operator()(xmlXPathContext* c) const { xmlXPathFreeContext(c); }
};
struct XPathObjectFree {
  void operator()(xmlXPathObject* o) const { xmlXPathFreeObject(o); }
};

xmlNode* root_of(const xmlDoc* doc) {
  return xmlDocGetRootElement(const_cast<xmlDoc*>(doc));
}

void set_attr(xmlNode* n, const char* name, const std::string& value) {
  xmlSetProp(n, reinterpret_cast<const xmlChar*>(name),
             reinterpret_cast<const xmlChar*>(value.c_str()));
}

// The root's attributes, except those in the skipped sets.
template <std::size_t A, std::size_t B>
void hash_root_attrs(TreeHash& h, const xmlNode* root, const std::array<const char*, A>& skip1,
                     const std::array<const char*, B>& skip2, bool skip_state) {
  h.open(root);
  for (const xmlAttr* a = root->properties; a != nullptr; a = a->next) {
    const std::string_view name(reinterpret_cast<const char*>(a->name));
    if (in(skip1, name) || in(skip2, name) || (skip_state && in(kStateRootAttrs, name))) continue;
    h.attribute(a);
  }
}

// What a configuration change is measured on: the root's configuration
// attributes and the <configuration> element.
std::string config_hash(const xmlDoc* doc) {
  const xmlNode* root = root_of(doc);
  TreeHash h;
  hash_root_attrs(h, root, kVolatileRootAttrs, kVersionAttrs, true);
  if (const xmlNode* conf = xml::first_child(root, "configuration")) h.element(conf);
  h.close();
  return h.hex();
}

Result<std::int64_t> read_counter(const xmlNode* root, const char* name) {
  const std::optional<std::string> v = xml::attr(root, name);
  if (!v) return std::int64_t{0};
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), value);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || value < 0) {
    return Error(ErrorCode::kInvalidInput,
                 std::string("<cib ") + name + "=\"" + *v + "\"> is not a non-negative integer");
  }
  return value;
}

void write_version(xmlDoc* doc, const CibVersion& v) {
  xmlNode* root = root_of(doc);
  set_attr(root, "admin_epoch", std::to_string(v.admin_epoch));
  set_attr(root, "epoch", std::to_string(v.epoch));
  set_attr(root, "num_updates", std::to_string(v.num_updates));
}

std::string format_time(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return std::to_string(seconds);
  std::array<char, 64> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%a %b %e %H:%M:%S %Y", &tm);
  return std::string(buf.data(), n);
}

// --- scopes ----------------------------------------------------------------

bool is_xpath(std::string_view scope) {
  return !scope.empty() && scope.front() == '/';
}

// Scopes whose every target lies inside <status>.
bool status_scope(std::string_view scope) {
  constexpr std::string_view kStatus = "/cib/status";
  if (scope == "status" || scope == kStatus) return true;
  // No way back up or sideways (.., axes, unions): those could leave <status>.
  if (scope.find("..") != std::string_view::npos || scope.find("::") != std::string_view::npos ||
      scope.find('|') != std::string_view::npos) {
    return false;
  }
  return scope.size() > kStatus.size() && scope.substr(0, kStatus.size()) == kStatus &&
         (scope[kStatus.size()] == '/' || scope[kStatus.size()] == '[');
}

bool known_section(std::string_view s) {
  return s == "cib" || s == "configuration" || s == "status" || in(kConfigSections, s);
}

Status check_scope(std::string_view scope) {
  if (scope.empty() || is_xpath(scope) || known_section(scope)) return ok_status();
  return Error(ErrorCode::kInvalidInput,
               "unknown CIB section '" + std::string(scope) +
                   "' (expected configuration, status, crm_config, nodes, resources, constraints, "
                   "rsc_defaults, op_defaults, alerts, fencing-topology, tags, acls, or an XPath)");
}

// The element a section name stands for; created when `create` (the
// configuration sections and status only).
xmlNode* section(xmlDoc* doc, std::string_view name, bool create) {
  xmlNode* root = root_of(doc);
  if (name.empty() || name == "cib") return root;
  xmlNode* parent = root;
  if (name != "configuration" && name != "status") {
    parent = xml::first_child(root, "configuration");
    if (parent == nullptr) {
      if (!create) return nullptr;
      parent =
          xmlNewChild(root, nullptr, reinterpret_cast<const xmlChar*>("configuration"), nullptr);
    }
  }
  const std::string n(name);
  xmlNode* found = xml::first_child(parent, n.c_str());
  if (found == nullptr && create) {
    found = xmlNewChild(parent, nullptr, reinterpret_cast<const xmlChar*>(n.c_str()), nullptr);
  }
  return found;
}

Result<std::vector<xmlNode*>> xpath_nodes(xmlDoc* doc, std::string_view expr) {
  std::unique_ptr<xmlXPathContext, XPathContextFree> ctx(xmlXPathNewContext(doc));
  if (!ctx) return Error(ErrorCode::kInternal, "cannot allocate an XPath context");
  const std::string e(expr);
  std::unique_ptr<xmlXPathObject, XPathObjectFree> obj(
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(e.c_str()), ctx.get()));
  if (!obj) return Error(ErrorCode::kInvalidInput, "invalid XPath expression '" + e + "'");
  std::vector<xmlNode*> out;
  if (obj->type != XPATH_NODESET) {
    return Error(ErrorCode::kInvalidInput, "XPath '" + e + "' does not select elements");
  }
  if (obj->nodesetval != nullptr) {
    for (int i = 0; i < obj->nodesetval->nodeNr; ++i) {
      xmlNode* n = obj->nodesetval->nodeTab[i];
      if (n != nullptr && n->type == XML_ELEMENT_NODE) out.push_back(n);
    }
  }
  return out;
}

// The one element an update works on.
Result<xmlNode*> target(xmlDoc* doc, std::string_view scope, bool create_section) {
  if (is_xpath(scope)) {
    auto nodes = xpath_nodes(doc, scope);
    if (!nodes) return nodes.error();
    if (nodes->empty()) {
      return Error(ErrorCode::kNotFound, "XPath '" + std::string(scope) + "' matches nothing");
    }
    if (nodes->size() > 1) {
      return Error(ErrorCode::kInvalidInput, "XPath '" + std::string(scope) + "' matches " +
                                                 std::to_string(nodes->size()) +
                                                 " elements; this operation needs exactly one");
    }
    return nodes->front();
  }
  xmlNode* n = section(doc, scope, create_section);
  if (n == nullptr) {
    return Error(ErrorCode::kNotFound, "section '" + std::string(scope) + "' is not in the CIB");
  }
  return n;
}

}  // namespace

Result<std::vector<xmlNode*>> scope_elements(xmlDoc* doc, std::string_view scope) {
  if (is_xpath(scope)) return xpath_nodes(doc, scope);
  std::vector<xmlNode*> out;
  if (xmlNode* n = section(doc, scope, false)) out.push_back(n);
  return out;
}

namespace {

// Same tag, and same id (both absent counts as the same).
bool same_entity(const xmlNode* a, const xmlNode* b) {
  if (xmlStrEqual(a->name, b->name) == 0) return false;  // cheap test first
  return xml::attr(a, "id") == xml::attr(b, "id");
}

xmlNode* find_entity_deep(xmlNode* from, const xmlNode* like) {
  if (same_entity(from, like)) return from;
  for (xmlNode* c = from->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xmlNode* f = find_entity_deep(c, like)) return f;
  }
  return nullptr;
}

// `from` itself, then its children, then depth-first (cibadmin's order).
// Looking at the children first answers the common case (a <node_state>
// under <status>) without walking every earlier sibling's subtree; ids that
// repeat at different depths under one scope are ambiguous either way.
xmlNode* find_entity(xmlNode* from, const xmlNode* like) {
  if (same_entity(from, like)) return from;
  for (xmlNode* c = from->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && same_entity(c, like)) return c;
  }
  for (xmlNode* c = from->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xmlNode* f = find_entity_deep(c, like)) return f;
  }
  return nullptr;
}

xmlNode* find_child_entity(xmlNode* parent, const xmlNode* like) {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && same_entity(c, like)) return c;
  }
  return nullptr;
}

// "name++" and "name+=N" where name is the attribute's own name.
std::string expand_increment(const xmlNode* target, const std::string& name,
                             const std::string& value) {
  const auto current = xml::attr(target, name.c_str());
  const auto result = vigil::expand_increment(
      name, value, current ? std::optional<std::string_view>(*current) : std::nullopt);
  return result ? std::to_string(*result) : value;
}

// cibadmin --modify's merge: attributes set, children matched by tag + id
// and merged, missing ones appended. With a journal, only what changes is
// recorded: the attributes of an element whose attributes change, each
// appended child (the root's attributes the journal keeps anyway).
void merge(xmlNode* target, const xmlNode* update, bool is_root, Journal* j) {
  std::vector<std::pair<std::string, std::string>> values;
  bool differs = false;
  for (xmlAttr* a = update->properties; a != nullptr; a = a->next) {
    std::string name(reinterpret_cast<const char*>(a->name));
    if (is_root && (in(kVersionAttrs, name) || in(kVolatileRootAttrs, name))) continue;
    std::string value = expand_increment(target, name, xml::attr_or(update, name.c_str()));
    const auto current = xml::attr(target, name.c_str());
    differs = differs || !current || *current != value;
    values.emplace_back(std::move(name), std::move(value));
  }
  if (differs) {
    if (j != nullptr && !is_root) j->snapshot_attributes(target);
    for (const auto& [name, value] : values) set_attr(target, name.c_str(), value);
  }
  for (xmlNode* c = update->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xmlNode* match = find_child_entity(target, c)) {
      merge(match, c, false, j);
    } else {
      xmlNode* added = xmlAddChild(target, xmlDocCopyNode(c, target->doc, 1));
      if (j != nullptr) j->added(added);
    }
  }
}

Result<xml::DocPtr> parse_payload(const CibRequest& request) {
  if (request.payload.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 std::string(to_string(request.op)) + " needs an XML element to work with");
  }
  auto doc = xml::parse_string(request.payload, "request payload");
  if (!doc) return doc.error();
  return doc;
}

}  // namespace

// --- free functions -----------------------------------------------------------

namespace {

using SumCache = std::unordered_map<const xmlNode*, std::pair<std::uint64_t, std::uint64_t>>;

TreeSum element_sum(const xmlNode* n, SumCache* cache, const SumCache* frozen);

// Child elements count by their own sums, so that a remembered sum stands
// for a whole unchanged subtree; text and comments count as they are.
void hash_children(TreeHash& h, const xmlNode* n, SumCache* cache, const SumCache* frozen) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      h.sum(element_sum(c, cache, frozen));
    } else {
      h.leaf(c);
    }
  }
}

// An element's sum: its name, attributes, then its children (a frozen
// element's is the one it had when frozen, whatever its children now).
TreeSum element_sum(const xmlNode* n, SumCache* cache, const SumCache* frozen) {
  if (frozen != nullptr && !frozen->empty()) {
    if (auto it = frozen->find(n); it != frozen->end())
      return {it->second.first, it->second.second};
  }
  if (cache != nullptr) {
    if (auto it = cache->find(n); it != cache->end()) return {it->second.first, it->second.second};
  }
  TreeHash h;
  h.open(n);
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) h.attribute(a);
  hash_children(h, n, cache, frozen);
  h.close();
  const TreeSum s = h.value();
  if (cache != nullptr) cache->emplace(n, std::make_pair(s.h, s.count));
  return s;
}

std::string digest_with(const xmlDoc* doc, SumCache* cache, const SumCache* frozen = nullptr) {
  const xmlNode* root = root_of(doc);
  TreeHash h;
  hash_root_attrs(h, root, kVolatileRootAttrs, kVersionAttrs, false);
  hash_children(h, root, cache, frozen);
  h.close();
  return h.hex();
}

void forget_subtree(SumCache& cache, const xmlNode* n) {
  cache.erase(n);
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) forget_subtree(cache, c);
  }
}

}  // namespace

std::string cib_digest(const xmlDoc* doc) {
  return digest_with(doc, nullptr);
}

Result<CibVersion> read_version(const xmlDoc* doc) {
  const xmlNode* root = root_of(doc);
  if (root == nullptr || !xml::is(root, "cib")) {
    return Error(ErrorCode::kInvalidInput, "the document's root is not <cib>");
  }
  CibVersion v;
  auto a = read_counter(root, "admin_epoch");
  if (!a) return a.error();
  auto e = read_counter(root, "epoch");
  if (!e) return e.error();
  auto n = read_counter(root, "num_updates");
  if (!n) return n.error();
  v.admin_epoch = *a;
  v.epoch = *e;
  v.num_updates = *n;
  return v;
}

// --- Store ------------------------------------------------------------------

Store::Store(xml::DocPtr doc, CibVersion version) : doc_(std::move(doc)), version_(version) {
  refresh_digest();
}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

StoreUndo::StoreUndo() = default;
StoreUndo::~StoreUndo() {
  if (journal_) journal_->commit();  // dropped: the update stays
}
StoreUndo::StoreUndo(StoreUndo&&) noexcept = default;
StoreUndo& StoreUndo::operator=(StoreUndo&& other) noexcept {
  if (this != &other) {
    if (journal_) journal_->commit();
    journal_ = std::move(other.journal_);
    old_doc_ = std::move(other.old_doc_);
    version_ = other.version_;
    digest_ = std::move(other.digest_);
    config_digest_ = std::move(other.config_digest_);
    active_ = other.active_;
    other.active_ = false;
  }
  return *this;
}

void Store::undo(StoreUndo&& undo) {
  if (!undo.active_) return;
  if (undo.journal_) {
    undo.journal_->rollback();
    undo.journal_.reset();
  } else if (undo.old_doc_) {
    doc_ = std::move(undo.old_doc_);
  }
  sums_.clear();  // nodes came back: no cached sum can be trusted
  frozen_.clear();
  version_ = undo.version_;
  digest_ = std::move(undo.digest_);
  config_digest_ = std::move(undo.config_digest_);
  undo.active_ = false;
}

Store Store::empty() {
  const std::string text = std::string("<cib admin_epoch=\"0\" epoch=\"0\" num_updates=\"0\" ") +
                           "validate-with=\"" + kDefaultSchema +
                           "\"><configuration><crm_config/><nodes/><resources/><constraints/>"
                           "</configuration><status/></cib>";
  auto doc = xml::parse_string(text, "empty CIB");
  return Store(std::move(doc).value(), CibVersion{});
}

Result<Store> Store::from_doc(xml::DocPtr doc, bool validate) {
  auto version = read_version(doc.get());
  if (!version) return version.error();
  xmlNode* root = root_of(doc.get());
  if (xml::first_child(root, "status") == nullptr) {
    xmlNewChild(root, nullptr, reinterpret_cast<const xmlChar*>("status"), nullptr);
  }
  if (validate) {
    if (Status s = cib::validate_cib(doc.get()); !s) return s.error();
  }
  write_version(doc.get(), *version);
  return Store(std::move(doc), *version);
}

Result<Store> Store::from_xml(std::string_view text, bool validate) {
  auto doc = xml::parse_string(text, "CIB");
  if (!doc) return doc.error();
  return from_doc(std::move(doc).value(), validate);
}

Store Store::clone() const {
  Store copy(xml::DocPtr(xmlCopyDoc(doc_.get(), 1)), version_);
  copy.config_digest_ = config_digest_;
  return copy;
}

std::string Store::to_xml(bool pretty) const {
  return xml::to_string(doc_.get(), pretty);
}

void Store::freeze(const xmlNode* n) {
  const TreeSum s = element_sum(n, &sums_, &frozen_);
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    forget_subtree(sums_, c);
    forget_subtree(frozen_, c);
  }
  frozen_[n] = std::make_pair(s.h, s.count);
}

void Store::thaw(const xmlNode* n) {
  frozen_.erase(n);
  // Its content counts again, hashed anew (and so its ancestors').
  for (const xmlNode* p = n; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
    sums_.erase(p);
  }
}

void Store::refresh_digest() {
  sums_.clear();
  frozen_.clear();
  digest_ = digest_with(doc_.get(), &sums_);
  config_digest_ = config_hash(doc_.get());
}

void Store::set_version(CibVersion version) {
  version_ = version;
  write_version(doc_.get(), version);  // the digest leaves the version out
}

void Store::reset(xml::DocPtr doc) {
  doc_ = std::move(doc);
  auto v = read_version(doc_.get());
  version_ = v ? *v : CibVersion{};
  refresh_digest();
}

Result<std::string> Store::query(std::string_view scope) const {
  return query_document(doc_.get(), scope);
}

Result<std::string> query_document(const xmlDoc* const_doc, std::string_view scope) {
  if (Status s = check_scope(scope); !s) return s.error();
  xmlDoc* doc = const_cast<xmlDoc*>(const_doc);  // read only: XPath and lookups
  if (is_xpath(scope)) {
    auto nodes = xpath_nodes(doc, scope);
    if (!nodes) return nodes.error();
    if (nodes->empty()) {
      return Error(ErrorCode::kNotFound, "XPath '" + std::string(scope) + "' matches nothing");
    }
    if (nodes->size() == 1) return xml::to_string(nodes->front(), false);
    std::string out = "<xpath-query>";
    for (xmlNode* n : *nodes) out += xml::to_string(n, false);
    return out + "</xpath-query>";
  }
  xmlNode* n = section(doc, scope, false);
  if (n == nullptr) {
    return Error(ErrorCode::kNotFound, "section '" + std::string(scope) + "' is not in the CIB");
  }
  return xml::to_string(n, false);
}

namespace {

// Section lookup for updates: sections created on demand are journalled.
Result<xmlNode*> update_target(xmlDoc* doc, std::string_view scope, bool create, Journal* j) {
  xmlNode* root = root_of(doc);
  const bool had_conf = xml::first_child(root, "configuration") != nullptr;
  const bool had_section = is_xpath(scope) || section(doc, scope, false) != nullptr;
  auto t = target(doc, scope, create);
  if (!t || j == nullptr) return t;
  if (!had_conf) {
    if (xmlNode* conf = xml::first_child(root, "configuration")) j->added(conf);
  } else if (!had_section && *t != root) {
    j->added(*t);
  }
  return t;
}

// Whether an update must work on a copy of the whole document: it replaces
// or merges into <cib> itself.
constexpr const char* kWholeDocument = "whole-document";

}  // namespace

// Carries the operation out on `doc`. With a journal, changes are recorded
// for undo and an operation on <cib> itself fails with kWholeDocument (the
// caller then works on a copy instead).
static Status perform(xmlDoc* doc, const CibRequest& request, const CibVersion& current, Journal* j,
                      std::optional<CibVersion>& replaced_version) {
  switch (request.op) {
    case CibOp::kQuery:
      return Error(ErrorCode::kInvalidInput, "a query is not an update");
    case CibOp::kCreate: {
      auto payload = parse_payload(request);
      if (!payload) return payload.error();
      auto parent = update_target(doc, request.scope, true, j);
      if (!parent) return parent.error();
      const xmlNode* input = root_of(payload->get());
      if (same_entity(*parent, input) && !is_xpath(request.scope)) {
        // cibadmin -C -o resources -X '<resources>...': merge into the section.
        if (*parent == root_of(doc) && j != nullptr)
          return Error(ErrorCode::kInternal, kWholeDocument);
        merge(*parent, input, *parent == root_of(doc), j);
        return ok_status();
      }
      if (find_child_entity(*parent, input) != nullptr) {
        return Error(ErrorCode::kInvalidInput,
                     "<" + std::string(xml::name(input)) + " id=\"" + xml::attr_or(input, "id") +
                         "\"> already exists under <" + std::string(xml::name(*parent)) + ">");
      }
      xmlNode* added = xmlAddChild(*parent, xmlDocCopyNode(const_cast<xmlNode*>(input), doc, 1));
      if (j != nullptr) j->added(added);
      return ok_status();
    }
    case CibOp::kModify: {
      auto payload = parse_payload(request);
      if (!payload) return payload.error();
      auto scope_el = update_target(doc, request.scope, true, j);
      if (!scope_el) return scope_el.error();
      const xmlNode* input = root_of(payload->get());
      xmlNode* match = find_entity(*scope_el, input);
      if (match == nullptr) {
        if (!request.allow_create) {
          return Error(ErrorCode::kNotFound,
                       "no <" + std::string(xml::name(input)) +
                           (xml::has_attr(input, "id") ? " id=\"" + xml::attr_or(input, "id") + "\""
                                                       : std::string()) +
                           "> to modify in " +
                           (request.scope.empty() ? std::string("the CIB") : request.scope));
        }
        xmlNode* added =
            xmlAddChild(*scope_el, xmlDocCopyNode(const_cast<xmlNode*>(input), doc, 1));
        if (j != nullptr) j->added(added);
        return ok_status();
      }
      if (match == root_of(doc) && j != nullptr) {
        // Attributes of <cib> alone (have-quorum, dc-uuid...): the journal
        // restores root attributes, so no copy is needed.
        if (!xml::children(input).empty()) return Error(ErrorCode::kInternal, kWholeDocument);
        merge(match, input, true, j);
        return ok_status();
      }
      merge(match, input, match == root_of(doc), j);
      return ok_status();
    }
    case CibOp::kReplace: {
      auto payload = parse_payload(request);
      if (!payload) return payload.error();
      auto scope_el = target(doc, request.scope, false);
      if (!scope_el) return scope_el.error();
      const xmlNode* input = root_of(payload->get());
      xmlNode* match = find_entity(*scope_el, input);
      if (match == nullptr && xml::name(*scope_el) == xml::name(input)) match = *scope_el;
      if (match == nullptr) {
        return Error(ErrorCode::kNotFound, "no <" + std::string(xml::name(input)) + " id=\"" +
                                               xml::attr_or(input, "id") + "\"> to replace");
      }
      if (match != root_of(doc)) {
        xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(input), doc, 1);
        if (j != nullptr) {
          j->replace(match, copy);
        } else {
          xmlReplaceNode(match, copy);
          xmlFreeNode(match);
        }
        return ok_status();
      }
      if (j != nullptr) return Error(ErrorCode::kInternal, kWholeDocument);
      auto v = read_version(payload->get());
      if (!v) return v.error();
      if (*v < current && !request.force) {
        return Error(ErrorCode::kInvalidInput,
                     "replacement CIB " + v->to_string() + " is older than the current " +
                         current.to_string() + " (force it to overwrite)");
      }
      replaced_version = *v;
      xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(input), doc, 1);
      xmlDocSetRootElement(doc, copy);
      xmlFreeNode(match);
      if (xml::first_child(copy, "status") == nullptr) {
        xmlNewChild(copy, nullptr, reinterpret_cast<const xmlChar*>("status"), nullptr);
      }
      return ok_status();
    }
    case CibOp::kDelete: {
      std::vector<xmlNode*> victims;
      if (is_xpath(request.scope)) {
        auto nodes = xpath_nodes(doc, request.scope);
        if (!nodes) return nodes.error();
        victims = std::move(nodes).value();
      } else if (!request.payload.empty()) {
        // cibadmin -D -o SECTION -X '<tag id=.../>': the first match in the section.
        auto payload = parse_payload(request);
        if (!payload) return payload.error();
        if (xmlNode* s = section(doc, request.scope, false)) {
          if (xmlNode* m = find_entity(s, root_of(payload->get()))) victims.push_back(m);
        }
      } else {
        if (xmlNode* s = section(doc, request.scope, false)) victims.push_back(s);
      }
      for (xmlNode* v : victims) {
        const bool required = in(kRequiredElements, xml::name(v)) &&
                              (v == root_of(doc) || v->parent == root_of(doc) ||
                               (v->parent != nullptr && xml::is(v->parent, "configuration") &&
                                v->parent->parent == root_of(doc)));
        if (required) {
          return Error(ErrorCode::kInvalidInput,
                       "<" + std::string(xml::name(v)) + "> is required and cannot be deleted");
        }
      }
      // Unlink only the outermost matches: a nested one goes with its ancestor.
      std::set<xmlNode*> all(victims.begin(), victims.end());
      for (xmlNode* v : victims) {
        bool nested = false;
        for (xmlNode* p = v->parent; p != nullptr && !nested; p = p->parent) {
          nested = all.count(p) != 0;
        }
        if (nested) continue;
        if (j != nullptr) {
          j->remove(v);
        } else {
          xmlUnlinkNode(v);
          xmlFreeNode(v);
        }
      }
      return ok_status();
    }
  }
  return Error(ErrorCode::kInternal, "unknown operation");
}

Result<UpdateOutcome> Store::apply(const CibRequest& request, const UpdateMeta& meta, bool validate,
                                   const acl::Access* access) {
  StoreUndo dropped;  // destroyed at once: the update stays
  return apply(request, meta, validate, dropped, access);
}

Result<UpdateOutcome> Store::apply(const CibRequest& request, const UpdateMeta& meta, bool validate,
                                   StoreUndo& undo, const acl::Access* access) {
  if (request.op == CibOp::kQuery) {
    return Error(ErrorCode::kInvalidInput, "a query is not an update");
  }
  if (Status s = check_scope(request.scope); !s) return s.error();
  if (request.expect_version && *request.expect_version != version_.config()) {
    return Error(ErrorCode::kInvalidInput, "CIB version is " + version_.config().to_string() +
                                               ", expected " + request.expect_version->to_string());
  }

  // In place with a journal (no copy of a large CIB for a small change);
  // on a copy when the update works on <cib> itself.
  std::optional<CibVersion> replaced_version;
  xml::DocPtr work;
  xmlDoc* doc = doc_.get();
  // ACLs compare the document before and after (only for users they
  // restrict: root's and the daemons' updates copy nothing).
  xml::DocPtr acl_before;
  if (access != nullptr && access->enforced) {
    acl_before.reset(xmlCopyDoc(doc_.get(), 1));
    if (!acl_before) return Error(ErrorCode::kInternal, "cannot copy the CIB");
  }
  auto journal = std::make_unique<Journal>(doc);
  Status done = perform(doc, request, version_, journal.get(), replaced_version);
  if (!done && done.error().code() == ErrorCode::kInternal &&
      done.error().message() == kWholeDocument) {
    journal.reset();  // undoes nothing done so far
    work.reset(xmlCopyDoc(doc_.get(), 1));
    if (!work) return Error(ErrorCode::kInternal, "cannot copy the CIB");
    doc = work.get();
    done = perform(doc, request, version_, nullptr, replaced_version);
  }
  if (!done) return done.error();  // the journal (or the copy) undoes it
  if (acl_before) {
    // Before versions and update-* are written: those are the service's
    // (Pacemaker lifts the ACLs for them too).
    if (auto denied = acl::check_update(acl_before.get(), doc, access->rules)) {
      log::info("cib: ACLs refuse user '" + access->user + "' to " + denied->what + " " +
                denied->path);
      return acl::permission_denied();  // the journal (or the copy) undoes it
    }
  }

  // The sums of what changed are forgotten (a copy starts afresh). Should
  // the update be refused below, the journal undoes it and every sum goes.
  SumCache fresh;
  SumCache* sums = &fresh;
  const std::vector<const xmlNode*> touched =
      journal ? journal->touched() : std::vector<const xmlNode*>{};
  if (journal) {
    for (const xmlNode* t : touched) {
      for (const xmlNode* p = t; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
        sums_.erase(p);
      }
      frozen_.erase(t);  // its own sum no longer stands for it
    }
    for (const xmlNode* d : journal->detached()) {
      forget_subtree(sums_, d);
      forget_subtree(frozen_, d);
    }
    sums = &sums_;
  }
  struct DropSumsUnlessKept {
    SumCache& sums;
    bool keep = false;
    ~DropSumsUnlessKept() {
      if (!keep) sums.clear();
    }
  } guard{sums_};

  UpdateOutcome out;
  out.previous = version_;
  const std::string after = digest_with(doc, sums, journal ? &frozen_ : nullptr);
  if (after == digest_ && !replaced_version) {
    out.current = version_;
    if (journal) journal->commit();  // nothing that counts changed
    guard.keep = true;               // a copy is dropped, and sums_ still fits doc_
    return out;
  }
  out.changed = true;
  // A change scoped inside <status> cannot touch the configuration: skip
  // serialising it (status updates are the frequent ones).
  std::string next_config_digest;
  if (status_scope(request.scope)) {
    out.config_changed = false;
    next_config_digest = config_digest_;
  } else {
    next_config_digest = config_hash(doc);
    out.config_changed = next_config_digest != config_digest_;
  }

  CibVersion next = version_;
  if (replaced_version && *replaced_version > version_) {
    next = *replaced_version;
    if (out.config_changed && replaced_version->config() == version_.config()) {
      next.epoch += 1;
      next.num_updates = 0;
    }
  } else if (out.config_changed) {
    next.epoch += 1;
    next.num_updates = 0;
  } else {
    next.num_updates += 1;
  }
  write_version(doc, next);
  xmlNode* root = root_of(doc);
  if (out.config_changed) set_attr(root, "cib-last-written", format_time(meta.wall_seconds));
  if (!meta.origin.empty()) set_attr(root, "update-origin", meta.origin);
  if (!meta.client.empty()) set_attr(root, "update-client", meta.client);
  if (!meta.user.empty()) set_attr(root, "update-user", meta.user);

  if (validate) {
    // An update inside <status> leaves the (valid) configuration as it was:
    // only the status entries it touched are checked again.
    Status s = journal && status_scope(request.scope) ? cib::validate_status_change(doc, touched)
                                                      : cib::validate_cib(doc);
    if (!s) return s.error().with_context("the result would not validate");
  }
  undo = StoreUndo();
  undo.version_ = version_;
  undo.digest_ = digest_;
  undo.config_digest_ = config_digest_;
  undo.active_ = true;
  if (journal) {
    undo.journal_ = std::move(journal);  // committed when the undo is dropped
  } else {
    undo.old_doc_ = std::move(doc_);
    doc_ = std::move(work);
    sums_ = std::move(fresh);
    frozen_.clear();  // they were the old document's elements
  }
  guard.keep = true;
  version_ = next;
  config_digest_ = std::move(next_config_digest);
  digest_ = after;
  out.current = next;
  return out;
}

}  // namespace vigil::cibd
