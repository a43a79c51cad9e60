// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB's access control lists, as Pacemaker 2.1.5's pacemaker-based
// enforces them (lib/common/acl.c there): who they apply to, which rules a
// user gets from the <acls> section, the document a user may read, and
// whether an update only touches what the user may write.
//
// - ACLs apply to every user but root and hacluster (the cluster daemons'
//   user), and only while the cluster option enable-acl is true.
// - A user's rules come from the <acl_target> (or legacy <acl_user>) whose
//   name (else id) is the user and from every <acl_group> whose name (else
//   id) is one of the user's Unix groups, in the order of the <acls>
//   section; <role> (legacy <role_ref>) pulls in the <acl_role> with that id
//   (an unknown id adds nothing). A permission (<acl_permission kind=...>,
//   legacy <read>/<write>/<deny>) selects elements by xpath, else by
//   reference (an id) and/or object-type and attribute.
// - Every rule marks the elements it selects (an attribute or text node
//   selected marks its element). What a user may do with an element is
//   decided by the nearest element, itself or an ancestor, whose marks say
//   something: deny there refuses; write there allows reading and writing;
//   read there allows reading. Nothing marked up to the root refuses; so
//   does having no rules at all.
// - Reading (`filtered_copy`): elements the user may not read lose every
//   attribute but id and are dropped unless something below is readable; a
//   readable element is kept whole, even below a denied one. Nothing
//   readable at all is "Permission denied".
// - Writing (`check_update`): every attribute added, changed or removed and
//   every element removed needs write on its element; a new element needs
//   write unless it carries nothing but an id outside the <acls> section
//   (scaffolding). One refusal refuses the whole update.
// - Malformed rules are never fatal: a bad xpath or one selecting no
//   elements marks nothing, a permission without a known kind is skipped,
//   role references nest at most kMaxRoleDepth deep (a cycle stops there).
#pragma once

#include <libxml/tree.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cibd::acl {

// The user the cluster daemons run as (Pacemaker's CRM_DAEMON_USER).
inline constexpr const char* kDaemonUser = "hacluster";
inline constexpr int kMaxRoleDepth = 16;

// A user's Unix groups by name (the daemon asks the system; tests list them).
using GroupLookup = std::function<std::vector<std::string>(const std::string& user)>;
// The system's answer: the user's primary group and supplementary groups
// (getpwnam_r, getgrouplist, getgrgid_r); none for an unknown user.
GroupLookup system_groups();

// ACLs never apply to root, hacluster or a request without a user.
bool required(std::string_view user);
// The cluster option enable-acl (in <crm_config>'s cluster_property_set
// elements, the first one set) is true.
bool enabled(const xmlDoc* cib);

enum Mode : unsigned { kRead = 1, kWrite = 2, kDeny = 4 };

struct Rule {
  Mode mode = kRead;
  std::string xpath;
  std::string id;  // the permission's id, for the logs
};

// Whether and how ACLs restrict one user on one CIB.
struct Access {
  bool enforced = false;  // required(user) && enabled(cib)
  std::string user;
  std::vector<Rule> rules;  // in Pacemaker's order
};

// The rules `user` gets from `cib`'s <acls> (groups asked of `groups` only
// when an <acl_group> is there). Not enforced for root, hacluster, or when
// enable-acl is false.
Access access_for(const xmlDoc* cib, const std::string& user, const GroupLookup& groups);
// The rules alone, whether or not ACLs are enabled.
std::vector<Rule> unpack_rules(const xmlDoc* cib, const std::string& user,
                               const GroupLookup& groups);

// What `rules` let the user read of `doc`; nullopt when nothing at all.
std::optional<xml::DocPtr> filtered_copy(const xmlDoc* doc, const std::vector<Rule>& rules);
// True when `rules` let the user read all of `doc` (no deny rule, and a
// read or write rule selects the root): what filtered_copy would give is
// the document itself, so queries and change notifications use it as it
// is, without copying, filtering and hashing the whole CIB again. Evaluates
// the rules' xpaths only until one selects the root.
bool reads_everything(const xmlDoc* doc, const std::vector<Rule>& rules);

// The first thing an update may not do.
struct Denial {
  std::string path;  // "/cib/configuration/crm_config/.../nvpair[@id='x'][@value]"
  std::string what;  // "change attribute", "create element", "remove element"
};
// Compares `before` with `after` (children matched by tag and id, as
// Pacemaker's change tracking does) and returns the first change `rules`
// do not allow, or nullopt when all are allowed.
std::optional<Denial> check_update(const xmlDoc* before, const xmlDoc* after,
                                   const std::vector<Rule>& rules);

// The error a refused update or query gets: ErrorCode::kPermissionDenied,
// "Permission denied" (what Pacemaker's clients print for -EACCES).
Error permission_denied();

}  // namespace vigil::cibd::acl
