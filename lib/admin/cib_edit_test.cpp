// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/cib_edit.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "hostile_xml.hpp"
#include "vigil/admin/cib_file.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/admin/resource_args.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::admin;

TEST_CASE("id checks use pcs's messages") {
  CHECK(id_problem("VIP", "resource name").empty());
  CHECK(id_problem("a.b-c_1", "resource name").empty());
  CHECK(id_problem("1bad", "resource name") ==
        "invalid resource name '1bad', '1' is not a valid first character for a resource name");
  CHECK(id_problem("a$b", "group name") ==
        "invalid group name 'a$b', '$' is not a valid character for a group name");
  CHECK(id_problem("", "resource name") == "resource name cannot be empty");
  // Letters beyond ASCII are refused as pcs refuses them, named whole.
  CHECK(id_problem("R\xc3\xb6", "ACL role") ==
        "invalid ACL role 'R\xc3\xb6', '\xc3\xb6' is not a valid character for a ACL role");
  CHECK(id_problem("\xe2\x82\xacx", "id") ==
        "invalid id '\xe2\x82\xacx', '\xe2\x82\xac' is not a valid first character for a id");
}

TEST_CASE("generated ids are sanitised like pcs") {
  CHECK(sanitize_id("location-VIP-node1--INFINITY") == "location-VIP-node1--INFINITY");
  CHECK(sanitize_id("-1x:y z") == "xyz");
  CHECK(sanitize_id("cib-bootstrap-options-no-quorum-policy") ==
        "cib-bootstrap-options-no-quorum-policy");
}

TEST_CASE("unique ids append -1, -2 to the original candidate") {
  auto doc = xml::parse_string(R"(<cib><configuration><resources>
      <primitive id="a"/><primitive id="a-1"/></resources></configuration></cib>)");
  REQUIRE(doc);
  CHECK(unique_id(doc->get(), "b") == "b");
  CHECK(unique_id(doc->get(), "a") == "a-2");
}

TEST_CASE("ids in the status section are free, as pcs has them") {
  // A deleted resource's history (lrm_resource id="A") stays in the status
  // until the cluster forgets it: pcs creates A again meanwhile.
  auto doc = xml::parse_string(R"(<cib><configuration><resources>
      <primitive id="B"/></resources></configuration><status><node_state id="1">
      <lrm id="1"><lrm_resources><lrm_resource id="A"><lrm_rsc_op id="A_last_0"/>
      </lrm_resource></lrm_resources></lrm></node_state></status></cib>)");
  REQUIRE(doc);
  CHECK(find_by_id(doc->get(), "A") == nullptr);
  CHECK(find_by_id(doc->get(), "A_last_0") == nullptr);
  REQUIRE(find_by_id(doc->get(), "B") != nullptr);
  CHECK(xml::attr_or(find_by_id(doc->get(), "B"), "id") == "B");
  CHECK(unique_id(doc->get(), "A") == "A");
  CHECK(unique_id(doc->get(), "B") == "B-1");
}

TEST_CASE("scores") {
  for (const char* s : {"10", "+5", "-50", "INFINITY", "-INFINITY", "+INFINITY", "0"})
    CHECK(is_score(s));
  for (const char* s : {"", "abc", "1.5", "-", "infinity", "10x"}) CHECK_FALSE(is_score(s));
}

TEST_CASE("key=value splitting") {
  auto kv = split_key_value("statusurl=http://x/?a=b");
  REQUIRE(kv);
  CHECK(kv->key == "statusurl");
  CHECK(kv->value == "http://x/?a=b");
  CHECK(split_key_value("fake").error().message() == "missing value of 'fake' option");
  CHECK(split_key_value("=x").error().message() == "missing key in '=x' option");
  CHECK(split_key_value("a=")->value.empty());
}

TEST_CASE("epoch bump and role names follow the schema version") {
  auto doc =
      xml::parse_string(R"(<cib validate-with="pacemaker-3.9" epoch="6"><configuration/></cib>)");
  REQUIRE(doc);
  REQUIRE(bump_epoch(doc->get()));
  CHECK(xml::attr_or(xmlDocGetRootElement(doc->get()), "epoch") == "7");
  CHECK(schema_version(doc->get()) == 309);
  CHECK(role_for_cib(doc->get(), "Master") == "Promoted");
  auto old = xml::parse_string(R"(<cib validate-with="pacemaker-3.1" epoch="x"/>)");
  REQUIRE(old);
  CHECK(role_for_cib(old->get(), "Promoted") == "Master");
  CHECK_FALSE(bump_epoch(old->get()));
}

TEST_CASE("invocation: options anywhere, -- ends them, unknown ones refused") {
  auto inv = parse_invocation({"-f", "cib.xml", "resource", "create", "D", "ocf:pacemaker:Dummy",
                               "--group", "g1", "--disabled"});
  REQUIRE(inv);
  CHECK(*inv->file == "cib.xml");
  CHECK(*inv->flags.group == "g1");
  CHECK(inv->flags.disabled);
  CHECK(inv->args == std::vector<std::string>{"resource", "create", "D", "ocf:pacemaker:Dummy"});
  auto dash = parse_invocation(
      {"-fx.xml", "constraint", "colocation", "add", "A", "with", "B", "--", "-INFINITY"});
  REQUIRE(dash);
  CHECK(*dash->file == "x.xml");
  CHECK(dash->args.back() == "-INFINITY");
  auto unknown = parse_invocation({"--nonsense", "property", "set", "a=b"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == ErrorCode::kUnsupported);
  auto wait = parse_invocation({"--wait=30", "resource", "enable", "A", "--after", "B"});
  REQUIRE(wait);
  CHECK(*wait->flags.wait == "30");
  CHECK(*wait->flags.after == "B");
  // --force is read here, and refused by run_command where vigil does not honour it.
  auto force = parse_invocation({"--force", "stonith", "create", "f", "fence_apc"});
  REQUIRE(force);
  CHECK(force->flags.force);
  CHECK_FALSE(parse_invocation({"-f"}));
}

TEST_CASE("resource create words") {
  auto a =
      parse_resource_create({"VIP", "ocf:heartbeat:IPaddr2", "ip=1.2.3.4", "cidr_netmask=24", "op",
                             "monitor", "interval=30s", "start", "timeout=60s", "meta", "a=b"});
  REQUIRE(a);
  CHECK(a->id == "VIP");
  CHECK(a->instance.size() == 2);
  REQUIRE(a->ops.size() == 2);
  CHECK(a->ops[0].action == "monitor");
  CHECK(a->ops[1].action == "start");
  CHECK(a->ops[1].options[0].key == "timeout");
  CHECK(a->meta.size() == 1);
  const std::string op_err =
      "When using 'op' you must specify an operation name and at least one option";
  CHECK(parse_resource_create({"X", "ocf:a:b", "op", "monitor", "foo"}).error().message() ==
        op_err);
  CHECK(parse_resource_create({"X", "ocf:a:b", "op"}).error().message() == op_err);
  CHECK(parse_resource_create({"X", "ocf:a:b", "op", "monitor", "meta", "a=b"}).error().message() ==
        op_err);
  CHECK(parse_resource_create({"X", "ocf:a:b", "fake"}).error().message() ==
        "missing value of 'fake' option");
  CHECK(parse_resource_create({"X", "ocf:a:b", "meta", "foo"}).error().message() ==
        "missing value of 'foo' option");
  CHECK(parse_resource_create({"X", "ocf:a:b", "bundle", "b"}).error().code() ==
        ErrorCode::kUnsupported);
  CHECK_FALSE(parse_resource_create({"X"}));
}

TEST_CASE("agent names") {
  auto n = parse_agent_name("ocf:heartbeat:IPaddr2");
  REQUIRE(n);
  CHECK(n->provider == "heartbeat");
  CHECK(parse_agent_name("systemd:httpd")->full() == "systemd:httpd");
  for (const char* bad : {"ocf:heartbeat", "bad:thing:x:y", "ocf::x", ":x"}) {
    auto r = parse_agent_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().rfind("Invalid resource agent name '" + std::string(bad) + "'", 0) ==
          0);
  }
  CHECK(parse_agent_name("IPaddr2").error().code() == ErrorCode::kUnsupported);
}

TEST_CASE("agent metadata") {
  auto md = parse_agent_metadata(R"(<?xml version="1.0"?><resource-agent name="x">
    <parameters><parameter name="ip" required="1"/><parameter name="nic"/></parameters>
    <actions><action name="start" timeout="20s"/><action name="monitor" depth="0" timeout="20s" interval="10s"/>
    </actions></resource-agent>)");
  REQUIRE(md);
  REQUIRE(md->parameters.size() == 2);
  CHECK(md->parameters[0].required);
  CHECK_FALSE(md->parameters[1].required);
  REQUIRE(md->actions.size() == 2);
  CHECK(md->actions[1].interval == "10s");
  CHECK_FALSE(parse_agent_metadata("<nope/>"));
}

TEST_CASE("duplicate options") {
  auto same = dedupe_options({{"a", "1"}, {"b", "2"}, {"a", "1"}});
  REQUIRE(same);
  CHECK(same->size() == 2);
  CHECK(dedupe_options({{"fake", "1"}, {"fake", "2"}}).error().message() ==
        "duplicate option 'fake' with different values '1' and '2'");
  CHECK(parse_resource_create({"Y", "ocf:a:b", "meta", "a=1", "a=2"}).error().message() ==
        "duplicate option 'a' with different values '1' and '2'");
}

namespace {

// A throwaway OCF root holding one agent script; removed on destruction.
struct FakeOcfRoot {
  std::string dir;
  FakeOcfRoot() {
    char tmpl[] = "/tmp/vigil_admin_ocf.XXXXXX";
    dir = mkdtemp(tmpl);
    std::filesystem::create_directories(dir + "/resource.d/test");
  }
  ~FakeOcfRoot() { std::filesystem::remove_all(dir); }
  void agent(const std::string& name, const std::string& body) {
    const std::string path = dir + "/resource.d/test/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
};

}  // namespace

TEST_CASE("OCF metadata comes from running the agent's meta-data action") {
  FakeOcfRoot root;
  root.agent("Good",
             "[ \"$1\" = meta-data ] && [ -n \"$OCF_ROOT\" ] || exit 3\n"
             "echo '<resource-agent name=\"Good\"><actions><action name=\"start\" "
             "timeout=\"7s\"/></actions></resource-agent>'");
  root.agent("Broken", "exit 1");
  OcfMetadataSource src(root.dir);
  auto md = src.metadata({"ocf", "test", "Good"});
  REQUIRE(md);
  REQUIRE(md->actions.size() == 1);
  CHECK(md->actions[0].timeout == "7s");
  auto broken = src.metadata({"ocf", "test", "Broken"});
  REQUIRE_FALSE(broken);
  // Worded as crm_resource reports a failed meta-data action, which pcs quotes.
  CHECK(broken.error().message() == agent_not_installed({"ocf", "test", "Broken"}));
  auto missing = src.metadata({"ocf", "test", "Nope"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().rfind(
            "Agent 'ocf:test:Nope' is not installed or does not provide valid metadata: ", 0) == 0);
  CHECK_FALSE(src.metadata({"ocf", "test", "../test/Good"}));
  // Without systemd running there are no systemd agents (agent_classes_test.cpp).
  src.set_service_paths({.lsb_dir = root.dir, .systemd_run_dir = root.dir + "/no-systemd"});
  CHECK(src.metadata({"systemd", "", "httpd"}).error().code() == ErrorCode::kNotFound);
}

TEST_CASE("OCF metadata: the agent gets the OCF environment, a hung agent is killed") {
  FakeOcfRoot root;
  root.agent("Env",
             "[ \"$OCF_RESOURCE_TYPE\" = Env ] && [ \"$OCF_RESOURCE_PROVIDER\" = test ] || exit 1\n"
             "echo '<resource-agent name=\"Env\"/>'");
  root.agent("Hang", "sleep 30");
  OcfMetadataSource src(root.dir, std::chrono::milliseconds(300));
  CHECK(src.metadata({"ocf", "test", "Env"}));
  const auto t0 = std::chrono::steady_clock::now();
  auto hung = src.metadata({"ocf", "test", "Hang"});
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  REQUIRE_FALSE(hung);
  CHECK(hung.error().message().find("meta-data action timed out after 300ms") != std::string::npos);
}

TEST_CASE("vigil -f refuses a CIB file with entity declarations", "[untrusted]") {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vigil-hostile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/cib.xml";
  auto cib = [](const std::string& ref) {
    return std::string(R"(<cib validate-with="pacemaker-3.1" epoch="1" num_updates="0" )"
                       R"(admin_epoch="0"><configuration><crm_config/><nodes/><resources/>)"
                       R"(<constraints/></configuration><status>)") +
           ref + "</status></cib>";
  };
  for (const auto& h : vigil::testing::hostile_documents("cib", cib)) {
    INFO(h.name);
    std::ofstream(path) << h.text;
    auto doc = admin::load_cib_file(path);
    REQUIRE_FALSE(doc);
    CHECK_THAT(doc.error().message(),
               Catch::Matchers::Contains("XML with a DTD or entity declarations is not accepted"));
  }
  std::filesystem::remove_all(dir);
}
