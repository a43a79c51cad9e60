// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-stonithd's client protocol: what goes in comes out, and anything
// malformed is refused with a reason that names what is wrong.
#include "vigil/fencerd/protocol.hpp"

#include <catch2/catch.hpp>

using namespace vigil;
using namespace vigil::fencerd;
using namespace std::chrono_literals;

namespace {

// Every field set, the reason with what XML must escape.
fencing::HistoryEntry sample_entry() {
  return {.id = "node1:7",
          .target = "node3",
          .action = "reboot",
          .origin = "node1",
          .client = "vigil-crmd.412",
          .delegate = "node2",
          .state = fencing::OpState::kFailed,
          .created = 1'700'000'000,
          .completed = 1'700'000'042,
          .reason = "fence_ipmilan: \"timed out\"\nafter <20 s> & more"};
}

// Every call kind, with every optional field set.
std::vector<Call> sample_calls() {
  return {
      FenceCall{"node3", "off", 90s, 5s, "vigil-crmd.412"},
      FenceCall{"node3"},
      ConfirmCall{"node2", "stonith_admin.99"},
      QueryCall{"node2", "on"},
      MonitorCall{"ipmi-node2", 20s},
      MonitorCall{"ipmi-node2"},
      RegisterCall{"ipmi-node2",
                   "fence_ipmilan",
                   {{"ip", "10.0.0.2"}, {"passwd", "a\"<b>&\n c"}, {"empty", ""}}},
      RegisterCall{"dummy", "fence_dummy"},
      UnregisterCall{"ipmi-node2"},
      HistoryCall{"node1"},
      HistoryCall{},
      HistoryCleanupCall{"node1"},
      HistoryCleanupCall{},
      DevicesCall{},
      SubscribeCall{},
  };
}

void check_refused(std::string_view payload, const std::string& reason) {
  auto decoded = decode_call(payload);
  INFO(payload);
  REQUIRE_FALSE(decoded);
  CHECK_THAT(decoded.error().message(), Catch::Contains(reason));
}

}  // namespace

TEST_CASE("fencer protocol: every call survives encoding") {
  for (const auto& call : sample_calls()) {
    const std::string text = encode_call(call);
    INFO(text);
    auto back = decode_call(text);
    REQUIRE(back);
    CHECK(back->index() == call.index());
    CHECK(*back == call);
  }
}

TEST_CASE("fencer protocol: a fence call's defaults and names") {
  auto back = decode_call("<fence target=\"node2\"/>");
  REQUIRE(back);
  const auto& f = std::get<FenceCall>(*back);
  CHECK(f.action == "reboot");
  CHECK(f.timeout == 0ms);
  CHECK(f.delay == 0ms);
  CHECK(f.client.empty());
  CHECK(encode_call(FenceCall{"n", "on", 1500ms, 0ms, "c"}) ==
        "<fence target=\"n\" action=\"on\" timeout-ms=\"1500\" client=\"c\"/>");
}

TEST_CASE("fencer protocol: malformed calls are refused with the reason") {
  check_refused("", "fencer request");
  check_refused("<fence", "fencer request");
  check_refused("<fence action=\"off\"/>", "<fence> needs attribute target");
  check_refused("<fence target=\"\"/>", "<fence> needs attribute target");
  check_refused("<fence target=\"n\" action=\"explode\"/>", "action 'explode' is not reboot");
  check_refused("<fence target=\"n\" timeout-ms=\"-5\"/>", "timeout-ms='-5'");
  check_refused("<fence target=\"n\" timeout-ms=\"10s\"/>", "timeout-ms='10s'");
  check_refused("<fence target=\"n\" delay-ms=\"99999999999999999999\"/>", "delay-ms=");
  check_refused("<fence-confirm/>", "<fence-confirm> needs attribute target");
  check_refused("<fence-query/>", "<fence-query> needs attribute target");
  check_refused("<fence-query target=\"n\" action=\"monitor\"/>", "action 'monitor'");
  check_refused("<fence-monitor/>", "<fence-monitor> needs attribute device");
  check_refused("<fence-monitor device=\"d\" timeout-ms=\"x\"/>", "timeout-ms='x'");
  check_refused("<fence-register agent=\"fence_x\"/>", "<fence-register> needs attribute device");
  check_refused("<fence-register device=\"d\"/>", "<fence-register> needs attribute agent");
  check_refused("<fence-register device=\"d\" agent=\"a\"><nvpair/></fence-register>",
                "holds <nvpair>, not <param>");
  check_refused("<fence-register device=\"d\" agent=\"a\"><param value=\"1\"/></fence-register>",
                "<param> needs attribute name");
  check_refused("<fence-register device=\"d\" agent=\"a\"><param name=\"ip\"/></fence-register>",
                "<param name=\"ip\"> has no value");
  check_refused(
      "<fence-register device=\"d\" agent=\"a\"><param name=\"ip\" value=\"1\"/>"
      "<param name=\"ip\" value=\"2\"/></fence-register>",
      "names parameter 'ip' twice");
  check_refused("<fence-unregister/>", "<fence-unregister> needs attribute device");
  auto unknown = decode_call("<fence-everything/>");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == ErrorCode::kUnsupported);
  CHECK_THAT(unknown.error().message(), Catch::Contains("<fence-everything>"));
  CHECK(decode_call("<fence/>").error().code() == ErrorCode::kInvalidInput);
}

TEST_CASE("fencer protocol: replies survive encoding") {
  CHECK(decode_ok(encode_ok()));
  auto reply = decode_fence_reply(encode_fence_reply({"node2", "node1:7"}));
  REQUIRE(reply);
  CHECK(*reply == FenceReply{"node2", "node1:7"});

  const std::vector<std::string> ids = {"ipmi-1", "pdu \"a\" & <b>"};
  auto back_ids = decode_device_ids(encode_device_ids(ids));
  REQUIRE(back_ids);
  CHECK(*back_ids == ids);
  auto none = decode_device_ids(encode_device_ids({}));
  REQUIRE(none);
  CHECK(none->empty());

  const std::vector<DeviceInfo> devices = {{"ipmi-1", "fence_ipmilan"}, {"pdu", "fence_apc"}};
  auto back_devices = decode_devices(encode_devices(devices));
  REQUIRE(back_devices);
  CHECK(*back_devices == devices);

  auto e = sample_entry();
  auto pending = e;
  pending.id = "node2:1";
  pending.state = fencing::OpState::kPending;
  pending.completed = 0;
  pending.delegate.clear();
  pending.reason.clear();
  auto history = decode_history(encode_history({e, pending}));
  REQUIRE(history);
  REQUIRE(history->size() == 2);
  CHECK((*history)[0] == e);
  CHECK((*history)[1] == pending);

  auto event = decode_event(encode_event(e));
  REQUIRE(event);
  CHECK(*event == e);
}

TEST_CASE("fencer protocol: malformed replies are refused with the reason") {
  auto wrong_root = decode_ok("<fence-reply delegate=\"a\" id=\"b\"/>");
  REQUIRE_FALSE(wrong_root);
  CHECK_THAT(wrong_root.error().message(), Catch::Contains("root is not <ok>"));
  CHECK_FALSE(decode_ok("not xml"));

  auto no_delegate = decode_fence_reply("<fence-reply id=\"n1:1\"/>");
  REQUIRE_FALSE(no_delegate);
  CHECK_THAT(no_delegate.error().message(), Catch::Contains("needs attribute delegate"));
  CHECK_THAT(decode_fence_reply("<fence-reply delegate=\"n2\"/>").error().message(),
             Catch::Contains("needs attribute id"));

  CHECK_THAT(decode_device_ids("<devices><device/></devices>").error().message(),
             Catch::Contains("<device> needs attribute id"));
  CHECK_THAT(decode_device_ids("<devices><node id=\"x\"/></devices>").error().message(),
             Catch::Contains("holds <node>"));
  CHECK_THAT(decode_devices("<devices><device id=\"x\"/></devices>").error().message(),
             Catch::Contains("<device x> has no agent"));

  CHECK_THAT(decode_history("<history><entry id=\"a\"/></history>").error().message(),
             Catch::Contains("needs id, target, action and origin"));
  CHECK_THAT(decode_history("<history><event/></history>").error().message(),
             Catch::Contains("holds <event>"));
  std::string bad_state = encode_history({sample_entry()});
  bad_state.replace(bad_state.find("state=\"failed\""), 14, "state=\"burnt\"");
  CHECK_THAT(decode_history(bad_state).error().message(), Catch::Contains("unknown state 'burnt'"));
  std::string bad_time = encode_history({sample_entry()});
  bad_time.replace(bad_time.find("created=\""), 9, "created=\"-");
  CHECK_THAT(decode_history(bad_time).error().message(), Catch::Contains("bad time"));

  CHECK_THAT(decode_event("<fence-event/>").error().message(),
             Catch::Contains("exactly one <entry>"));
  const std::string one = encode_event(sample_entry());
  const std::string entry = one.substr(13, one.size() - 13 - 14);
  REQUIRE(entry.rfind("<entry", 0) == 0);
  CHECK_THAT(decode_event("<fence-event>" + entry + entry + "</fence-event>").error().message(),
             Catch::Contains("exactly one <entry>"));
  CHECK_THAT(decode_event(encode_history({sample_entry()})).error().message(),
             Catch::Contains("root is not <fence-event>"));
}
