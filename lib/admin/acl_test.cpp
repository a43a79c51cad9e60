// SPDX-License-Identifier: GPL-2.0-or-later
// `acl` beyond what the parity suite shows: ids pcs counts (a guest node's
// remote-node name, not status, not users), several problems reported at
// once with nothing kept, references removed everywhere, enable-acl read as
// pcs reads it and writes it (the first property set), and --autodelete
// refused outside acl.
#include <catch2/catch.hpp>

#include "command_fixture_test.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

namespace {

constexpr const char* kCib =
    R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config><cluster_property_set id="cib-bootstrap-options"/></crm_config>
  <nodes/><resources>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy">
      <meta_attributes id="A-meta"><nvpair id="A-meta-rn" name="remote-node" value="guest1"/></meta_attributes>
    </primitive>
  </resources><constraints><rsc_location id="R-read" rsc="A" node="n1" score="1"/></constraints>
  <acls>
    <acl_role id="R"/>
    <acl_role id="S"/>
    <acl_target id="u1"><role id="R"/><role id="S"/><role id="R"/></acl_target>
    <acl_target id="u2"><role id="R"/></acl_target>
    <acl_group id="g1"><role id="R"/></acl_group>
  </acls></configuration>
  <status><node_state id="n1"><lrm id="n1"><lrm_resources><lrm_resource id="A">
    <lrm_rsc_op id="A_last_0" operation="start"/></lrm_resource></lrm_resources></lrm></node_state>
  </status></cib>)";

class NoAgents : public MetadataSource {
 public:
  Result<AgentMetadata> metadata(const AgentName& a) const override {
    return Error(ErrorCode::kNotFound, "no agent " + a.full());
  }
};

struct Cib : CommandCib<NoAgents> {
  explicit Cib(const char* text = kCib) : CommandCib(text) {}
  std::string acls() { return xml::to_string(config_section(doc.get(), "acls"), false); }
};

Flags autodelete() {
  Flags f;
  f.autodelete = true;
  return f;
}

}  // namespace

TEST_CASE("a guest node's name is an id; status ids and user names are not") {
  Cib c;
  CHECK(c.error({"acl", "role", "create", "guest1"}) == "'guest1' already exists");
  CHECK(c.error({"acl", "role", "delete", "guest1"}) == "'guest1' is not an ACL role");
  CHECK(c.error({"acl", "group", "create", "guest1"}) == "'guest1' already exists");
  REQUIRE(c.run({"acl", "role", "create", "T"}));
  CHECK(c.error({"acl", "permission", "add", "T", "read", "id", "A_last_0"}) ==
        "id 'A_last_0' does not exist");
  CHECK(c.error({"acl", "permission", "add", "T", "read", "id", "u1"}) == "id 'u1' does not exist");
  // A group may take a user's name: users' ids are names, not XML ids.
  REQUIRE(c.run({"acl", "group", "create", "u1"}));
  REQUIRE(c.run({"acl", "role", "create", "A_last_0"}));
}

TEST_CASE("permission ids skip ids used anywhere in the configuration") {
  Cib c;
  // R-read is a constraint's id: the first read permission of R is R-read-1.
  REQUIRE(c.run({"acl", "permission", "add", "R", "read", "xpath", "/cib", "READ", "Xpath", "//a",
                 "deny", "id", "A"}));
  CHECK(c.xml_of("R-read-1") == R"(<acl_permission id="R-read-1" kind="read" xpath="/cib"/>)");
  CHECK(c.xml_of("R-read-2") == R"(<acl_permission id="R-read-2" kind="read" xpath="//a"/>)");
  CHECK(c.xml_of("R-deny") == R"(<acl_permission id="R-deny" kind="deny" reference="A"/>)");
}

TEST_CASE("every problem of user create is reported, and nothing is kept") {
  Cib c;
  Context ctx;
  ctx.doc = c.doc.get();
  const Status st = run_command(ctx, {"acl", "user", "create", "u3", "R", "nope", "A", "R"});
  REQUIRE_FALSE(st);
  CHECK(st.error().message() ==
        "ACL role 'nope' does not exist\nError: 'A' is not an ACL role\nError: Role 'R' is "
        "already assigned to 'u3'");
  CHECK_FALSE(ctx.changed);
}

TEST_CASE("role delete removes the role's every reference; --autodelete empties") {
  Cib plain;
  REQUIRE(plain.run({"acl", "role", "delete", "R"}));
  CHECK(plain.acls() == R"(<acls><acl_role id="S"/><acl_target id="u1"><role id="S"/></acl_target>)"
                        R"(<acl_target id="u2"/><acl_group id="g1"/></acls>)");
  Cib c;
  REQUIRE(c.run({"acl", "role", "delete", "R"}, autodelete()));
  CHECK(c.acls() ==
        R"(<acls><acl_role id="S"/><acl_target id="u1"><role id="S"/></acl_target></acls>)");
}

TEST_CASE("unassign removes every reference to the role; --autodelete drops the empty user") {
  Cib c;
  REQUIRE(c.run({"acl", "role", "unassign", "R", "from", "user", "u1"}, autodelete()));
  CHECK(c.acls().find(R"(<acl_target id="u1"><role id="S"/></acl_target>)") != std::string::npos);
  REQUIRE(c.run({"acl", "role", "unassign", "S", "u1"}, autodelete()));
  CHECK(c.acls().find(R"(acl_target id="u1")") == std::string::npos);
  CHECK(c.error({"acl", "role", "unassign", "R", "g1", "x"})
            .find("Usage: vigil acl role "
                  "unassign...") != std::string::npos);
}

TEST_CASE("a user wins over a group of the same name; a group alone is refused unnamed") {
  Cib c;
  REQUIRE(c.run({"acl", "group", "create", "u2"}));
  REQUIRE(c.run({"acl", "role", "assign", "S", "u2"}));
  CHECK(c.acls().find(R"(<acl_target id="u2"><role id="R"/><role id="S"/></acl_target>)") !=
        std::string::npos);
  CHECK(c.acls().find(R"(<acl_group id="u2"/>)") != std::string::npos);
  CHECK(c.error({"acl", "role", "assign", "S", "g1"}) == "'g1' is not an ACL user");
  REQUIRE(c.run({"acl", "role", "assign", "S", "to", "group", "g1"}));
}

TEST_CASE("a role id found outside the acls section is named as such") {
  Cib c(R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/>
  <tags><acl_role id="stray"/></tags><acls/></configuration><status/></cib>)");
  CHECK(c.error({"acl", "role", "delete", "stray"}) ==
        "ACL role 'stray' exists but does not belong to 'acls'");
}

TEST_CASE("enable-acl: the last nvpair of crm_config named so decides") {
  Cib c(R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config>
    <cluster_property_set id="a"><nvpair id="a-1" name="enable-acl" value="false"/></cluster_property_set>
    <cluster_property_set id="b"><nvpair id="b-1" name="enable-acl" value="Yes"/></cluster_property_set>
  </crm_config><nodes/><resources/><constraints/></configuration><status/></cib>)");
  REQUIRE(c.run({"acl"}));
  CHECK(c.output == "ACLs are enabled\n\n");
  // disable edits the first set (pcs's), the later "Yes" still decides.
  REQUIRE(c.run({"acl", "disable"}));
  REQUIRE(c.run({"acl", "config"}));
  CHECK(c.output == "ACLs are enabled\n\n");
  CHECK(c.xml_of("a-1") == R"(<nvpair id="a-1" name="enable-acl" value="false"/>)");
  CHECK(c.xml_of("b-1") == R"(<nvpair id="b-1" name="enable-acl" value="Yes"/>)");
  CHECK(c.xml_of("cib-bootstrap-options").empty());
  REQUIRE(c.run({"property", "set", "enable-acl=false"}));
  REQUIRE(c.run({"acl", "enable"}));
  CHECK(c.xml_of("a-1") == R"(<nvpair id="a-1" name="enable-acl" value="true"/>)");
  REQUIRE(c.run({"property", "unset", "enable-acl"}));
  CHECK(c.error({"acl", "disable"}).empty());
  CHECK(c.xml_of("a-enable-acl") ==
        R"(<nvpair id="a-enable-acl" name="enable-acl" value="false"/>)");
}

TEST_CASE("options: acl takes -f, and --autodelete only where pcs takes it") {
  Cib c;
  Flags force;
  force.force = true;
  force.wait = "";
  CHECK(c.error({"acl", "user", "delete", "u1"}, force) ==
        "Specified options '--force', '--wait' are not supported in this command");
  CHECK(c.error({"acl", "user", "delete", "u1"}, autodelete()) ==
        "Specified option '--autodelete' is not supported in this command");
  CHECK(c.error({"resource", "delete", "A"}, autodelete()) ==
        "Specified option '--autodelete' is not supported in this command");
  auto inv = parse_invocation({"acl", "role", "delete", "R", "--autodelete"});
  REQUIRE(inv);
  CHECK(inv->flags.autodelete);
}
