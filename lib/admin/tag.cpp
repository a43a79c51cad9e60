// SPDX-License-Identifier: GPL-2.0-or-later
// pcs tag create|config|list|update|remove|delete: <tag> elements under
// configuration/tags, each an ordered list of <obj_ref> to resources.
// These are pcs's library commands: every problem is reported, then the
// summary line, and nothing is written.
#include <algorithm>
#include <map>
#include <set>

#include "pcs_usage.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

// All problems found, then pcs's summary line.
Status errors(const std::vector<std::string>& problems) {
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
  return lib_error(msg);
}

std::string plural(const std::vector<std::string>& items, const std::string& word) {
  return items.size() == 1 ? word : word + "s";
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

xmlNode* find_tag(xmlDoc* doc, const std::string& id) {
  xmlNode* tags = config_section(doc, "tags");
  for (xmlNode* t : tags ? xml::children(tags, "tag") : std::vector<xmlNode*>{}) {
    if (xml::attr_or(t, "id") == id) return t;
  }
  return nullptr;
}

// pcs's ElementSearcher for a tag: missing, or an id of something else.
void check_tag(xmlDoc* doc, const std::string& id, std::vector<std::string>& problems) {
  if (find_tag(doc, id) != nullptr) return;
  if (find_by_id(doc, id) != nullptr) {
    problems.push_back("'" + id + "' is not a tag");
  } else {
    problems.push_back("tag '" + id + "' does not exist");
  }
}

// pcs's find_resources: each id names a resource (any kind, at any depth).
void check_resources(xmlDoc* doc, const std::vector<std::string>& ids,
                     std::vector<std::string>& problems) {
  for (const auto& id : ids) {
    if (find_resource(doc, id) != nullptr) continue;
    if (find_by_id(doc, id) != nullptr) {
      problems.push_back("'" + id + "' is not a bundle/clone/group/resource");
    } else {
      problems.push_back("bundle/clone/group/resource '" + id + "' does not exist");
    }
  }
}

void check_duplicates(const std::vector<std::string>& ids, const char* action,
                      std::vector<std::string>& problems) {
  std::map<std::string, int> count;
  for (const auto& id : ids) ++count[id];
  std::vector<std::string> dup;
  for (const auto& [id, n] : count) {
    if (n > 1) dup.push_back(id);
  }
  if (!dup.empty()) {
    problems.push_back(std::string("Ids to ") + action +
                       " must be unique, duplicate ids: " + quoted_list(dup));
  }
}

xmlNode* obj_ref(xmlNode* tag, const std::string& id) {
  for (xmlNode* r : xml::children(tag, "obj_ref")) {
    if (xml::attr_or(r, "id") == id) return r;
  }
  return nullptr;
}

Status tag_create(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) return usage_error(ctx, "tag", {"create"});
  const std::string id = args[0];
  const std::vector<std::string> refs(args.begin() + 1, args.end());
  std::vector<std::string> problems;
  if (auto p = id_problem(id, "id"); !p.empty()) {
    problems.push_back(p);
  } else if (find_by_id(ctx.doc, id) != nullptr) {
    problems.push_back("'" + id + "' already exists");
  }
  if (std::find(refs.begin(), refs.end(), id) != refs.end()) {
    problems.push_back("Tag cannot contain itself");
  }
  check_resources(ctx.doc, refs, problems);
  check_duplicates(refs, "add", problems);
  if (!problems.empty()) return errors(problems);
  xmlNode* tags = config_section(ctx.doc, "tags", true);
  if (tags == nullptr) return lib_error("the CIB has no <configuration> section");
  xmlNode* tag = append_element(tags, "tag", {{"id", id}});
  for (const auto& r : refs) append_element(tag, "obj_ref", {{"id", r}});
  ctx.changed = true;
  return ok_status();
}

Status tag_config(Context& ctx, const std::vector<std::string>& ids) {
  std::vector<xmlNode*> shown;
  if (ids.empty()) {
    if (xmlNode* tags = config_section(ctx.doc, "tags")) shown = xml::children(tags, "tag");
  } else {
    std::vector<std::string> problems;
    for (const auto& id : ids) {
      check_tag(ctx.doc, id, problems);
      if (xmlNode* t = find_tag(ctx.doc, id)) shown.push_back(t);
    }
    if (!problems.empty()) return errors(problems);
  }
  if (shown.empty()) {
    ctx.notes.push_back(" No tags defined");
    return ok_status();
  }
  for (xmlNode* t : shown) {
    ctx.out += xml::attr_or(t, "id") + "\n";
    for (xmlNode* r : xml::children(t, "obj_ref")) ctx.out += "  " + xml::attr_or(r, "id") + "\n";
  }
  return ok_status();
}

// The constraints that name the tag, as pcs finds them (sorted ids).
std::vector<std::string> constraints_naming(xmlDoc* doc, const std::string& tag) {
  std::vector<std::string> ids;
  xmlNode* cons = config_section(doc, "constraints");
  for (xmlNode* c : cons ? xml::children(cons) : std::vector<xmlNode*>{}) {
    bool hit = false;
    const auto sets = xml::children(c, "resource_set");
    if (sets.empty()) {
      for (const char* a : {"rsc", "with-rsc", "first", "then"}) {
        hit = hit || xml::attr_or(c, a) == tag;
      }
    }
    for (xmlNode* s : sets) {
      for (xmlNode* r : xml::children(s, "resource_ref")) hit = hit || xml::attr_or(r, "id") == tag;
    }
    if (hit) ids.push_back(xml::attr_or(c, "id"));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status tag_remove(Context& ctx, const std::vector<std::string>& ids) {
  if (ids.empty()) return usage_error(ctx, "tag", {"remove"});
  std::vector<std::string> problems;
  for (const auto& id : ids) {
    const auto users = constraints_naming(ctx.doc, id);
    if (!users.empty()) {
      problems.push_back("Tag '" + id + "' cannot be removed because it is referenced in " +
                         plural(users, "constraint") + " " + quoted_list(users));
    }
  }
  for (const auto& id : ids) check_tag(ctx.doc, id, problems);
  if (!problems.empty()) return errors(problems);
  for (const auto& id : ids) {
    if (xmlNode* t = find_tag(ctx.doc, id)) remove_node(t);
  }
  ctx.changed = true;
  return ok_status();
}

Status tag_update(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error(ctx, "tag", {"update"});
  const std::string id = args[0];
  std::vector<std::string> add, remove;
  bool seen_add = false, seen_remove = false;
  std::vector<std::string>* into = nullptr;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "add" && !seen_add) || (args[i] == "remove" && !seen_remove)) {
      (args[i] == "add" ? seen_add : seen_remove) = true;
      into = args[i] == "add" ? &add : &remove;
    } else if (into == nullptr || args[i] == "add" || args[i] == "remove") {
      return usage_error(ctx, "tag", {"update"});
    } else {
      into->push_back(args[i]);
    }
  }
  if ((!seen_add && !seen_remove) || (seen_add && add.empty()) || (seen_remove && remove.empty()))
    return usage_error(ctx, "tag", {"update"},
                       "Specify at least one id for 'add' or 'remove' arguments.");
  if (ctx.flags.before && ctx.flags.after) {
    return Error(ErrorCode::kInvalidInput, "Cannot specify both --before and --after");
  }
  const std::optional<std::string> adjacent = ctx.flags.before ? ctx.flags.before : ctx.flags.after;

  std::vector<std::string> problems;
  check_tag(ctx.doc, id, problems);
  xmlNode* tag = find_tag(ctx.doc, id);
  if (add.empty() && adjacent) {
    problems.push_back("Cannot specify adjacent id '" + *adjacent + "' without ids to add");
  }
  std::vector<std::string> both;
  for (const auto& a : sorted_unique(add)) {
    if (std::find(remove.begin(), remove.end(), a) != remove.end()) both.push_back(a);
  }
  if (!both.empty()) {
    problems.push_back("Ids cannot be added and removed at the same time: " + quoted_list(both));
  }
  std::vector<std::string> unique_add;
  for (const auto& a : add) {
    if (std::find(unique_add.begin(), unique_add.end(), a) == unique_add.end())
      unique_add.push_back(a);
  }
  if (!add.empty()) {
    check_duplicates(add, "add", problems);
    check_resources(ctx.doc, unique_add, problems);
  }
  if (tag != nullptr && !add.empty() && !adjacent) {
    std::vector<std::string> present;
    for (const auto& a : unique_add) {
      if (obj_ref(tag, a) != nullptr) present.push_back(a);
    }
    if (!present.empty()) {
      std::sort(present.begin(), present.end());
      problems.push_back("Cannot add reference " + plural(present, "id") + " already in the tag '" +
                         id + "': " + quoted_list(present));
    }
  }
  if (tag != nullptr && !remove.empty()) {
    std::vector<std::string> before = problems;
    check_duplicates(remove, "remove", problems);
    std::vector<std::string> missing;
    for (const auto& r : sorted_unique(remove)) {
      if (obj_ref(tag, r) == nullptr) missing.push_back(r);
    }
    if (!missing.empty()) {
      problems.push_back("Tag '" + id + "' does not contain " + plural(missing, "id") + ": " +
                         quoted_list(missing));
    }
    if (problems.size() == before.size() && add.empty() &&
        sorted_unique(remove).size() == xml::children(tag, "obj_ref").size()) {
      problems.push_back("There would be no references left in the tag '" + id +
                         "', please remove the whole tag using the 'vigil tag remove " + id +
                         "' command");
    }
  }
  xmlNode* anchor = nullptr;
  if (tag != nullptr && adjacent) {
    anchor = obj_ref(tag, *adjacent);
    if (anchor == nullptr) {
      problems.push_back("There is no reference id '" + *adjacent + "' in the tag '" + id +
                         "', cannot put reference ids next to it in the tag");
    } else {
      if (std::find(add.begin(), add.end(), *adjacent) != add.end())
        problems.push_back("Cannot put id '" + *adjacent + "' next to itself.");
      if (std::find(remove.begin(), remove.end(), *adjacent) != remove.end())
        problems.push_back("Cannot remove id '" + *adjacent +
                           "' next to which ids are being added");
    }
  }
  if (!problems.empty()) return errors(problems);

  // Added (or moved) references go after the anchor, or before it, or at
  // the end, in the order given.
  xmlNode* after = ctx.flags.after ? anchor : nullptr;
  for (const auto& a : unique_add) {
    xmlNode* ref = obj_ref(tag, a);
    if (ref != nullptr) {
      xmlUnlinkNode(ref);
    } else {
      ref = xmlNewNode(nullptr, BAD_CAST "obj_ref");
      xmlNewProp(ref, BAD_CAST "id", BAD_CAST a.c_str());
    }
    if (ctx.flags.before) {
      xmlAddPrevSibling(anchor, ref);
    } else if (after != nullptr) {
      xmlAddNextSibling(after, ref);
      after = ref;
    } else {
      xmlAddChild(tag, ref);
    }
  }
  for (const auto& r : sorted_unique(remove)) remove_node(obj_ref(tag, r));
  ctx.changed = true;
  return ok_status();
}

}  // namespace

Status run_tag(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "config" : args[0];
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if ((ctx.flags.before || ctx.flags.after) && sub != "update") {
    return Error(ErrorCode::kInvalidInput, std::string("Specified option '") +
                                               (ctx.flags.before ? "--before" : "--after") +
                                               "' is not supported in this command");
  }
  if (sub == "create") return tag_create(ctx, rest);
  if (sub == "config") return tag_config(ctx, rest);
  if (sub == "list") {
    ctx.notes.push_back(
        "Deprecation Warning: This command is deprecated and will be removed. Please use 'vigil "
        "tag config' instead.");
    return tag_config(ctx, rest);
  }
  if (sub == "remove" || sub == "delete") return tag_remove(ctx, rest);
  if (sub == "update") return tag_update(ctx, rest);
  return usage_error(ctx, "tag", {sub});
}

}  // namespace vigil::admin
