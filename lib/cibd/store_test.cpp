// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/store.hpp"

#include <catch2/catch.hpp>

namespace vigil::cibd {
namespace {

constexpr const char* kDummy =
    R"(<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>)";

CibRequest req(CibOp op, std::string scope, std::string payload = {}) {
  CibRequest r;
  r.op = op;
  r.scope = std::move(scope);
  r.payload = std::move(payload);
  r.client = "test";
  return r;
}

UpdateMeta meta() {
  return UpdateMeta{"node1", "test", "root", 1'700'000'000};
}

// Updates the store must refuse, each leaving it byte for byte as it was.
struct Refusal {
  const char* what;
  CibRequest request;
};
void expect_refused_unchanged(Store& s, const std::vector<Refusal>& cases,
                              const char* reason = nullptr) {
  const std::string before = s.to_xml();
  const CibVersion v = s.version();
  for (const auto& c : cases) {
    INFO(c.what);
    auto r = s.apply(c.request, UpdateMeta{"elsewhere", "other", "nobody", 1});
    REQUIRE_FALSE(r);
    if (reason != nullptr) CHECK(r.error().message().find(reason) != std::string::npos);
    CHECK(s.to_xml() == before);
    CHECK(s.version() == v);
  }
}

Store with_dummy() {
  Store s = Store::empty();
  auto r = s.apply(req(CibOp::kCreate, "resources", kDummy), meta());
  REQUIRE(r);
  return s;
}

}  // namespace

TEST_CASE("an empty CIB is version 0:0:0 with the default schema and every section") {
  Store s = Store::empty();
  CHECK(s.version() == CibVersion{0, 0, 0});
  auto all = s.query("");
  REQUIRE(all);
  CHECK(all->find("validate-with=\"pacemaker-3.9\"") != std::string::npos);
  for (const char* section : {"crm_config", "nodes", "resources", "constraints", "status"}) {
    CHECK(s.query(section));
  }
  CHECK(s.query("rsc_defaults").error().code() == ErrorCode::kNotFound);
  CHECK(s.query("bogus").error().code() == ErrorCode::kInvalidInput);
}

TEST_CASE("create adds a child, bumps epoch, and refuses an existing id") {
  Store s = Store::empty();
  auto r = s.apply(req(CibOp::kCreate, "resources", kDummy), meta());
  REQUIRE(r);
  CHECK(r->config_changed);
  CHECK(r->previous == CibVersion{0, 0, 0});
  CHECK(s.version() == CibVersion{0, 1, 0});
  auto q = s.query("//primitive[@id='d1']");
  REQUIRE(q);
  CHECK(q->find("type=\"Dummy\"") != std::string::npos);
  auto root = s.query("");
  CHECK(root->find("update-origin=\"node1\"") != std::string::npos);
  CHECK(root->find("cib-last-written=") != std::string::npos);

  const std::string digest = s.digest();
  auto again = s.apply(req(CibOp::kCreate, "resources", kDummy), meta());
  REQUIRE_FALSE(again);
  CHECK(again.error().message().find("already exists") != std::string::npos);
  CHECK(s.version() == CibVersion{0, 1, 0});
  CHECK(s.digest() == digest);
}

TEST_CASE("a status change bumps num_updates only; a later configuration change resets it") {
  Store s = with_dummy();
  auto r = s.apply(req(CibOp::kModify, "status",
                       R"(<status><node_state id="1" uname="node1" in_ccm="true"/></status>)"),
                   meta());
  REQUIRE(r);
  CHECK_FALSE(r->config_changed);
  CHECK(s.version() == CibVersion{0, 1, 1});
  REQUIRE(s.apply(req(CibOp::kModify, "status", R"(<node_state id="1" crmd="online"/>)"), meta()));
  CHECK(s.version() == CibVersion{0, 1, 2});
  auto ns = s.query("//node_state[@id='1']");
  REQUIRE(ns);
  CHECK(ns->find("in_ccm=\"true\"") != std::string::npos);
  CHECK(ns->find("crmd=\"online\"") != std::string::npos);

  REQUIRE(
      s.apply(req(CibOp::kModify, "resources", R"(<primitive id="d1" description="x"/>)"), meta()));
  CHECK(s.version() == CibVersion{0, 2, 0});
}

TEST_CASE("modify of the root sets cluster attributes but never the version") {
  Store s = with_dummy();
  auto r = s.apply(
      req(CibOp::kModify, "", R"(<cib have-quorum="1" dc-uuid="1" epoch="99" admin_epoch="7"/>)"),
      meta());
  REQUIRE(r);
  CHECK_FALSE(r->config_changed);
  CHECK(s.version() == CibVersion{0, 1, 1});
  auto root = s.query("");
  CHECK(root->find("have-quorum=\"1\"") != std::string::npos);
  CHECK(root->find("dc-uuid=\"1\"") != std::string::npos);
}

TEST_CASE("modify merges children by tag and id, creates missing ones, expands ++") {
  Store s = with_dummy();
  REQUIRE(s.apply(req(CibOp::kModify, "resources",
                      R"(<primitive id="d1"><meta_attributes id="d1-meta">)"
                      R"(<nvpair id="d1-ms" name="migration-threshold" value="3"/>)"
                      R"(</meta_attributes></primitive>)"),
                  meta()));
  REQUIRE(s.apply(req(CibOp::kModify, "resources",
                      R"(<nvpair id="d1-ms" name="migration-threshold" value="value+=2"/>)"),
                  meta()));
  auto q = s.query("//nvpair[@id='d1-ms']");
  REQUIRE(q);
  CHECK(q->find("value=\"5\"") != std::string::npos);
  REQUIRE(s.apply(req(CibOp::kModify, "resources",
                      R"(<nvpair id="d1-ms" name="migration-threshold" value="value++"/>)"),
                  meta()));
  CHECK(s.query("//nvpair[@id='d1-ms']")->find("value=\"6\"") != std::string::npos);
  // A counter at INFINITY stays there (vigil::expand_increment reads the
  // current value as a score).
  for (const char* v : {"INFINITY", "value++"}) {
    REQUIRE(s.apply(
        req(CibOp::kModify, "resources",
            std::string(R"(<nvpair id="d1-ms" name="migration-threshold" value=")") + v + "\"/>"),
        meta()));
  }
  CHECK(s.query("//nvpair[@id='d1-ms']")->find("value=\"1000000\"") != std::string::npos);

  auto missing = s.apply(req(CibOp::kModify, "resources", R"(<primitive id="nope"/>)"), meta());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("an update that would not validate is refused with the validator's message") {
  Store s = with_dummy();
  const CibVersion v = s.version();
  const std::string digest = s.digest();
  auto r =
      s.apply(req(CibOp::kCreate, "resources", R"(<primitive id="bad" type="Dummy"/>)"), meta());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == ErrorCode::kInvalidInput);
  CHECK(r.error().message().find("would not validate") != std::string::npos);
  CHECK(s.version() == v);
  CHECK(s.digest() == digest);
  CHECK_FALSE(s.query("//primitive[@id='bad']"));
}

TEST_CASE("garbage payloads and bad scopes are refused and change nothing") {
  Store s = with_dummy();
  const std::string digest = s.digest();
  CHECK(s.apply(req(CibOp::kCreate, "resources", "<primitive"), meta()).error().code() ==
        ErrorCode::kInvalidInput);
  CHECK(s.apply(req(CibOp::kCreate, "resources", ""), meta()).error().code() ==
        ErrorCode::kInvalidInput);
  CHECK(s.apply(req(CibOp::kCreate, "nonsense", kDummy), meta()).error().code() ==
        ErrorCode::kInvalidInput);
  CHECK(s.apply(req(CibOp::kCreate, "/cib/[[", kDummy), meta()).error().code() ==
        ErrorCode::kInvalidInput);
  CHECK(s.apply(req(CibOp::kQuery, ""), meta()).error().code() == ErrorCode::kInvalidInput);
  CHECK(s.digest() == digest);
}

TEST_CASE("expect_version is a compare-and-swap on admin_epoch:epoch") {
  Store s = with_dummy();
  CibRequest r = req(CibOp::kModify, "resources", R"(<primitive id="d1" description="a"/>)");
  r.expect_version = ConfigVersion{0, 0};
  auto refused = s.apply(r, meta());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() == "CIB version is 0:1, expected 0:0");
  r.expect_version = ConfigVersion{0, 1};
  REQUIRE(s.apply(r, meta()));
  CHECK(s.version() == CibVersion{0, 2, 0});
}

TEST_CASE("replace of the whole CIB refuses an older copy unless forced") {
  Store s = with_dummy();
  REQUIRE(
      s.apply(req(CibOp::kModify, "resources", R"(<primitive id="d1" description="a"/>)"), meta()));
  REQUIRE(s.version() == CibVersion{0, 2, 0});
  Store old = Store::empty();  // 0:0:0, no resources
  CibRequest r = req(CibOp::kReplace, "", old.to_xml());
  auto refused = s.apply(r, meta());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("older") != std::string::npos);
  CHECK(s.query("//primitive[@id='d1']"));

  r.force = true;
  auto forced = s.apply(r, meta());
  REQUIRE(forced);
  CHECK_FALSE(s.query("//primitive[@id='d1']"));
  CHECK(s.version() > CibVersion{0, 2, 0});  // versions never go back

  // A newer copy keeps its own version.
  std::string newer = with_dummy().to_xml();
  const auto pos = newer.find("epoch=\"1\"");
  REQUIRE(pos != std::string::npos);
  newer.replace(pos, 9, "epoch=\"40\"");
  REQUIRE(s.apply(req(CibOp::kReplace, "", newer), meta()));
  CHECK(s.version() == CibVersion{0, 40, 0});
}

TEST_CASE("replace of one element swaps it whole") {
  Store s = with_dummy();
  REQUIRE(s.apply(req(CibOp::kReplace, "resources",
                      R"(<primitive id="d1" class="ocf" provider="heartbeat" type="IPaddr2"/>)"),
                  meta()));
  auto q = s.query("//primitive[@id='d1']");
  CHECK(q->find("IPaddr2") != std::string::npos);
  CHECK(s.version() == CibVersion{0, 2, 0});
}

TEST_CASE("delete removes every match, nothing is fine, required sections are kept") {
  Store s = with_dummy();
  REQUIRE(s.apply(req(CibOp::kCreate, "resources",
                      R"(<primitive id="d2" class="ocf" provider="pacemaker" type="Dummy"/>)"),
                  meta()));
  const CibVersion v = s.version();
  auto none = s.apply(req(CibOp::kDelete, "//primitive[@id='zzz']"), meta());
  REQUIRE(none);
  CHECK_FALSE(none->changed);
  CHECK(s.version() == v);

  auto both = s.apply(req(CibOp::kDelete, "//primitive[@type='Dummy']"), meta());
  REQUIRE(both);
  CHECK(both->config_changed);
  CHECK_FALSE(s.query("//primitive"));

  for (const char* scope : {"/cib", "/cib/configuration", "resources", "/cib/status"}) {
    auto r = s.apply(req(CibOp::kDelete, scope), meta());
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("required") != std::string::npos);
  }
  CHECK(s.query("resources"));
}

TEST_CASE("the digest ignores who wrote last but not the content") {
  Store a = with_dummy();
  Store b = Store::empty();
  REQUIRE(b.apply(req(CibOp::kCreate, "resources", kDummy),
                  UpdateMeta{"node2", "other", "hacluster", 1'800'000'000}));
  CHECK(a.version() == b.version());
  CHECK(a.digest() == b.digest());
  REQUIRE(b.apply(req(CibOp::kModify, "", R"(<cib have-quorum="1"/>)"), meta()));
  CHECK(a.digest() != b.digest());
}

TEST_CASE("documents that are not CIBs are refused") {
  CHECK_FALSE(Store::from_xml("<notcib/>"));
  CHECK_FALSE(Store::from_xml(R"(<cib epoch="x"><configuration/></cib>)", false));
  CHECK_FALSE(Store::from_xml("garbage"));
  auto ok = Store::from_xml(with_dummy().to_xml());
  REQUIRE(ok);
  CHECK(ok->version() == CibVersion{0, 1, 0});
}

}  // namespace vigil::cibd

namespace vigil::cibd {

TEST_CASE("status-scoped updates never count as configuration changes; escapes do") {
  Store s = with_dummy();
  REQUIRE(
      s.apply(req(CibOp::kCreate, "/cib/status", R"(<node_state id="1" uname="n1"/>)"), meta()));
  CHECK(s.version() == CibVersion{0, 1, 1});
  // An XPath that climbs out of status is judged on what it changed.
  auto r = s.apply(req(CibOp::kModify, "/cib/status/../configuration/resources",
                       R"(<primitive id="d1" description="via status"/>)"),
                   meta());
  REQUIRE(r);
  CHECK(r->config_changed);
  CHECK(s.version() == CibVersion{0, 2, 0});
}

}  // namespace vigil::cibd

namespace vigil::cibd {

TEST_CASE("a refused update leaves the document byte for byte as it was") {
  Store s = with_dummy();
  REQUIRE(
      s.apply(req(CibOp::kModify, "status", R"(<status><node_state id="1" uname="n1"/></status>)"),
              meta()));
  REQUIRE(s.apply(req(CibOp::kCreate, "resources",
                      R"(<group id="g1"><primitive id="g1p" class="ocf" provider="pacemaker" )"
                      R"(type="Dummy"/></group>)"),
                  meta()));
  expect_refused_unchanged(
      s,
      {
          {"modify to an invalid value",
           req(CibOp::kModify, "resources", R"(<primitive id="d1" class="bogus"/>)")},
          {"create an invalid element",
           req(CibOp::kCreate, "resources", R"(<primitive id="x" type="Dummy"/>)")},
          {"modify creating a section with invalid content",
           req(CibOp::kModify, "rsc_defaults", R"(<rsc_defaults><bogus/></rsc_defaults>)")},
          {"create in a missing section, invalid",
           req(CibOp::kCreate, "op_defaults", R"(<bogus id="b"/>)")},
          {"replace with an invalid element",
           req(CibOp::kReplace, "resources", R"(<primitive id="d1" class="ocf"/>)")},
          {"modify of the root with an invalid child",
           req(CibOp::kModify, "", R"(<cib><configuration><bogus/></configuration></cib>)")},
          {"delete leaving an empty group", req(CibOp::kDelete, "//primitive[@id='g1p']")},
      },
      "would not validate");
  // And the store still works.
  REQUIRE(s.apply(req(CibOp::kModify, "resources", R"(<primitive id="d1" description="ok"/>)"),
                  meta()));
  CHECK(s.version() == CibVersion{0, 3, 0});
}

TEST_CASE("a refused status update leaves the document as it was; the check covers it") {
  Store s = with_dummy();
  const std::string op = R"(<lrm_rsc_op id="d1_last_0" operation="start" call-id="3" )"
                         R"(rc-code="0" op-status="0" interval="0"/>)";
  auto record = [&](const std::string& node, const std::string& op_xml) {
    return req(CibOp::kModify, "status",
               R"(<node_state id=")" + node + R"("><lrm id=")" + node +
                   R"("><lrm_resources><lrm_resource id="d1" class="ocf" type="Dummy">)" + op_xml +
                   "</lrm_resource></lrm_resources></lrm></node_state>");
  };
  REQUIRE(s.apply(req(CibOp::kModify, "status",
                      R"(<status><node_state id="1" uname="n1"/><node_state id="2" uname="n2"/>)"
                      R"(</status>)"),
                  meta()));
  REQUIRE(s.apply(record("1", op), meta()));
  REQUIRE(s.apply(record("2", op), meta()));
  const CibVersion v = s.version();
  expect_refused_unchanged(
      s,
      {
          {"an existing record's field made non-numeric (attributes only change)",
           record("1", R"(<lrm_rsc_op id="d1_last_0" rc-code="zero"/>)")},
          {"a new record without an operation",
           record("2", R"(<lrm_rsc_op id="d1_monitor_10000" call-id="4"/>)")},
          {"a stray element in lrm_resources",
           req(CibOp::kModify, "status",
               R"(<node_state id="2"><lrm id="2"><lrm_resources><bogus/></lrm_resources></lrm>)"
               R"(</node_state>)")},
          {"an xpath scope inside status",
           req(CibOp::kModify, "/cib/status/node_state[@id='1']/lrm/lrm_resources",
               R"(<lrm_resource id="d1"><lrm_rsc_op id="d1_last_0" call-id="x"/></lrm_resource>)")},
      },
      "would not validate");
  // A valid change of attributes alone goes through, and only those change.
  REQUIRE(s.apply(record("1", R"(<lrm_rsc_op id="d1_last_0" rc-code="7" call-id="5"/>)"), meta()));
  CHECK(s.version() == CibVersion{v.admin_epoch, v.epoch, v.num_updates + 1});
  CHECK(s.to_xml().find(R"(call-id="5" rc-code="7")") != std::string::npos);
}

TEST_CASE("after every kind of update the digest is what a fresh computation gives") {
  Store s = with_dummy();
  auto record = [](int node, int rsc, const std::string& call) {
    const std::string n = std::to_string(node), r = "d" + std::to_string(rsc);
    return req(CibOp::kModify, "status",
               R"(<node_state id=")" + n + R"("><lrm id=")" + n +
                   R"("><lrm_resources><lrm_resource id=")" + r +
                   R"(" class="ocf" type="Dummy"><lrm_rsc_op id=")" + r +
                   R"(_last_0" operation="start" call-id=")" + call +
                   R"(" rc-code="0" op-status="0" interval="0"/></lrm_resource></lrm_resources>)"
                   R"(</lrm></node_state>)");
  };
  std::vector<std::pair<std::string, CibRequest>> steps = {
      {"node states", req(CibOp::kModify, "status",
                          R"(<status><node_state id="1" uname="n1"/><node_state id="2" )"
                          R"(uname="n2"/></status>)")},
      {"a record", record(1, 1, "1")},
      {"another node's record", record(2, 1, "1")},
      {"a second resource", record(1, 2, "2")},
      {"a record's attributes", record(1, 1, "3")},
      {"the same again (no change)", record(1, 1, "3")},
      {"refused: bad field", record(1, 2, "x")},
      {"a node attribute",
       req(CibOp::kModify, "status", R"(<node_state id="2" crmd="online" join="member"/>)")},
      {"delete one record", req(CibOp::kDelete,
                                "/cib/status/node_state[@id='1']/lrm/lrm_resources/"
                                "lrm_resource[@id='d2']")},
      {"replace a node state",
       req(CibOp::kReplace, "status", R"(<node_state id="2" uname="n2" in_ccm="true"/>)")},
      {"a configuration change",
       req(CibOp::kModify, "resources", R"(<primitive id="d1" description="x"/>)")},
      {"refused: invalid configuration",
       req(CibOp::kModify, "resources", R"(<primitive id="d1" class="bogus"/>)")},
      {"the whole CIB's root", req(CibOp::kModify, "", R"(<cib have-quorum="1"/>)")},
      {"a record after all that", record(2, 3, "4")},
  };
  for (const auto& [what, request] : steps) {
    INFO(what);
    (void)s.apply(request, meta());
    CHECK(s.digest() == cib_digest(s.doc()));
  }
  // A store built from the same text agrees too.
  auto again = Store::from_xml(s.to_xml());
  REQUIRE(again);
  CHECK(again->digest() == s.digest());
}

TEST_CASE("a whole-CIB digest does not depend on the version") {
  Store a = with_dummy();
  Store b = a.clone();
  b.set_version(CibVersion{3, 4, 5});
  CHECK(a.digest() == b.digest());
  CHECK(b.version() == CibVersion{3, 4, 5});
  CHECK(b.query("")->find("admin_epoch=\"3\"") != std::string::npos);
}

}  // namespace vigil::cibd

namespace vigil::cibd {

TEST_CASE("root attribute updates refused by validation are undone") {
  Store s = with_dummy();
  const std::string before = s.to_xml();
  auto r = s.apply(req(CibOp::kModify, "", R"(<cib validate-with="pacemaker-0.6"/>)"), meta());
  REQUIRE_FALSE(r);
  CHECK(s.to_xml() == before);
  REQUIRE(s.apply(req(CibOp::kModify, "", R"(<cib have-quorum="0"/>)"), meta()));
  CHECK(s.query("")->find("have-quorum=\"0\"") != std::string::npos);
  CHECK(s.version() == CibVersion{0, 1, 1});
}

TEST_CASE("a frozen element counts in the digest by the sum it had, whatever its children") {
  const std::string status =
      R"(<node_state id="1" uname="n1"><lrm id="1"><lrm_resources><lrm_resource id="d1" )"
      R"(class="ocf" provider="pacemaker" type="Dummy"/></lrm_resources></lrm></node_state>)";
  Store a = Store::empty();
  Store b = Store::empty();
  for (Store* s : {&a, &b}) {
    auto r = s->apply(req(CibOp::kCreate, "status", status), meta(), false);
    REQUIRE(r);
  }
  REQUIRE(a.digest() == b.digest());
  xmlNode* lrm = xml::first_child(
      xml::first_child(xml::first_child(xmlDocGetRootElement(a.doc()), "status"), "node_state"),
      "lrm");
  REQUIRE(lrm != nullptr);
  a.freeze(lrm);
  // Its children go (the caller keeps them elsewhere): the digest after an
  // update elsewhere is still the one of the whole content.
  xmlNode* kids = lrm->children;
  xmlUnlinkNode(kids);
  // A refused update forgets every cached sum (the frozen ones stay): the
  // next digest hashes the whole document again, so only the frozen sum
  // can stand for the children that are gone.
  for (Store* s : {&a, &b}) {
    const std::string before = s->to_xml();
    auto r = s->apply(req(CibOp::kModify, "status",
                          R"(<node_state id="1"><transient_attributes id="1"><no-such-set/>)"
                          R"(</transient_attributes></node_state>)"),
                      meta(), true);
    REQUIRE_FALSE(r);
    REQUIRE(s->to_xml() == before);
  }
  for (Store* s : {&a, &b}) {
    auto r = s->apply(req(CibOp::kModify, "status", R"(<node_state id="1" crmd="online"/>)"),
                      meta(), false);
    REQUIRE(r);
  }
  CHECK(a.digest() == b.digest());
  // Unfrozen without its children, the digest is the content's: it differs.
  xmlAddChild(lrm, kids);
  a.thaw(lrm);
  for (Store* s : {&a, &b}) {
    auto r = s->apply(req(CibOp::kModify, "status", R"(<node_state id="1" join="member"/>)"),
                      meta(), false);
    REQUIRE(r);
  }
  CHECK(a.digest() == b.digest());
  CHECK(a.to_xml() == b.to_xml());
  a.freeze(lrm);
  kids = lrm->children;
  xmlUnlinkNode(kids);
  a.thaw(lrm);
  for (Store* s : {&a, &b}) {
    auto r = s->apply(req(CibOp::kModify, "status", R"(<node_state id="1" join="down"/>)"), meta(),
                      false);
    REQUIRE(r);
  }
  CHECK(a.digest() != b.digest());
  xmlFreeNode(kids);
}

}  // namespace vigil::cibd
