// SPDX-License-Identifier: GPL-2.0-or-later
// Clones and promotable clones through the command line, on in-memory CIBs
// with agent metadata from a table (the shapes pcs 0.11.5 writes,
// cli-reference.md 4.3, 4.4, 5.1, 7).
#include <catch2/catch.hpp>

#include "command_fixture_test.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/resource_args.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

constexpr const char* kEmpty =
    R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>)";

AgentMetadata agent(std::vector<std::string> actions, std::string version) {
  AgentMetadata md;
  for (auto& a : actions) md.actions.push_back({a, a == "monitor" ? "10s" : "", "20s", "", ""});
  md.ocf_version = std::move(version);
  return md;
}

// ocf:test:Plain (OCF 1.1, no promote), ocf:test:Promo (1.1 with
// promote/demote), ocf:test:Old (1.0, no promote: pcs does not check it).
class Agents : public MetadataSource {
 public:
  Result<AgentMetadata> metadata(const AgentName& a) const override {
    if (a.full() == "ocf:test:Plain") return agent({"start", "stop", "monitor"}, "1.1");
    if (a.full() == "ocf:test:Promo")
      return agent({"start", "stop", "monitor", "promote", "demote"}, "1.1");
    if (a.full() == "ocf:test:Old") return agent({"start", "stop", "monitor"}, "1.0");
    return Error(ErrorCode::kNotFound, "Agent '" + a.full() + "' is not installed");
  }
};

struct Cib : CommandCib<Agents> {
  Cib() : CommandCib(kEmpty) {}
  xmlNode* node(const std::string& id) { return find_by_id(doc.get(), id); }
  std::string parent_of(const std::string& id) {
    xmlNode* n = node(id);
    return n == nullptr ? "" : xml::attr_or(n->parent, "id", std::string(xml::name(n->parent)));
  }
  std::string meta(const std::string& set, const std::string& name) {
    return xml::attr_or(node(set + "-" + name), "value");
  }
  std::string child_names(const std::string& id) {
    std::string s;
    for (xmlNode* c : xml::children(node(id))) s += std::string(xml::name(c)) + " ";
    return s;
  }
};

Flags in_group(const std::string& g) {
  Flags f;
  f.group = g;
  return f;
}

const std::string kSummary = "\nError: Errors have occurred, therefore vigil is unable to continue";

}  // namespace

TEST_CASE("create clone: words after the keyword") {
  auto a = parse_resource_create({"X", "ocf:a:b", "k=v", "clone", "X-c", "m=1", "meta", "p=2"});
  REQUIRE(a);
  CHECK(a->clone == CloneKind::kClone);
  CHECK(a->clone_id == "X-c");
  REQUIRE(a->clone_meta.size() == 1);
  CHECK(a->clone_meta[0].key == "m");
  // `meta` after the clone section is the primitive's, as in pcs 0.11.5.
  REQUIRE(a->meta.size() == 1);
  CHECK(a->meta[0].key == "p");
  auto b = parse_resource_create({"X", "ocf:a:b", "promotable", "m=1"});
  REQUIRE(b);
  CHECK(b->clone == CloneKind::kPromotable);
  CHECK(b->clone_id.empty());
  CHECK(parse_resource_create({"X", "ocf:a:b", "clone", "promotable"})->clone_and_promotable);
  CHECK(parse_resource_create({"X", "ocf:a:b", "master"})
            .error()
            .message()
            .find("Hint: Master/Slave resources have been renamed to promotable clones") !=
        std::string::npos);
  // stonith update keeps no clone section: the word is an option without a value.
  CHECK(parse_resource_update({"F", "clone"}).error().message() ==
        "missing value of 'clone' option");
}

TEST_CASE("create as clone and promotable clone") {
  Cib c;
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain", "clone"}));
  CHECK(c.parent_of("A") == "A-clone");
  CHECK(c.parent_of("A-clone") == "resources");
  CHECK(c.node("A-clone-meta_attributes") == nullptr);

  REQUIRE(c.run({"resource", "create", "P", "ocf:test:Promo", "promotable", "notify=true"}));
  CHECK(c.parent_of("P") == "P-clone");
  CHECK(xml::is(c.node("P-clone"), "clone"));
  CHECK(c.meta("P-clone-meta_attributes", "promotable") == "true");
  CHECK(c.meta("P-clone-meta_attributes", "notify") == "true");
  // Sorted by name: notify before promotable.
  CHECK(xml::attr_or(xmlFirstElementChild(c.node("P-clone-meta_attributes")), "name") == "notify");

  // The default id is made unique; a given one is taken as is.
  REQUIRE(c.run({"resource", "create", "A-clone-x", "ocf:test:Plain", "clone", "A-clone-1"}));
  CHECK(c.parent_of("A-clone-x") == "A-clone-1");

  // --disabled stops the clone (a new set, first), not the primitive.
  Flags disabled;
  disabled.disabled = true;
  REQUIRE(c.run({"resource", "create", "D", "ocf:test:Plain", "clone", "a=b"}, disabled));
  CHECK(c.meta("D-clone-meta_attributes", "target-role") == "Stopped");
  CHECK(c.node("D-meta_attributes") == nullptr);
  REQUIRE(c.run({"resource", "create", "E", "ocf:test:Plain", "clone"}, disabled));
  CHECK(c.child_names("E-clone") == "meta_attributes primitive ");
}

TEST_CASE("create as clone: refusals change nothing") {
  Cib c;
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain", "clone"}));
  const std::string before = xml::to_string(c.doc.get(), false);
  CHECK(c.error({"resource", "create", "X", "ocf:test:Plain", "promotable"}) ==
        "Clone option 'promotable' is not compatible with 'ocf:test:Plain' resource agent, use "
        "--force to override" +
            kSummary);
  CHECK(c.error({"resource", "create", "X", "ocf:test:Plain", "clone", "A-clone"}) ==
        "'A-clone' already exists" + kSummary);
  CHECK(c.error({"resource", "create", "X", "ocf:test:Plain", "clone", "1x"}) ==
        "invalid id '1x', '1' is not a valid first character for a id" + kSummary);
  CHECK(c.error({"resource", "create", "X", "ocf:test:Plain", "clone", "promotable"}) ==
        "you can specify only one of clone, promotable, bundle or --group");
  Flags group;
  group.group = "g";
  CHECK(c.error({"resource", "create", "X", "ocf:test:Plain", "clone"}, group) ==
        "you can specify only one of clone, promotable, bundle or --group");
  CHECK(c.error({"resource", "create", "X", "ocf:test:Promo", "promotable", "promotable=1"}) ==
        "you cannot specify both promotable option and promotable keyword");
  CHECK(xml::to_string(c.doc.get(), false) == before);

  // OCF 1.0 agents are not checked; --force makes the 1.1 check a warning.
  REQUIRE(c.run({"resource", "create", "O", "ocf:test:Old", "promotable"}));
  Flags force;
  force.force = true;
  REQUIRE(c.run({"resource", "create", "X", "ocf:test:Plain", "promotable"}, force));
  REQUIRE(c.notes.size() == 1);
  CHECK(c.notes[0] ==
        "Warning: Clone option 'promotable' is not compatible with 'ocf:test:Plain' resource "
        "agent");
}

TEST_CASE("resource clone, promotable and unclone") {
  Cib c;
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain"}, in_group("G")));
  REQUIRE(c.run({"resource", "create", "B", "ocf:test:Plain"}, in_group("G")));
  REQUIRE(c.run({"resource", "create", "P", "ocf:test:Promo"}));
  REQUIRE(c.run({"constraint", "order", "A", "then", "P"}));
  REQUIRE(c.run({"constraint", "colocation", "add", "P", "with", "A"}));

  // A leaves its group; constraints naming A now name the clone.
  REQUIRE(c.run({"resource", "clone", "A", "interleave=true", "meta", "clone-max=2"}));
  CHECK(c.parent_of("A") == "A-clone");
  CHECK(c.meta("A-clone-meta_attributes", "interleave") == "true");
  CHECK(c.meta("A-clone-meta_attributes", "clone-max") == "2");
  CHECK(xml::attr_or(c.node("order-A-P-mandatory"), "first") == "A-clone");
  CHECK(xml::attr_or(c.node("colocation-P-A-INFINITY"), "with-rsc") == "A-clone");
  CHECK(c.error({"resource", "clone", "A"}) == "A is already a clone resource");
  CHECK(c.error({"resource", "clone", "A-clone"}) == "unable to find group or resource: A-clone");
  CHECK(c.error({"resource", "clone", "B", "A-clone"}) == "id 'A-clone' already exists");
  CHECK(c.error({"resource", "clone", "B", "1x"}) == "invalid id '1x'");
  CHECK(c.error({"resource", "clone", "B", "op", "monitor", "interval=5"}) ==
        "op settings must be changed on base resource, not the clone");
  CHECK(c.error({"resource", "promotable", "B"}) ==
        "Clone option 'promotable' is not compatible with 'ocf:test:Plain' resource agent of "
        "resource 'B', use --force to override");
  CHECK(c.error({"resource", "promotable", "P", "promotable=true"}) ==
        "you cannot specify both promotable option and promotable keyword");

  // The group with its last member is cloned whole.
  REQUIRE(c.run({"resource", "clone", "G"}));
  CHECK(c.parent_of("G") == "G-clone");
  CHECK(c.error({"resource", "clone", "G"}) == "cannot clone a group that has already been cloned");
  CHECK(c.error({"resource", "clone", "B"}) == "B is already a clone resource");

  REQUIRE(c.run({"resource", "promotable", "P", "P-ms", "promoted-max=1"}));
  CHECK(c.meta("P-ms-meta_attributes", "promotable") == "true");
  CHECK(c.meta("P-ms-meta_attributes", "promoted-max") == "1");

  // unclone by clone or member id; the clone's constraints go with it.
  REQUIRE(c.run({"resource", "unclone", "A-clone"}));
  CHECK(c.parent_of("A") == "resources");
  CHECK(c.node("A-clone") == nullptr);
  CHECK(c.node("order-A-P-mandatory") == nullptr);
  CHECK(c.node("colocation-P-A-INFINITY") == nullptr);
  REQUIRE(c.run({"resource", "unclone", "P"}));
  CHECK(c.parent_of("P") == "resources");
  CHECK(c.error({"resource", "unclone", "P"}) == "'P' is not a clone resource");
  CHECK(c.error({"resource", "unclone", "Nope"}) == "could not find resource: Nope");

  // One member of a cloned group with others leaves for <resources>.
  REQUIRE(c.run({"resource", "create", "H1", "ocf:test:Plain"}, in_group("H")));
  REQUIRE(c.run({"resource", "create", "H2", "ocf:test:Plain"}, in_group("H")));
  REQUIRE(c.run({"resource", "clone", "H"}));
  REQUIRE(c.run({"resource", "unclone", "H1"}));
  CHECK(c.parent_of("H1") == "resources");
  CHECK(c.parent_of("H2") == "H");
  CHECK(c.parent_of("H") == "H-clone");
}

TEST_CASE("resource clone of a fence device") {
  Cib c;
  xmlNode* res = config_section(c.doc.get(), "resources");
  append_element(res, "primitive", {{"id", "F"}, {"class", "stonith"}, {"type", "fence_x"}});
  CHECK(c.error({"resource", "clone", "F"}).rfind("No need to clone stonith resource 'F'", 0) == 0);
  CHECK(c.notes.front().rfind("Deprecation Warning: Ability of this command to accept stonith",
                              0) == 0);
  Flags force;
  force.force = true;
  REQUIRE(c.run({"resource", "clone", "F"}, force));
  CHECK(c.parent_of("F") == "F-clone");
  CHECK(c.notes.back().rfind("Warning: No need to clone stonith resource 'F'", 0) == 0);
}

TEST_CASE("delete a clone or what it holds") {
  Cib c;
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain", "clone"}));
  REQUIRE(c.run({"resource", "create", "B", "ocf:test:Plain", "clone"}));
  REQUIRE(c.run({"resource", "create", "C", "ocf:test:Plain"}));
  REQUIRE(c.run({"constraint", "order", "A-clone", "then", "C"}));
  REQUIRE(c.run({"constraint", "colocation", "add", "C", "with", "B-clone"}));

  REQUIRE(c.run({"resource", "delete", "A-clone"}));
  CHECK(c.node("A-clone") == nullptr);
  CHECK(c.node("A") == nullptr);
  CHECK(c.notes == std::vector<std::string>{"Removing Constraint - order-A-clone-C-mandatory",
                                            "Deleting Resource - A"});
  CHECK(c.extra_writes == 1);  // constraints, then the clone: two writes

  REQUIRE(c.run({"resource", "delete", "B"}));
  CHECK(c.node("B-clone") == nullptr);
  CHECK(c.node("colocation-C-B-clone-INFINITY") == nullptr);

  REQUIRE(c.run({"resource", "create", "G1", "ocf:test:Plain"}, in_group("G")));
  REQUIRE(c.run({"resource", "create", "G2", "ocf:test:Plain"}, in_group("G")));
  REQUIRE(c.run({"resource", "clone", "G"}));
  REQUIRE(c.run({"resource", "delete", "G1"}));
  CHECK(c.parent_of("G2") == "G");
  REQUIRE(c.run({"resource", "delete", "G-clone"}));
  CHECK(c.node("G-clone") == nullptr);
  CHECK(c.notes.back() == "Deleting Resource (and group and clone) - G2");
}

TEST_CASE("enable, disable, meta and update on clones") {
  Cib c;
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain", "clone"}));
  REQUIRE(c.run({"resource", "disable", "A"}));
  CHECK(c.meta("A-meta_attributes", "target-role") == "Stopped");
  REQUIRE(c.run({"resource", "disable", "A-clone"}));
  CHECK(c.child_names("A-clone") == "meta_attributes primitive ");
  // Enabling the primitive enables its clone too; the emptied sets stay.
  REQUIRE(c.run({"resource", "enable", "A"}));
  CHECK(c.node("A-meta_attributes-target-role") == nullptr);
  CHECK(c.node("A-clone-meta_attributes-target-role") == nullptr);
  CHECK(c.node("A-clone-meta_attributes") != nullptr);
  CHECK(c.error({"resource", "disable", "Nope", "A"}) ==
        "bundle/clone/group/resource/tag 'Nope' does not exist" + kSummary);

  // meta: typed order, appended; an empty value removes.
  REQUIRE(c.run({"resource", "meta", "A-clone", "zeta=1", "alpha=2"}));
  auto set = xml::children(c.node("A-clone-meta_attributes"), "nvpair");
  REQUIRE(set.size() == 2);
  CHECK(xml::attr_or(set[0], "name") == "zeta");
  REQUIRE(c.run({"resource", "meta", "A-clone", "zeta="}));
  CHECK(c.node("A-clone-meta_attributes-zeta") == nullptr);
  CHECK(c.error({"resource", "meta", "A-clone", "promotable=true"}) ==
        "Clone option 'promotable' is not compatible with 'ocf:test:Plain' resource agent of "
        "resource 'A', use --force to override");
  CHECK(c.error({"resource", "meta", "Nope", "a=b"}) ==
        "unable to find a resource/clone/group: Nope");

  // update of a clone: its meta attributes, sorted; ops belong to the primitive.
  REQUIRE(c.run({"resource", "update", "A-clone", "y=1", "b=2"}));
  set = xml::children(c.node("A-clone-meta_attributes"), "nvpair");
  REQUIRE(set.size() == 3);
  CHECK(xml::attr_or(set[1], "name") == "b");
  CHECK(c.error({"resource", "update", "A-clone", "op", "monitor", "interval=5"}) ==
        "op settings must be changed on base resource, not the clone");
  CHECK(c.error({"resource", "update", "Nope", "a=b"}) == "Unable to find resource: Nope");
}

TEST_CASE("constraint location rule") {
  Cib c;
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain", "clone"}));
  REQUIRE(c.run({"constraint", "location", "A-clone", "rule", "score=-INFINITY", "pingd", "lt", "1",
                 "or", "not_defined", "pingd"}));
  xmlNode* rule = c.node("location-A-clone-rule");
  REQUIRE(rule != nullptr);
  CHECK(xml::attr_or(rule, "boolean-op") == "or");
  CHECK(xml::attr_or(rule, "score") == "-INFINITY");
  CHECK(xml::attr_or(c.node("location-A-clone-rule-expr"), "operation") == "lt");
  CHECK(xml::attr_or(c.node("location-A-clone-rule-expr-1"), "operation") == "not_defined");
  // The same expressions again, whatever the score: a duplicate.
  CHECK(c.error({"constraint", "location", "A-clone", "rule", "pingd", "lt", "1", "or",
                 "not_defined", "pingd"})
            .rfind("duplicate constraint already exists, use --force to override\n  Constraint: "
                   "location-A-clone\n    Rule: boolean-op=or score=-INFINITY "
                   "(id:location-A-clone-rule)",
                   0) == 0);

  // and/or bind alike, left first; a different operator nests a rule (score 0).
  REQUIRE(c.run({"constraint", "location", "A-clone", "rule", "role=Promoted", "a", "eq", "1",
                 "and", "b", "eq", "integer", "2", "or", "c", "eq", "3"}));
  xmlNode* top = c.node("location-A-clone-1-rule");
  REQUIRE(top != nullptr);
  CHECK(xml::attr_or(top, "boolean-op") == "or");
  CHECK(xml::attr_or(top, "role") == "Promoted");
  xmlNode* nested = c.node("location-A-clone-1-rule-rule");
  REQUIRE(nested != nullptr);
  CHECK(xml::attr_or(nested, "boolean-op") == "and");
  CHECK(xml::attr_or(nested, "score") == "0");
  CHECK(xml::attr_or(c.node("location-A-clone-1-rule-rule-expr-1"), "type") == "integer");

  CHECK(c.error({"constraint", "location", "A-clone", "rule", "a", "foo", "1"}) ==
        "'a foo 1' is not a valid rule expression: unexpected 'foo'");
  CHECK(c.error({"constraint", "location", "A-clone", "rule", "a", "eq"}) ==
        "'a eq' is not a valid rule expression: unexpected end of rule");
  CHECK(c.error({"constraint", "location", "A-clone", "rule", "a", "eq", "integer", "x"}) ==
        "'a eq integer x' is not a valid rule expression: invalid integer value 'x'");
  CHECK(c.error({"constraint", "location", "A-clone", "rule", "(", "a", "eq", "1"}) ==
        "'( a eq 1' is not a valid rule expression: missing ')'");
  CHECK(c.error({"constraint", "location", "A", "rule", "a", "eq", "1"})
            .rfind("A is a clone resource, you should use the clone id: A-clone", 0) == 0);
  CHECK(c.error({"constraint", "location", "A-clone", "rule", "score=abc", "a", "eq", "1"}) ==
        "invalid score'abc'");
  CHECK(c.error({"constraint", "location", "A-clone", "rule", "date", "gt", "2024-13-01"}) ==
        "'date gt 2024-13-01' is not a valid rule expression: '2024-13-01' is not an ISO 8601 "
        "date");
}

TEST_CASE("ban, move-with-constraint and clear of clones") {
  Cib c;
  xmlNode* nodes = config_section(c.doc.get(), "nodes");
  append_element(nodes, "node", {{"id", "1"}, {"uname", "node1"}});
  append_element(nodes, "node", {{"id", "2"}, {"uname", "node2"}});
  REQUIRE(c.run({"resource", "create", "A", "ocf:test:Plain", "clone"}));
  REQUIRE(c.run({"resource", "create", "P", "ocf:test:Promo", "promotable"}));
  Flags promoted;
  promoted.promoted = true;

  REQUIRE(c.run({"resource", "ban", "P-clone", "node1"}, promoted));
  xmlNode* ban = c.node("cli-ban-P-clone-on-node1");
  REQUIRE(ban != nullptr);
  CHECK(xml::attr_or(ban, "role") == "Promoted");
  CHECK(xml::attr_or(ban, "score") == "-INFINITY");
  CHECK(c.notes.front().find("from being promoted on node1") != std::string::npos);
  // The same ban again without --promoted is updated where it is.
  REQUIRE(c.run({"resource", "ban", "P-clone", "node1"}));
  CHECK(xml::attr_or(c.node("cli-ban-P-clone-on-node1"), "role") == "Started");

  CHECK(c.error({"resource", "move-with-constraint", "A-clone", "node2"}) ==
        "cannot move cloned resources" + kSummary);
  CHECK(c.error({"resource", "move-with-constraint", "A", "node2"}) ==
        "cannot move cloned resources" + kSummary);
  CHECK(c.error({"resource", "ban", "A-clone", "node2"}, promoted) ==
        "when specifying --promoted you must use the promotable clone id" + kSummary);
  CHECK(c.error({"resource", "ban", "A-clone", "node3"}) ==
        "Node 'node3' does not appear to exist in configuration" + kSummary);
  CHECK(c.error({"resource", "ban", "A-clone"}) ==
        "You must specify a node when moving/banning a stopped resource");

  // A move drops the ban on its destination first (a write of its own).
  REQUIRE(c.run({"resource", "move-with-constraint", "P-clone", "node1"}, promoted));
  CHECK(c.node("cli-ban-P-clone-on-node1") == nullptr);
  CHECK(xml::attr_or(c.node("cli-prefer-P-clone"), "role") == "Promoted");
  CHECK(c.extra_writes == 1);

  REQUIRE(c.run({"resource", "ban", "P-clone", "node2"}));
  REQUIRE(c.run({"resource", "clear", "P-clone"}));
  CHECK(c.notes == std::vector<std::string>{"Removing constraint: cli-ban-P-clone-on-node2",
                                            "Removing constraint: cli-prefer-P-clone"});
  CHECK(c.extra_writes == 1);  // node2 and node1: two writes
  CHECK(c.error({"resource", "clear", "Nope"}) ==
        "bundle/clone/group/resource 'Nope' does not exist" + kSummary);
  CHECK(c.error({"resource", "move", "P-clone", "node1"}) ==
        "Specified option '-f' is not supported in this command");
}
