// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/messages.hpp"

#include <catch2/catch.hpp>

using namespace vigil;
using namespace vigil::fencing;

TEST_CASE("messages: every type survives encode and decode") {
  PeerMessage m;
  m.type = MsgType::kQueryReply;
  m.op = "node1:1:2";
  m.origin = "node1";
  m.target = "node\"2";
  m.action = "reboot";
  m.devices = {"d1", "d<2>"};
  auto d = decode(encode(m));
  REQUIRE(d.ok());
  CHECK(d->target == m.target);
  CHECK(d->devices == m.devices);

  PeerMessage done;
  done.type = MsgType::kDone;
  done.op = "node1:1:2";
  done.origin = "node1";
  HistoryEntry e{"node1:1:2", "node2",          "off", "node1", "crmd",
                 "node3",     OpState::kFailed, 10,    20,      "all fencing devices failed:\nx"};
  done.history = {e};
  auto dd = decode(encode(done));
  REQUIRE(dd.ok());
  CHECK(dd->history.at(0) == e);

  PeerMessage f;
  f.type = MsgType::kFenceResult;
  f.op = "o";
  f.origin = "node1";
  f.device = "d1";
  f.ok = true;
  auto fd = decode(encode(f));
  REQUIRE(fd.ok());
  CHECK(fd->ok);
}

TEST_CASE("messages: a history cleanup names its target, or none for every target") {
  auto one = decode(encode(PeerMessage{.type = MsgType::kCleanup, .target = "node2"}));
  REQUIRE(one.ok());
  CHECK(one->type == MsgType::kCleanup);
  CHECK(one->target == "node2");
  auto all = decode("<fencing t=\"cleanup\"/>");
  REQUIRE(all.ok());
  CHECK(all->type == MsgType::kCleanup);
  CHECK(all->target.empty());
}

TEST_CASE("messages: malformed ones are refused") {
  for (const char* bad : {
           "",
           "<fencing",
           "<other t=\"query\"/>",
           "<fencing t=\"nope\"/>",
           "<fencing t=\"query\" origin=\"n1\" target=\"n2\" action=\"off\"/>",  // no op
           "<fencing t=\"fence\" op=\"o\" origin=\"n1\" target=\"n2\" action=\"off\"/>",
           "<fencing t=\"fence\" op=\"o\" origin=\"n1\" target=\"n2\" action=\"off\" "
           "device=\"d\" delay-ms=\"-5\"/>",
           "<fencing t=\"fence-result\" op=\"o\" origin=\"n1\" device=\"d\" ok=\"maybe\"/>",
           "<fencing t=\"done\" op=\"o\" origin=\"n1\"/>",
           "<fencing t=\"history\"><entry id=\"x\" target=\"n2\" action=\"off\" origin=\"n1\" "
           "state=\"weird\"/></fencing>",
           "<fencing t=\"query-reply\" op=\"o\" origin=\"n1\" target=\"n2\" "
           "action=\"off\"><device/></fencing>",
       }) {
    INFO(bad);
    auto m = decode(bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code() == ErrorCode::kInvalidInput);
  }
}
