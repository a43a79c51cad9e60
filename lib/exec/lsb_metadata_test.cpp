// SPDX-License-Identifier: GPL-2.0-or-later
// The expected documents below are what crm_resource --show-metadata
// (Pacemaker 2.1.5) printed for the same scripts.
#include "vigil/exec/lsb_metadata.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "test_support.hpp"
#include "vigil/exec/agent.hpp"

using namespace vigil::exec;

namespace {

LsbHeader parse(const std::string& text) {
  std::istringstream in(text);
  return parse_lsb_header(in);
}

const char* const kApacheScript =
    "#!/bin/sh\n"
    "### BEGIN INIT INFO\n"
    "# Provides:          apache2\n"
    "# Required-Start:    $local_fs $remote_fs $network $syslog $named\n"
    "# Required-Stop:     $local_fs $remote_fs $network $syslog $named\n"
    "# Default-Start:     2 3 4 5\n"
    "# Default-Stop:      0 1 6\n"
    "# X-Interactive:     true\n"
    "# Short-Description: Apache2 web server\n"
    "# Description:       Start the web server\n"
    "#  This script will start the apache2 web server.\n"
    "### END INIT INFO\n"
    "\n"
    "DESC=\"web server\"\n";

const char* const kApacheMetadata =
    "<?xml version='1.0'?>\n"
    "<!DOCTYPE resource-agent SYSTEM 'ra-api-1.dtd'>\n"
    "<resource-agent name='apache2' version='0.1'>\n"
    "  <version>1.0</version>\n"
    "  <longdesc lang='en'>\n"
    "       Start the web server\n"
    "  This script will start the apache2 web server.\n"
    "  </longdesc>\n"
    "  <shortdesc lang='en'> Apache2 web server\n"
    "</shortdesc>\n"
    "  <parameters>\n"
    "  </parameters>\n"
    "  <actions>\n"
    "    <action name='meta-data'    timeout='5' />\n"
    "    <action name='start'        timeout='15' />\n"
    "    <action name='stop'         timeout='15' />\n"
    "    <action name='status'       timeout='15' />\n"
    "    <action name='restart'      timeout='15' />\n"
    "    <action name='force-reload' timeout='15' />\n"
    "    <action name='monitor'      timeout='15' interval='15' />\n"
    "  </actions>\n"
    "  <special tag='LSB'>\n"
    "    <Provides>          apache2\n"
    "</Provides>\n"
    "    <Required-Start>    $local_fs $remote_fs $network $syslog $named\n"
    "</Required-Start>\n"
    "    <Required-Stop>     $local_fs $remote_fs $network $syslog $named\n"
    "</Required-Stop>\n"
    "    <Should-Start></Should-Start>\n"
    "    <Should-Stop></Should-Stop>\n"
    "    <Default-Start>     2 3 4 5\n"
    "</Default-Start>\n"
    "    <Default-Stop>      0 1 6\n"
    "</Default-Stop>\n"
    "  </special>\n"
    "</resource-agent>\n";

}  // namespace

TEST_CASE("a well-formed LSB header gives Pacemaker's document") {
  const LsbHeader h = parse(kApacheScript);
  REQUIRE(h[LsbField::kProvides]);
  CHECK(*h[LsbField::kProvides] == "          apache2\n");
  CHECK(*h[LsbField::kShortDescription] == " Apache2 web server\n");
  CHECK(*h.description ==
        "       Start the web server\n  This script will start the apache2 web server.\n");
  CHECK_FALSE(h[LsbField::kShouldStart]);
  CHECK_FALSE(h[LsbField::kShouldStop]);
  CHECK(lsb_metadata_document("apache2", h) == kApacheMetadata);
}

TEST_CASE("missing LSB fields: empty elements, descriptions default to the name") {
  // ssh's header: no Description, tabs after the field names.
  const LsbHeader h = parse(
      "### BEGIN INIT INFO\n"
      "# Provides:\t\tssh sshd\n"
      "# Default-Stop:\t\t\n"
      "# Short-Description:\tOpenBSD Secure Shell server\n"
      "### END INIT INFO\n");
  CHECK_FALSE(h.description);
  CHECK_FALSE(h[LsbField::kRequiredStart]);
  const std::string xml = lsb_metadata_document("ssh", h);
  CHECK(xml.find("  <longdesc lang='en'>\nssh  </longdesc>\n") != std::string::npos);
  CHECK(xml.find("  <shortdesc lang='en'>\tOpenBSD Secure Shell server\n</shortdesc>\n") !=
        std::string::npos);
  CHECK(xml.find("    <Provides>\t\tssh sshd\n</Provides>\n") != std::string::npos);
  CHECK(xml.find("    <Required-Start></Required-Start>\n") != std::string::npos);
  CHECK(xml.find("    <Default-Stop>\t\t\n</Default-Stop>\n") != std::string::npos);

  const LsbHeader none = parse("### BEGIN INIT INFO\n### END INIT INFO\n");
  const std::string bare = lsb_metadata_document("x", none);
  CHECK(bare.find("<longdesc lang='en'>\nx  </longdesc>") != std::string::npos);
  CHECK(bare.find("<shortdesc lang='en'>x</shortdesc>") != std::string::npos);
}

TEST_CASE("no LSB header: nothing is read, not even comment fields") {
  const LsbHeader h = parse(
      "#!/bin/sh\n"
      "# Provides: elsewhere\n"
      "# Short-Description: not in a header\n"
      "echo hi\n");
  CHECK_FALSE(h[LsbField::kProvides]);
  CHECK_FALSE(h[LsbField::kShortDescription]);
  CHECK_FALSE(h.description);
  // The header ends at the first line that is not a comment.
  const LsbHeader cut = parse(
      "### BEGIN INIT INFO\n"
      "# Provides: a\n"
      "\n"
      "# Short-Description: after the header\n");
  CHECK(*cut[LsbField::kProvides] == " a\n");
  CHECK_FALSE(cut[LsbField::kShortDescription]);
}

TEST_CASE("the line ending a description is not read as a field; values are escaped") {
  const LsbHeader h = parse(
      "### BEGIN INIT INFO\n"
      "# Provides: x\n"
      "# Short-Description: caf\xc3\xa9 \"q\" 'a' <b>\r\n"
      "# Description: one\n"
      "# Required-Start: rs\n"
      "#  cont\n"
      "### END INIT INFO\n");
  CHECK(*h.description == " one\n");
  CHECK_FALSE(h[LsbField::kRequiredStart]);
  const std::string xml = lsb_metadata_document("x", h);
  CHECK(xml.find("<shortdesc lang='en'> caf&#xE9; \"q\" 'a' &lt;b&gt;&#13;\n</shortdesc>") !=
        std::string::npos);
  CHECK(xml.find("<longdesc lang='en'>\n one\n  </longdesc>") != std::string::npos);
  CHECK(encode_xml_entities("a&b\x01\xff") == "a&amp;b&#255;");
}

TEST_CASE("lines longer than Pacemaker's buffer are read in pieces") {
  const std::string long_value(1500, 'v');
  const LsbHeader h = parse("### BEGIN INIT INFO\n# Provides: " + long_value +
                            "\n# Short-Description: s\n### END INIT INFO\n");
  REQUIRE(h[LsbField::kProvides]);
  // The first 1023 bytes; the rest does not start with '#': the header ends.
  CHECK(h[LsbField::kProvides]->size() == 1023 - std::string("# Provides:").size());
  CHECK_FALSE(h[LsbField::kShortDescription]);
}

TEST_CASE("a script that is not executable still has meta-data; a missing one has none") {
  testing::TempDir dir;
  const std::string script = dir / "apache2";
  testing::write_file(script, kApacheScript, 0644);
  auto xml = lsb_metadata(script, "apache2");
  REQUIRE(xml);
  CHECK(*xml == kApacheMetadata);
  CHECK_FALSE(lsb_metadata(dir / "missing", "missing"));
}
