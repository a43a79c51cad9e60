// SPDX-License-Identifier: GPL-2.0-or-later
// corosync.conf as pcs 0.11.5 writes it: every case of
// testdata/corosync_setup/cases.txt against the file pcs wrote for it, every
// refused case against pcs's own error lines, and the edits of `cluster node
// add|remove` on such a file.
#include "vigil/admin/corosync_conf.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

namespace cs = vigil::admin::corosync;

namespace {

std::string data_path(const std::string& name) {
  return std::string(VIGIL_ADMIN_TESTDATA) + "/corosync_setup/" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A data file as pcs wrote it: without the licence line ./record puts first.
std::string pcs_file(const std::string& name) {
  std::string text = slurp(data_path(name));
  if (text.rfind("# SPDX-License-Identifier:", 0) == 0) text.erase(0, text.find('\n') + 1);
  return text;
}

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// NAME -> words, from a cases file.
std::vector<std::pair<std::string, std::vector<std::string>>> cases(const std::string& file) {
  std::ifstream in(data_path(file));
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto words = split_words(line);
    const std::string name = words.front();
    words.erase(words.begin());
    out.emplace_back(name, words);
  }
  return out;
}

// pcs's errors for one setup: the parse error alone, or the validation list.
std::vector<std::string> setup_errors(const std::vector<std::string>& words) {
  auto spec = cs::parse_setup(words);
  if (!spec) return {"Error: " + spec.error().message()};
  std::vector<std::string> out;
  for (const auto& e : cs::validate_setup(*spec)) out.push_back("Error: " + e);
  return out;
}

std::string generate(const std::vector<std::string>& words, const std::string& uuid = "") {
  auto spec = cs::parse_setup(words);
  REQUIRE(spec);
  REQUIRE(cs::validate_setup(*spec).empty());
  return cs::export_conf(cs::create_conf(*spec, uuid));
}

}  // namespace

TEST_CASE("cluster setup writes corosync.conf as pcs 0.11.5 does", "[corosync_conf]") {
  const auto all = cases("cases.txt");
  REQUIRE(all.size() >= 10);
  for (const auto& [name, words] : all) {
    INFO(name);
    CHECK(generate(words) == pcs_file(name + ".conf"));
  }
}

TEST_CASE("cluster setup refuses what pcs refuses, in pcs's words", "[corosync_conf]") {
  std::map<std::string, std::vector<std::string>> expected;
  {
    std::ifstream in(data_path("errors.expected"));
    std::string current;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("#", 0) == 0) continue;
      if (line.rfind("== ", 0) == 0) {
        current = line.substr(3);
        expected[current];
      } else {
        expected[current].push_back(line);
      }
    }
  }
  const auto all = cases("error_cases.txt");
  REQUIRE(all.size() == expected.size());
  for (const auto& [name, words] : all) {
    INFO(name);
    const auto want = expected.at(name);
    REQUIRE_FALSE(want.empty());
    CHECK(setup_errors(words) == want);
  }
}

TEST_CASE("cluster_uuid ends the totem section", "[corosync_conf]") {
  const std::string text = generate({"c", "n1", "n2"}, "0123456789abcdef0123456789abcdef");
  CHECK(
      text.find("    crypto_hash: sha256\n    cluster_uuid: 0123456789abcdef0123456789abcdef\n}") !=
      std::string::npos);
}

TEST_CASE("parse and export keep pcs's file byte for byte", "[corosync_conf]") {
  for (const char* name : {"two_links_everything.conf", "udpu_options.conf", "two_nodes.conf"}) {
    INFO(name);
    const std::string text = pcs_file(name);
    auto conf = cs::parse(text);
    REQUIRE(conf);
    CHECK(cs::export_conf(*conf) == text);
  }
  auto conf = cs::parse(pcs_file("two_links_everything.conf"));
  REQUIRE(conf);
  CHECK(cs::cluster_name(*conf) == "c");
  const auto nodes = cs::nodes(*conf);
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[1].name == "n2");
  CHECK(nodes[1].nodeid == "2");
  CHECK(nodes[1].addrs == std::vector<std::string>{"10.0.0.2", "10.0.1.2"});
}

TEST_CASE("corosync's grammar errors are refused", "[corosync_conf]") {
  CHECK_FALSE(cs::parse("totem {\n version: 2\n"));
  CHECK_FALSE(cs::parse("}\n"));
  CHECK_FALSE(cs::parse("totem { x\n}\n"));
  CHECK_FALSE(cs::parse("totem {\nnonsense\n}\n"));
  CHECK(cs::parse("# comment\n\ntotem {\n  a : b \n}\n"));
}

TEST_CASE("node add and remove keep ids, links and two_node right", "[corosync_conf]") {
  auto conf = cs::parse(pcs_file("two_nodes.conf"));
  REQUIRE(conf);
  cs::add_node(*conf, "node3", {"node3"});
  // Three nodes: pcs's two_node goes; node3 takes the first free id.
  const std::string three = cs::export_conf(*conf);
  CHECK(three.find("two_node") == std::string::npos);
  CHECK(three.find("    node {\n        ring0_addr: node3\n        name: node3\n        "
                   "nodeid: 3\n    }\n}") != std::string::npos);
  CHECK(cs::remove_node(*conf, "node1"));
  CHECK_FALSE(cs::remove_node(*conf, "node1"));
  // Back to two nodes: two_node returns; a new node reuses the freed id 1.
  CHECK(cs::export_conf(*conf).find("    two_node: 1\n") != std::string::npos);
  cs::add_node(*conf, "node4", {"10.0.0.4"});
  const auto nodes = cs::nodes(*conf);
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[2].name == "node4");
  CHECK(nodes[2].nodeid == "1");

  // Two links: the new node's addresses go to the links the others use.
  auto two_links = cs::parse(pcs_file("two_links_everything.conf"));
  REQUIRE(two_links);
  cs::add_node(*two_links, "n3", {"10.0.0.3", "10.0.1.3"});
  CHECK(cs::nodes(*two_links).back().addrs == std::vector<std::string>{"10.0.0.3", "10.0.1.3"});
  // auto_tie_breaker: never two_node, whatever the count.
  CHECK(cs::export_conf(*two_links).find("two_node") == std::string::npos);
}
