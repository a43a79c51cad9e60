// SPDX-License-Identifier: GPL-2.0-or-later
// The cluster picture's DOT (which box each resource lands in, its words)
// and the PNG rendering through dot, with dot missing and with bad DOT.
#include "vigil/picture/picture.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "temp_dir.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/pengine/working_set.hpp"

namespace {

using namespace vigil;

// One operation's history: `rsc` (provider heartbeat unless given) on `node`.
std::string history(const std::string& rsc, const std::string& provider, const std::string& type,
                    const std::string& op, int interval, int rc, const std::string& node) {
  const std::string key = rsc + "_" + op + "_" + std::to_string(interval);
  return "<lrm_resource id=\"" + rsc + "\" class=\"ocf\" provider=\"" + provider + "\" type=\"" +
         type + "\"><lrm_rsc_op id=\"" + rsc + "_last_0\" operation_key=\"" + key +
         "\" operation=\"" + op +
         "\" transition-key=\"1:1:0:x\" transition-magic=\"0:" + std::to_string(rc) +
         ";1:1:0:x\" call-id=\"3\" rc-code=\"" + std::to_string(rc) +
         "\" op-status=\"0\" interval=\"" + std::to_string(interval) + "\" on_node=\"" + node +
         "\"/></lrm_resource>";
}

std::string node_state(const std::string& id, const std::string& lrm) {
  return "<node_state id=\"" + id + "\" uname=\"node" + id +
         "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"><lrm id=\"" + id +
         "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
}

// node1 runs the group (VIP failed), node2 a clone instance and the
// unmanaged Db; Spare is stopped; node3 is in standby.
const std::string kCib =
    R"(<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0"
    admin_epoch="0" have-quorum="1" dc-uuid="1">
<configuration><crm_config/>
<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/>
<node id="3" uname="node3"><instance_attributes id="n3"><nvpair id="n3-s" name="standby"
value="on"/></instance_attributes></node></nodes>
<resources>
<group id="Web"><primitive id="VIP" class="ocf" provider="heartbeat" type="IPaddr2"/>
<primitive id="Site" class="ocf" provider="heartbeat" type="apache"/></group>
<clone id="Ping-clone"><primitive id="Ping" class="ocf" provider="pacemaker" type="ping"/></clone>
<primitive id="Db" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="Db-m">
<nvpair id="Db-m-1" name="is-managed" value="false"/></meta_attributes></primitive>
<primitive id="Spare" class="ocf" provider="heartbeat" type="Dummy"/>
</resources><constraints/></configuration>
<status>)" +
    node_state("1", history("VIP", "heartbeat", "IPaddr2", "monitor", 10000, 1, "node1") +
                        history("Site", "heartbeat", "apache", "start", 0, 0, "node1")) +
    node_state("2", history("Ping", "pacemaker", "ping", "start", 0, 0, "node2") +
                        history("Db", "heartbeat", "Dummy", "start", 0, 0, "node2")) +
    node_state("3", "") + "</status></cib>";

std::string dot_of(const std::string& text) {
  auto cib = cib::Cib::from_string(text, "test");
  REQUIRE(cib);
  pengine::Options options;
  options.now = 1795608000;
  pengine::WorkingSet ws(**cib, options);
  REQUIRE(pengine::unpack(ws));
  return picture::cluster_dot(ws, "Cluster: test");
}

// The text of the box (subgraph) whose label starts with `label`.
std::string box(const std::string& dot, const std::string& label) {
  const auto at = dot.find("label=\"" + label);
  REQUIRE(at != std::string::npos);
  const auto open = dot.rfind("subgraph", at);
  int depth = 0;
  for (auto i = dot.find('{', open); i < dot.size(); ++i) {
    if (dot[i] == '{') ++depth;
    if (dot[i] == '}' && --depth == 0) return dot.substr(open, i - open + 1);
  }
  FAIL("unbalanced DOT");
  return {};
}

}  // namespace

TEST_CASE("picture: resources in the box of the node they run on") {
  const std::string dot = dot_of(kCib);
  CHECK(dot.rfind("digraph cluster_status {", 0) == 0);
  const std::string node1 = box(dot, "node1\\nonline (DC)");
  CHECK(node1.find("label=\"Group Web\"") != std::string::npos);
  CHECK(node1.find("VIP\\nocf:heartbeat:IPaddr2\\nStarted (FAILED)") != std::string::npos);
  CHECK(node1.find("Site\\nocf:heartbeat:apache\\nStarted") != std::string::npos);
  CHECK(node1.find("Ping") == std::string::npos);

  const std::string node2 = box(dot, "node2\\nonline");
  CHECK(node2.find("label=\"Clone Ping-clone\"") != std::string::npos);
  CHECK(node2.find("Db\\nocf:heartbeat:Dummy\\nStarted (unmanaged)") != std::string::npos);
  CHECK(node2.find("VIP") == std::string::npos);

  const std::string node3 = box(dot, "node3\\nstandby");
  CHECK(node3.find("\\nStarted") == std::string::npos);

  const std::string stopped = box(dot, "Not running");
  CHECK(stopped.find("Spare\\nocf:heartbeat:Dummy\\nStopped") != std::string::npos);
  CHECK(stopped.find("Site") == std::string::npos);
}

TEST_CASE("picture: ids that need quoting stay inside their quotes") {
  std::string text = kCib;
  const std::string from = "id=\"Spare\"";
  text.replace(text.find(from), from.size(), "id=\"Sp&quot;are\"");
  const std::string dot = dot_of(text);
  CHECK(dot.find("Sp\\\"are\\n") != std::string::npos);
}

TEST_CASE("picture: PNG through dot, and dot's failures") {
  vigil::test::TempDir dir;
  const std::string png = dir.path() + "/c.png";
  if (::access("/usr/bin/dot", X_OK) == 0) {
    REQUIRE(picture::render_png("digraph g { a -> b; }", png));
    std::ifstream f(png, std::ios::binary);
    std::string magic(8, '\0');
    f.read(magic.data(), 8);
    CHECK(magic == "\x89PNG\r\n\x1a\n");

    const std::string bad = dir.path() + "/bad.png";
    auto st = picture::render_png("digraph g { a -> ", bad);
    REQUIRE_FALSE(st);
    CHECK(st.error().code() == ErrorCode::kFailed);
    CHECK(st.error().message().find("could not draw " + bad) != std::string::npos);
    CHECK(::access(bad.c_str(), F_OK) != 0);
  }
  // Without dot on PATH: a clear message naming the package, no file.
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", dir.path().c_str(), 1);
  const std::string none = dir.path() + "/none.png";
  auto st = picture::render_png("digraph g {}", none);
  ::setenv("PATH", saved.c_str(), 1);
  REQUIRE_FALSE(st);
  CHECK(st.error().code() == ErrorCode::kNotFound);
  CHECK(st.error().message().find("apt-get install graphviz") != std::string::npos);
  CHECK(::access(none.c_str(), F_OK) != 0);
}
