// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/keepalived/config.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "temp_dir.hpp"

using namespace vigil::keepalived;

namespace {

// Files from a table; glob matches names exactly, or "DIR/*" by prefix.
class TableLoader : public Loader {
 public:
  std::map<std::string, std::string> files;
  vigil::Result<std::vector<std::string>> glob(const std::string& pattern) const override {
    std::vector<std::string> out;
    const bool star = !pattern.empty() && pattern.back() == '*';
    for (const auto& [name, text] : files) {
      if (star ? name.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0 : name == pattern)
        out.push_back(name);
    }
    return out;
  }
  vigil::Result<std::string> read(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return vigil::Error(vigil::ErrorCode::kNotFound, "no " + path);
    return it->second;
  }
};

Config parse(const std::string& text, const std::string& id = "node1") {
  ParseOptions o;
  o.config_id = id;
  auto c = parse_text(text, "/etc/k/keepalived.conf", o, NoFiles());
  if (!c) FAIL(c.error().message());
  return *c;
}

std::string failure(const std::string& text, const Loader& loader = NoFiles()) {
  ParseOptions o;
  o.config_id = "node1";
  auto c = parse_text(text, "/etc/k/keepalived.conf", o, loader);
  return c ? "" : c.error().message();
}

}  // namespace

TEST_CASE("blocks, words, quotes and comments, each with its line") {
  const auto c = parse(
      "! a comment\n"
      "vrrp_script chk { # trailing comment\n"
      "  script \"killall -0 haproxy\"   ! why\n"
      "  interval 2\n"
      "}\n"
      "vrrp_instance VI_1\n"
      "{\n"
      "  authentication { auth_type PASS\n"
      "    auth_pass ab!cd#e }\n"
      "  virtual_ipaddress {\n"
      "    10.0.0.1/24 dev eth0\n"
      "  }\n"
      "}\n");
  REQUIRE(c.directives.size() == 2);
  const auto& s = c.directives[0];
  CHECK(s.words == std::vector<std::string>{"vrrp_script", "chk"});
  CHECK(s.at.line == 2);
  CHECK(s.has_block);
  REQUIRE(s.children.size() == 2);
  CHECK(s.children[0].words == std::vector<std::string>{"script", "killall -0 haproxy"});
  CHECK(s.children[0].at.str() == "/etc/k/keepalived.conf:3");
  CHECK(s.children[1].rest() == "2");
  const auto& v = c.directives[1];
  CHECK(v.at.line == 6);
  CHECK(v.has_block);  // '{' on the next line
  REQUIRE(v.children.size() == 2);
  const auto& auth = v.children[0];
  REQUIRE(auth.children.size() == 2);
  CHECK(auth.children[0].words == std::vector<std::string>{"auth_type", "PASS"});
  CHECK(auth.children[1].words == std::vector<std::string>{"auth_pass", "ab!cd#e"});
  CHECK(auth.children[1].at.line == 9);
  CHECK(v.children[1].children[0].words == std::vector<std::string>{"10.0.0.1/24", "dev", "eth0"});
}

TEST_CASE("one-line blocks as the textbook writes them") {
  const auto c = parse(
      "virtual_server 10.0.0.1 80 {\n"
      "  real_server 10.0.0.2 80 {\n"
      "    TCP_CHECK { connect_timeout 3 }    # cut\n"
      "  }\n"
      "}\n");
  const auto& tcp = c.directives.at(0).children.at(0).children.at(0);
  CHECK(tcp.keyword() == "TCP_CHECK");
  REQUIRE(tcp.children.size() == 1);
  CHECK(tcp.children[0].words == std::vector<std::string>{"connect_timeout", "3"});
}

TEST_CASE("conditional lines follow the config id") {
  const std::string text =
      "vrrp_instance VI_0 {\n"
      "@high priority 170\n"
      "@low  priority 85\n"
      "@^high state BACKUP\n"
      "}\n";
  const auto high = parse(text, "high");
  REQUIRE(high.directives[0].children.size() == 1);
  CHECK(high.directives[0].children[0].words == std::vector<std::string>{"priority", "170"});
  CHECK(high.directives[0].children[0].at.line == 2);
  const auto low = parse(text, "low");
  REQUIRE(low.directives[0].children.size() == 2);
  CHECK(low.directives[0].children[0].rest() == "85");
  CHECK(low.directives[0].children[1].rest() == "BACKUP");
  CHECK(parse(text, "other").directives[0].children.size() == 1);
}

TEST_CASE("parameters: definitions, substitution, multi-line, predefined") {
  const auto c = parse(
      "@node1 $PRIO=240\n"
      "@node2 $PRIO=200\n"
      "$BASE=10.2.${SUB}\n"
      "$SUB=0\n"
      "$IF1=@node1\n"
      "$BLOCK= \\\n"
      "vrrp_instance VI_${N} { \\\n"
      "  priority $PRIO \\\n"
      "  virtual_ipaddress { \\\n"
      "    ${BASE}.100/32 \\\n"
      "  } \\\n"
      "}\n"
      "$N=7\n"
      "$BLOCK\n"
      "vrrp_script s {\n"
      "  script \"${_PWD}/x ${_HASH} $UNDEFINED\"\n"
      "  $IF1 weight 3\n"
      "}\n");
  REQUIRE(c.directives.size() == 2);
  const auto& inst = c.directives[0];
  CHECK(inst.words == std::vector<std::string>{"vrrp_instance", "VI_7"});
  CHECK(inst.at.line == 14);  // where $BLOCK stands
  CHECK(inst.children.at(0).words == std::vector<std::string>{"priority", "240"});
  CHECK(inst.children.at(1).children.at(0).keyword() == "10.2.0.100/32");
  const auto& s = c.directives[1];
  CHECK(s.children.at(0).arg(1) == "/etc/k/x # $UNDEFINED");
  CHECK(s.children.at(1).words == std::vector<std::string>{"weight", "3"});
  // ... and for node2 the other priority, no weight
  const auto c2 =
      parse("@node1 $PRIO=240\n@node2 $PRIO=200\nvrrp_instance V { priority $PRIO }\n", "node2");
  CHECK(c2.directives[0].children.at(0).rest() == "200");
}

TEST_CASE("includes: glob, relative to the including file, sorted, nested") {
  TableLoader files;
  files.files["/etc/k/conf.d/b.conf"] = "vrrp_script b {\n  script /b\n}\n";
  files.files["/etc/k/conf.d/a.conf"] = "include ../more/c.conf\nvrrp_script a {\n}\n";
  files.files["/etc/k/more/c.conf"] = "vrrp_script c {\n}\n";
  ParseOptions o;
  auto c =
      parse_text("include conf.d/*\nvrrp_script main {\n}\n", "/etc/k/keepalived.conf", o, files);
  REQUIRE(c);
  REQUIRE(c->directives.size() == 4);
  CHECK(c->directives[0].arg(1) == "c");
  CHECK(c->directives[0].at.str() == "/etc/k/more/c.conf:1");
  CHECK(c->directives[1].arg(1) == "a");
  CHECK(c->directives[2].arg(1) == "b");
  CHECK(c->directives[2].children.at(0).at.str() == "/etc/k/conf.d/b.conf:2");
  CHECK(c->directives[3].at.str() == "/etc/k/keepalived.conf:2");
  CHECK(c->files.size() == 4);
}

TEST_CASE("includes on the real file system") {
  vigil::test::TempDir dir;
  std::filesystem::create_directory(dir / "d");
  std::ofstream(dir / "main.conf") << "include d/*.conf\n";
  std::ofstream(dir / "d/x.conf") << "vrrp_instance X {\n  priority 5\n}\n";
  ParseOptions o;
  auto c = parse_file(dir / "main.conf", o, FileLoader());
  REQUIRE(c);
  REQUIRE(c->directives.size() == 1);
  CHECK(c->directives[0].children.at(0).at.str() == dir / "d/x.conf:2");
  auto missing = parse_text("\n include nothing/*.conf\n", dir / "main.conf", o, FileLoader());
  REQUIRE(!missing);
  CHECK(missing.error().message().find(dir / "main.conf:2: include 'nothing/*.conf'") == 0);
}

TEST_CASE("malformed input: clear errors with file:line") {
  CHECK(failure("vrrp_instance A {\n  priority 1\n") ==
        "/etc/k/keepalived.conf:1: 'vrrp_instance' block is never closed (missing '}')");
  CHECK(failure("vrrp_instance A {\n}\n}\n") ==
        "/etc/k/keepalived.conf:3: '}' without a block to close");
  CHECK(failure("vrrp_script s {\n  script \"oops\n}\n") ==
        "/etc/k/keepalived.conf:2: unterminated quoted string");
  CHECK(failure("\nvrrp_instanse A {\n}\n") ==
        "/etc/k/keepalived.conf:2: unknown top-level keyword 'vrrp_instanse'");
  CHECK(failure("{\n}\n") == "/etc/k/keepalived.conf:1: '{' without a keyword before it");
  CHECK(failure("$A=$A x\nvrrp_script $A {\n}\n")
            .find("keepalived.conf:2: more than 64 parameter substitutions") != std::string::npos);
  CHECK(failure("$A= \\\nvrrp_script s { \\\n").find("keepalived.conf:1: multi-line") !=
        std::string::npos);
  CHECK(failure("include x.conf\n") ==
        "/etc/k/keepalived.conf:1: include 'x.conf': includes are not allowed here "
        "(/etc/k/x.conf)");
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "vrrp_instance" + std::string(i ? "x" : "") + " {\n";
  CHECK(failure(deep).find("blocks nested deeper than 32") != std::string::npos);
  TableLoader loop;
  loop.files["/etc/k/keepalived.conf"] = "include keepalived.conf\n";
  CHECK(failure("include keepalived.conf\n", loop).find("nested deeper than 8 levels") !=
        std::string::npos);
  CHECK(failure("vrrp_script s {\n  script ${_RANDOM 1 5}\n}\n")
            .find("keepalived.conf:2: ${_RANDOM}") != std::string::npos);
}

TEST_CASE("every sample of Debian's keepalived parses") {
  const std::string dir = "/usr/share/doc/keepalived/samples";
  if (!std::filesystem::exists(dir)) {
    WARN("keepalived's samples are not installed: not checked");
    return;
  }
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (name.rfind("keepalived.conf.", 0) != 0) continue;
    ParseOptions o;
    o.config_id = "high";
    auto c = parse_file(e.path(), o, FileLoader());
    INFO(name);
    CHECK(c);
    if (c) CHECK(!c->directives.empty());
    ++n;
  }
  CHECK(n >= 20);
}
