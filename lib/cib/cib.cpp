// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cib/cib.hpp"

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "parse_internal.hpp"
#include "vigil/common/time.hpp"

namespace vigil::cib {

namespace {

using xml::attr;
using xml::attr_or;
using xml::children;
using xml::first_child;
using xml::is;

Error invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

std::optional<Score> score_attr(const xmlNode* n, const char* name) {
  auto v = attr(n, name);
  if (!v) return std::nullopt;
  return parse_score_lenient(*v);
}

}  // namespace

Result<std::unique_ptr<Cib>> Cib::from_file(const std::string& path) {
  auto doc = xml::parse_file(path);
  if (!doc) return doc.error();
  return from_doc(std::move(doc).value(), path);
}

Result<std::unique_ptr<Cib>> Cib::from_string(std::string_view text, const std::string& what) {
  auto doc = xml::parse_string(text, what);
  if (!doc) return doc.error();
  return from_doc(std::move(doc).value(), what);
}

namespace {

void index_ids(const xmlNode* n, std::unordered_map<std::string, const xmlNode*>& ids) {
  for (xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (auto id = attr(c, "id")) {
      // Keep the first definition; references (id-ref) do not carry "id".
      ids.emplace(*id, c);
    }
    index_ids(c, ids);
  }
}

// What parsing needs besides the model it fills: the document's elements by
// id (for id-refs and templates). It lives only while the document does.
struct Parse {
  Cib& cib;
  std::unordered_map<std::string, const xmlNode*> ids;

  const xmlNode* by_id(const std::string& id) const {
    auto it = ids.find(id);
    return it == ids.end() ? nullptr : it->second;
  }
  rules::IdResolver resolver() const {
    return [this](const std::string& id) { return by_id(id); };
  }
};

// The element's own attributes, in document order.
std::vector<std::pair<std::string, std::string>> attrs_of(const xmlNode* n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (xmlAttr* a = n->properties; a; a = a->next) {
    const xmlNode* text = a->children;
    out.emplace_back(reinterpret_cast<const char*>(a->name),
                     text && text->content ? reinterpret_cast<const char*>(text->content) : "");
  }
  return out;
}

Status parse_ops(const xmlNode* rsc_xml, const rules::IdResolver& resolve,
                 std::vector<OpConfig>& out) {
  const xmlNode* ops = first_child(rsc_xml, "operations");
  if (!ops) return ok_status();
  if (auto ref = attr(ops, "id-ref")) {
    ops = resolve(*ref);
    if (!ops) return invalid("operations id-ref '" + *ref + "' does not exist");
  }
  for (const xmlNode* op : children(ops, "op")) {
    OpConfig c;
    for (auto& [name, value] : attrs_of(op)) c.attrs.emplace(std::move(name), std::move(value));
    c.id = attr_or(op, "id");
    c.name = attr_or(op, "name");
    c.role = attr_or(op, "role");
    auto interval = attr_or(op, "interval", "0");
    auto ms = parse_interval_ms(interval);
    if (!ms) return invalid("op " + c.id + ": invalid interval '" + interval + "'");
    c.interval_ms = *ms;
    auto enabled = attr_or(op, "enabled", "true");
    c.enabled = !(enabled == "false" || enabled == "no" || enabled == "0" || enabled == "off");
    auto meta = rules::parse_nvsets(op, "meta_attributes", resolve);
    if (!meta) return meta.error();
    c.meta_sets = std::move(meta).value();
    auto inst = rules::parse_nvsets(op, "instance_attributes", resolve);
    if (!inst) return inst.error();
    c.instance_sets = std::move(inst).value();
    out.push_back(std::move(c));
  }
  return ok_status();
}

Status parse_sets_of(const xmlNode* n, const rules::IdResolver& resolve, ResourceConfig& rc) {
  auto meta = rules::parse_nvsets(n, "meta_attributes", resolve);
  if (!meta) return meta.error();
  auto inst = rules::parse_nvsets(n, "instance_attributes", resolve);
  if (!inst) return inst.error();
  auto util = rules::parse_nvsets(n, "utilization", resolve);
  if (!util) return util.error();
  // After a template's, as Pacemaker's expansion appends the primitive's
  // own children to a copy of the template: of sets with equal scores the
  // later in the document applies first, so its values win.
  rc.meta_sets.insert(rc.meta_sets.end(), meta->begin(), meta->end());
  rc.instance_sets.insert(rc.instance_sets.end(), inst->begin(), inst->end());
  rc.utilization_sets.insert(rc.utilization_sets.end(), util->begin(), util->end());
  return ok_status();
}

Result<std::unique_ptr<ResourceConfig>> parse_resource(const xmlNode* n, const Parse& parse,
                                                       ResourceConfig* parent);

// The members Pacemaker unpacks (the schema allows no others; without
// validation the rest is ignored): a group's primitives, a clone's first
// primitive or group, a bundle's first primitive.
Status parse_children(const xmlNode* n, const Parse& parse, ResourceConfig& rc) {
  const bool group = is(n, "group"), bundle = is(n, "bundle");
  for (xmlNode* c = n->children; c; c = c->next) {
    if (!(is(c, "primitive") || (!group && !bundle && is(c, "group")))) continue;
    auto child = parse_resource(c, parse, &rc);
    if (!child) return child.error();
    rc.children.push_back(std::move(child).value());
    if (!group) break;
  }
  return ok_status();
}

AttrMap attr_map(const xmlNode* n) {
  AttrMap out;
  for (auto& [k, v] : attrs_of(n)) out.emplace(std::move(k), std::move(v));
  return out;
}

// The container element is the first <docker>, else <rkt>, else <podman>.
std::shared_ptr<const BundleConfig> parse_bundle_elements(const xmlNode* n) {
  auto b = std::make_shared<BundleConfig>();
  for (const char* agent : {"docker", "rkt", "podman"}) {
    for (xmlNode* c = n->children; c && b->agent.empty(); c = c->next) {
      if (is(c, agent)) {
        b->agent = agent;
        b->container = attr_map(c);
      }
    }
  }
  for (xmlNode* c = n->children; c; c = c->next) {
    if (is(c, "network") && !b->has_network) {
      b->has_network = true;
      b->network = attr_map(c);
      for (xmlNode* p = c->children; p; p = p->next) {
        if (p->type == XML_ELEMENT_NODE) b->ports.push_back(attr_map(p));
      }
    } else if (is(c, "storage") && b->storage.empty()) {
      for (xmlNode* m = c->children; m; m = m->next) {
        if (m->type == XML_ELEMENT_NODE) b->storage.push_back(attr_map(m));
      }
    }
  }
  return b;
}

Result<std::unique_ptr<ResourceConfig>> parse_resource(const xmlNode* n, const Parse& parse,
                                                       ResourceConfig* parent) {
  auto rc = std::make_unique<ResourceConfig>();
  rc->attrs = attrs_of(n);
  rc->parent = parent;
  rc->id = attr_or(n, "id");
  if (rc->id.empty()) {
    return invalid("line " + std::to_string(xmlGetLineNo(n)) + ": <" + std::string(xml::name(n)) +
                   "> without an id");
  }
  auto resolve = parse.resolver();
  if (is(n, "primitive")) {
    rc->kind = RscKind::kPrimitive;
    rc->cls = attr_or(n, "class");
    rc->provider = attr_or(n, "provider");
    rc->type = attr_or(n, "type");
    if (auto tmpl_id = attr(n, "template")) {
      const xmlNode* tmpl = parse.by_id(*tmpl_id);
      if (!tmpl || !is(tmpl, "template")) {
        return invalid("primitive " + rc->id + ": template '" + *tmpl_id + "' does not exist");
      }
      rc->template_id = *tmpl_id;
      if (rc->cls.empty()) rc->cls = attr_or(tmpl, "class");
      if (rc->provider.empty()) rc->provider = attr_or(tmpl, "provider");
      if (rc->type.empty()) rc->type = attr_or(tmpl, "type");
      if (auto st = parse_sets_of(tmpl, resolve, *rc); !st) return st.error();
      if (auto st = parse_ops(tmpl, resolve, rc->ops); !st) return st.error();
    }
    if (auto st = parse_sets_of(n, resolve, *rc); !st) return st.error();
    std::vector<OpConfig> own;
    if (auto st = parse_ops(n, resolve, own); !st) return st.error();
    // As Pacemaker expands a template: the primitive's ops, then the
    // template's whose name and role no op of the primitive has (Started,
    // Unpromoted and no role count as one), whatever the interval.
    if (!own.empty() && !rc->ops.empty()) {
      auto role_key = [](const OpConfig& o) {
        bool any = o.role.empty() || strcasecmp(o.role.c_str(), "Started") == 0 ||
                   strcasecmp(o.role.c_str(), "Unpromoted") == 0 ||
                   strcasecmp(o.role.c_str(), "Slave") == 0;
        return o.name + "-" + (any ? std::string("Unknown") : o.role);
      };
      std::vector<OpConfig> merged = own;
      for (auto& t : rc->ops) {
        bool overridden = std::any_of(
            own.begin(), own.end(), [&](const OpConfig& o) { return role_key(o) == role_key(t); });
        if (!overridden) merged.push_back(std::move(t));
      }
      rc->ops = std::move(merged);
    } else {
      rc->ops.insert(rc->ops.end(), own.begin(), own.end());
    }
    if (rc->type.empty()) return invalid("primitive " + rc->id + " has no type");
    if (rc->cls.empty()) return invalid("primitive " + rc->id + " has no class");
  } else if (is(n, "group")) {
    rc->kind = RscKind::kGroup;
    if (auto st = parse_sets_of(n, resolve, *rc); !st) return st.error();
    if (auto st = parse_children(n, parse, *rc); !st) return st.error();
  } else if (is(n, "clone") || is(n, "master")) {
    rc->kind = RscKind::kClone;
    rc->promotable = is(n, "master");
    if (auto st = parse_sets_of(n, resolve, *rc); !st) return st.error();
    if (auto st = parse_children(n, parse, *rc); !st) return st.error();
  } else {
    rc->kind = RscKind::kBundle;
    rc->bundle = parse_bundle_elements(n);
    if (auto st = parse_sets_of(n, resolve, *rc); !st) return st.error();
    if (auto st = parse_children(n, parse, *rc); !st) return st.error();
  }
  return rc;
}

Result<std::vector<ResourceSet>> parse_resource_sets(const xmlNode* n, const Parse& parse) {
  const Cib& cib = parse.cib;
  std::vector<ResourceSet> sets;
  for (const xmlNode* s : children(n, "resource_set")) {
    if (auto ref = attr(s, "id-ref")) {
      s = parse.by_id(*ref);
      if (!s) return invalid("resource_set id-ref '" + *ref + "' does not exist");
    }
    ResourceSet rs;
    rs.id = attr_or(s, "id");
    auto seq = attr_or(s, "sequential", "true");
    rs.sequential = !(seq == "false" || seq == "no" || seq == "0");
    auto req = attr_or(s, "require-all", "true");
    rs.require_all = !(req == "false" || req == "no" || req == "0");
    rs.role = attr_or(s, "role");
    rs.action = attr_or(s, "action");
    rs.ordering = attr_or(s, "ordering");
    rs.kind = attr_or(s, "kind");
    rs.score = score_attr(s, "score");
    for (const xmlNode* r : children(s, "resource_ref")) {
      auto id = attr_or(r, "id");
      // A tag in a set stands for the resources it tags.
      auto tag = cib.tags.find(id);
      if (tag != cib.tags.end()) {
        rs.rscs.insert(rs.rscs.end(), tag->second.begin(), tag->second.end());
      } else {
        rs.rscs.push_back(id);
      }
    }
    sets.push_back(std::move(rs));
  }
  return sets;
}

// The attributes of an element, as the history readers take them.
std::vector<AttrView> attr_views(const xmlNode* n) {
  std::vector<AttrView> out;
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    const char* text = a->children && a->children->content
                           ? reinterpret_cast<const char*>(a->children->content)
                           : "";
    out.emplace_back(reinterpret_cast<const char*>(a->name), text);
  }
  return out;
}

}  // namespace

namespace detail {

// The history entries are most of a large CIB: their attributes are read in
// one pass, from a tree or a stream alike.
OpHistory op_history_from(std::span<const AttrView> attrs) {
  OpHistory h;
  std::string call_id = "-1", interval = "0", op_status = "0", rc_change = "0", last_run = "0";
  for (const auto& [name, value] : attrs) {
    if (name == "id") {
      h.id = value;
    } else if (name == "operation_key") {
      h.key = value;
    } else if (name == "operation") {
      h.task = value;
    } else if (name == "on_node") {
      h.on_node = value;
    } else if (name == "migrate_source") {
      h.migrate_source = value;
    } else if (name == "migrate_target") {
      h.migrate_target = value;
    } else if (name == "exit-reason") {
      h.exit_reason = value;
    } else if (name == "transition-key") {
      h.transition_key = value;
    } else if (name == "transition-magic") {
      h.transition_magic = value;
    } else if (name == "op-digest") {
      h.digest = value;
    } else if (name == "op-restart-digest") {
      h.restart_digest = value;
    } else if (name == "op-secure-digest") {
      h.secure_digest = value;
    } else if (name == "crm_feature_set") {
      h.feature_set = value;
    } else if (name == "op-secure-params") {
      h.secure_params = value;
    } else if (name == "op-force-restart") {
      h.force_restart_params = std::string(value);
    } else if (name == "interval") {
      interval = value;
    } else if (name == "call-id") {
      call_id = value;
    } else if (name == "rc-code") {
      h.rc = std::atoi(std::string(value).c_str());
      h.has_rc = true;
    } else if (name == "op-status") {
      op_status = value;
    } else if (name == "last-rc-change") {
      rc_change = value;
    } else if (name == "last-run") {
      last_run = value;
    }
  }
  // History intervals are plain milliseconds.
  h.interval_ms = std::atoll(interval.c_str());
  h.call_id = static_cast<int>(parse_score_lenient(call_id).value());
  h.op_status = std::atoi(op_status.c_str());
  h.last_rc_change = std::atoll(rc_change.c_str());
  h.last_run = std::atoll(last_run.c_str());
  return h;
}

void resource_history_from(std::span<const AttrView> attrs, ResourceHistory& h) {
  for (const auto& [name, value] : attrs) {
    if (name == "id") {
      h.id = value;
    } else if (name == "class") {
      h.cls = value;
    } else if (name == "provider") {
      h.provider = value;
    } else if (name == "type") {
      h.type = value;
    } else if (name == "container") {
      h.container = value;
    } else if (name == "shutdown-lock") {
      h.shutdown_lock = value;
    }
  }
}

namespace {

// The transition number and the uuid of an operation's transition-magic
// ("status:rc;action:transition:target-rc:uuid"); false when it has none or
// it does not decode.
bool transition_of(const OpHistory& op, int* number, std::string_view* uuid) {
  std::string_view m = op.transition_magic;
  auto semi = m.find(';');
  if (semi == std::string_view::npos) return false;
  std::string_view key = m.substr(semi + 1);
  auto c1 = key.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : key.find(':', c1 + 1);
  auto c3 = c2 == std::string_view::npos ? c2 : key.find(':', c2 + 1);
  if (c3 == std::string_view::npos) return false;
  std::string number_text(key.substr(c1 + 1, c2 - c1 - 1));
  char* end = nullptr;
  long n = std::strtol(number_text.c_str(), &end, 10);
  if (number_text.empty() || *end != '\0') return false;
  *number = static_cast<int>(n);
  *uuid = key.substr(c3 + 1, 36);
  return true;
}

// GLib's list merge sort: halves split at n/2, the left element kept on ties.
void merge_sort_ops(OpHistory* v, std::vector<OpHistory>& scratch, size_t n) {
  if (n < 2) return;
  size_t half = n / 2;
  merge_sort_ops(v, scratch, half);
  merge_sort_ops(v + half, scratch, n - half);
  scratch.clear();
  for (size_t i = 0; i < half; ++i) scratch.push_back(std::move(v[i]));
  size_t i = 0, j = half, k = 0;  // k <= j: nothing unread is overwritten
  while (i < half && j < n) {
    if (compare_op_history(scratch[i], v[j], true) <= 0) {
      v[k++] = std::move(scratch[i++]);
    } else {
      v[k++] = std::move(v[j++]);
    }
  }
  while (i < half) v[k++] = std::move(scratch[i++]);
}

}  // namespace

void sort_history(ResourceHistory& h) {
  // Pacemaker gathers a resource's operations newest element first (the
  // reverse of the document) and merge-sorts them with compare_op_history.
  std::reverse(h.ops.begin(), h.ops.end());
  std::vector<OpHistory> scratch;
  scratch.reserve(h.ops.size() / 2);
  merge_sort_ops(h.ops.data(), scratch, h.ops.size());
}

Result<NodeState> parse_node_state(const xmlNode* ns, const rules::IdResolver& resolve) {
  NodeState s;
  s.id = attr_or(ns, "id");
  s.uname = attr_or(ns, "uname");
  if (auto v = attr(ns, "in_ccm")) {
    s.has_in_ccm = true;
    // "true"/"false", or (newer) a timestamp meaning "member since".
    s.in_ccm = !(*v == "false" || *v == "0" || *v == "no" || *v == "off");
  }
  if (auto v = attr(ns, "crmd")) {
    s.has_crmd = true;
    s.crmd = *v;
  }
  s.join = attr_or(ns, "join");
  s.expected = attr_or(ns, "expected");
  s.ha = attr_or(ns, "ha");
  s.remote_fenced = std::atoi(attr_or(ns, "node_fenced", "0").c_str()) > 0;
  s.remote_maintenance = std::atoi(attr_or(ns, "node_in_maintenance", "0").c_str()) > 0;
  if (const xmlNode* ta = first_child(ns, "transient_attributes")) {
    auto sets = rules::parse_nvsets(ta, "instance_attributes", resolve);
    if (!sets) return sets.error().with_context("node_state " + s.uname);
    s.transient_sets = std::move(sets).value();
  }
  if (const xmlNode* lrm = first_child(ns, "lrm")) {
    s.has_lrm = true;
    if (const xmlNode* lrs = first_child(lrm, "lrm_resources")) {
      for (const xmlNode* lr = lrs->children; lr; lr = lr->next) {
        if (!is(lr, "lrm_resource")) continue;
        ResourceHistory h;
        resource_history_from(attr_views(lr), h);
        for (const xmlNode* op = lr->children; op; op = op->next) {
          if (!is(op, "lrm_rsc_op")) continue;
          h.ops.push_back(op_history_from(attr_views(op)));
          h.ops.back().doc_index = static_cast<int>(h.ops.size()) - 1;
        }
        sort_history(h);
        s.resources.push_back(std::move(h));
      }
    }
  }
  return s;
}

}  // namespace detail

// It is no strict weak order (pending operations are all "equal" yet ordered
// against completed ones), so only the merge sort Pacemaker runs it in gives
// the history's order.
int compare_op_history(const OpHistory& a, const OpHistory& b, bool same_node_default) {
  bool same_node = (a.on_node.empty() || b.on_node.empty())
                       ? same_node_default
                       : strcasecmp(a.on_node.c_str(), b.on_node.c_str()) == 0;
  if (same_node && a.id == b.id) return 0;
  if (a.call_id == -1 && b.call_id == -1) return 0;
  if (same_node && a.call_id >= 0 && a.call_id < b.call_id) return -1;
  if (same_node && b.call_id >= 0 && a.call_id > b.call_id) return 1;
  if (a.call_id >= 0 && b.call_id >= 0 && (!same_node || a.call_id == b.call_id)) {
    // Without last-rc-change a record is neither older nor newer.
    std::int64_t la = a.last_rc_change > 0 ? a.last_rc_change : -1;
    std::int64_t lb = b.last_rc_change > 0 ? b.last_rc_change : -1;
    if (la >= 0 && la < lb) return -1;
    if (lb >= 0 && la > lb) return 1;
    return 0;
  }
  // A pending operation against another: by transition when both come from
  // the same transition engine and different transitions, else pending last.
  int an = 0, bn = 0;
  std::string_view au, bu;
  if (!detail::transition_of(a, &an, &au) || !detail::transition_of(b, &bn, &bu)) return 0;
  if (au.size() != bu.size() || strncasecmp(au.data(), bu.data(), au.size()) != 0 || an == bn) {
    if (b.call_id == -1) return -1;
    if (a.call_id == -1) return 1;
    return 0;
  }
  if ((an >= 0 && an < bn) || bn == -1) return -1;
  if ((bn >= 0 && an > bn) || an == -1) return 1;
  return 0;
}

namespace {

Status parse_cib(const xmlNode* r, Parse& parse) {
  Cib& cib = parse.cib;
  index_ids(r, parse.ids);
  cib.read_root_attributes(r);
  auto resolve = parse.resolver();

  const xmlNode* config = first_child(r, "configuration");
  if (!config) return invalid("no <configuration> section");

  if (const xmlNode* cc = first_child(config, "crm_config")) {
    auto sets = rules::parse_nvsets(cc, "cluster_property_set", resolve);
    if (!sets) return sets.error();
    cib.crm_config = std::move(sets).value();
  }
  for (const char* which : {"rsc_defaults", "op_defaults"}) {
    if (const xmlNode* d = first_child(config, which)) {
      auto sets = rules::parse_nvsets(d, "meta_attributes", resolve);
      if (!sets) return sets.error();
      (std::string(which) == "rsc_defaults" ? cib.rsc_defaults : cib.op_defaults) =
          std::move(sets).value();
    }
  }
  if (const xmlNode* ns = first_child(config, "nodes")) {
    for (const xmlNode* n : children(ns, "node")) {
      NodeConfig nc;
      nc.id = attr_or(n, "id");
      nc.uname = attr_or(n, "uname", nc.id);
      nc.type = attr_or(n, "type", "member");
      if (nc.type == "normal") nc.type = "member";
      nc.score = score_attr(n, "score");
      auto inst = rules::parse_nvsets(n, "instance_attributes", resolve);
      if (!inst) return inst.error().with_context("node " + nc.uname);
      nc.instance_sets = std::move(inst).value();
      auto util = rules::parse_nvsets(n, "utilization", resolve);
      if (!util) return util.error().with_context("node " + nc.uname);
      nc.utilization_sets = std::move(util).value();
      cib.nodes.push_back(std::move(nc));
    }
  }
  if (const xmlNode* ts = first_child(config, "tags")) {
    for (const xmlNode* t : children(ts, "tag")) {
      auto& list = cib.tags[attr_or(t, "id")];
      for (const xmlNode* o : children(t, "obj_ref")) list.push_back(attr_or(o, "id"));
    }
  }
  if (const xmlNode* rs = first_child(config, "resources")) {
    for (xmlNode* c = rs->children; c; c = c->next) {
      if (!(is(c, "primitive") || is(c, "group") || is(c, "clone") || is(c, "master") ||
            is(c, "bundle"))) {
        continue;
      }
      auto rc = parse_resource(c, parse, nullptr);
      if (!rc) return rc.error();
      cib.resources.push_back(std::move(rc).value());
    }
    for (const xmlNode* t : children(rs, "template")) {
      // An id names the first element that carries it.
      if (auto id = attr(t, "id"); id && parse.by_id(*id) == t) cib.template_ids.insert(*id);
    }
  }
  if (const xmlNode* cs = first_child(config, "constraints")) {
    for (xmlNode* c = cs->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      std::string id = attr_or(c, "id");
      if (is(c, "rsc_location")) {
        LocationConstraint l;
        l.id = id;
        l.rsc = attr_or(c, "rsc");
        l.rsc_pattern = attr_or(c, "rsc-pattern");
        l.node = attr_or(c, "node");
        l.role = attr_or(c, "role");
        l.discovery = attr_or(c, "resource-discovery");
        l.score = score_attr(c, "score");
        for (const xmlNode* rule : children(c, "rule")) {
          auto parsed = rules::parse_rule(rule, resolve);
          if (!parsed) return parsed.error().with_context("rsc_location " + id);
          l.rules.push_back(std::move(parsed).value());
        }
        auto sets = parse_resource_sets(c, parse);
        if (!sets) return sets.error().with_context("rsc_location " + id);
        l.sets = std::move(sets).value();
        cib.constraint_order.push_back({ConstraintKind::kLocation, cib.locations.size()});
        cib.locations.push_back(std::move(l));
      } else if (is(c, "rsc_colocation")) {
        ColocationConstraint k;
        k.id = id;
        k.rsc = attr_or(c, "rsc");
        k.with_rsc = attr_or(c, "with-rsc");
        k.rsc_role = attr_or(c, "rsc-role");
        k.with_rsc_role = attr_or(c, "with-rsc-role");
        k.node_attribute = attr_or(c, "node-attribute");
        k.influence = attr_or(c, "influence");
        k.rsc_instance = attr_or(c, "rsc-instance");
        k.with_rsc_instance = attr_or(c, "with-rsc-instance");
        k.score = score_attr(c, "score").value_or(Score(0));
        auto sets = parse_resource_sets(c, parse);
        if (!sets) return sets.error().with_context("rsc_colocation " + id);
        k.sets = std::move(sets).value();
        cib.constraint_order.push_back({ConstraintKind::kColocation, cib.colocations.size()});
        cib.colocations.push_back(std::move(k));
      } else if (is(c, "rsc_order")) {
        OrderConstraint o;
        o.id = id;
        o.first = attr_or(c, "first");
        o.then = attr_or(c, "then");
        o.first_action = attr_or(c, "first-action");
        o.then_action = attr_or(c, "then-action");
        o.kind = attr_or(c, "kind");
        o.symmetrical = attr_or(c, "symmetrical");
        o.first_instance = attr_or(c, "first-instance");
        o.then_instance = attr_or(c, "then-instance");
        o.require_all = attr_or(c, "require-all");
        o.score = score_attr(c, "score");
        auto sets = parse_resource_sets(c, parse);
        if (!sets) return sets.error().with_context("rsc_order " + id);
        o.sets = std::move(sets).value();
        cib.constraint_order.push_back({ConstraintKind::kOrder, cib.orders.size()});
        cib.orders.push_back(std::move(o));
      } else if (is(c, "rsc_ticket")) {
        auto sets = parse_resource_sets(c, parse);
        if (!sets) return sets.error().with_context("rsc_ticket " + id);
        cib.constraint_order.push_back({ConstraintKind::kTicket, cib.tickets.size()});
        cib.tickets.push_back({.id = id,
                               .rsc = attr_or(c, "rsc"),
                               .rsc_role = attr_or(c, "rsc-role"),
                               .ticket = attr_or(c, "ticket"),
                               .loss_policy = attr_or(c, "loss-policy"),
                               .rsc_instance = attr_or(c, "rsc-instance"),
                               .sets = std::move(sets).value()});
      }
    }
  }

  if (const xmlNode* st = first_child(r, "status")) {
    cib.read_ticket_states(st);
    for (const xmlNode* ns : children(st, "node_state")) {
      auto s = detail::parse_node_state(ns, resolve);
      if (!s) return s.error();
      cib.node_states.push_back(std::move(s).value());
    }
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<Cib>> Cib::from_doc(xml::DocPtr doc, const std::string& what) {
  auto cib = from_tree(doc.get(), what);
  if (cib) (*cib)->doc_ = std::move(doc);
  return cib;
}

Result<std::unique_ptr<Cib>> Cib::from_tree(const xmlDoc* doc, const std::string& what) {
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(doc));
  if (!is(root, "cib")) {
    return invalid(what + ": root element is <" + std::string(xml::name(root)) +
                   ">, expected <cib>");
  }
  auto cib = std::make_unique<Cib>();
  Parse parse{*cib, {}};
  if (auto st = parse_cib(root, parse); !st) return st.error().with_context(what);
  return cib;
}

void Cib::read_root_attributes(const xmlNode* r) {
  validate_with = attr_or(r, "validate-with");
  crm_feature_set = attr_or(r, "crm_feature_set");
  dc_uuid = attr_or(r, "dc-uuid");
  execution_date = attr_or(r, "execution-date");
  no_quorum_panic = attr_or(r, "no-quorum-panic");
  auto hq = attr_or(r, "have-quorum", "false");
  have_quorum = (hq == "true" || hq == "1" || hq == "yes" || hq == "on");
}

void Cib::read_ticket_states(const xmlNode* st) {
  ticket_states.clear();
  for (const xmlNode* ts : children(st, "tickets")) {
    for (const xmlNode* t : children(ts, "ticket_state")) {
      TicketState state;
      state.id = attr_or(t, "id");
      for (const xmlAttr* a = t->properties; a; a = a->next) {
        std::string name = reinterpret_cast<const char*>(a->name);
        if (name != "id") state.attrs.emplace_back(name, attr_or(t, name.c_str()));
      }
      ticket_states.push_back(std::move(state));
    }
  }
}

Result<NodeState> Cib::read_node_state(const xmlNode* node_state,
                                       const rules::IdResolver& resolve) {
  return detail::parse_node_state(node_state, resolve);
}

}  // namespace vigil::cib
