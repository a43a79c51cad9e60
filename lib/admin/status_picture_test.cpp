// SPDX-License-Identifier: GPL-2.0-or-later
// `status --png FILE`: a picture is drawn and nothing else is done; --png
// anywhere else is refused.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "temp_dir.hpp"
#include "vigil/admin/agent.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace {

using namespace vigil;

struct NoAgents : admin::MetadataSource {
  Result<admin::AgentMetadata> metadata(const admin::AgentName&) const override {
    return Error(ErrorCode::kNotFound, "no agents in this test");
  }
};

constexpr const char* kCib = R"(<cib validate-with="pacemaker-3.9" epoch="3" num_updates="0"
 admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes>
<resources><primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/></resources>
<constraints/></configuration><status/></cib>)";

}  // namespace

TEST_CASE("status --png: draws the cluster, changes nothing") {
  auto doc = xml::parse_string(kCib);
  REQUIRE(doc);
  const std::string before = xml::to_string(doc->get(), false);
  test::TempDir dir;
  NoAgents agents;
  admin::Context ctx;
  ctx.doc = doc->get();
  ctx.agents = &agents;
  ctx.flags.png = dir.path() + "/cluster.png";
  auto st = admin::run_command(ctx, {"status"});
  if (::access("/usr/bin/dot", X_OK) == 0) {
    REQUIRE(st);
    std::ifstream f(*ctx.flags.png, std::ios::binary);
    std::string magic(4, '\0');
    f.read(magic.data(), 4);
    CHECK(magic == "\x89PNG");
  } else {
    REQUIRE_FALSE(st);
    CHECK(st.error().message().find("apt-get install graphviz") != std::string::npos);
  }
  CHECK_FALSE(ctx.changed);
  CHECK(ctx.out.empty());
  CHECK(xml::to_string(doc->get(), false) == before);

  admin::Context other = ctx;
  auto refused = admin::run_command(other, {"resource", "config"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() == "--png is only valid with 'status'");
}
