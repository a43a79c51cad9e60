// SPDX-License-Identifier: GPL-2.0-or-later
// Tickets on small CIBs: which nodes a resource may use, what happens to it
// when its ticket is lost (stop, fence, freeze), standby tickets, sets, tags
// and bad constraints.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "internal.hpp"
#include "scheduled_test.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/simulate.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using namespace vigil;
using pengine::LossPolicy;
using pengine::Role;
namespace testing = pengine::testing;

std::string dummy(const std::string& id) {
  return R"(<primitive id=")" + id + R"(" class="ocf" provider="pacemaker" type="Dummy"/>)";
}

// History of a Dummy running on a node.
std::string running(const std::string& rsc) {
  return R"(<lrm_resource id=")" + rsc +
         R"(" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id=")" + rsc +
         R"(_last_0" operation_key=")" + rsc +
         R"(_start_0" operation="start" transition-key="1:-1:0:x" transition-magic="0:0;1:-1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"/></lrm_resource>)";
}

// Two nodes and a fence device; `lrm1` is node1's history, `tickets` the
// status section's ticket states.
std::string make_cib(const std::string& resources, const std::string& constraints,
                     const std::string& tickets, const std::string& lrm1 = "",
                     bool stonith = true) {
  auto state = [](const std::string& n, const std::string& lrm) {
    return R"(<node_state id=")" + n + R"(" uname=")" + n +
           R"(" in_ccm="true" crmd="online" join="member" expected="member"><lrm id=")" + n +
           R"("><lrm_resources>)" + lrm + "</lrm_resources></lrm></node_state>";
  };
  return std::string(
             R"(<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value=")") +
         (stonith ? "true" : "false") + R"("/>
    </cluster_property_set></crm_config>
    <nodes><node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>
    <resources><primitive id="fence" class="stonith" type="fence_dummy"/>)" +
         resources + "</resources><constraints>" + constraints +
         "</constraints></configuration><status>" + (tickets.empty() ? "" : "<tickets>") + tickets +
         (tickets.empty() ? "" : "</tickets>") + state("node1", lrm1) + state("node2", "") +
         "</status></cib>";
}

using testing::schedule;
using testing::Scheduled;

// Whether a required action with this task is scheduled on `node` (for
// `rsc_id` when one is given; "stonith" has no resource).
bool has_action(const Scheduled& s, const std::string& task, const std::string& node,
                const std::string& rsc_id = "") {
  for (const pengine::Action* a : s.ws->actions) {
    if (a->task != task || !a->node || a->node->uname != node) continue;
    if (!rsc_id.empty() && (!a->rsc || a->rsc->id != rsc_id)) continue;
    if (!a->is(pengine::kActOptional)) return true;
  }
  return false;
}

bool warned(const Scheduled& s, const std::string& text) {
  for (const auto& w : s.ws->warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string ticket_cons(const std::string& policy, const std::string& role = "") {
  std::string s = R"(<rsc_ticket id="dep" rsc="rsc1" ticket="T")";
  if (!policy.empty()) s += R"( loss-policy=")" + policy + R"(")";
  if (!role.empty()) s += R"( rsc-role=")" + role + R"(")";
  return s + "/>";
}

const std::string kGranted = R"(<ticket_state id="T" granted="true"/>)";
const std::string kRevoked = R"(<ticket_state id="T" granted="false"/>)";
const std::string kStandby = R"(<ticket_state id="T" granted="true" standby="true"/>)";

}  // namespace

TEST_CASE("ticket states are read from the status section", "[pengine][tickets]") {
  auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"),
                             R"(<ticket_state id="T" granted="yes" last-granted="1234"/>
                                <ticket_state id="U" granted="false" standby="1"/>)"));
  const auto& t = s.ws->tickets;
  REQUIRE(t.count("T") == 1);
  CHECK(t.at("T").granted);
  CHECK_FALSE(t.at("T").standby);
  CHECK(t.at("T").last_granted == 1234);
  REQUIRE(t.count("U") == 1);
  CHECK_FALSE(t.at("U").granted);
  CHECK(t.at("U").standby);
  CHECK(t.at("U").last_granted == -1);
}

TEST_CASE("a second ticket_state of a ticket overrides the first's attributes",
          "[pengine][tickets]") {
  auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"),
                             R"(<ticket_state id="T" granted="true" standby="true"/>
                                <ticket_state id="T" standby="false" owner="site-b"/>
                                <ticket_state id="" granted="true"/>)"));
  REQUIRE(s.ws->tickets.count("T") == 1);
  const pengine::Ticket& t = s.ws->tickets.at("T");
  CHECK(t.granted);
  CHECK_FALSE(t.standby);
  CHECK(*pengine::lookup(t.state, "owner") == "site-b");
  CHECK(s.ws->tickets.size() == 1);  // no ticket without an id
  CHECK_FALSE(s.placed("rsc1").empty());
}

TEST_CASE("a resource runs only where its ticket is granted", "[pengine][tickets]") {
  SECTION("granted: it starts") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"), kGranted));
    CHECK_FALSE(s.placed("rsc1").empty());
    CHECK(s.score("rsc1", "node1") == 0);
  }
  SECTION("a ticket no ticket_state names is not granted") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"), ""));
    CHECK(s.placed("rsc1").empty());
    CHECK(s.score("rsc1", "node1") == -kInfinity);
    CHECK(s.score("rsc1", "node2") == -kInfinity);
    REQUIRE(s.ws->tickets.count("T") == 1);
    CHECK_FALSE(s.ws->tickets.at("T").granted);
    CHECK(warned(s, "Ticket 'T' of constraint 'dep' has no state in the status section"));
  }
  SECTION("revoked: it stays stopped") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("fence"), kRevoked));
    CHECK(s.placed("rsc1").empty());
    CHECK_FALSE(has_action(s, "stonith", "node1"));
  }
  SECTION("granted but in standby: it stays stopped") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"), kStandby));
    CHECK(s.placed("rsc1").empty());
  }
  SECTION("the ban goes through the score log with its cause") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"), kRevoked));
    const auto& entry = s.rsc("rsc1").allowed[0];
    auto history = s.ws->scores.history(entry);
    REQUIRE_FALSE(history.empty());
    CHECK(history.back()->source == pengine::ScoreSource::kTicket);
    CHECK(history.back()->aux == static_cast<int>(pengine::TicketBanWhy::kNotGranted));
    CHECK(pengine::replay_scores(history) == entry.weight);
  }
}

TEST_CASE("losing a ticket acts on the active resource by loss-policy", "[pengine][tickets]") {
  SECTION("stop") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"), kRevoked, running("rsc1")));
    CHECK(s.placed("rsc1").empty());
    CHECK(has_action(s, "stop", "node1", "rsc1"));
    CHECK_FALSE(has_action(s, "stonith", "node1"));
  }
  SECTION("a ticket no ticket_state names was never granted: the same as revoked") {
    // Pacemaker creates the ticket, not granted, when a constraint names it.
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("stop"), "", running("rsc1")));
    CHECK(s.placed("rsc1").empty());
    CHECK(has_action(s, "stop", "node1", "rsc1"));
    auto f = schedule(make_cib(dummy("rsc1"), ticket_cons("fence"), "", running("rsc1")));
    CHECK(has_action(f, "stonith", "node1"));
  }
  SECTION("demote of a resource that has no promoted role: it stops") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("demote"), kRevoked, running("rsc1")));
    CHECK(s.placed("rsc1").empty());
    CHECK(has_action(s, "stop", "node1", "rsc1"));
  }
  SECTION("fence: the node it runs on is fenced") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("fence"), kRevoked, running("rsc1")));
    CHECK(s.placed("rsc1").empty());
    CHECK(has_action(s, "stonith", "node1"));
    CHECK_FALSE(has_action(s, "stonith", "node2"));
    CHECK(s.ws->find_node("node1")->unclean);
  }
  SECTION("fence without fencing enabled: it stops instead") {
    auto s =
        schedule(make_cib(dummy("rsc1"), ticket_cons("fence"), kRevoked, running("rsc1"), false));
    CHECK(has_action(s, "stop", "node1", "rsc1"));
    CHECK_FALSE(has_action(s, "stonith", "node1"));
    CHECK(warned(s, "to 'stop' because fencing is not configured"));
    CHECK(s.ws->rsc_tickets.front()->loss_policy == LossPolicy::kStop);
  }
  SECTION("freeze: it stays where it is, unmanaged") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("freeze"), kRevoked, running("rsc1")));
    CHECK(s.placed("rsc1") == "node1");
    CHECK_FALSE(s.rsc("rsc1").is(pengine::kRscManaged));
    CHECK(s.rsc("rsc1").is(pengine::kRscBlock));
    CHECK_FALSE(has_action(s, "stop", "node1", "rsc1"));
  }
  SECTION("standby with loss-policy=fence stops it without fencing") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("fence"), kStandby, running("rsc1")));
    CHECK(s.placed("rsc1").empty());
    CHECK(has_action(s, "stop", "node1", "rsc1"));
    CHECK_FALSE(has_action(s, "stonith", "node1"));
  }
}

TEST_CASE("a ticket constraint's role limits what it does", "[pengine][tickets]") {
  SECTION("fence for the promoted role leaves a started resource alone") {
    auto s = schedule(
        make_cib(dummy("rsc1"), ticket_cons("fence", "Promoted"), kRevoked, running("rsc1")));
    CHECK_FALSE(s.placed("rsc1").empty());
    CHECK(s.score("rsc1", "node1") == 0);
    CHECK_FALSE(has_action(s, "stonith", "node1"));
  }
  SECTION("the promoted role defaults to loss-policy=demote; Master is Promoted") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("", "Master"), kRevoked));
    const auto& rt = *s.ws->rsc_tickets.front();
    CHECK(rt.role == Role::kPromoted);
    CHECK(rt.loss_policy == LossPolicy::kDemote);
    // Not granted, promoted role only: no ban on the started role.
    CHECK(s.score("rsc1", "node1") == 0);
  }
  SECTION("Started means any role, and the default loss-policy is stop") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("", "Started"), kRevoked));
    const auto& rt = *s.ws->rsc_tickets.front();
    CHECK(rt.role == Role::kUnknown);
    CHECK(rt.loss_policy == LossPolicy::kStop);
  }
  SECTION("promotion needs the ticket") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("demote", "Promoted"), kStandby));
    pengine::Resource& r = s.rsc("rsc1");
    CHECK(s.score("rsc1", "node1") == 0);
    pengine::require_promotion_tickets(*s.ws, &r);
    CHECK(s.score("rsc1", "node1") == -kInfinity);
    CHECK(s.score("rsc1", "node2") == -kInfinity);
  }
}

TEST_CASE("ticket constraints on groups, sets, tags and templates", "[pengine][tickets]") {
  const std::string group = R"(<group id="g">)" + dummy("a") + dummy("b") + "</group>";
  SECTION("a group's members are banned, the group keeps its scores") {
    auto s = schedule(
        make_cib(group, R"(<rsc_ticket id="dep" rsc="g" ticket="T" loss-policy="stop"/>)", ""));
    CHECK(s.score("a", "node1") == -kInfinity);
    CHECK(s.score("b", "node2") == -kInfinity);
    CHECK(s.score("g", "node1") == 0);
    CHECK(s.placed("a").empty());
  }
  SECTION("every resource of every set depends on the ticket") {
    auto s = schedule(make_cib(dummy("a") + dummy("b") + dummy("c"), R"(
        <rsc_ticket id="dep" ticket="T">
          <resource_set id="s1"><resource_ref id="a"/></resource_set>
          <resource_set id="s2"><resource_ref id="b"/></resource_set>
        </rsc_ticket>)",
                               kStandby));
    CHECK(s.placed("a").empty());
    CHECK(s.placed("b").empty());
    CHECK_FALSE(s.placed("c").empty());
    CHECK(s.ws->rsc_tickets.size() == 2);
    CHECK(s.ws->rsc_tickets[1]->id == "s2");
  }
  SECTION("a set naming an unknown resource stops the constraint there") {
    auto s = schedule(make_cib(dummy("a") + dummy("b"), R"(
        <rsc_ticket id="dep" ticket="T">
          <resource_set id="s1"><resource_ref id="a"/></resource_set>
          <resource_set id="s2"><resource_ref id="nope"/><resource_ref id="b"/></resource_set>
        </rsc_ticket>)",
                               ""));
    CHECK(s.placed("a").empty());
    CHECK_FALSE(s.placed("b").empty());
    CHECK(warned(s, "s2: No resource found for nope"));
  }
  SECTION("a tag stands for the resources it names") {
    auto text = make_cib(dummy("a") + dummy("b") + dummy("c"),
                         R"(<rsc_ticket id="dep" rsc="tg" ticket="T"/>)", "");
    text.replace(text.find("</configuration>"), 0,
                 R"(<tags><tag id="tg"><obj_ref id="a"/><obj_ref id="b"/></tag></tags>)");
    auto s = schedule(text);
    CHECK(s.placed("a").empty());
    CHECK(s.placed("b").empty());
    CHECK_FALSE(s.placed("c").empty());
  }
  SECTION("a template stands for the primitives made from it") {
    auto s = schedule(make_cib(
        R"(<template id="tpl" class="ocf" provider="pacemaker" type="Dummy"/>
           <primitive id="a" template="tpl"/>)" +
            dummy("c"),
        R"(<rsc_ticket id="dep" rsc="tpl" ticket="T"/>)", ""));
    CHECK(s.placed("a").empty());
    CHECK_FALSE(s.placed("c").empty());
  }
}

TEST_CASE("bad ticket constraints are ignored with a message", "[pengine][tickets]") {
  SECTION("an unknown resource") {
    auto s =
        schedule(make_cib(dummy("rsc1"), R"(<rsc_ticket id="dep" rsc="nope" ticket="T"/>)", ""));
    CHECK(warned(s, "Ignoring constraint 'dep' because 'nope' is not a valid resource or tag"));
    CHECK(s.ws->rsc_tickets.empty());
    CHECK_FALSE(s.placed("rsc1").empty());
  }
  SECTION("an instance of something that is not a clone") {
    auto s = schedule(make_cib(
        dummy("rsc1"), R"(<rsc_ticket id="dep" rsc="rsc1" rsc-instance="1" ticket="T"/>)", ""));
    CHECK(warned(s, "is not a clone but instance '1' was requested"));
    CHECK(s.ws->rsc_tickets.empty());
  }
  SECTION("a loss-policy not in the schema (validation off) falls back to stop") {
    auto s = schedule(make_cib(dummy("rsc1"), ticket_cons("bogus"), kRevoked, running("rsc1")));
    CHECK(warned(s, "Unknown loss-policy 'bogus' for ticket 'T': using 'stop'"));
    CHECK(has_action(s, "stop", "node1", "rsc1"));
  }
}

TEST_CASE("ticket injections change the status section's ticket states", "[pengine][tickets]") {
  auto doc = xml::parse_string(make_cib(dummy("rsc1"), ticket_cons("stop"), kRevoked), "test");
  REQUIRE(doc.ok());
  pengine::Injections inj;
  inj.ticket_grant = {"T"};
  inj.ticket_standby = {"U"};
  auto out = pengine::inject(doc->get(), inj, testing::kTestNow);
  REQUIRE(out.ok());
  CHECK(*out ==
        "Performing Requested Modifications:\n  * Granting ticket T\n  * Making ticket U "
        "standby\n");
  auto parsed = cib::Cib::from_doc(std::move(doc).value(), "test");
  REQUIRE(parsed.ok());
  const auto& states = (*parsed)->ticket_states;
  REQUIRE(states.size() == 2);
  CHECK(states[0].id == "T");
  CHECK(states[0].attrs == std::vector<std::pair<std::string, std::string>>{{"granted", "true"}});
  CHECK(states[1].id == "U");
  CHECK(states[1].attrs == std::vector<std::pair<std::string, std::string>>{{"standby", "true"}});
}
