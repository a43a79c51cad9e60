// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource clone / promotable / unclone, and the clone part of
// `resource create ... clone|promotable`. `resource clone` and `unclone` are
// pcs's older code paths: their errors carry no summary line.
#include <algorithm>
#include <cctype>

#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

bool is_true(std::string_view value) {
  std::string v(value);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "true" || v == "on" || v == "yes" || v == "y" || v == "1";
}

xmlNode* clone_ancestor(xmlNode* r) {
  for (xmlNode* p = r == nullptr ? nullptr : r->parent;
       p != nullptr && p->type == XML_ELEMENT_NODE && !xml::is(p, "resources"); p = p->parent) {
    if (xml::is(p, "clone") || xml::is(p, "master")) return p;
  }
  return nullptr;
}

namespace {

Status invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

std::string meta_value(const std::vector<KeyValue>& meta, std::string_view key) {
  for (const auto& kv : meta) {
    if (kv.key == key) return kv.value;
  }
  return "0";
}

// pcs's ResourceCloneIncompatibleMetaAttributes text.
std::string incompatible(const std::string& option, const std::string& agent,
                         const std::string& rsc, const std::string& group) {
  std::string s =
      "Clone option '" + option + "' is not compatible with '" + agent + "' resource agent";
  if (!rsc.empty()) s += " of resource '" + rsc + "'";
  if (!group.empty()) s += " in group '" + group + "'";
  return s;
}

}  // namespace

void check_clone_agent(Context& ctx, const AgentName& agent, const AgentMetadata& md,
                       const std::vector<KeyValue>& clone_meta,
                       std::vector<std::string>& problems) {
  if (agent.standard != "ocf") {
    for (const char* option : {"globally-unique", "promotable"}) {
      if (is_true(meta_value(clone_meta, option)))
        problems.push_back(incompatible(option, agent.full(), "", ""));
    }
    return;
  }
  if (md.ocf_version == "1.1" && is_true(meta_value(clone_meta, "promotable")) &&
      !(md.has_action("promote") && md.has_action("demote"))) {
    note_forceable(ctx,
                   {incompatible("promotable", agent.full(), "", "") + ", use --force to override"},
                   problems);
  }
}

xmlNode* wrap_in_clone(xmlDoc* doc, xmlNode* child, const std::string& clone_id,
                       const std::vector<KeyValue>& meta) {
  xmlNode* resources = config_section(doc, "resources", true);
  xmlNode* clone = append_element(resources, "clone", {{"id", clone_id}});
  xmlUnlinkNode(child);
  xmlAddChild(clone, child);
  append_nvset(doc, clone, "meta_attributes", clone_id + "-meta_attributes", meta);
  return clone;
}

namespace {

// The primitive or group named `id` anywhere under <resources>.
xmlNode* find_primitive_or_group(xmlDoc* doc, const std::string& id) {
  xmlNode* r = find_resource(doc, id);
  return r != nullptr && (xml::is(r, "primitive") || xml::is(r, "group")) ? r : nullptr;
}

// `[ID] [k=v...] [meta k=v...]` after `resource clone RSC`: pcs's parse_clone.
struct CloneArgs {
  std::string id;
  std::vector<KeyValue> meta;
};

Result<CloneArgs> parse_clone_args(std::vector<std::string> words, bool promotable) {
  CloneArgs out;
  if (!words.empty() && words[0] != "op" && words[0] != "meta" &&
      words[0].find('=') == std::string::npos) {
    out.id = words[0];
    words.erase(words.begin());
  }
  if (std::find(words.begin(), words.end(), "op") != words.end()) {
    return Error(ErrorCode::kInvalidInput,
                 "op settings must be changed on base resource, not the clone");
  }
  // Options before `meta` and after it are all the clone's meta attributes.
  std::vector<KeyValue> pairs;
  std::vector<KeyValue> after_meta;
  bool in_meta = false;
  for (const auto& w : words) {
    if (w == "meta") {
      in_meta = true;
      continue;
    }
    auto kv = split_key_value(w);
    if (!kv) return kv.error();
    (in_meta ? after_meta : pairs).push_back(*kv);
  }
  pairs.insert(pairs.end(), after_meta.begin(), after_meta.end());
  auto unique = dedupe_options(pairs);
  if (!unique) return unique.error();
  out.meta = std::move(*unique);
  if (promotable) {
    for (const auto& kv : out.meta) {
      if (kv.key == "promotable") {
        return Error(ErrorCode::kInvalidInput,
                     "you cannot specify both promotable option and promotable keyword");
      }
    }
    out.meta.push_back({"promotable", "true"});
  }
  return out;
}

// pcs's check of the clone options against each primitive's agent (a group:
// every member). A primitive's problems are not forceable in pcs 0.11.5
// (the flag is not passed on), a group member's are.
Status check_members(Context& ctx, xmlNode* element, const std::vector<KeyValue>& meta) {
  const bool group = xml::is(element, "group");
  const std::string group_id = group ? xml::attr_or(element, "id") : "";
  std::vector<xmlNode*> prims = group ? xml::children(element, "primitive") : std::vector{element};
  std::vector<std::string> problems;
  for (xmlNode* p : prims) {
    const std::string id = xml::attr_or(p, "id");
    AgentName agent{xml::attr_or(p, "class"), xml::attr_or(p, "provider"), xml::attr_or(p, "type")};
    std::vector<std::string> found;
    if (agent.standard != "ocf") {
      for (const char* option : {"globally-unique", "promotable"}) {
        if (is_true(meta_value(meta, option))) {
          found.push_back(incompatible(option, agent.full(), id, group_id));
          break;
        }
      }
    } else {
      if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
      auto md = ctx.agents->metadata(agent);
      if (!md) {
        if (md.error().code() == ErrorCode::kUnsupported) return md.error();
        found.push_back(md.error().message() + ", use --force to override");
      } else if (md->ocf_version == "1.1" && is_true(meta_value(meta, "promotable")) &&
                 !(md->has_action("promote") && md->has_action("demote"))) {
        found.push_back(incompatible("promotable", agent.full(), id, group_id) +
                        ", use --force to override");
      }
    }
    if (group) {
      note_forceable(ctx, found, problems);
    } else {
      problems.insert(problems.end(), found.begin(), found.end());
    }
  }
  if (problems.empty()) return ok_status();
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
  return invalid(msg);
}

// Constraints naming `old_id` directly now name the clone (pcs's
// constraint_resource_update; sets and tickets are left alone).
void retarget_constraints(xmlDoc* doc, const std::string& old_id, const std::string& new_id) {
  xmlNode* cons = config_section(doc, "constraints");
  if (cons == nullptr) return;
  for (xmlNode* c : xml::children(cons)) {
    if (!xml::is(c, "rsc_location") && !xml::is(c, "rsc_order") && !xml::is(c, "rsc_colocation"))
      continue;
    for (const char* attr : {"rsc", "first", "then", "with-rsc"}) {
      if (xml::attr_or(c, attr) == old_id) xmlSetProp(c, BAD_CAST attr, BAD_CAST new_id.c_str());
    }
  }
}

}  // namespace

Status clone_resource(Context& ctx, std::vector<std::string> args, bool promotable) {
  if (args.empty()) {
    return invalid(std::string("usage: vigil -f FILE resource ") +
                   (promotable ? "promotable" : "clone") +
                   " <resource id | group id> [<clone id>] [<clone options>...]");
  }
  const std::string name = args[0];
  args.erase(args.begin());
  xmlNode* element = find_primitive_or_group(ctx.doc, name);
  const bool stonith = element != nullptr && xml::is(element, "primitive") &&
                       xml::attr_or(element, "class") == "stonith";
  if (stonith) {
    ctx.notes.push_back(
        "Deprecation Warning: Ability of this command to accept stonith resources is deprecated "
        "and will be removed in a future release.");
  }
  if (element == nullptr) return invalid("unable to find group or resource: " + name);
  if (xml::is(element->parent, "bundle")) return invalid("cannot clone bundle resource");
  if (clone_ancestor(element) != nullptr) {
    return invalid(xml::is(element, "group") ? "cannot clone a group that has already been cloned"
                                             : name + " is already a clone resource");
  }
  if (stonith) {
    std::vector<std::string> problems;
    note_forceable(ctx,
                   {"No need to clone stonith resource '" + name +
                    "', any node can use a stonith resource (unless specifically banned) "
                    "regardless of whether the stonith resource is running on that node or not, "
                    "use --force to override"},
                   problems);
    if (!problems.empty()) return invalid(problems.front());
  }
  auto parsed = parse_clone_args(args, promotable);
  if (!parsed) return parsed.error();
  if (auto st = check_members(ctx, element, parsed->meta); !st) return st;
  std::string clone_id = parsed->id;
  if (!clone_id.empty()) {
    if (!id_problem(clone_id, "id").empty()) return invalid("invalid id '" + clone_id + "'");
    if (find_by_id(ctx.doc, clone_id) != nullptr)
      return invalid("id '" + clone_id + "' already exists");
  }
  // The last member leaving a group takes the group with it.
  xmlNode* old_group = xml::is(element->parent, "group") ? element->parent : nullptr;
  xmlUnlinkNode(element);
  if (old_group != nullptr && xml::children(old_group, "primitive").empty()) {
    remove_node(old_group);
  }
  if (clone_id.empty()) clone_id = unique_id(ctx.doc, name + "-clone");
  xmlNode* clone = wrap_in_clone(ctx.doc, element, clone_id, {});
  // pcs sets the options one by one, sorted; an empty value sets nothing.
  std::vector<KeyValue> meta = parsed->meta;
  std::stable_sort(meta.begin(), meta.end(),
                   [](const KeyValue& x, const KeyValue& y) { return x.key < y.key; });
  for (const auto& kv : meta)
    set_nvpair(ctx.doc, clone, "meta_attributes", kv.key, kv.value, false);
  retarget_constraints(ctx.doc, name, clone_id);
  ctx.changed = true;
  return ok_status();
}

Status update_clone(Context& ctx, xmlNode* clone, const std::vector<std::string>& args) {
  if (xml::is(clone, "master")) {
    return Error(ErrorCode::kUnsupported,
                 "updating a <master> resource (pcs turns it into a clone) is not supported by "
                 "vigil yet");
  }
  xmlNode* child = xml::first_child(clone, "primitive");
  if (child == nullptr) child = xml::first_child(clone, "group");
  if (child == nullptr) return invalid("Unable to find resource: " + xml::attr_or(clone, "id"));
  // pcs reads the words as `resource clone` does; a clone id among them is
  // ignored.
  auto parsed = parse_clone_args(args, false);
  if (!parsed) return parsed.error();
  if (auto st = check_members(ctx, child, parsed->meta); !st) return st;
  std::vector<KeyValue> meta = parsed->meta;
  std::stable_sort(meta.begin(), meta.end(),
                   [](const KeyValue& x, const KeyValue& y) { return x.key < y.key; });
  for (const auto& kv : meta)
    set_nvpair(ctx.doc, clone, "meta_attributes", kv.key, kv.value, false);
  ctx.changed = true;
  return ok_status();
}

Status clone_meta(Context& ctx, xmlNode* clone, const std::vector<KeyValue>& meta) {
  xmlNode* child = xml::first_child(clone, "primitive");
  if (child == nullptr) child = xml::first_child(clone, "group");
  if (child == nullptr) return ok_status();
  return check_members(ctx, child, meta);
}

Status unclone_resource(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return invalid("usage: vigil -f FILE resource unclone <clone id | resource id | group id>");
  }
  const std::string& name = args[0];
  xmlNode* found = find_resource(ctx.doc, name);
  xmlNode* resource = nullptr;
  if (found != nullptr && (xml::is(found, "primitive") || xml::is(found, "group"))) {
    resource = found;
  } else if (found != nullptr && (xml::is(found, "clone") || xml::is(found, "master"))) {
    xmlNode* child = xml::first_child(found, "primitive");
    resource = child != nullptr ? child : xml::first_child(found, "group");
  }
  if (resource == nullptr) return invalid("could not find resource: " + name);
  xmlNode* clone = clone_ancestor(resource);
  if (clone == nullptr) return invalid("'" + name + "' is not a clone resource");
  if (auto st = check_wait_late(ctx, xml::attr_or(resource, "id")); !st) return st;
  xmlNode* child = xml::first_child(clone, "group");
  if (child != nullptr && !xml::is(resource, "group") &&
      xml::children(child, "primitive").size() > 1) {
    // One member of a cloned group leaves the group (and so the clone) for
    // the end of <resources>; the clone and its constraints stay.
    xmlUnlinkNode(resource);
    xmlAddChild(config_section(ctx.doc, "resources"), resource);
    ctx.changed = true;
    return ok_status();
  }
  const std::string clone_id = xml::attr_or(clone, "id");
  // pcs drops every constraint naming the clone, silently.
  if (xmlNode* cons = config_section(ctx.doc, "constraints")) {
    for (xmlNode* c : xml::children(cons)) {
      for (xmlNode* set : xml::children(c, "resource_set")) {
        for (xmlNode* ref : xml::children(set, "resource_ref")) {
          if (xml::attr_or(ref, "id") == clone_id) {
            return Error(ErrorCode::kUnsupported,
                         "'" + clone_id +
                             "' is in a resource set; removing resources from constraint sets "
                             "is not supported by vigil yet");
          }
        }
      }
    }
    for (xmlNode* c : xml::children(cons)) {
      for (const char* attr : {"rsc", "with-rsc", "first", "then"}) {
        if (xml::attr_or(c, attr) == clone_id) {
          remove_node(c);
          break;
        }
      }
    }
  }
  // The named resource goes back (a lone member of a cloned group without
  // its group), appended to the clone's parent.
  xmlNode* parent = clone->parent;
  xmlUnlinkNode(resource);
  xmlAddChild(parent, resource);
  remove_node(clone);
  ctx.changed = true;
  return ok_status();
}

}  // namespace vigil::admin
