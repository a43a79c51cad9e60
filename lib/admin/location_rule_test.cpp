// SPDX-License-Identifier: GPL-2.0-or-later
// The rule grammar of `constraint location RSC rule` and `constraint rule
// add` beyond what the parity suite shows: precedence, nesting, the date
// forms, and each refusal with pcs 0.11.5's words (from pcs's own parser).
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
  <configuration><crm_config/><nodes/><resources>
    <primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>
  </resources><constraints/></configuration><status/></cib>)";

class NoAgents : public MetadataSource {
 public:
  Result<AgentMetadata> metadata(const AgentName& a) const override {
    return Error(ErrorCode::kNotFound, "no agent " + a.full());
  }
};

struct Cib : CommandCib<NoAgents> {
  Cib() : CommandCib(kCib) {}
  // `constraint location A rule WORDS...` (words split at spaces).
  Status rule(const std::string& text) {
    std::vector<std::string> args{"constraint", "location", "A", "rule"};
    for (std::size_t start = 0; start < text.size();) {
      auto end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) args.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return run(args);
  }
  std::string refusal(const std::string& text) {
    Status st = rule(text);
    return st ? "" : st.error().message();
  }
  std::string constraints() {
    return xml::to_string(config_section(doc.get(), "constraints"), false);
  }
};

std::string invalid(const std::string& text, const std::string& reason) {
  return "'" + text + "' is not a valid rule expression: " + reason;
}

}  // namespace

TEST_CASE("and/or bind alike, left to right; parentheses regroup") {
  Cib c;
  REQUIRE(c.rule("a eq 1 or b eq 2 and c eq 3"));
  // ((a or b) and c): the inner 'or' is a nested rule with score 0.
  CHECK(c.xml_of("location-A-rule") ==
        R"(<rule id="location-A-rule" boolean-op="and" score="INFINITY">)"
        R"(<rule id="location-A-rule-rule" boolean-op="or" score="0">)"
        R"(<expression id="location-A-rule-rule-expr" operation="eq" attribute="a" value="1"/>)"
        R"(<expression id="location-A-rule-rule-expr-1" operation="eq" attribute="b" value="2"/>)"
        R"(</rule>)"
        R"(<expression id="location-A-rule-expr" operation="eq" attribute="c" value="3"/></rule>)");
  REQUIRE(c.rule("a eq 1 or ( b eq 2 and c eq 3 )"));
  xmlNode* top = find_by_id(c.doc.get(), "location-A-1-rule");
  REQUIRE(top != nullptr);
  CHECK(xml::attr_or(top, "boolean-op") == "or");
  CHECK(xml::attr_or(find_by_id(c.doc.get(), "location-A-1-rule-rule"), "boolean-op") == "and");
  // A chain of one operator stays one rule.
  REQUIRE(c.rule("a eq 1 and b eq 2 and c eq 3"));
  CHECK(xml::children(find_by_id(c.doc.get(), "location-A-2-rule"), "expression").size() == 3);
  CHECK(xml::children(find_by_id(c.doc.get(), "location-A-2-rule"), "rule").empty());
}

TEST_CASE("date expressions: gt, lt, in_range with an end or a duration, date-spec") {
  Cib c;
  REQUIRE(c.rule("date in_range 2020-01-01 to duration months=2 hours=3"));
  CHECK(c.xml_of("location-A-rule-expr") ==
        R"(<date_expression id="location-A-rule-expr" operation="in_range" start="2020-01-01">)"
        R"(<duration id="location-A-rule-expr-duration" months="2" hours="3"/>)"
        R"(</date_expression>)");
  REQUIRE(c.rule("a eq 1 and date-spec hours=5 weekdays=1-5 or not_defined b"));
  CHECK(c.xml_of("location-A-1-rule-rule-expr-1-datespec") ==
        R"(<date_spec id="location-A-1-rule-rule-expr-1-datespec" hours="5" weekdays="1-5"/>)");
  REQUIRE(c.rule("date lt 2030-01-01T10:00:00"));
  CHECK(
      c.xml_of("location-A-2-rule-expr") ==
      R"(<date_expression id="location-A-2-rule-expr" operation="lt" end="2030-01-01T10:00:00"/>)");
  // Typed values, and a literal in parentheses after 'defined'.
  REQUIRE(c.rule("a eq number 1e5 or b eq integer +5 or defined ( c )"));
}

TEST_CASE("refusals name the token pcs names, and change nothing") {
  Cib c;
  const std::string before = c.constraints();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a eq", "unexpected end of rule"},
      {"( a eq 1", "missing ')'"},
      {"( a eq 1 b", "expecting ')', got 'b'"},
      {"a eq 1 )", "unexpected ')'"},
      {"defined", "unexpected end of rule"},
      {"defined a eq 1", "unexpected 'defined' before 'eq'"},
      {"a eq 1 and", "unexpected end of rule"},
      {"and a eq 1", "unexpected 'and'"},
      {"a b", "unexpected 'b'"},
      {"a",
       "missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', 'defined', "
       "'not_defined', 'date-spec'"},
      {"integer 5",
       "missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', 'defined', "
       "'not_defined', 'date-spec'"},
      {"duration hours=1",
       "missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', "
       "'defined', 'not_defined', 'date-spec'"},
      {"date-spec hours=1 foo", "unexpected 'foo'"},
      {"date in_range 2020-01-01 to", "unexpected end of rule"},
      {"date in_range x to 2021-01-01", "invalid date 'x' in 'in_range ... to'"},
      {"foo in_range 2020-01-01 to 2021-01-01", "unexpected 'foo' before 'in_range'"},
      {"date in_range 2020-01-01 2021-01-01", "expecting 'to', got '2021-01-01'"},
      {"date in_range 2020-01-01 to duration hours=x", "invalid hours 'x' in 'duration'"},
      {"date in_range 2020-01-01 to duration", "unexpected end of rule"},
      {"date-spec hours=1-1", "invalid hours '1-1' in 'date-spec'"},
      {"date-spec hours=", "missing value after 'hours=' in date-spec"},
      {"date-spec weeks=54", "invalid weeks '54' in 'date-spec'"},
      {"a eq version 1..2", "invalid version value '1..2'"},
      {"a eq defined", "unexpected end of rule"},
      {"date gt 2020-13-01", "'2020-13-01' is not an ISO 8601 date"},
  };
  for (const auto& [text, reason] : cases) {
    INFO(text);
    CHECK(c.refusal(text) == invalid(text, reason));
    CHECK(c.constraints() == before);
  }
}

TEST_CASE("rule add and remove keep the constraint consistent") {
  Cib c;
  REQUIRE(c.rule("a eq 1"));
  REQUIRE(c.run({"constraint", "rule", "add", "location-A", "b", "eq", "2"}));
  CHECK(c.xml_of("location-A-rule-1-expr") != "");
  // A refused add leaves no trace.
  const std::string before = c.constraints();
  CHECK(c.error({"constraint", "rule", "add", "location-A", "b", "eq"}) ==
        invalid("b eq", "unexpected end of rule"));
  CHECK(c.constraints() == before);
  // A second constraint with the same rules, in the same order, is a
  // duplicate (unless --force).
  REQUIRE(c.rule("constraint-id=other a eq 1"));
  CHECK(c.error({"constraint", "rule", "add", "other", "b", "eq", "2"})
            .rfind("duplicate constraint already exists, use --force to override\n  Constraint: "
                   "location-A\n",
                   0) == 0);
  REQUIRE(c.run({"constraint", "delete", "other"}));
  CHECK(c.error({"constraint", "rule", "add", "nosuch", "b", "eq", "2"}) ==
        "Unable to find constraint: nosuch");
  REQUIRE(c.run({"constraint", "rule", "remove", "location-A-rule"}));
  CHECK(c.notes == std::vector<std::string>{"Removing Rule: location-A-rule"});
  REQUIRE(c.run({"constraint", "rule", "remove", "location-A-rule-1"}));
  CHECK(c.notes == std::vector<std::string>{"Removing Constraint: location-A"});
  CHECK(c.xml_of("location-A").empty());
  CHECK(before != c.constraints());
}
