// SPDX-License-Identifier: GPL-2.0-or-later
// pcs acl: the <acls> section (acl_role with acl_permission children,
// acl_target and acl_group holding <role id=...> references) and the
// enable-acl cluster property. pcs's library reports these errors one per
// line without its summary line; words that do not parse print the usage.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pcs_ids.hpp"
#include "pcs_usage.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

// pcs 0.11.5's `acl` usage, naming vigil. pcs repeats its notes on
// permissions under both commands that take them, and each delete's text
// under its remove alias.
constexpr const char* kUsageHead = R"~(
Usage: vigil acl [commands]...
View and modify current cluster access control lists
Commands:

    [config]
        List all current access control lists.

    enable
        Enable access control lists.

    disable
        Disable access control lists.

    role create <role id> [description=<description>]
            [((read | write | deny) (xpath <query> | id <id>))...]
        Create a role with the id and (optional) description specified. Each
        role can also have an unlimited number of permissions (read/write/deny)
        applied to either an xpath query or the id of a specific element in the
        CIB.

)~";
constexpr const char* kPermissionNotes =
    R"~(        Permissions are applied to the selected XML element's entire XML
        subtree (all elements enclosed within it). Write permission grants the
        ability to create, modify, or remove the element and its subtree, and
        also the ability to create any "scaffolding" elements (enclosing
        elements that do not have attributes other than an ID). Permissions for
        more specific matches (more deeply nested elements) take precedence
        over more general ones. If multiple permissions are configured for the
        same match (for example, in different roles applied to the same user),
        any deny permission takes precedence, then write, then lastly read.

        An xpath may include an attribute expression to select only elements
        that match the expression, but the permission still applies to the
        entire element (and its subtree), not to the attribute alone. For
        example, using the xpath "//*[@name]" to give write permission would
        allow changes to the entirety of all elements that have a "name"
        attribute and everything enclosed by those elements. There is no way
        currently to give permissions for just one attribute of an element.
        That is to say, you can not define an ACL that allows someone to read
        just the dc-uuid attribute of the cib tag - that would select the cib
        element and give read access to the entire CIB.

)~";
constexpr const char* kRoleAssign = R"~(    role assign <role id> [to] [user|group] <username/group>
        Assign a role to a user or group already created with 'vigil acl
        user/group create'. If there is user and group with the same id and it
        is not specified which should be used, user will be prioritized. In
        cases like this specify whenever user or group should be used.

    role unassign <role id> [from] [user|group] <username/group>
        Remove a role from the specified user. If there is user and group with
        the same id and it is not specified which should be used, user will be
        prioritized. In cases like this specify whenever user or group should
        be used.

)~";
constexpr const char* kUserCreate = R"~(    user create <username> [<role id>]...
        Create an ACL for the user specified and assign roles to the user.

)~";
constexpr const char* kGroupCreate = R"~(    group create <group> [<role id>]...
        Create an ACL for the group specified and assign roles to the group.

)~";
constexpr const char* kPermissionAdd = R"~(    permission add <role id>
            ((read | write | deny) (xpath <query> | id <id>))...
        Add the listed permissions to the role specified. Permissions are
        applied to either an xpath query or the id of a specific element in the
        CIB.

)~";

// "    WORD delete ARGS" and "    WORD remove ARGS", each with `text`.
std::string delete_and_remove(const char* word, const char* args, const char* text) {
  std::string out;
  for (const char* verb : {"delete", "remove"}) {
    out += std::string("    ") + word + " " + verb + " " + args + "\n" + text + "\n\n";
  }
  return out;
}

const std::string& acl_usage() {
  static const std::string text = [] {
    std::string t = std::string(kUsageHead) + kPermissionNotes;
    t += delete_and_remove(
        "role", "<role id>",
        R"~(        Delete the role specified and remove it from any users/groups it was
        assigned to.)~");
    t += std::string(kRoleAssign) + kUserCreate;
    t += delete_and_remove(
        "user", "<username>",
        R"~(        Remove the user specified (and roles assigned will be unassigned for
        the specified user).)~");
    t += kGroupCreate;
    t += delete_and_remove(
        "group", "<group>",
        R"~(        Remove the group specified (and roles assigned will be unassigned for
        the specified group).)~");
    t += std::string(kPermissionAdd) + kPermissionNotes;
    t += delete_and_remove(
        "permission", "<permission id>",
        R"~(        Remove the permission id specified (permission id's are listed in
        parenthesis after permissions in 'vigil acl' output).)~");
    t.pop_back();  // pcs's text ends with one newline
    return t;
  }();
  return text;
}

using Words = std::vector<std::string>;

Status acl_errors(const std::vector<std::string>& problems) {
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
  return Error(ErrorCode::kInvalidInput, msg);
}

Status acl_usage(Context& ctx, const Words& words) {
  return usage_error(ctx, "acl", words);
}

}  // namespace

Status only_pcs_options(const Context& ctx, bool autodelete_allowed, bool force_allowed) {
  const Flags& f = ctx.flags;
  const std::pair<bool, const char*> given[] = {
      {f.group.has_value(), "--group"},
      {f.disabled, "--disabled"},
      {f.no_default_ops, "--no-default-ops"},
      {f.all, "--all"},
      {f.force && !force_allowed, "--force"},
      {f.full, "--full"},
      {f.off, "--off"},
      {f.promoted, "--promoted"},
      {f.master, "--master"},
      {f.watch, "--watch"},
      {f.interval.has_value(), "--interval"},
      {f.png.has_value(), "--png"},
      {f.before.has_value(), "--before"},
      {f.after.has_value(), "--after"},
      {f.name.has_value(), "--name"},
      {f.monitor, "--monitor"},
      {f.defaults, "--defaults"},
      {f.wait.has_value(), "--wait"},
      {f.output_format.has_value(), "--output-format"},
      {f.autodelete && !autodelete_allowed, "--autodelete"}};
  std::vector<std::string> bad;
  for (const auto& [set, name] : given) {
    if (set) bad.emplace_back(name);
  }
  if (bad.empty()) return ok_status();
  std::sort(bad.begin(), bad.end());
  return Error(ErrorCode::kInvalidInput,
               std::string("Specified option") + (bad.size() == 1 ? " " : "s ") + quoted_list(bad) +
                   (bad.size() == 1 ? " is" : " are") + " not supported in this command");
}

namespace {

// The options given on the line (pcs's names): acl commands take -f and,
// for role delete and unassign, --autodelete; anything else is refused.
Status only_autodelete_if(const Context& ctx, bool autodelete_allowed) {
  return only_pcs_options(ctx, autodelete_allowed, false);
}
Status only_file_option(const Context& ctx) {
  return only_autodelete_if(ctx, false);
}

}  // namespace

// --- ids as pcs's library sees them (pcs_ids.hpp) ---------------------------

// An element whose id counts as an id for pcs: anything below the
// configuration (status is not searched) except the elements whose id
// attribute refers to something else or is free text (acl_target, role,
// obj_ref, resource_ref); a primitive also owns its remote-node name.
static bool owns_id(const xmlNode* n, std::string_view id) {
  const std::string_view tag = xml::name(n);
  if (tag != "acl_target" && tag != "role" && tag != "obj_ref" && tag != "resource_ref" &&
      xml::attr_or(n, "id") == id) {
    return true;
  }
  if (tag != "primitive") return false;
  for (const xmlNode* meta : xml::children(n, "meta_attributes")) {
    for (const xmlNode* nv : xml::children(meta, "nvpair")) {
      if (xml::attr_or(nv, "name") == "remote-node" && xml::attr_or(nv, "value") == id) {
        return true;
      }
    }
  }
  return false;
}

static const xmlNode* id_owner_below(const xmlNode* parent, std::string_view id) {
  for (const xmlNode* c : xml::children(parent)) {
    if (owns_id(c, id)) return c;
    if (const xmlNode* hit = id_owner_below(c, id)) return hit;
  }
  return nullptr;
}

// The first element (document order) owning `id` in the CIB outside status.
const xmlNode* id_owner(xmlDoc* doc, std::string_view id) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return nullptr;
  for (const xmlNode* section : xml::children(root)) {
    if (xml::name(section) == "status") continue;
    if (const xmlNode* hit = id_owner_below(section, id)) return hit;
  }
  return nullptr;
}

// pcs's find_unique_id over the ids above: candidate, candidate-1, ...
std::string free_id(xmlDoc* doc, const std::string& candidate) {
  std::string id = candidate;
  for (int i = 1; id_owner(doc, id) != nullptr; ++i) id = candidate + "-" + std::to_string(i);
  return id;
}

// How pcs names element types in its messages.
std::string type_word(std::string_view tag) {
  static const std::map<std::string_view, std::string_view> kWords = {
      {"acl_group", "ACL group"}, {"acl_permission", "ACL permission"},
      {"acl_role", "ACL role"},   {"acl_target", "ACL user"},
      {"master", "clone"},        {"primitive", "resource"}};
  const auto it = kWords.find(tag);
  return std::string(it == kWords.end() ? tag : it->second);
}

// "ACL group/ACL user": the types' words, unique and sorted.
static std::string type_list(const std::vector<std::string>& tags) {
  std::set<std::string> words;
  for (const auto& t : tags) words.insert(type_word(t));
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : "/") + w;
  return out;
}

static xmlNode* tagged_below(xmlNode* parent, std::string_view tag, std::string_view id) {
  for (xmlNode* c : xml::children(parent)) {
    if (xml::name(c) == tag && xml::attr_or(c, "id") == id) return c;
    if (xmlNode* hit = tagged_below(c, tag, id)) return hit;
  }
  return nullptr;
}

xmlNode* find_in_section(xmlDoc* doc, xmlNode* acls, std::string_view tag, const std::string& id,
                         std::vector<std::string>& problems, std::vector<std::string> expected,
                         bool quiet_if_unused) {
  if (xmlNode* hit = tagged_below(acls, tag, id)) return hit;
  if (expected.empty()) expected.emplace_back(tag);
  if (const xmlNode* owner = id_owner(doc, id)) {
    if (xml::name(owner) == tag) {
      problems.push_back(type_word(tag) + " '" + id + "' exists but does not belong to " +
                         (xml::has_attr(acls, "id")
                              ? std::string(xml::name(acls)) + " '" + xml::attr_or(acls, "id") + "'"
                              : "'" + std::string(xml::name(acls)) + "'"));
    } else {
      const std::string types = type_list(expected);
      const bool an = types.rfind("ACL ", 0) == 0;
      problems.push_back("'" + id + "' is not " + (an ? "an " : "a ") + types);
    }
  } else if (!quiet_if_unused) {
    const std::string acls_id = xml::attr_or(acls, "id");
    problems.push_back(acls_id.empty()
                           ? type_list(expected) + " '" + id + "' does not exist"
                           : "there is no " + type_list(expected) + " '" + id + "' in the " +
                                 std::string(xml::name(acls)) + " '" + acls_id + "'");
  }
  return nullptr;
}

namespace {

// The <acls> section, created (last in the configuration) when missing.
Result<xmlNode*> acls_section(xmlDoc* doc) {
  xmlNode* acls = config_section(doc, "acls", true);
  if (acls == nullptr)
    return Error(ErrorCode::kInvalidInput, "Unable to get configuration section of cib");
  return acls;
}

// --- permissions ------------------------------------------------------------

struct Permission {
  std::string kind;   // read, write, deny
  std::string scope;  // xpath, id
  std::string value;
};

std::string lowered(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Triples of words; false when they do not parse (pcs then prints usage).
bool parse_permissions(const Words& words, std::size_t from, std::vector<Permission>& out) {
  if ((words.size() - from) % 3 != 0) return false;
  for (std::size_t i = from; i < words.size(); i += 3) {
    Permission p{lowered(words[i]), lowered(words[i + 1]), words[i + 2]};
    if (p.kind != "read" && p.kind != "write" && p.kind != "deny") return false;
    if (p.scope != "xpath" && p.scope != "id") return false;
    out.push_back(std::move(p));
  }
  return true;
}

// Every id a permission refers to must name something in the configuration.
std::vector<std::string> permission_problems(xmlDoc* doc, const std::vector<Permission>& perms) {
  std::vector<std::string> problems;
  for (const auto& p : perms) {
    if (p.scope == "id" && id_owner(doc, p.value) == nullptr) {
      problems.push_back("id '" + p.value + "' does not exist");
    }
  }
  return problems;
}

void add_permissions(xmlDoc* doc, xmlNode* role, const std::vector<Permission>& perms) {
  const std::string role_id = xml::attr_or(role, "id", "role");
  for (const auto& p : perms) {
    const std::string id = free_id(doc, role_id + "-" + p.kind);
    append_element(
        role, "acl_permission",
        {{"id", id}, {"kind", p.kind}, {p.scope == "id" ? "reference" : "xpath", p.value}});
  }
}

// --- roles, users, groups ---------------------------------------------------

// A new element of the acls section whose id must be a valid, unused id.
Result<xmlNode*> create_with_new_id(xmlDoc* doc, xmlNode* acls, const char* tag,
                                    const std::string& id, const char* description) {
  if (auto p = id_problem(id, description); !p.empty()) return Error(ErrorCode::kInvalidInput, p);
  if (id_owner(doc, id) != nullptr) {
    return Error(ErrorCode::kInvalidInput, "'" + id + "' already exists");
  }
  return append_element(acls, tag, {{"id", id}});
}

xmlNode* assigned(xmlNode* target, const std::string& role_id) {
  for (xmlNode* r : xml::children(target, "role")) {
    if (xml::attr_or(r, "id") == role_id) return r;
  }
  return nullptr;
}

// Adds <role id=role_id> to a user or group; problems when the role is
// missing or already there.
void assign(xmlDoc* doc, xmlNode* acls, const std::string& role_id, xmlNode* target,
            std::vector<std::string>& problems) {
  if (find_in_section(doc, acls, "acl_role", role_id, problems) == nullptr) return;
  if (assigned(target, role_id) != nullptr) {
    problems.push_back("Role '" + role_id + "' is already assigned to '" +
                       xml::attr_or(target, "id") + "'");
    return;
  }
  append_element(target, "role", {{"id", role_id}});
}

// A user when one has this id, else a group (pcs's deprecated guess; an id
// that belongs to anything but a user stops the guess, groups included).
xmlNode* user_or_group(xmlDoc* doc, xmlNode* acls, const std::string& id,
                       std::vector<std::string>& problems) {
  if (xmlNode* user = find_in_section(doc, acls, "acl_target", id, problems, {}, true)) return user;
  if (!problems.empty()) return nullptr;
  return find_in_section(doc, acls, "acl_group", id, problems, {"acl_group", "acl_target"});
}

// `role assign|unassign ROLE [to|from] [user|group] NAME`: the target the
// words name, or nullptr with problems; `parsed` false when they do not parse.
xmlNode* assignment_target(xmlDoc* doc, xmlNode* acls, const Words& w, const char* keyword,
                           bool& parsed, std::vector<std::string>& problems) {
  parsed = true;
  std::string kind, id;
  if (w.size() == 2) {
    id = w[1];
  } else if (w.size() == 3 && (w[1] == keyword || w[1] == "user" || w[1] == "group")) {
    kind = w[1] == keyword ? "" : w[1];
    id = w[2];
  } else if (w.size() == 4 && w[1] == keyword && (w[2] == "user" || w[2] == "group")) {
    kind = w[2];
    id = w[3];
  } else {
    parsed = false;
    return nullptr;
  }
  if (kind.empty()) return user_or_group(doc, acls, id, problems);
  return find_in_section(doc, acls, kind == "user" ? "acl_target" : "acl_group", id, problems);
}

Status role_create(Context& ctx, const Words& w) {
  if (auto st = only_file_option(ctx); !st) return st;
  if (w.empty()) return acl_usage(ctx, {"role", "create"});
  constexpr std::string_view kDesc = "description=";
  std::size_t next = 1;
  std::string description;
  if (w.size() > 1 && w[1].rfind(kDesc, 0) == 0 && w[1].size() > kDesc.size()) {
    description = w[1].substr(kDesc.size());
    next = 2;
  }
  std::vector<Permission> perms;
  if (!parse_permissions(w, next, perms)) return acl_usage(ctx, {"role", "create"});
  if (auto problems = permission_problems(ctx.doc, perms); !problems.empty()) {
    return acl_errors(problems);
  }
  auto acls = acls_section(ctx.doc);
  if (!acls) return acls.error();
  auto role = create_with_new_id(ctx.doc, *acls, "acl_role", w[0], "ACL role");
  if (!role) return role.error();
  if (!description.empty()) xmlNewProp(*role, BAD_CAST "description", BAD_CAST description.c_str());
  add_permissions(ctx.doc, *role, perms);
  ctx.changed = true;
  return ok_status();
}

// The element a delete command names (its one word), or why not.
Result<xmlNode*> element_to_delete(Context& ctx, bool autodelete_allowed, const Words& usage_words,
                                   const Words& w, const char* tag) {
  if (auto st = only_autodelete_if(ctx, autodelete_allowed); !st) return st.error();
  if (w.size() != 1) return acl_usage(ctx, usage_words).error();
  auto acls = acls_section(ctx.doc);
  if (!acls) return acls.error();
  std::vector<std::string> problems;
  xmlNode* found = find_in_section(ctx.doc, *acls, tag, w[0], problems);
  if (found == nullptr) return acl_errors(problems).error();
  return found;
}

// Removes the role and every reference to it; with --autodelete, users and
// groups left without a role go too.
Status role_delete(Context& ctx, const std::string& sub, const Words& w) {
  auto role = element_to_delete(ctx, true, {"role", sub}, w, "acl_role");
  if (!role) return role.error();
  remove_node(*role);
  xmlNode* acls = config_section(ctx.doc, "acls");
  std::vector<xmlNode*> refs;
  const auto collect = [&](auto& self, xmlNode* parent) -> void {
    for (xmlNode* c : xml::children(parent)) {
      if (xml::name(c) == "role" && xml::attr_or(c, "id") == w[0]) refs.push_back(c);
      self(self, c);
    }
  };
  collect(collect, acls);
  const auto holds_role = [](auto& self, xmlNode* n) -> bool {
    for (xmlNode* c : xml::children(n)) {
      if (xml::name(c) == "role" || self(self, c)) return true;
    }
    return false;
  };
  for (xmlNode* ref : refs) {
    xmlNode* holder = ref->parent;
    remove_node(ref);
    if (ctx.flags.autodelete && !holds_role(holds_role, holder)) remove_node(holder);
  }
  ctx.changed = true;
  return ok_status();
}

// `role assign` (to) and `role unassign` (from, --autodelete).
Status role_assignment(Context& ctx, const Words& w, bool assigning) {
  const char* verb = assigning ? "assign" : "unassign";
  if (auto st = only_autodelete_if(ctx, !assigning); !st) return st;
  if (w.size() < 2) return acl_usage(ctx, {"role", verb});
  auto acls = acls_section(ctx.doc);
  if (!acls) return acls.error();
  bool parsed = false;
  std::vector<std::string> problems;
  xmlNode* target =
      assignment_target(ctx.doc, *acls, w, assigning ? "to" : "from", parsed, problems);
  if (!parsed) return acl_usage(ctx, {"role", verb});
  if (target != nullptr && assigning) {
    assign(ctx.doc, *acls, w[0], target, problems);
  } else if (target != nullptr && assigned(target, w[0]) == nullptr) {
    problems.push_back("Role '" + w[0] + "' is not assigned to '" + xml::attr_or(target, "id") +
                       "'");
  }
  if (!problems.empty()) return acl_errors(problems);
  if (!assigning) {
    while (xmlNode* ref = assigned(target, w[0])) remove_node(ref);
    if (ctx.flags.autodelete && xml::children(target, "role").empty()) remove_node(target);
  }
  ctx.changed = true;
  return ok_status();
}

// `user create` and `group create`: the element, then every role assigned
// (all problems reported together).
Status target_create(Context& ctx, bool user, const Words& w) {
  if (auto st = only_file_option(ctx); !st) return st;
  if (w.empty()) return acl_usage(ctx, {user ? "user" : "group", "create"});
  auto acls = acls_section(ctx.doc);
  if (!acls) return acls.error();
  xmlNode* target = nullptr;
  if (user) {
    // A user's id is a name, not an XML id: only other users clash.
    for (xmlNode* t : xml::children(*acls, "acl_target")) {
      if (xml::attr_or(t, "id") == w[0]) return acl_errors({"'" + w[0] + "' already exists"});
    }
    target = append_element(*acls, "acl_target", {{"id", w[0]}});
  } else {
    auto group = create_with_new_id(ctx.doc, *acls, "acl_group", w[0], "ACL group");
    if (!group) return group.error();
    target = *group;
  }
  std::vector<std::string> problems;
  for (std::size_t i = 1; i < w.size(); ++i) assign(ctx.doc, *acls, w[i], target, problems);
  if (!problems.empty()) return acl_errors(problems);
  ctx.changed = true;
  return ok_status();
}

Status target_delete(Context& ctx, bool user, const std::string& sub, const Words& w) {
  auto target = element_to_delete(ctx, false, {user ? "user" : "group", sub}, w,
                                  user ? "acl_target" : "acl_group");
  if (!target) return target.error();
  remove_node(*target);
  ctx.changed = true;
  return ok_status();
}

// `permission add ROLE (KIND SCOPE VALUE)...`: the role is created when
// missing.
Status permission_add(Context& ctx, const Words& w) {
  if (auto st = only_file_option(ctx); !st) return st;
  std::vector<Permission> perms;
  if (w.size() < 4 || !parse_permissions(w, 1, perms)) return acl_usage(ctx, {"permission", "add"});
  if (auto problems = permission_problems(ctx.doc, perms); !problems.empty()) {
    return acl_errors(problems);
  }
  auto acls = acls_section(ctx.doc);
  if (!acls) return acls.error();
  std::vector<std::string> problems;
  xmlNode* role = find_in_section(ctx.doc, *acls, "acl_role", w[0], problems, {}, true);
  if (!problems.empty()) return acl_errors(problems);
  if (role == nullptr) {
    auto created = create_with_new_id(ctx.doc, *acls, "acl_role", w[0], "ACL role");
    if (!created) return created.error();
    role = *created;
  }
  add_permissions(ctx.doc, role, perms);
  ctx.changed = true;
  return ok_status();
}

Status permission_delete(Context& ctx, const std::string& sub, const Words& w) {
  auto perm = element_to_delete(ctx, false, {"permission", sub}, w, "acl_permission");
  if (!perm) return perm.error();
  remove_node(*perm);
  ctx.changed = true;
  return ok_status();
}

// --- listing ----------------------------------------------------------------

// enable-acl as pcs reads it: every nvpair of crm_config in document order,
// the last one named enable-acl wins.
bool acls_enabled(xmlDoc* doc) {
  std::string value;
  const auto scan = [&](auto& self, const xmlNode* n) -> void {
    for (const xmlNode* c : xml::children(n)) {
      if (xml::name(c) == "nvpair" && xml::attr_or(c, "name") == "enable-acl") {
        value = xml::attr_or(c, "value");
      }
      self(self, c);
    }
  };
  if (xmlNode* crm_config = config_section(doc, "crm_config")) scan(scan, crm_config);
  return is_true(value);
}

void list_targets(std::string& out, const xmlNode* acls, const char* tag, const char* title) {
  for (const xmlNode* t : xml::children(acls, tag)) {
    out += std::string(title) + ": " + xml::attr_or(t, "id") + "\n  Roles:";
    for (const xmlNode* r : xml::children(t, "role")) {
      if (!xml::attr_or(r, "id").empty()) out += " " + xml::attr_or(r, "id");
    }
    out += "\n";
  }
}

std::string permission_line(const xmlNode* p) {
  std::string line = "Permission: " + xml::attr_or(p, "kind");
  if (auto xpath = xml::attr(p, "xpath")) {
    line += " xpath " + *xpath;
  } else if (auto ref = xml::attr(p, "reference")) {
    line += " id " + *ref;
  }
  return line + " (" + xml::attr_or(p, "id") + ")";
}

Status acl_config(Context& ctx, const std::string& sub, const Words& w) {
  if (sub == "show") {
    ctx.notes.push_back(
        "Deprecation Warning: This command is deprecated and will be removed. Please use 'vigil "
        "acl config' instead.");
  }
  if (auto st = only_file_option(ctx); !st) return st;
  if (!w.empty()) return acl_usage(ctx, {sub});
  ctx.out += acls_enabled(ctx.doc) ? "ACLs are enabled\n\n"
                                   : "ACLs are disabled, run 'vigil acl enable' to enable\n\n";
  const xmlNode* acls = config_section(ctx.doc, "acls");
  if (acls == nullptr) return ok_status();
  list_targets(ctx.out, acls, "acl_target", "User");
  list_targets(ctx.out, acls, "acl_group", "Group");
  for (const xmlNode* role : xml::children(acls, "acl_role")) {
    ctx.out += "Role: " + xml::attr_or(role, "id") + "\n";
    if (const std::string d = xml::attr_or(role, "description"); !d.empty()) {
      ctx.out += "  Description: " + d + "\n";
    }
    for (const xmlNode* p : xml::children(role, "acl_permission")) {
      ctx.out += "  " + permission_line(p) + "\n";
    }
  }
  return ok_status();
}

Status acl_switch(Context& ctx, bool enable, const Words& w) {
  if (auto st = only_file_option(ctx); !st) return st;
  if (!w.empty()) return acl_usage(ctx, {enable ? "enable" : "disable"});
  return run_property(ctx, {"set", enable ? "enable-acl=true" : "enable-acl=false"});
}

}  // namespace

std::string_view acl_usage_text() {
  return acl_usage();
}

Status run_acl(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "config" : args[0];
  const Words rest = args.empty() ? Words{} : Words(args.begin() + 1, args.end());
  if (sub == "help") {
    ctx.out += pcs_sub_usage("acl", rest) + "\n";
    return ok_status();
  }
  if (sub == "config" || sub == "show") return acl_config(ctx, sub, rest);
  if (sub == "enable" || sub == "disable") return acl_switch(ctx, sub == "enable", rest);
  const std::map<std::string, std::set<std::string>> kSubcommands = {
      {"role", {"create", "delete", "remove", "assign", "unassign"}},
      {"user", {"create", "delete", "remove"}},
      {"group", {"create", "delete", "remove"}},
      {"permission", {"add", "delete", "remove"}}};
  const auto family = kSubcommands.find(sub);
  if (family == kSubcommands.end()) return acl_usage(ctx, {""});
  if (rest.empty()) return acl_usage(ctx, {sub});
  const std::string& verb = rest[0];
  if (family->second.count(verb) == 0) return acl_usage(ctx, {sub, ""});
  const Words w(rest.begin() + 1, rest.end());
  if (sub == "role") {
    if (verb == "create") return role_create(ctx, w);
    if (verb == "assign" || verb == "unassign") return role_assignment(ctx, w, verb == "assign");
    return role_delete(ctx, verb, w);
  }
  if (sub == "user" || sub == "group") {
    if (verb == "create") return target_create(ctx, sub == "user", w);
    return target_delete(ctx, sub == "user", verb, w);
  }
  if (verb == "add") return permission_add(ctx, w);
  return permission_delete(ctx, verb, w);
}

}  // namespace vigil::admin
