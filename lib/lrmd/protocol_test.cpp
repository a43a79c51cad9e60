// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-lrmd's messages: what goes in comes out, and anything malformed is
// refused with a reason.
#include "vigil/lrmd/protocol.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>

#include "hostile_xml.hpp"

using namespace vigil;
using namespace vigil::lrmd;
using namespace std::chrono_literals;

namespace {

exec::OperationRequest sample_request() {
  exec::OperationRequest op;
  op.rsc_id = "web";
  op.agent = {exec::AgentClass::kOcf, "heartbeat", "apache"};
  op.action = "monitor";
  op.interval = 30000ms;
  op.timeout = 20000ms;
  op.start_delay = 5ms;
  op.user_data = "3:7:0:abc-def";
  op.params = {{"configfile", "/etc/apache2/apache2.conf"},
               {"note", "two\nlines & <tags> \"quoted\"\ttab"}};
  op.report_every_result = true;
  return op;
}

}  // namespace

TEST_CASE("lrmd protocol: an exec request survives encoding") {
  const auto op = sample_request();
  auto decoded = decode_request(encode_request(op));
  REQUIRE(decoded);
  const auto* back = std::get_if<exec::OperationRequest>(&*decoded);
  REQUIRE(back != nullptr);
  CHECK(back->rsc_id == "web");
  CHECK(exec::to_string(back->agent) == "ocf:heartbeat:apache");
  CHECK(back->action == "monitor");
  CHECK(back->interval == 30000ms);
  CHECK(back->timeout == 20000ms);
  CHECK(back->start_delay == 5ms);
  CHECK(back->user_data == "3:7:0:abc-def");
  CHECK(back->report_every_result);
  CHECK(back->params == op.params);  // line breaks and tabs kept
}

TEST_CASE("lrmd protocol: the other requests survive encoding") {
  auto c = decode_request(encode_request(CancelRequest{"web", "monitor", 10000ms}));
  REQUIRE(c);
  REQUIRE(std::holds_alternative<CancelRequest>(*c));
  CHECK(std::get<CancelRequest>(*c).interval == 10000ms);

  auto m = decode_request(encode_request(MetadataRequest{{exec::AgentClass::kLsb, "", "apache2"}}));
  REQUIRE(m);
  CHECK(exec::to_string(std::get<MetadataRequest>(*m).agent) == "lsb:apache2");

  auto h = decode_request(encode_request(HistoryRequest{"db"}));
  REQUIRE(h);
  CHECK(std::get<HistoryRequest>(*h).rsc_id == "db");
  auto f = decode_request(encode_request(ForgetRequest{"db"}));
  REQUIRE(f);
  CHECK(std::get<ForgetRequest>(*f).rsc_id == "db");
  auto s = decode_request(encode_request(SubscribeRequest{}));
  REQUIRE(s);
  CHECK(std::holds_alternative<SubscribeRequest>(*s));
  auto l = decode_request(encode_request(ListAgentsRequest{exec::AgentClass::kOcf, "vigil"}));
  REQUIRE(l);
  CHECK(std::get<ListAgentsRequest>(*l).provider == "vigil");
}

TEST_CASE("lrmd protocol: malformed requests are refused with a reason") {
  struct Case {
    const char* payload;
    ErrorCode code;
    const char* mentions;
  };
  const Case cases[] = {
      {"", ErrorCode::kInvalidInput, ""},
      {"\x01\x02garbage", ErrorCode::kInvalidInput, ""},
      {"<lrmd-exec rsc=\"a\"", ErrorCode::kInvalidInput, ""},
      {"<lrmd-frobnicate/>", ErrorCode::kUnsupported, "lrmd-frobnicate"},
      {"<lrmd-exec class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\" action=\"start\"/>",
       ErrorCode::kInvalidInput, "rsc"},
      {"<lrmd-exec rsc=\"a\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>",
       ErrorCode::kInvalidInput, "action"},
      {"<lrmd-exec rsc=\"a\" class=\"ocf\" provider=\"..\" type=\"passwd\" action=\"start\"/>",
       ErrorCode::kInvalidInput, "provider"},
      {"<lrmd-exec rsc=\"a\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\" "
       "action=\"start\" interval-ms=\"-5\"/>",
       ErrorCode::kInvalidInput, "interval-ms"},
      {"<lrmd-exec rsc=\"a\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\" "
       "action=\"start\" timeout-ms=\"12abc\"/>",
       ErrorCode::kInvalidInput, "timeout-ms"},
      {"<lrmd-exec rsc=\"a\" class=\"bogus\" type=\"x\" action=\"start\"/>",
       ErrorCode::kInvalidInput, "bogus"},
      {"<lrmd-cancel rsc=\"a\" interval-ms=\"0\"/>", ErrorCode::kInvalidInput, "action"},
      {"<lrmd-forget/>", ErrorCode::kInvalidInput, "rsc"},
      {"<lrmd-list-agents class=\"nope\"/>", ErrorCode::kInvalidInput, "nope"},
  };
  for (const auto& c : cases) {
    INFO(c.payload);
    auto r = decode_request(c.payload);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == c.code);
    CHECK(r.error().message().find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("lrmd protocol: events carry the result, with a bounded and XML-safe output") {
  exec::OperationResult r;
  r.call_id = 42;
  r.rsc_id = "vip";
  r.agent = {exec::AgentClass::kOcf, "heartbeat", "IPaddr2"};
  r.action = "monitor";
  r.interval = 10000ms;
  r.timeout = 20000ms;
  r.rc = exec::OcfRc::kNotRunning;
  r.status = exec::ExecStatus::kDone;
  r.exit_reason = "address gone\x01";
  r.output = std::string(10000, 'a') + "end\xff\xfe\x02";
  r.error_output = "caf\xc3\xa9";  // valid UTF-8 stays
  r.output_bytes = 10006;
  r.exec_time = 12ms;
  r.queue_time = 3ms;
  r.run_at = 1700000000;
  r.rc_changed_at = 1699999990;
  r.pid = 4321;
  r.user_data = "1:2:7:uuid";
  auto back = decode_event(encode_event(r));
  REQUIRE(back);
  CHECK(back->call_id == 42);
  CHECK(back->rsc_id == "vip");
  CHECK(exec::to_string(back->agent) == "ocf:heartbeat:IPaddr2");
  CHECK(back->interval == 10000ms);
  CHECK(back->rc == exec::OcfRc::kNotRunning);
  CHECK(back->status == exec::ExecStatus::kDone);
  CHECK(back->exit_reason == "address gone?");
  CHECK(back->output.size() == kEventOutputTail);
  CHECK(back->output.substr(back->output.size() - 6) == "end???");
  CHECK(back->error_output == "caf\xc3\xa9");
  CHECK(back->output_bytes == 10006);
  CHECK(back->exec_time == 12ms);
  CHECK(back->queue_time == 3ms);
  CHECK(back->run_at == 1700000000);
  CHECK(back->rc_changed_at == 1699999990);
  CHECK(back->pid == 4321);
  CHECK(back->user_data == "1:2:7:uuid");
}

TEST_CASE("lrmd protocol: history and small replies survive encoding") {
  ResourceHistory h;
  h.rsc_id = "web";
  h.agent = {exec::AgentClass::kSystemd, "", "apache2"};
  exec::OperationResult start;
  start.call_id = 3;
  start.rsc_id = "web";
  start.agent = h.agent;
  start.action = "start";
  h.last_results.push_back(start);
  RecurringOp mon;
  mon.action = "monitor";
  mon.interval = 30000ms;
  mon.call_id = 4;
  mon.user_data = "key";
  mon.params = {{"a", "1"}};
  h.recurring.push_back(mon);
  auto back = decode_history_reply(encode_history_reply({h}));
  REQUIRE(back);
  REQUIRE(back->size() == 1);
  CHECK((*back)[0].rsc_id == "web");
  CHECK(exec::to_string((*back)[0].agent) == "systemd:apache2");
  REQUIRE((*back)[0].last_results.size() == 1);
  CHECK((*back)[0].last_results[0].call_id == 3);
  REQUIRE((*back)[0].recurring.size() == 1);
  CHECK((*back)[0].recurring[0].interval == 30000ms);
  CHECK((*back)[0].recurring[0].params.at("a") == "1");
  CHECK_FALSE((*back)[0].stop_params);  // unknown stays unknown

  // The parameters a stop runs with: known and empty is not unknown.
  for (const auto& params : {std::map<std::string, std::string>{},
                             std::map<std::string, std::string>{{"state", "/run/a b\"<&>'.state"},
                                                                {"CRM_meta_timeout", "20000"}}}) {
    h.stop_params = params;
    const std::string once = encode_history_reply({h});
    auto again = decode_history_reply(once);
    REQUIRE(again);
    REQUIRE(again->size() == 1);
    CHECK((*again)[0].stop_params == std::optional(params));
    CHECK(encode_history_reply(*again) == once);
  }
  auto twice = decode_history_reply(
      R"(<lrmd-history-reply><lrmd-rsc id="web" class="ocf" provider="heartbeat" type="Dummy">)"
      R"(<stop-params/><stop-params/></lrmd-rsc></lrmd-history-reply>)");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message().find("more than one <stop-params>") != std::string::npos);

  auto id = decode_exec_reply(encode_exec_reply(17));
  REQUIRE(id);
  CHECK(*id == 17);
  CHECK_FALSE(decode_exec_reply("<lrmd-ok/>"));
  CHECK(decode_ok(encode_ok()));
  CHECK_FALSE(decode_ok("<lrmd-event/>"));
  auto md = decode_metadata_reply(encode_metadata_reply("<resource-agent name=\"x\"/>"));
  REQUIRE(md);
  CHECK(*md == "<resource-agent name=\"x\"/>");
  auto agents = decode_agents_reply(encode_agents_reply({"Dummy", "IPaddr2"}));
  REQUIRE(agents);
  CHECK(*agents == std::vector<std::string>{"Dummy", "IPaddr2"});
}

TEST_CASE("lrmd protocol: mutated messages decode or are refused, never crash") {
  // Seeded, bounded: 3000 mutations of valid messages of every kind.
  std::mt19937 rng(20261125);
  exec::OperationResult r;
  r.call_id = 5;
  r.rsc_id = "vip";
  r.agent = {exec::AgentClass::kOcf, "heartbeat", "IPaddr2"};
  r.action = "start";
  r.output = "out";
  ResourceHistory h;
  h.rsc_id = "vip";
  h.agent = r.agent;
  h.last_results = {r};
  h.stop_params = std::map<std::string, std::string>{{"ip", "192.168.1.10"}};
  const std::vector<std::string> samples = {
      encode_request(sample_request()), encode_request(CancelRequest{"web", "monitor", 1000ms}),
      encode_request(HistoryRequest{}), encode_event(r), encode_history_reply({h})};
  int refused = 0, decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string m = samples[i % samples.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      const std::size_t pos = rng() % m.size();
      switch (rng() % 4) {
        case 0:
          m[pos] = static_cast<char>(rng() % 256);
          break;
        case 1:
          m.erase(pos, 1 + rng() % 8);
          break;
        case 2:
          m.insert(pos, std::string(1 + rng() % 4, static_cast<char>(rng() % 256)));
          break;
        default:
          m.resize(pos);
          break;
      }
    }
    auto a = decode_request(m);
    auto b = decode_event(m);
    auto c = decode_history_reply(m);
    (a ? decoded : refused) += 1;
    if (!a) CHECK_FALSE(a.error().message().empty());
    (void)b;
    (void)c;
  }
  CHECK(refused > 0);  // the mutations did hit
}

TEST_CASE("lrmd protocol: requests and events with entity declarations are refused",
          "[untrusted]") {
  using Catch::Matchers::Contains;
  const std::string refused = "XML with a DTD or entity declarations is not accepted";
  auto exec = [](const std::string& ref) {
    return R"(<lrmd-exec rsc="a" class="ocf" provider="heartbeat" type="Dummy" action="start">)"
           R"(<param name="p" value=")" +
           ref + R"("/></lrmd-exec>)";
  };
  for (const auto& h : vigil::testing::hostile_documents("lrmd-exec", exec)) {
    INFO(h.name);
    auto r = decode_request(h.text);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Contains(refused));
  }
  exec::OperationResult result;
  result.rsc_id = "a";
  result.action = "monitor";
  const std::string event = encode_event(result);
  auto forged = [&](const std::string& ref) {
    return std::string(event).insert(event.find(' '), " forged=\"" + ref + "\"");
  };
  for (const auto& h : vigil::testing::hostile_documents("lrmd-event", forged)) {
    INFO(h.name);
    auto r = decode_event(h.text);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Contains(refused));
  }
}

// Found by lrmd_protocol_fuzz (kept as tests/fuzz/corpus/lrmd_protocol/regress-del-in-param-name):
// DEL, an XML character the decoder accepts, came back as '?' and renamed
// the parameter (and reordered the history's parameters).
TEST_CASE("lrmd protocol: DEL in a parameter travels unchanged") {
  auto op = sample_request();
  op.params["c\x7fnfig"] = "v\x7f";
  auto decoded = decode_request(encode_request(op));
  REQUIRE(decoded);
  const auto* back = std::get_if<exec::OperationRequest>(&*decoded);
  REQUIRE(back != nullptr);
  CHECK(back->params == op.params);
  CHECK(encode_request(*decoded) == encode_request(op));
}

// Found by lrmd_protocol_fuzz (kept as tests/fuzz/corpus/lrmd_protocol/regress-cr-in-output):
// a CR in an agent's output was written raw and read back as LF.
TEST_CASE("lrmd protocol: an event's output keeps its line ends") {
  exec::OperationResult r;
  std::tie(r.call_id, r.rsc_id, r.action) = std::tuple(7, "vip", "start");
  r.agent = {exec::AgentClass::kOcf, "heartbeat", "IPaddr2"};
  r.output = "one\r\ntwo\rthree\n\tfour";
  r.error_output = "err\r";
  const auto back = decode_event(encode_event(r));
  REQUIRE(back);
  CHECK(std::pair(back->output, back->error_output) == std::pair(r.output, r.error_output));
}

// Found by lrmd_protocol_fuzz (kept as tests/fuzz/corpus/lrmd_protocol/regress-cr-in-metadata).
TEST_CASE("lrmd protocol: agent meta-data keeps its carriage returns") {
  const std::string metadata = "<resource-agent name=\"x\">\r\n<shortdesc>a\rb</shortdesc>\n";
  auto back = decode_metadata_reply(encode_metadata_reply(metadata));
  REQUIRE(back);
  CHECK(*back == metadata);
}

// Found by lrmd_protocol_fuzz in an hour-long run (kept as
// tests/fuzz/corpus/lrmd_protocol/regress-recurring-call-id-beyond-int): a
// recurring operation's call-id beyond int was accepted and wrapped, so the
// history named another call (2222222229 came back as -2072745067).
TEST_CASE("lrmd protocol: a recurring call-id beyond int is refused, int's maximum is kept") {
  auto history = [](const std::string& call_id) {
    return "<lrmd-history-reply><lrmd-rsc id=\"web\" class=\"ocf\" provider=\"heartbeat\" "
           "type=\"apache\"><recurring action=\"monitor\" interval-ms=\"10000\" "
           "timeout-ms=\"20000\" call-id=\"" +
           call_id + "\"/></lrmd-rsc></lrmd-history-reply>";
  };
  auto wrapped = decode_history_reply(history("2222222229"));
  REQUIRE_FALSE(wrapped);
  CHECK_THAT(wrapped.error().message(),
             Catch::Matchers::Contains("call-id=2222222229 is out of range"));
  auto largest = decode_history_reply(history("2147483647"));
  REQUIRE(largest);
  REQUIRE(largest->size() == 1);
  REQUIRE(largest->front().recurring.size() == 1);
  CHECK(largest->front().recurring.front().call_id == 2147483647);
}
