// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB's ACLs: who they apply to, the rules a user gets, the document a
// user may read and the updates a user may make (see acl.hpp).
#include "vigil/cibd/acl.hpp"

#include <grp.h>
#include <libxml/xpath.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "vigil/log/log.hpp"

namespace vigil::cibd::acl {
namespace {

using Marks = std::unordered_map<const xmlNode*, unsigned>;

bool is_true(std::string_view v) {
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "true" || lower == "on" || lower == "yes" || lower == "y" || lower == "1";
}

const xmlNode* root_of(const xmlDoc* doc) {
  return doc == nullptr ? nullptr : xmlDocGetRootElement(const_cast<xmlDoc*>(doc));
}

const xmlNode* acls_section(const xmlDoc* cib) {
  const xmlNode* conf = xml::first_child(root_of(cib), "configuration");
  return conf == nullptr ? nullptr : xml::first_child(conf, "acls");
}

// An ACL's xpath may be anything an administrator typed: its errors are
// not printed, they make the rule select nothing.
void ignore_xpath_error(void*, xmlError*) {}

struct XPathContextFree {
  void operator()(xmlXPathContext* c) const { xmlXPathFreeContext(c); }
};
struct XPathObjectFree {
  void operator()(xmlXPathObject* o) const { xmlXPathFreeObject(o); }
};

// The elements `xpath` selects: an attribute or text node stands for its
// element, the document for its root, anything else selects nothing.
std::vector<xmlNode*> select(const xmlDoc* doc, const std::string& xpath) {
  std::vector<xmlNode*> out;
  std::unique_ptr<xmlXPathContext, XPathContextFree> ctx(
      xmlXPathNewContext(const_cast<xmlDoc*>(doc)));
  if (!ctx) return out;
  ctx->error = ignore_xpath_error;
  std::unique_ptr<xmlXPathObject, XPathObjectFree> obj(
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), ctx.get()));
  if (!obj || obj->type != XPATH_NODESET || obj->nodesetval == nullptr) return out;
  for (int i = 0; i < obj->nodesetval->nodeNr; ++i) {
    xmlNode* n = obj->nodesetval->nodeTab[i];
    if (n == nullptr) continue;
    if (n->type == XML_DOCUMENT_NODE) {
      n = xmlDocGetRootElement(reinterpret_cast<xmlDoc*>(n));
    } else if (n->type != XML_ELEMENT_NODE) {
      n = (n->parent != nullptr && n->parent->type == XML_ELEMENT_NODE) ? n->parent : nullptr;
    }
    if (n != nullptr) out.push_back(n);
  }
  return out;
}

Marks mark(const xmlDoc* doc, const std::vector<Rule>& rules) {
  Marks marks;
  for (const Rule& r : rules) {
    for (xmlNode* n : select(doc, r.xpath)) marks[n] |= r.mode;
  }
  return marks;
}

unsigned marks_of(const Marks& marks, const xmlNode* n) {
  auto it = marks.find(n);
  return it == marks.end() ? 0u : it->second;
}

// One element's own marks against a wish: nullopt when they say nothing.
std::optional<bool> decide_here(unsigned marks, Mode wish) {
  if ((marks & kDeny) != 0) return false;
  if ((marks & wish) == static_cast<unsigned>(wish)) return true;
  if (wish == kRead && (marks & kWrite) != 0) return true;
  return std::nullopt;
}

// The nearest of `n` and its ancestors whose marks decide; refused when
// none does.
bool allowed(const Marks& marks, const xmlNode* n, Mode wish) {
  for (const xmlNode* p = n; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
    if (auto d = decide_here(marks_of(marks, p), wish)) return *d;
  }
  return false;
}

bool readable(const Marks& marks, const xmlNode* n) {
  return n->type == XML_ELEMENT_NODE && decide_here(marks_of(marks, n), kRead).value_or(false);
}

std::string element_path(const xmlNode* n) {
  std::vector<const xmlNode*> chain;
  for (const xmlNode* p = n; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
    chain.push_back(p);
  }
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    out += '/';
    out += xml::name(*it);
    if (auto id = xml::attr(*it, "id")) out += "[@id='" + *id + "']";
  }
  return out;
}

// ---- unpacking ------------------------------------------------------------

void add_rule(const xmlNode* perm, Mode mode, std::vector<Rule>& rules) {
  auto tag = xml::attr(perm, "object-type");
  if (!tag) tag = xml::attr(perm, "tag");  // schemas before 2.0
  auto ref = xml::attr(perm, "reference");
  if (!ref) ref = xml::attr(perm, "ref");  // schemas before 2.0
  auto xpath = xml::attr(perm, "xpath");
  auto attribute = xml::attr(perm, "attribute");
  const std::string id = xml::attr_or(perm, "id");
  if (!tag && !ref && !xpath) {
    log::debug("acl: ignoring permission '" + id + "' that selects nothing");
    return;
  }
  Rule r;
  r.mode = mode;
  r.id = id;
  if (xpath) {
    r.xpath = *xpath;
  } else {
    r.xpath = "//" + tag.value_or("*");
    if (ref && attribute) {
      r.xpath += "[@id='" + *ref + "' and @" + *attribute + "]";
    } else if (ref) {
      r.xpath += "[@id='" + *ref + "']";
    } else if (attribute) {
      r.xpath += "[@" + *attribute + "]";
    }
  }
  rules.push_back(std::move(r));
}

void unpack_entry(const xmlNode* acls, const xmlNode* entry, int depth, std::vector<Rule>& rules) {
  for (const xmlNode* child : xml::children(entry)) {
    std::string kind(xml::name(child));
    if (kind == "acl_permission") {
      auto k = xml::attr(child, "kind");
      if (!k) {
        log::warning("acl: ignoring acl_permission '" + xml::attr_or(child, "id") +
                     "' without a kind");
        continue;
      }
      kind = *k;
    }
    if (kind == "role" || kind == "role_ref") {
      auto ref = xml::attr(child, "id");
      if (!ref) continue;
      for (const xmlNode* role : xml::children(acls, "acl_role")) {
        if (xml::attr(role, "id") != ref) continue;
        if (depth >= kMaxRoleDepth) {
          log::warning("acl: role '" + *ref + "' nested deeper than " +
                       std::to_string(kMaxRoleDepth) + " levels; ignored");
        } else {
          unpack_entry(acls, role, depth + 1, rules);
        }
        break;
      }
    } else if (kind == "read") {
      add_rule(child, kRead, rules);
    } else if (kind == "write") {
      add_rule(child, kWrite, rules);
    } else if (kind == "deny") {
      add_rule(child, kDeny, rules);
    } else {
      log::warning("acl: ignoring unknown ACL kind '" + kind + "'");
    }
  }
}

// ---- reading --------------------------------------------------------------

// Pacemaker's purge: true when something under `n` (or `n` itself) stays
// readable. Unreadable elements lose their attributes but id; subtrees with
// nothing readable go into `dropped` (freed at the end, so that later
// matches never point into freed memory).
bool purge(xmlNode* n, const Marks& marks, std::unordered_set<xmlNode*>& dropped) {
  if (readable(marks, n)) return true;
  if (n->type == XML_ELEMENT_NODE) {
    for (xmlAttr* a = n->properties; a != nullptr;) {
      xmlAttr* next = a->next;
      if (std::strcmp(reinterpret_cast<const char*>(a->name), "id") != 0) xmlRemoveProp(a);
      a = next;
    }
  }
  bool any = false;
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (dropped.count(c) == 0 && purge(c, marks, dropped)) any = true;
  }
  if (!any) dropped.insert(n);
  return any;
}

bool inside_dropped(const xmlNode* n, const std::unordered_set<xmlNode*>& dropped) {
  for (const xmlNode* p = n; p != nullptr; p = p->parent) {
    if (dropped.count(const_cast<xmlNode*>(p)) != 0) return true;
  }
  return false;
}

// ---- writing --------------------------------------------------------------

// The element children of one parent, each under the key that matches it
// with its counterpart in the other document: its tag and id or, without an
// id, its tag and rank among its id-less siblings of that tag (as
// Pacemaker's change tracking pairs them). Found by hash, not by scan; two
// siblings with the same key: the first one is found.
class Siblings {
 public:
  explicit Siblings(const xmlNode* parent) {
    std::unordered_map<std::string, std::size_t> idless;  // tag -> id-less ones so far
    for (const xmlNode* c : xml::children(parent)) {
      std::string key(xml::name(c));
      key += '\0';
      if (auto id = xml::attr(c, "id")) {
        key += 'i';
        key += *id;
      } else {
        key += 'r';
        key += std::to_string(idless[std::string(xml::name(c))]++);
      }
      entries_.emplace_back(std::move(key), c);
    }
    if (entries_.size() > kScanAtMost) {
      index_.reserve(entries_.size());
      for (const auto& [key, node] : entries_) index_.emplace(key, node);  // the first stays
    }
  }

  // index_ views the keys in entries_: never copied or moved.
  Siblings(const Siblings&) = delete;
  Siblings& operator=(const Siblings&) = delete;

  std::size_t size() const { return entries_.size(); }
  const xmlNode* node(std::size_t i) const { return entries_[i].second; }
  const std::string& key(std::size_t i) const { return entries_[i].first; }

  const xmlNode* find(const std::string& key) const {
    if (!index_.empty()) {
      auto it = index_.find(key);
      return it == index_.end() ? nullptr : it->second;
    }
    for (const auto& [k, node] : entries_) {
      if (k == key) return node;
    }
    return nullptr;
  }

 private:
  // Below this many children a scan is cheaper than a hash table.
  static constexpr std::size_t kScanAtMost = 8;
  std::vector<std::pair<std::string, const xmlNode*>> entries_;
  std::unordered_map<std::string_view, const xmlNode*> index_;
};

class UpdateCheck {
 public:
  UpdateCheck(const xmlDoc* before, const xmlDoc* after, const std::vector<Rule>& rules)
      : before_(mark(before, rules)), after_(mark(after, rules)) {}

  std::optional<Denial> compare(const xmlNode* o, const xmlNode* n) {
    for (const xmlAttr* a = o->properties; a != nullptr; a = a->next) {
      const auto name = reinterpret_cast<const char*>(a->name);
      auto now = xml::attr(n, name);
      if (!now) {
        if (!allowed(after_, n, kWrite)) return attr_denial(n, name, "remove attribute");
      } else if (*now != xml::attr_or(o, name)) {
        if (!allowed(after_, n, kWrite)) return attr_denial(n, name, "change attribute");
      }
    }
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      const auto name = reinterpret_cast<const char*>(a->name);
      if (!xml::has_attr(o, name) && !allowed(after_, n, kWrite)) {
        return attr_denial(n, name, "add attribute");
      }
    }
    // Each side's children indexed once: matching them one by one against
    // a scan of the other side's would cost siblings^2 (50,000 resources:
    // over a billion comparisons for every update an ACL user makes).
    const Siblings old_children(o);
    const Siblings new_children(n);
    for (std::size_t i = 0; i < old_children.size(); ++i) {
      const xmlNode* c = old_children.node(i);
      if (const xmlNode* m = new_children.find(old_children.key(i))) {
        if (auto d = compare(c, m)) return d;
      } else if (!removal_allowed(c, n)) {
        return Denial{element_path(n) + "/" + std::string(xml::name(c)) + id_suffix(c),
                      "remove element"};
      }
    }
    for (std::size_t i = 0; i < new_children.size(); ++i) {
      if (old_children.find(new_children.key(i)) == nullptr) {
        if (auto d = created(new_children.node(i))) return d;
      }
    }
    return std::nullopt;
  }

  std::optional<Denial> created(const xmlNode* n) {
    if (!scaffolding(n) && !allowed(after_, n, kWrite)) {
      return Denial{element_path(n), "create element"};
    }
    for (const xmlNode* c : xml::children(n)) {
      if (auto d = created(c)) return d;
    }
    return std::nullopt;
  }

 private:
  // A removed element is judged by its own marks (in the document it left)
  // and then, as Pacemaker puts it back under its parent to check, by the
  // new document's ancestors.
  bool removal_allowed(const xmlNode* removed, const xmlNode* new_parent) const {
    if (auto d = decide_here(marks_of(before_, removed), kWrite)) return *d;
    return allowed(after_, new_parent, kWrite);
  }

  static std::string id_suffix(const xmlNode* n) {
    auto id = xml::attr(n, "id");
    return id ? "[@id='" + *id + "']" : std::string();
  }
  static Denial attr_denial(const xmlNode* n, const char* name, const char* what) {
    return Denial{element_path(n) + "[@" + name + "]", what};
  }

  // Pacemaker's rule: an element carrying nothing but an id may be created
  // anywhere but inside <acls>.
  static bool scaffolding(const xmlNode* n) {
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      if (std::strcmp(reinterpret_cast<const char*>(a->name), "id") != 0) return false;
    }
    for (const xmlNode* p = n->parent; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
      if (xml::is(p, "acls")) return false;
    }
    return true;
  }

  Marks before_;
  Marks after_;
};

}  // namespace

GroupLookup system_groups() {
  return [](const std::string& user) {
    std::vector<std::string> out;
    struct passwd pw {};
    struct passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
      return out;
    }
    std::vector<gid_t> gids(64);
    for (int attempt = 0; attempt < 4; ++attempt) {
      int n = static_cast<int>(gids.size());
      if (::getgrouplist(user.c_str(), found->pw_gid, gids.data(), &n) >= 0) {
        gids.resize(static_cast<std::size_t>(n));
        break;
      }
      if (attempt == 3 || n > 65536) {
        log::warning("acl: cannot list the groups of user '" + user + "'");
        gids.clear();
        break;
      }
      gids.resize(static_cast<std::size_t>(std::max(n, static_cast<int>(gids.size()) * 4)));
    }
    for (gid_t g : gids) {
      struct group gr {};
      struct group* gfound = nullptr;
      std::vector<char> gbuf(16384);
      if (::getgrgid_r(g, &gr, gbuf.data(), gbuf.size(), &gfound) == 0 && gfound != nullptr) {
        out.emplace_back(gfound->gr_name);
      }
    }
    return out;
  };
}

bool required(std::string_view user) {
  return !user.empty() && user != "root" && user != kDaemonUser;
}

bool enabled(const xmlDoc* cib) {
  const xmlNode* conf = xml::first_child(root_of(cib), "configuration");
  const xmlNode* crm_config = conf == nullptr ? nullptr : xml::first_child(conf, "crm_config");
  if (crm_config == nullptr) return false;
  for (const xmlNode* set : xml::children(crm_config, "cluster_property_set")) {
    for (const xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == "enable-acl") return is_true(xml::attr_or(nv, "value"));
    }
  }
  return false;
}

std::vector<Rule> unpack_rules(const xmlDoc* cib, const std::string& user,
                               const GroupLookup& groups) {
  std::vector<Rule> rules;
  const xmlNode* acls = acls_section(cib);
  if (acls == nullptr) return rules;
  std::optional<std::vector<std::string>> member_of;
  for (const xmlNode* child : xml::children(acls)) {
    const bool target = xml::is(child, "acl_target") || xml::is(child, "acl_user");
    const bool group = xml::is(child, "acl_group");
    if (!target && !group) continue;
    auto name = xml::attr(child, "name");
    if (!name) name = xml::attr(child, "id");
    if (!name) continue;
    if (target) {
      if (*name != user) continue;
    } else {
      if (!member_of) member_of = groups ? groups(user) : std::vector<std::string>{};
      if (std::find(member_of->begin(), member_of->end(), *name) == member_of->end()) continue;
    }
    unpack_entry(acls, child, 0, rules);
  }
  return rules;
}

Access access_for(const xmlDoc* cib, const std::string& user, const GroupLookup& groups) {
  Access a;
  a.user = user;
  a.enforced = required(user) && enabled(cib);
  if (a.enforced) a.rules = unpack_rules(cib, user, groups);
  return a;
}

std::optional<xml::DocPtr> filtered_copy(const xmlDoc* doc, const std::vector<Rule>& rules) {
  if (rules.empty() || root_of(doc) == nullptr) return std::nullopt;
  xml::DocPtr copy(xmlCopyDoc(const_cast<xmlDoc*>(doc), 1));
  if (!copy) return std::nullopt;
  xmlNode* root = xmlDocGetRootElement(copy.get());
  const Marks marks = mark(copy.get(), rules);
  std::unordered_set<xmlNode*> dropped;
  // Denied subtrees first (what a deny selects is purged even under a
  // readable ancestor), then the whole document.
  for (const Rule& r : rules) {
    if (r.mode != kDeny) continue;
    for (xmlNode* m : select(copy.get(), r.xpath)) {
      if (inside_dropped(m, dropped)) continue;
      if (!purge(m, marks, dropped) && m == root) return std::nullopt;
    }
  }
  if (inside_dropped(root, dropped) || !purge(root, marks, dropped)) return std::nullopt;
  std::vector<xmlNode*> top;
  for (xmlNode* n : dropped) {
    if (!inside_dropped(n->parent, dropped)) top.push_back(n);
  }
  for (xmlNode* n : top) {
    xmlUnlinkNode(n);
    xmlFreeNode(n);
  }
  return copy;
}

bool reads_everything(const xmlDoc* doc, const std::vector<Rule>& rules) {
  const xmlNode* root = root_of(doc);
  if (root == nullptr) return false;
  for (const Rule& r : rules) {
    if (r.mode == kDeny) return false;
  }
  for (const Rule& r : rules) {
    for (const xmlNode* n : select(doc, r.xpath)) {
      if (n == root) return true;  // read or write: no deny anywhere
    }
  }
  return false;
}

std::optional<Denial> check_update(const xmlDoc* before, const xmlDoc* after,
                                   const std::vector<Rule>& rules) {
  const xmlNode* o = root_of(before);
  const xmlNode* n = root_of(after);
  if (n == nullptr) return std::nullopt;
  UpdateCheck check(before, after, rules);
  if (o == nullptr || xml::name(o) != xml::name(n)) return check.created(n);
  return check.compare(o, n);
}

Error permission_denied() {
  return Error(ErrorCode::kPermissionDenied, "Permission denied");
}

}  // namespace vigil::cibd::acl
