// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/rules.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <ctime>

#include "utc_for_tests.hpp"
#include "vigil/common/xml.hpp"

namespace xml = vigil::xml;
using vigil::EpochSeconds;
using vigil::ErrorCode;
using vigil::rules::AttrMap;
using vigil::rules::NvSet;
using vigil::rules::Rule;
using vigil::rules::RuleInput;

using vigil::test::utc;

namespace {

// A parsed document with an id index for id-ref resolution.
class Doc {
 public:
  explicit Doc(const std::string& text) {
    auto parsed = xml::parse_string(text, "test");
    REQUIRE(parsed.ok());
    doc_ = std::move(*parsed);
  }
  const xmlNode* root() const { return xmlDocGetRootElement(doc_.get()); }
  const xmlNode* find(const std::string& id) const { return find_in(root(), id); }
  vigil::rules::IdResolver resolver() const {
    return [this](const std::string& id) { return find(id); };
  }
  vigil::Result<Rule> rule(const std::string& id) const {
    const xmlNode* n = find(id);
    REQUIRE(n != nullptr);
    return vigil::rules::parse_rule(n, resolver());
  }
  Rule ok_rule(const std::string& id) const {
    auto r = rule(id);
    INFO((r.ok() ? std::string() : r.error().message()));
    REQUIRE(r.ok());
    return *r;
  }

 private:
  static const xmlNode* find_in(const xmlNode* n, const std::string& id) {
    const auto own = xml::attr(n, "id");
    if (own && *own == id) return n;
    for (const xmlNode* c : xml::children(n)) {
      if (const xmlNode* hit = find_in(c, id)) return hit;
    }
    return nullptr;
  }
  xml::DocPtr doc_;
};

// One <expression> inside a rule, evaluated against node attributes.
bool attr_rule(const std::string& attrs_xml, const AttrMap& node) {
  Doc doc("<rule id='r'><expression id='e' attribute='a' " + attrs_xml + "/></rule>");
  RuleInput in;
  in.node_attrs = &node;
  return vigil::rules::evaluate(doc.ok_rule("r"), in);
}

bool rule_at(const Rule& r, EpochSeconds now) {
  RuleInput in;
  in.now = now;
  return vigil::rules::evaluate(r, in);
}

std::string error_of(const std::string& text, const std::string& id = "r") {
  Doc doc(text);
  auto r = doc.rule(id);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == ErrorCode::kInvalidInput);
  return r.error().message();
}

}  // namespace

TEST_CASE("attribute expression operations") {
  const AttrMap node{{"a", "Hello"}, {"#uname", "node1"}};
  CHECK(attr_rule("operation='eq' value='Hello'", node));
  CHECK(attr_rule("operation='eq' value='hello'", node));  // strings compare without case
  CHECK_FALSE(attr_rule("operation='ne' value='HELLO'", node));
  CHECK(attr_rule("operation='ne' value='world'", node));
  CHECK(attr_rule("operation='defined'", node));
  CHECK_FALSE(attr_rule("operation='not_defined'", node));
  CHECK(attr_rule("operation='EQ' value='Hello'", node));  // operation is case-insensitive

  const AttrMap empty;
  CHECK_FALSE(attr_rule("operation='defined'", empty));
  CHECK(attr_rule("operation='not_defined'", empty));
  CHECK(attr_rule("operation='ne' value='x'", empty));  // unset != set
  CHECK_FALSE(attr_rule("operation='eq' value='x'", empty));
  CHECK_FALSE(attr_rule("operation='lt' value='5'", empty));  // ordering needs both sides
  CHECK_FALSE(attr_rule("operation='gte' value='5'", empty));
  CHECK(attr_rule("operation='eq'", empty));  // both unset compare equal

  // Without a node, no attribute expression passes, not even not_defined.
  Doc doc("<rule id='r'><expression id='e' attribute='a' operation='not_defined'/></rule>");
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("r"), RuleInput{}));
}

TEST_CASE("attribute types: inferred, integer, string, number, version") {
  const AttrMap ten{{"a", "10"}};
  // No type + lt/gt: integer comparison, so 10 > 9.
  CHECK(attr_rule("operation='gt' value='9'", ten));
  CHECK_FALSE(attr_rule("operation='lt' value='9'", ten));
  // As strings "10" sorts before "9".
  CHECK(attr_rule("operation='lt' value='9' type='string'", ten));
  CHECK_FALSE(attr_rule("operation='gt' value='9' type='string'", ten));
  // No type + eq: string comparison, so "10" != "010"; as integers they match.
  CHECK_FALSE(attr_rule("operation='eq' value='010'", ten));
  CHECK(attr_rule("operation='eq' value='010' type='integer'", ten));
  CHECK(attr_rule("operation='gte' value='10' type='INTEGER'", ten));

  // A '.' on either side makes the inferred type "number".
  const AttrMap frac{{"a", "1.5"}};
  CHECK(attr_rule("operation='gt' value='1.25'", frac));
  CHECK(attr_rule("operation='lt' value='2'", frac));
  CHECK(attr_rule("operation='gt' value='1'", frac));
  CHECK(attr_rule("operation='eq' value='1.50' type='number'", frac));

  // Versions compare component by component.
  const AttrMap ver{{"a", "1.10"}};
  CHECK(attr_rule("operation='gt' value='1.9' type='version'", ver));
  CHECK_FALSE(attr_rule("operation='gt' value='1.9'", ver));  // as numbers 1.10 < 1.9
  CHECK(attr_rule("operation='lt' value='1.10.1' type='version'", ver));
  CHECK(attr_rule("operation='eq' value='1.10.0' type='version'", ver));
  CHECK(attr_rule("operation='lt' value='2' type='version'", ver));

  // Integers that do not parse fall back to a string comparison.
  const AttrMap word{{"a", "abc"}};
  CHECK(attr_rule("operation='lt' value='abd' type='integer'", word));
  CHECK_FALSE(attr_rule("operation='gt' value='abd'", word));
  // strtoll-style: a numeric prefix is enough.
  CHECK(attr_rule("operation='eq' value='10' type='integer'", AttrMap{{"a", "10MB"}}));
  CHECK(attr_rule("operation='lt' value='-3'", AttrMap{{"a", "-4"}}));
}

TEST_CASE("value-source reads resource parameters and meta-attributes") {
  Doc doc(R"(<r>
      <rule id='p'><expression id='e1' attribute='cap' operation='gte' value='need'
                    value-source='param'/></rule>
      <rule id='m'><expression id='e2' attribute='zone' operation='eq' value='where'
                    value-source='meta'/></rule></r>)");
  const AttrMap node{{"cap", "8"}, {"zone", "east"}};
  const AttrMap params{{"need", "4"}};
  const AttrMap meta{{"where", "EAST"}};
  RuleInput in;
  in.node_attrs = &node;
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("p"), in));  // no params: value unset
  in.rsc_params = &params;
  in.rsc_meta = &meta;
  CHECK(vigil::rules::evaluate(doc.ok_rule("p"), in));
  CHECK(vigil::rules::evaluate(doc.ok_rule("m"), in));
  const AttrMap bigger{{"need", "16"}};
  in.rsc_params = &bigger;
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("p"), in));
}

TEST_CASE("#role expressions fail when no role is known") {
  Doc doc(
      "<rule id='r'><expression id='e' attribute='#role' operation='ne' value='Promoted'/>"
      "</rule>");
  const AttrMap node{{"#uname", "n1"}};
  RuleInput in;
  in.node_attrs = &node;
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("r"), in));
  const AttrMap with_role{{"#role", "Unpromoted"}};
  in.node_attrs = &with_role;
  CHECK(vigil::rules::evaluate(doc.ok_rule("r"), in));
}

TEST_CASE("in_range boundaries are inclusive; gt and lt are strict") {
  Doc doc(R"(<r>
      <rule id='range'><date_expression id='d1' operation='in_range'
          start='2012-07-01 00:00:00' end='2012-07-31 23:59:59'/></rule>
      <rule id='dur'><date_expression id='d2' start='2012-01-31'>
          <duration id='d2-d' months='1'/></date_expression></rule>
      <rule id='open'><date_expression id='d3' operation='in_range' end='2012-01-01'/></rule>
      <rule id='gt'><date_expression id='d4' operation='gt' start='2012-07-01'/></rule>
      <rule id='lt'><date_expression id='d5' operation='lt' end='2012-07-01'/></rule>
      <rule id='ltdur'><date_expression id='d6' operation='lt' start='2012-07-01'>
          <duration id='d6-d' hours='1' minutes='30'/></date_expression></rule></r>)");
  const Rule range = doc.ok_rule("range");
  CHECK_FALSE(rule_at(range, utc(2012, 6, 30, 23, 59, 59)));
  CHECK(rule_at(range, utc(2012, 7, 1)));
  CHECK(rule_at(range, utc(2012, 7, 31, 23, 59, 59)));
  CHECK_FALSE(rule_at(range, utc(2012, 8, 1)));

  // No operation means in_range; end = start + duration (clamped to Feb 29).
  const Rule dur = doc.ok_rule("dur");
  CHECK(rule_at(dur, utc(2012, 2, 29)));
  CHECK_FALSE(rule_at(dur, utc(2012, 2, 29, 0, 0, 1)));
  CHECK_FALSE(rule_at(dur, utc(2012, 1, 30, 23, 59, 59)));

  const Rule open = doc.ok_rule("open");
  CHECK(rule_at(open, utc(1999, 1, 1)));
  CHECK(rule_at(open, utc(2012, 1, 1)));
  CHECK_FALSE(rule_at(open, utc(2012, 1, 1, 0, 0, 1)));

  CHECK_FALSE(rule_at(doc.ok_rule("gt"), utc(2012, 7, 1)));
  CHECK(rule_at(doc.ok_rule("gt"), utc(2012, 7, 1, 0, 0, 1)));
  CHECK_FALSE(rule_at(doc.ok_rule("lt"), utc(2012, 7, 1)));
  CHECK(rule_at(doc.ok_rule("lt"), utc(2012, 6, 30, 23, 59, 59)));
  CHECK(rule_at(doc.ok_rule("ltdur"), utc(2012, 7, 1, 1, 29, 59)));
  CHECK_FALSE(rule_at(doc.ok_rule("ltdur"), utc(2012, 7, 1, 1, 30)));

  // A date expression never passes without a "now".
  CHECK_FALSE(vigil::rules::evaluate(range, RuleInput{}));
}

TEST_CASE("date expressions report when their result next changes") {
  Doc doc(R"(<r>
      <rule id='range'><date_expression id='d1' operation='in_range'
          start='2012-07-01 00:00:00' end='2012-07-31 23:59:59'/></rule>
      <rule id='gt'><date_expression id='d4' operation='gt' start='2012-07-01'/></rule>
      <rule id='lt'><date_expression id='d5' operation='lt' end='2012-07-01'/></rule>
      <rule id='both' boolean-op='or'>
        <date_expression id='d6' operation='gt' start='2012-09-01'/>
        <date_expression id='d7' operation='gt' start='2012-08-01'/></rule>
      <rule id='spec'><date_expression id='d8' operation='date_spec'>
          <date_spec id='s8' hours='9-16'/></date_expression></rule></r>)");
  auto next = [&](const char* id, EpochSeconds now) {
    EpochSeconds change = 0;
    RuleInput in;
    in.now = now;
    in.next_change = &change;
    (void)vigil::rules::evaluate(doc.ok_rule(id), in);
    return change;
  };
  // Before the range: it starts passing at its start; inside: one second
  // after its end; after it: never again.
  CHECK(next("range", utc(2012, 6, 1)) == utc(2012, 7, 1));
  CHECK(next("range", utc(2012, 7, 15)) == utc(2012, 8, 1));
  CHECK(next("range", utc(2012, 8, 15)) == 0);
  CHECK(next("gt", utc(2012, 6, 1)) == utc(2012, 7, 1, 0, 0, 1));
  CHECK(next("gt", utc(2012, 7, 2)) == 0);
  CHECK(next("lt", utc(2012, 6, 1)) == utc(2012, 7, 1));
  CHECK(next("lt", utc(2012, 7, 2)) == 0);
  // Every expression evaluated counts; the earliest wins.
  CHECK(next("both", utc(2012, 6, 1)) == utc(2012, 8, 1, 0, 0, 1));
  // As Pacemaker 2.1.5, date_spec gives no time.
  CHECK(next("spec", utc(2012, 6, 1, 3)) == 0);
}

TEST_CASE("date_spec fields and ranges") {
  Doc doc(R"(<r>
      <rule id='office'><date_expression id='d1' operation='date_spec'>
          <date_spec id='s1' hours='9-16' weekdays='1-5'/></date_expression></rule>
      <rule id='open'><date_expression id='d2' operation='date_spec'>
          <date_spec id='s2' minutes='-14' monthdays='28-'/></date_expression></rule>
      <rule id='week'><date_expression id='d3' operation='date_spec'>
          <date_spec id='s3' weekyears='2009' weeks='53'/></date_expression></rule>
      <rule id='leap'><date_expression id='d4' operation='date_spec'>
          <date_spec id='s4' yeardays='366'/></date_expression></rule>
      <rule id='mix'><date_expression id='d5' operation='date_spec'>
          <date_spec id='s5' years='2012' months='2' monthdays='29' seconds='30'
                     moon='4'/></date_expression></rule>
      <rule id='empty'><date_expression id='d6' operation='date_spec'>
          <date_spec id='s6'/></date_expression></rule></r>)");
  const Rule office = doc.ok_rule("office");
  CHECK(rule_at(office, utc(2012, 7, 13, 9)));           // Friday 09:00
  CHECK(rule_at(office, utc(2012, 7, 13, 16, 59, 59)));  // hour 16 is in range
  CHECK_FALSE(rule_at(office, utc(2012, 7, 13, 17)));
  CHECK_FALSE(rule_at(office, utc(2012, 7, 13, 8, 59, 59)));
  CHECK_FALSE(rule_at(office, utc(2012, 7, 14, 12)));  // Saturday
  CHECK(rule_at(office, utc(2012, 7, 16, 12)));        // Monday

  const Rule open = doc.ok_rule("open");
  CHECK(rule_at(open, utc(2012, 7, 28, 5, 14)));
  CHECK(rule_at(open, utc(2012, 7, 31, 5, 0)));
  CHECK_FALSE(rule_at(open, utc(2012, 7, 28, 5, 15)));
  CHECK_FALSE(rule_at(open, utc(2012, 7, 27, 5, 0)));

  const Rule week = doc.ok_rule("week");
  CHECK(rule_at(week, utc(2010, 1, 3)));          // Sunday of 2009-W53
  CHECK_FALSE(rule_at(week, utc(2010, 1, 4)));    // 2010-W01
  CHECK_FALSE(rule_at(week, utc(2009, 12, 27)));  // 2009-W52

  CHECK(rule_at(doc.ok_rule("leap"), utc(2012, 12, 31)));
  CHECK_FALSE(rule_at(doc.ok_rule("leap"), utc(2013, 12, 31)));

  // moon is accepted but ignored.
  const Rule mix = doc.ok_rule("mix");
  CHECK(rule_at(mix, utc(2012, 2, 29, 7, 7, 30)));
  CHECK_FALSE(rule_at(mix, utc(2012, 2, 29, 7, 7, 31)));
  CHECK_FALSE(rule_at(mix, utc(2016, 2, 29, 7, 7, 30)));

  CHECK(rule_at(doc.ok_rule("empty"), utc(2000, 1, 1)));  // no fields: always
}

TEST_CASE("resource and operation expressions") {
  Doc doc(R"(<r>
      <rule id='dummy'><rsc_expression id='x1' class='ocf' provider='pacemaker'
          type='Dummy'/></rule>
      <rule id='stonith'><rsc_expression id='x2' class='stonith'/></rule>
      <rule id='noprov'><rsc_expression id='x3' class='ocf' type='Dummy'/></rule>
      <rule id='mon'><op_expression id='o1' name='monitor'/></rule>
      <rule id='mon10'><op_expression id='o2' name='monitor' interval='10s'/></rule></r>)");
  const std::string ocf = "ocf", pcmk = "pacemaker", dummy = "Dummy", fence = "stonith",
                    xvm = "fence_xvm";
  RuleInput in;
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("dummy"), in));  // no resource given
  in.rsc_class = &ocf;
  in.rsc_provider = &pcmk;
  in.rsc_type = &dummy;
  CHECK(vigil::rules::evaluate(doc.ok_rule("dummy"), in));
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("stonith"), in));
  // Pacemaker 2.1.5: an expression without provider only matches agents without one.
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("noprov"), in));
  in.rsc_class = &fence;
  in.rsc_provider = nullptr;
  in.rsc_type = &xvm;
  CHECK(vigil::rules::evaluate(doc.ok_rule("stonith"), in));
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("dummy"), in));

  const std::string monitor = "monitor", start = "start";
  RuleInput op;
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("mon"), op));  // no operation given
  op.op_name = &monitor;
  op.op_interval_ms = 10000;
  CHECK(vigil::rules::evaluate(doc.ok_rule("mon"), op));
  CHECK(vigil::rules::evaluate(doc.ok_rule("mon10"), op));
  op.op_interval_ms = 20000;
  CHECK(vigil::rules::evaluate(doc.ok_rule("mon"), op));
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("mon10"), op));
  op.op_name = &start;
  op.op_interval_ms = 10000;
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("mon10"), op));
}

TEST_CASE("boolean-op, nesting, empty rules and rule attributes") {
  Doc doc(R"(<r>
      <rule id='and' score='INFINITY'>
        <expression id='a1' attribute='x' operation='eq' value='1'/>
        <expression id='a2' attribute='y' operation='eq' value='2'/></rule>
      <rule id='or' boolean-op='OR' score='-INFINITY'>
        <expression id='o1' attribute='x' operation='eq' value='1'/>
        <expression id='o2' attribute='y' operation='eq' value='2'/></rule>
      <rule id='nested' score='25' score-attribute='weight' role='Promoted'>
        <expression id='n1' attribute='x' operation='eq' value='1'/>
        <rule id='inner' boolean-op='or'>
          <expression id='n2' attribute='y' operation='eq' value='2'/>
          <expression id='n3' attribute='z' operation='defined'/></rule></rule>
      <rule id='empty-and'/>
      <rule id='empty-or' boolean-op='or'/></r>)");
  const AttrMap both{{"x", "1"}, {"y", "2"}}, only_x{{"x", "1"}}, none{{"q", "0"}},
      x_and_z{{"x", "1"}, {"z", ""}};
  auto eval = [&](const char* id, const AttrMap& attrs) {
    RuleInput in;
    in.node_attrs = &attrs;
    return vigil::rules::evaluate(doc.ok_rule(id), in);
  };
  CHECK(eval("and", both));
  CHECK_FALSE(eval("and", only_x));
  CHECK(eval("or", only_x));
  CHECK_FALSE(eval("or", none));
  CHECK(eval("nested", both));
  CHECK(eval("nested", x_and_z));
  CHECK_FALSE(eval("nested", only_x));
  CHECK(eval("empty-and", none));
  CHECK_FALSE(eval("empty-or", none));  // pe_eval_expr: "or" starts from false

  const Rule and_rule = doc.ok_rule("and");
  CHECK(and_rule.score == vigil::Score::infinity());
  CHECK_FALSE(and_rule.boolean_or);
  CHECK(doc.ok_rule("or").score == vigil::Score::minus_infinity());
  const Rule nested = doc.ok_rule("nested");
  CHECK(nested.score == vigil::Score(25));
  CHECK(nested.score_attribute == "weight");
  CHECK(nested.role == "Promoted");
  REQUIRE(nested.expressions.size() == 2);
  CHECK(nested.expressions[1].kind == vigil::rules::Expression::Kind::kRule);
  CHECK(nested.expressions[1].rule->id == "inner");
  CHECK_FALSE(doc.ok_rule("empty-and").score.has_value());
}

TEST_CASE("id-ref on rules and expressions") {
  Doc doc(R"(<r>
      <rule id='shared'><expression id='s1' attribute='x' operation='eq' value='1'/></rule>
      <rule id='uses-ref'><expression id-ref='s1'/></rule>
      <holder><rule id-ref='shared'/></holder>
      <rule id='outer'><rule id-ref='shared'/>
        <expression id='s2' attribute='y' operation='defined'/></rule></r>)");
  const AttrMap x1{{"x", "1"}}, x1y{{"x", "1"}, {"y", "9"}}, x2{{"x", "2"}};
  RuleInput in;
  in.node_attrs = &x1;
  CHECK(vigil::rules::evaluate(doc.ok_rule("uses-ref"), in));
  const xmlNode* holder_rule = xml::first_child(xml::first_child(doc.root(), "holder"), "rule");
  auto via_ref = vigil::rules::parse_rule(holder_rule, doc.resolver());
  REQUIRE(via_ref.ok());
  CHECK(via_ref->id == "shared");
  CHECK(vigil::rules::evaluate(*via_ref, in));
  CHECK_FALSE(vigil::rules::evaluate(doc.ok_rule("outer"), in));
  in.node_attrs = &x1y;
  CHECK(vigil::rules::evaluate(doc.ok_rule("outer"), in));
  in.node_attrs = &x2;
  CHECK_FALSE(vigil::rules::evaluate(*via_ref, in));
}

TEST_CASE("parse errors name the element and the problem") {
  auto msg = error_of(
      "<rule id='r'><expression id='e1' attribute='a' operation='like' "
      "value='x'/></rule>");
  CHECK_THAT(msg, Catch::Contains("e1") && Catch::Contains("unknown operation 'like'") &&
                      Catch::Contains("rule 'r'"));
  msg = error_of(
      "<rule id='r'><date_expression id='d1' operation='gt' start='2012-13-01'/>"
      "</rule>");
  CHECK_THAT(msg, Catch::Contains("d1") && Catch::Contains("2012-13-01"));
  msg = error_of("<rule id='r'><expression id-ref='nowhere'/></rule>");
  CHECK_THAT(msg, Catch::Contains("nowhere"));
  msg = error_of("<r><rule id='r'><expression id-ref='x'/></rule><nvpair id='x'/></r>");
  CHECK_THAT(msg, Catch::Contains("'x'") && Catch::Contains("nvpair"));
  CHECK_THAT(error_of("<rule id='r'><expression id='e' attribute='a' operation='eq' "
                      "type='float'/></rule>"),
             Catch::Contains("unknown type"));
  CHECK_THAT(error_of("<rule id='r'><expression id='e' operation='defined'/></rule>"),
             Catch::Contains("'e'") && Catch::Contains("no attribute"));
  CHECK_THAT(error_of("<rule id='r' score='lots'/>"), Catch::Contains("invalid score 'lots'"));
  CHECK_THAT(error_of("<rule id='r' boolean-op='xor'/>"), Catch::Contains("boolean-op"));
  CHECK_THAT(error_of("<rule id='r'><bogus id='b'/></rule>"), Catch::Contains("<bogus>"));
  CHECK_THAT(error_of("<rule id='r'><date_expression id='d' operation='in_range'/></rule>"),
             Catch::Contains("'d'") && Catch::Contains("start or end"));
  CHECK_THAT(error_of("<rule id='r'><date_expression id='d' operation='soon' start='2012-01-01'/>"
                      "</rule>"),
             Catch::Contains("unknown operation 'soon'"));
  CHECK_THAT(error_of("<rule id='r'><date_expression id='d' operation='date_spec'>"
                      "<date_spec id='s' hours='9-x'/></date_expression></rule>"),
             Catch::Contains("'s'") && Catch::Contains("hours"));
  CHECK_THAT(error_of("<rule id='r'><date_expression id='d' operation='date_spec'>"
                      "<date_spec id='s' hour='9'/></date_expression></rule>"),
             Catch::Contains("unknown field 'hour'"));
  CHECK_THAT(error_of("<rule id='r'><date_expression id='d' start='2012-01-01'>"
                      "<duration id='u' days='two'/></date_expression></rule>"),
             Catch::Contains("'u'") && Catch::Contains("days"));
  CHECK_THAT(error_of("<rule id='r'><op_expression id='o' name='monitor' interval='often'/>"
                      "</rule>"),
             Catch::Contains("'o'") && Catch::Contains("interval"));
  CHECK_THAT(error_of("<rule id='r'><rule id-ref='r'/></rule>"), Catch::Contains("nested"));

  Doc not_rule("<expression id='e' attribute='a' operation='defined'/>");
  CHECK_FALSE(vigil::rules::parse_rule(not_rule.root(), not_rule.resolver()).ok());
}

TEST_CASE("parse_nvsets reads sets, id-refs, scores, rules and pairs") {
  Doc doc(R"(<cib>
      <shared>
        <meta_attributes id='common' score='5'>
          <nvpair id='c1' name='target-role' value='Started'/></meta_attributes>
        <nvpair id='ref-pair' name='from-ref' value='ref-value'/>
      </shared>
      <primitive id='rsc'>
        <meta_attributes id='m1' score='INFINITY'>
          <rule id='m1-rule'><expression id='m1-e' attribute='#uname' operation='eq'
              value='n1'/></rule>
          <nvpair id='p1' name='a' value='1'/>
          <nvpair id='p2' name='b' value='#default'/>
          <nvpair id='p3' name='no-value'/>
          <nvpair id-ref='ref-pair'/>
          <nvpair id='p4' id-ref='ref-pair' value='overridden'/>
        </meta_attributes>
        <instance_attributes id='i1'><nvpair id='i1-a' name='ip' value='10.0.0.1'/>
        </instance_attributes>
        <meta_attributes id-ref='common'/>
        <meta_attributes id='legacy'><attributes>
          <nvpair id='l1' name='old' value='style'/></attributes></meta_attributes>
      </primitive></cib>)");
  auto sets = vigil::rules::parse_nvsets(doc.find("rsc"), "meta_attributes", doc.resolver());
  INFO((sets.ok() ? std::string() : sets.error().message()));
  REQUIRE(sets.ok());
  REQUIRE(sets->size() == 3);
  const NvSet& m1 = (*sets)[0];
  CHECK(m1.id == "m1");
  CHECK(m1.score == vigil::Score::infinity());
  REQUIRE(m1.rule.has_value());
  CHECK(m1.rule->id == "m1-rule");
  CHECK(m1.has_value_unset);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(
      m1.pairs ==
      Pairs{{"a", "1"}, {"b", "#default"}, {"from-ref", "ref-value"}, {"from-ref", "overridden"}});
  CHECK((*sets)[1].id == "common");
  CHECK((*sets)[1].score == vigil::Score(5));
  CHECK_FALSE((*sets)[1].has_value_unset);
  CHECK_FALSE((*sets)[1].rule.has_value());
  CHECK((*sets)[2].pairs == Pairs{{"old", "style"}});
  CHECK((*sets)[2].score == vigil::Score(0));

  auto inst = vigil::rules::parse_nvsets(doc.find("rsc"), "instance_attributes", doc.resolver());
  REQUIRE(inst.ok());
  REQUIRE(inst->size() == 1);
  CHECK(inst->front().pairs == Pairs{{"ip", "10.0.0.1"}});

  auto none = vigil::rules::parse_nvsets(doc.find("rsc"), "utilization", doc.resolver());
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("parse_nvsets errors") {
  auto error = [](const std::string& body) {
    Doc doc("<primitive id='rsc'>" + body + "</primitive>");
    auto sets = vigil::rules::parse_nvsets(doc.root(), "meta_attributes", doc.resolver());
    REQUIRE_FALSE(sets.ok());
    CHECK(sets.error().code() == ErrorCode::kInvalidInput);
    return sets.error().message();
  };
  CHECK_THAT(error("<meta_attributes id-ref='gone'/>"), Catch::Contains("gone"));
  CHECK_THAT(error("<meta_attributes id='m'><nvpair id-ref='lost'/></meta_attributes>"),
             Catch::Contains("'m'") && Catch::Contains("lost"));
  CHECK_THAT(error("<meta_attributes id='m' score='high'/>"),
             Catch::Contains("'m'") && Catch::Contains("high"));
  CHECK_THAT(error("<meta_attributes id='m'><rule id='mr'><expression id='me' attribute='a' "
                   "operation='about'/></rule></meta_attributes>"),
             Catch::Contains("'m'") && Catch::Contains("'me'") && Catch::Contains("about"));
}

namespace {

AttrMap apply_sets(const std::string& body, const AttrMap& node, bool overwrite = false,
                   const std::string& first_id = {}, AttrMap out = {}) {
  Doc doc("<primitive id='rsc'>" + body + "</primitive>");
  auto sets = vigil::rules::parse_nvsets(doc.root(), "meta_attributes", doc.resolver());
  INFO((sets.ok() ? std::string() : sets.error().message()));
  REQUIRE(sets.ok());
  RuleInput in;
  in.node_attrs = &node;
  vigil::rules::apply_nvsets(*sets, in, out, overwrite, first_id);
  return out;
}

}  // namespace

TEST_CASE("apply_nvsets: higher score first, first value wins") {
  const std::string sets = R"(
      <meta_attributes id='low' score='1'><nvpair id='l1' name='x' value='low'/>
        <nvpair id='l2' name='only-low' value='yes'/></meta_attributes>
      <meta_attributes id='high' score='10'><nvpair id='h1' name='x' value='high'/>
        <nvpair id='h2' name='x' value='high-again'/></meta_attributes>)";
  const AttrMap none;
  CHECK(apply_sets(sets, none) == AttrMap{{"x", "high"}, {"only-low", "yes"}});
  // first_id jumps the queue regardless of score (matched without case).
  CHECK(apply_sets(sets, none, false, "LOW") == AttrMap{{"x", "low"}, {"only-low", "yes"}});
  // Pre-existing values survive unless overwriting.
  CHECK(apply_sets(sets, none, false, {}, AttrMap{{"x", "given"}}).at("x") == "given");
  // Overwriting: every later pair replaces, so the lowest-precedence set wins.
  CHECK(apply_sets(sets, none, true).at("x") == "low");
}

TEST_CASE("apply_nvsets: equal scores go in reverse document order (Pacemaker 2.1.5)") {
  const std::string sets = R"(
      <meta_attributes id='first'><nvpair id='f1' name='x' value='first'/></meta_attributes>
      <meta_attributes id='second'><nvpair id='s1' name='x' value='second'/></meta_attributes>
      <meta_attributes id='third' score='0'><nvpair id='t1' name='x' value='third'/>
      </meta_attributes>)";
  CHECK(apply_sets(sets, AttrMap{}).at("x") == "third");
  CHECK(apply_sets(sets, AttrMap{}, false, "first").at("x") == "first");
  CHECK(apply_sets(sets, AttrMap{}, true).at("x") == "first");
}

TEST_CASE("apply_nvsets: rules select sets (the Pacemaker Explained example)") {
  const std::string sets = R"(
      <meta_attributes id='special-node1' score='3'>
        <rule id='r1' score='INFINITY'><expression id='e1' attribute='#uname'
            operation='eq' value='node1'/></rule>
        <nvpair id='n1-if' name='interface' value='eth1'/></meta_attributes>
      <meta_attributes id='special-node2' score='2'>
        <rule id='r2' score='INFINITY'><expression id='e2' attribute='#uname'
            operation='eq' value='node2'/></rule>
        <nvpair id='n2-if' name='interface' value='eth2'/>
        <nvpair id='n2-port' name='port' value='8888'/></meta_attributes>
      <meta_attributes id='defaults' score='1'>
        <nvpair id='d-if' name='interface' value='eth0'/>
        <nvpair id='d-port' name='port' value='9999'/></meta_attributes>)";
  CHECK(apply_sets(sets, AttrMap{{"#uname", "node1"}}) ==
        AttrMap{{"interface", "eth1"}, {"port", "9999"}});
  CHECK(apply_sets(sets, AttrMap{{"#uname", "node2"}}) ==
        AttrMap{{"interface", "eth2"}, {"port", "8888"}});
  CHECK(apply_sets(sets, AttrMap{{"#uname", "node3"}}) ==
        AttrMap{{"interface", "eth0"}, {"port", "9999"}});
}

TEST_CASE("apply_nvsets: #default unsets, and several rules mean any") {
  const std::string sets = R"(
      <meta_attributes id='high' score='10'><nvpair id='h1' name='x' value='high'/>
        <nvpair id='h2' name='y' value='kept'/></meta_attributes>
      <meta_attributes id='low' score='1'><nvpair id='l1' name='x' value='#DEFAULT'/>
      </meta_attributes>)";
  // A lower-precedence "#default" still removes the value.
  CHECK(apply_sets(sets, AttrMap{}) == AttrMap{{"y", "kept"}});
  CHECK(apply_sets(sets, AttrMap{}, false, {}, AttrMap{{"x", "caller"}}) == AttrMap{{"y", "kept"}});

  // Within one set: "#default" clears, and a later value is then set again.
  CHECK(apply_sets(R"(<meta_attributes id='m'><nvpair id='a' name='x' value='1'/>
      <nvpair id='b' name='x' value='#default'/><nvpair id='c' name='x' value='3'/>
      </meta_attributes>)",
                   AttrMap{}) == AttrMap{{"x", "3"}});

  const std::string two_rules = R"(
      <meta_attributes id='m'>
        <rule id='r1'><expression id='e1' attribute='a' operation='defined'/></rule>
        <rule id='r2'><expression id='e2' attribute='b' operation='defined'/></rule>
        <nvpair id='p' name='x' value='on'/></meta_attributes>)";
  CHECK(apply_sets(two_rules, AttrMap{{"b", "1"}}) == AttrMap{{"x", "on"}});
  CHECK(apply_sets(two_rules, AttrMap{{"c", "1"}}).empty());
}
