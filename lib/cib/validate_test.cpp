// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cib/validate.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "schema_files.hpp"
#include "schema_loader.hpp"
#include "vigil/common/xml.hpp"

namespace {

using vigil::ErrorCode;
using vigil::Status;
using vigil::cib::schema_family;
using vigil::cib::SchemaFamily;
using vigil::cib::validate_cib;

namespace fs = std::filesystem;

const fs::path kData = fs::path(VIGIL_SOURCE_DIR) / "tests" / "data" / "cib";

// A CIB with one line per part, so a fragment's line number is known:
// `resources` starts on line 6 and `constraints` on line 9.
std::string make_cib(const std::string& resources, const std::string& constraints = "",
                     const std::string& validate_with = "pacemaker-3.7") {
  const std::string lines[] = {
      "<cib admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\" validate-with=\"" + validate_with +
          "\">",                                       // line 1
      "<configuration>",                               // 2
      "<crm_config/>",                                 // 3
      "<nodes><node id=\"1\" uname=\"n1\"/></nodes>",  // 4
      "<resources>",                                   // 5
      resources,                                       // 6
      "</resources>",                                  // 7
      "<constraints>",                                 // 8
      constraints,                                     // 9
      "</constraints>",
      "</configuration>",
      "<status/>",
      "</cib>",
  };
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

const std::string kDummy =
    R"(<primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"/>)";

Status validate_text(const std::string& text) {
  auto doc = vigil::xml::parse_string(text, "test.xml");
  REQUIRE(doc.ok());
  return validate_cib(doc->get());
}

Status validate_path(const fs::path& path) {
  auto doc = vigil::xml::parse_file(path.string());
  if (!doc) return doc.error();
  return validate_cib(doc->get());
}

// The error message of a status that must have failed with kInvalidInput.
std::string invalid_message(const Status& st) {
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code() == ErrorCode::kInvalidInput);
  return st.error().message();
}

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

}  // namespace

TEST_CASE("validate-with selects the schema family", "[cib][validate]") {
  CHECK(*schema_family(std::nullopt) == SchemaFamily::kCurrent);
  CHECK(*schema_family("none") == SchemaFamily::kNone);
  CHECK(*schema_family("pacemaker-1.2") == SchemaFamily::kLegacy);
  CHECK(*schema_family("pacemaker-2.10") == SchemaFamily::kLegacy);
  CHECK(*schema_family("pacemaker-3.0") == SchemaFamily::kCurrent);
  CHECK(*schema_family("pacemaker-3.9") == SchemaFamily::kCurrent);
  CHECK(*schema_family("pacemaker-next") == SchemaFamily::kCurrent);

  CHECK(schema_family("pacemaker-0.7").error().code() == ErrorCode::kUnsupported);
  CHECK(schema_family("transitional-0.6").error().code() == ErrorCode::kUnsupported);
  CHECK(schema_family("pacemaker-4.0").error().code() == ErrorCode::kUnsupported);
  for (const char* bad : {"", "pacemaker", "pacemaker-3", "pacemaker-3.", "pacemaker-x.1",
                          "pacemaker-3.1.2", "heartbeat-1.0"}) {
    INFO(bad);
    CHECK(schema_family(bad).error().code() == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("a minimal CIB is valid", "[cib][validate]") {
  CHECK(validate_text(make_cib("")).ok());
  CHECK(validate_text(make_cib(kDummy)).ok());
  // Status is optional, and so is validate-with (the current family applies).
  CHECK(validate_text(R"(<cib admin_epoch="0" epoch="0" num_updates="0"><configuration>
      <crm_config/><nodes/><resources/><constraints/></configuration></cib>)")
            .ok());
}

TEST_CASE("our own sample CIBs are valid", "[cib][validate]") {
  for (const char* name : {"valid-full.xml", "valid-legacy.xml"}) {
    INFO(name);
    Status st = validate_path(kData / name);
    INFO((st.ok() ? std::string() : st.error().message()));
    CHECK(st.ok());
  }
}

TEST_CASE("a missing id names the element and line", "[cib][validate]") {
  std::string msg = invalid_message(
      validate_text(make_cib(R"(<primitive class="ocf" provider="pacemaker" type="Dummy"/>)")));
  CHECK_THAT(msg, StartsWith("line 6: element 'primitive': "));
  CHECK_THAT(msg, Contains("no 'id' attribute"));

  msg = invalid_message(
      validate_text(make_cib(kDummy, R"(<rsc_order first="dummy" then="dummy"/>)")));
  CHECK_THAT(msg, StartsWith("line 9: element 'rsc_order': "));
}

TEST_CASE("an unknown element is refused", "[cib][validate]") {
  std::string msg = invalid_message(validate_text(
      make_cib(R"(<primitve id="p" class="ocf" provider="pacemaker" type="Dummy"/>)")));
  CHECK_THAT(msg, StartsWith("line 6: element 'primitve': "));

  // An unknown attribute on a configuration element, too.
  msg = invalid_message(validate_text(make_cib(
      R"(<primitive id="p" class="ocf" provider="pacemaker" type="Dummy" colour="red"/>)")));
  CHECK_THAT(msg, StartsWith("line 6: element 'primitive': "));
  CHECK_THAT(msg, Contains("colour"));

  // And an unknown agent class, or an OCF agent without a provider.
  CHECK_FALSE(validate_text(make_cib(R"(<primitive id="p" class="bogus" type="Dummy"/>)")).ok());
  CHECK_FALSE(validate_text(make_cib(R"(<primitive id="p" class="ocf" type="Dummy"/>)")).ok());
}

TEST_CASE("location scores must be scores", "[cib][validate]") {
  std::string msg = invalid_message(validate_path(kData / "invalid-bad-score.xml"));
  CHECK_THAT(msg, StartsWith("line 14: element 'rsc_location': "));
  CHECK_THAT(msg, Contains("very-much"));

  auto location = [](const std::string& body) {
    return validate_text(make_cib(kDummy, "<rsc_location id=\"l\" rsc=\"dummy\" " + body));
  };
  CHECK(location(R"(node="n1" score="-INFINITY"/>)").ok());
  CHECK(location(R"(node="n1" score="+INFINITY"/>)").ok());
  CHECK(location(R"(node="n1" score="-200"/>)").ok());
  // Without a node the score has nothing to apply to, and without a score
  // (or rules) the constraint says nothing.
  CHECK_THAT(invalid_message(location(R"(score="10"/>)")),
             StartsWith("line 9: element 'rsc_location'"));
  CHECK_THAT(invalid_message(location(R"(node="n1"/>)")),
             Contains("needs score and node, or rules"));
  CHECK_FALSE(location(R"(node="n1" score="1.5"/>)").ok());
  CHECK_FALSE(location(R"(node="n1" score="infinity"/>)").ok());
  // With rules the constraint has no score of its own.
  CHECK(
      location(
          R"(><rule id="r" score="10"><expression id="e" attribute="#uname" operation="eq" value="n1"/></rule></rsc_location>)")
          .ok());
  CHECK_FALSE(
      location(
          R"(><rule id="r" score="ten"><expression id="e" attribute="#uname" operation="eq" value="n1"/></rule></rsc_location>)")
          .ok());
}

TEST_CASE("constraints must name their resources", "[cib][validate]") {
  std::string msg = invalid_message(validate_text(
      make_cib(kDummy, R"(<rsc_colocation id="c" with-rsc="dummy" score="INFINITY"/>)")));
  CHECK_THAT(msg, StartsWith("line 9: element 'rsc_colocation': "));
  CHECK_THAT(msg, Contains("names no resource"));

  msg = invalid_message(validate_text(make_cib(kDummy, R"(<rsc_order id="o" first="dummy"/>)")));
  CHECK_THAT(msg, StartsWith("line 9: element 'rsc_order': "));
  CHECK_THAT(msg, Contains("names no resources"));

  msg = invalid_message(
      validate_text(make_cib(kDummy, R"(<rsc_location id="l" node="n1" score="1"/>)")));
  CHECK_THAT(msg, StartsWith("line 9: element 'rsc_location': "));

  msg = invalid_message(validate_text(make_cib(kDummy, R"(<rsc_ticket id="t" ticket="T"/>)")));
  CHECK_THAT(msg, StartsWith("line 9: element 'rsc_ticket': "));

  // Resource sets are the other way to name them; an empty set is not.
  CHECK(
      validate_text(
          make_cib(
              kDummy,
              R"(<rsc_order id="o"><resource_set id="s"><resource_ref id="dummy"/></resource_set></rsc_order>)"))
          .ok());
  CHECK_FALSE(
      validate_text(make_cib(kDummy, R"(<rsc_order id="o"><resource_set id="s"/></rsc_order>)"))
          .ok());
  // Attributes and sets together are ambiguous.
  CHECK_FALSE(
      validate_text(
          make_cib(
              kDummy,
              R"(<rsc_order id="o" first="dummy" then="dummy"><resource_set id="s"><resource_ref id="dummy"/></resource_set></rsc_order>)"))
          .ok());
}

TEST_CASE("configuration ids are unique", "[cib][validate]") {
  std::string msg = invalid_message(validate_path(kData / "invalid-duplicate-id.xml"));
  CHECK_THAT(msg, StartsWith("line 11: element 'op': "));
  CHECK_THAT(msg, Contains("duplicate id 'dummy'"));
  CHECK_THAT(msg, Contains("line 9"));

  msg = invalid_message(validate_text(
      make_cib(kDummy, R"(<rsc_location id="dummy" rsc="dummy" node="n1" score="1"/>)")));
  CHECK_THAT(msg, StartsWith("line 9: element 'rsc_location': duplicate id 'dummy'"));

  // Node ids are the cluster layer's, not configuration ids: a remote node
  // is named after its connection resource.
  std::string remote =
      make_cib(R"(<primitive id="remote1" class="ocf" provider="pacemaker" type="remote"/>)");
  remote.replace(remote.find("<node id=\"1\""), 12, "<node id=\"remote1\"");
  CHECK(validate_text(remote).ok());
}

TEST_CASE("references must name existing ids", "[cib][validate]") {
  std::string msg = invalid_message(
      validate_text(make_cib(kDummy, R"(<rsc_order id="o" first="dummy" then="missing"/>)")));
  CHECK(msg == "line 9: element 'rsc_order': attribute 'then' refers to unknown id 'missing'");

  msg = invalid_message(validate_text(make_cib(
      kDummy,
      R"(<rsc_colocation id="c" score="INFINITY"><resource_set id="s"><resource_ref id="dummy"/><resource_ref id="ghost"/></resource_set></rsc_colocation>)")));
  CHECK_THAT(
      msg,
      StartsWith("line 9: element 'resource_ref': attribute 'id' refers to unknown id 'ghost'"));

  msg = invalid_message(
      validate_text(make_cib(R"(<primitive id="p" template="no-such-template"/>)")));
  CHECK_THAT(msg, Contains("attribute 'template' refers to unknown id 'no-such-template'"));

  msg = invalid_message(validate_text(make_cib(
      R"(<primitive id="p" class="lsb" type="a"><meta_attributes id-ref="elsewhere"/></primitive>)")));
  CHECK_THAT(msg, Contains("attribute 'id-ref' refers to unknown id 'elsewhere'"));

  // Any configuration id will do, as with xsd:IDREF: a tag, or a set
  // defined in another resource.
  CHECK(
      validate_text(
          make_cib(
              R"(<primitive id="p" class="lsb" type="a"><meta_attributes id="shared"/></primitive><primitive id="q" class="lsb" type="b"><meta_attributes id-ref="shared"/></primitive>)"))
          .ok());
  std::string tagged =
      make_cib(kDummy, R"(<rsc_location id="l" rsc="all-dummies" node="n1" score="1"/>)");
  tagged.replace(tagged.find("</configuration>"), 0,
                 R"(<tags><tag id="all-dummies"><obj_ref id="dummy"/></tag></tags>)");
  CHECK(validate_text(tagged).ok());
}

TEST_CASE("ids must be well formed", "[cib][validate]") {
  CHECK_FALSE(validate_text(make_cib(R"(<primitive id="9lives" class="lsb" type="cat"/>)")).ok());
  CHECK_FALSE(validate_text(make_cib(R"(<primitive id="1" class="lsb" type="cat"/>)")).ok());
  CHECK_FALSE(validate_text(make_cib(R"(<primitive id="a b" class="lsb" type="cat"/>)")).ok());
  CHECK(validate_text(make_cib(R"(<primitive id="cat_9.lives-x" class="lsb" type="cat"/>)")).ok());
}

TEST_CASE("legacy and current families differ where Pacemaker's do", "[cib][validate]") {
  auto legacy_as = [](const std::string& validate_with) {
    auto doc = vigil::xml::parse_file((kData / "valid-legacy.xml").string());
    REQUIRE(doc.ok());
    xmlSetProp(xmlDocGetRootElement(doc->get()), BAD_CAST "validate-with",
               BAD_CAST validate_with.c_str());
    return validate_cib(doc->get());
  };
  CHECK(legacy_as("pacemaker-2.10").ok());
  CHECK(legacy_as("pacemaker-1.2").ok());
  // From 3.0 on, the renamed option and the attribute-scored colocation are gone.
  CHECK_FALSE(legacy_as("pacemaker-3.0").ok());

  const std::string promoted =
      R"(<clone id="c"><primitive id="p" class="ocf" provider="pacemaker" type="Stateful"><operations><op id="o" name="monitor" interval="5s" role="Promoted"/></operations></primitive></clone>)";
  CHECK(validate_text(make_cib(promoted, "", "pacemaker-3.7")).ok());
  CHECK_FALSE(validate_text(make_cib(promoted, "", "pacemaker-2.10")).ok());
}

TEST_CASE("Promoted and Unpromoted are roles from pacemaker-3.7 on", "[cib][validate]") {
  // Pacemaker 2.1.5 validates against the exact version named: 3.0 to 3.6
  // know only Master and Slave.
  const std::string op_role =
      R"(<clone id="c"><primitive id="p" class="ocf" provider="pacemaker" type="Stateful"><operations><op id="o" name="monitor" interval="5s" role="Promoted"/></operations></primitive></clone>)";
  const std::string location = R"(<rsc_location id="l" rsc="dummy" node="n1" score="10" role=")";
  const std::string colocation =
      R"(<rsc_colocation id="co" rsc="dummy" with-rsc="dummy2" score="10" with-rsc-role=")";
  const std::string two =
      kDummy + R"(<primitive id="dummy2" class="ocf" provider="pacemaker" type="Dummy"/>)";
  for (const char* version : {"pacemaker-3.0", "pacemaker-3.6"}) {
    INFO(version);
    std::string msg = invalid_message(validate_text(make_cib(op_role, "", version)));
    CHECK_THAT(msg, StartsWith("line 6: element 'op'"));
    CHECK_THAT(msg, Contains("role 'Promoted' needs validate-with pacemaker-3.7 or later"));
    msg = invalid_message(validate_text(make_cib(kDummy, location + "Unpromoted\"/>", version)));
    CHECK_THAT(msg, StartsWith("line 9: element 'rsc_location'"));
    CHECK_THAT(msg, Contains("role 'Unpromoted' needs validate-with pacemaker-3.7"));
    CHECK_FALSE(validate_text(make_cib(two, colocation + "Promoted\"/>", version)).ok());
    // The old names stay valid there.
    CHECK(validate_text(make_cib(kDummy, location + "Slave\"/>", version)).ok());
    CHECK(validate_text(make_cib(two, colocation + "Master\"/>", version)).ok());
  }
  for (const char* version : {"pacemaker-3.7", "pacemaker-3.9", "pacemaker-next"}) {
    INFO(version);
    CHECK(validate_text(make_cib(op_role, "", version)).ok());
    CHECK(validate_text(make_cib(kDummy, location + "Unpromoted\"/>", version)).ok());
    CHECK(validate_text(make_cib(two, colocation + "Promoted\"/>", version)).ok());
  }
}

TEST_CASE("pacemaker-1.0 requires each node's type", "[cib][validate]") {
  // make_cib's node has no type: valid from pacemaker-1.2, not for 1.0.
  std::string msg = invalid_message(validate_text(make_cib(kDummy, "", "pacemaker-1.0")));
  CHECK_THAT(msg, StartsWith("line 4: element 'node'"));
  CHECK(validate_text(make_cib(kDummy, "", "pacemaker-1.2")).ok());
  std::string typed = make_cib(kDummy, "", "pacemaker-1.0");
  typed.replace(typed.find("uname=\"n1\""), 10, "uname=\"n1\" type=\"normal\"");
  CHECK(validate_text(typed).ok());
  // 1.0 has neither the remote type nor node utilization.
  std::string remote = typed;
  remote.replace(remote.find("\"normal\""), 8, "\"remote\"");
  CHECK_FALSE(validate_text(remote).ok());
}

TEST_CASE("validate-with none skips validation; unknown values are errors", "[cib][validate]") {
  const std::string broken = make_cib(R"(<primitve/><primitive id="x"/><primitive id="x"/>)");
  CHECK_FALSE(validate_text(broken).ok());

  std::string none = broken;
  none.replace(none.find("pacemaker-3.7"), 13, "none");
  CHECK(validate_text(none).ok());

  Status st = validate_text(make_cib("", "", "pacemaker-0.7"));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code() == ErrorCode::kUnsupported);
  CHECK_THAT(st.error().message(), StartsWith("line 1: element 'cib': "));

  st = validate_text(make_cib("", "", "pacemaker-banana"));
  CHECK_THAT(invalid_message(st), Contains("unknown validate-with value 'pacemaker-banana'"));
}

TEST_CASE("the document structure is checked", "[cib][validate]") {
  // Root element, version counters and the four mandatory sections.
  CHECK_FALSE(validate_text("<config/>").ok());
  CHECK_FALSE(
      validate_text(
          R"(<cib epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration></cib>)")
          .ok());
  CHECK_FALSE(
      validate_text(
          R"(<cib admin_epoch="0" epoch="-1" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration></cib>)")
          .ok());
  std::string msg = invalid_message(validate_text(
      R"(<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources/></configuration></cib>)"));
  CHECK_THAT(msg, StartsWith("line 1: element 'configuration': "));
  // A group needs at least one primitive; a clone exactly one child.
  CHECK_FALSE(validate_text(make_cib(R"(<group id="g"/>)")).ok());
  CHECK_FALSE(validate_text(make_cib(R"(<clone id="c"/>)")).ok());
  CHECK_FALSE(
      validate_text(
          make_cib(
              R"(<clone id="c"><primitive id="a" class="lsb" type="a"/><primitive id="b" class="lsb" type="b"/></clone>)"))
          .ok());
  // An op needs a name and an interval.
  msg = invalid_message(validate_text(make_cib(
      R"(<primitive id="p" class="lsb" type="a"><operations><op id="o" name="monitor"/></operations></primitive>)")));
  CHECK_THAT(msg, StartsWith("line 6: element 'op': "));
}

TEST_CASE("the status section is permissive but not shapeless", "[cib][validate]") {
  auto with_status = [](const std::string& status) {
    std::string text = make_cib(kDummy);
    text.replace(text.find("<status/>"), 9, status);
    return validate_text(text);
  };
  // Unknown attributes and unknown records are accepted; ids repeat freely.
  CHECK(
      with_status(
          R"(<status><node_state id="1" uname="n1" some-new-flag="yes"><lrm id="1"><lrm_resources><lrm_resource id="dummy" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="dummy_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" future-field="x"/></lrm_resource></lrm_resources></lrm><new_record anything="goes"><deeper/></new_record></node_state><node_state id="2" uname="n2"/></status>)")
          .ok());
  // But a history entry must say which operation it records, and its
  // numeric fields must be numbers.
  std::string msg = invalid_message(with_status(
      "<status>\n<node_state id=\"1\"><lrm><lrm_resources><lrm_resource id=\"dummy\"><lrm_rsc_op "
      "id=\"op1\" call-id=\"1\"/></lrm_resource></lrm_resources></lrm></node_state></status>"));
  CHECK_THAT(msg, Contains("element 'lrm_rsc_op'"));
  CHECK_FALSE(
      with_status(
          R"(<status><node_state id="1"><lrm><lrm_resources><lrm_resource id="dummy"><lrm_rsc_op id="op1" operation="start" rc-code="zero"/></lrm_resource></lrm_resources></lrm></node_state></status>)")
          .ok());
  CHECK_FALSE(
      with_status(
          R"(<status><node_state id="1"><lrm><lrm_resources><lrm_resource><lrm_rsc_op id="op1" operation="start"/></lrm_resource></lrm_resources></lrm></node_state></status>)")
          .ok());
}

TEST_CASE("libxml2 errors never reach stderr", "[cib][validate]") {
  std::FILE* capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  std::fflush(stderr);
  int saved = dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(dup2(fileno(capture), STDERR_FILENO) >= 0);

  Status st = validate_text(make_cib(R"(<primitve id="p"/>)"));

  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fseek(capture, 0, SEEK_END);
  long written = std::ftell(capture);
  std::fclose(capture);
  CHECK_FALSE(st.ok());
  CHECK(written == 0);
}

TEST_CASE("the embedded schemas are those of schemas/", "[cib][validate]") {
  const fs::path dir = fs::path(VIGIL_SOURCE_DIR) / "schemas";
  std::vector<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".rng") on_disk.push_back(entry.path().filename().string());
  }
  std::sort(on_disk.begin(), on_disk.end());

  std::vector<std::string> embedded;
  for (const auto& file : vigil::cib::detail::schema_files()) {
    embedded.emplace_back(file.name);
    std::ifstream in(dir / std::string(file.name), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    INFO(file.name);
    CHECK(text.str() == file.text);  // stale build if this fails
  }
  CHECK(embedded == on_disk);
}

TEST_CASE("schemas load with their includes spliced in", "[cib][validate]") {
  for (const char* top : {"cib.rng", "cib-2.rng"}) {
    INFO(top);
    auto doc = vigil::cib::detail::load_schema(top);
    REQUIRE(doc.ok());
    std::string text = vigil::xml::to_string(doc->get(), false);
    CHECK(text.find("<include") == std::string::npos);
    CHECK(text.find("name=\"cons.location\"") != std::string::npos);
    // An override replaces the included definition instead of adding one.
    // (A define's name ends its start tag; a ref's is followed by "/>".)
    auto first = text.find("name=\"type.role\">");
    REQUIRE(first != std::string::npos);
    CHECK(text.find("name=\"type.role\">", first + 1) == std::string::npos);
  }
  auto missing = vigil::cib::detail::load_schema("no-such.rng");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == ErrorCode::kInternal);
}

// Pacemaker's own scheduler regression inputs, when the shared corpus sits
// beside the source tree. Every one of them must validate.
TEST_CASE("every Pacemaker corpus CIB validates", "[cib][validate][corpus]") {
  const fs::path corpus =
      fs::path(VIGIL_SOURCE_DIR) / ".." / "shared" / "conformance" / "cases" / "xml";
  if (!fs::is_directory(corpus)) {
    WARN("corpus not found at " << corpus.string() << "; skipping");
    return;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    if (entry.path().extension() == ".xml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());

  std::vector<std::string> failures;
  for (const fs::path& file : files) {
    Status st = validate_path(file);
    if (!st) failures.push_back(file.filename().string() + ": " + st.error().message());
  }
  for (const std::string& f : failures) UNSCOPED_INFO(f);
  INFO(failures.size() << " of " << files.size() << " corpus files failed");
  CHECK(failures.empty());
}

TEST_CASE("a long constraint list is validated in slices, every one checked", "[cib][validate]") {
  // More constraints than one slice holds (validate.cpp), with text between.
  std::string resources = kDummy;
  std::string constraints;
  for (int i = 0; i < 1203; ++i) {
    constraints += "<rsc_location id=\"l" + std::to_string(i) +
                   "\" rsc=\"dummy\" node=\"n1\" score=\"" + std::to_string(i) + "\"/> ";
  }
  std::string good = make_cib(resources, constraints);
  auto doc = vigil::xml::parse_string(good, "test.xml");
  REQUIRE(doc.ok());
  std::string before = vigil::xml::to_string(doc->get(), false);
  CHECK(validate_cib(doc->get()).ok());
  // The document is whole again afterwards.
  CHECK(vigil::xml::to_string(doc->get(), false) == before);

  // An invalid constraint in the last, short slice is found, and so is one
  // on a slice's edge.
  for (int bad : {1202, 500, 0}) {
    std::string text = make_cib(resources, constraints);
    std::string id = "id=\"l" + std::to_string(bad) + "\"";
    text.replace(text.find(id), id.size(), id + " kind=\"Bogus\"");
    CHECK_THAT(invalid_message(validate_text(text)), Contains("rsc_location"));
  }
}

TEST_CASE("a clone inside a group, or a clone inside a clone, is refused with a hint",
          "[cib][validate]") {
  const std::string inner =
      R"(<clone id="inner"><primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/></clone>)";
  // A clone of a group of a clone: the inner clone (line 6) is named.
  std::string msg = invalid_message(
      validate_text(make_cib(R"(<clone id="outer"><group id="grp"><primitive id="a" class="ocf" )"
                             R"(provider="pacemaker" type="Dummy"/>)" +
                             inner + "</group></clone>")));
  CHECK_THAT(msg, StartsWith("line 6: element 'clone':"));
  CHECK_THAT(msg, Contains("hint: a group's members are primitives only, not a clone"));
  CHECK(msg.find('\n') == std::string::npos);
  // A clone of a clone.
  msg = invalid_message(validate_text(make_cib(R"(<clone id="outer">)" + inner + "</clone>")));
  CHECK_THAT(msg, Contains("hint: a clone needs a primitive or a group"));
}

TEST_CASE("a ticket_state id may repeat in the status section, as Pacemaker accepts",
          "[cib][validate]") {
  // crm_verify and crm_simulate 2.1.5 take such a CIB (the later entry's
  // attributes win when tickets are unpacked): it must not be refused.
  std::string text = make_cib(kDummy);
  text.replace(text.find("<status/>"), 9,
               R"(<status><tickets><ticket_state id="t1" granted="true"/>)"
               R"(<ticket_state id="t1" granted="false"/></tickets></status>)");
  CHECK(validate_text(text).ok());
}
