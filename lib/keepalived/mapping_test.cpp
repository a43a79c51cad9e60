// SPDX-License-Identifier: GPL-2.0-or-later
// The mapping on the textbook's two directors and on small inputs. Expected
// values are read from the parsed input where they can be.
#include "vigil/keepalived/mapping.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

using namespace vigil::keepalived;

namespace {

const std::string kData = std::string(VIGIL_SOURCE_DIR) + "/lib/keepalived/testdata/";

Director read(const std::string& node, const std::string& path) {
  ParseOptions o;
  o.config_id = node;
  auto c = parse_file(path, o, FileLoader());
  if (!c) FAIL(c.error().message());
  return {node, *c};
}

Director text(const std::string& node, const std::string& body) {
  ParseOptions o;
  o.config_id = node;
  auto c = parse_text(body, node + ".conf", o, NoFiles());
  if (!c) FAIL(c.error().message());
  return {node, *c};
}

const Directive& find(const std::vector<Directive>& list, const std::string& kw) {
  for (const auto& d : list) {
    if (d.keyword() == kw) return d;
  }
  FAIL("no " + kw);
  throw;
}

// The commands whose words start with these.
std::vector<Command> commands(const Plan& p, std::vector<std::string> head) {
  std::vector<Command> out;
  for (const auto& c : p.commands) {
    if (c.words.size() >= head.size() && std::equal(head.begin(), head.end(), c.words.begin()))
      out.push_back(c);
  }
  return out;
}

// The one command whose words start with these (the test fails unless there
// is exactly one).
Command only(const Plan& p, std::vector<std::string> head) {
  auto found = commands(p, std::move(head));
  REQUIRE(found.size() == 1);
  return found[0];
}

bool has(const Command& c, const std::string& word) {
  return std::find(c.words.begin(), c.words.end(), word) != c.words.end();
}

std::string why_of(const Plan& p, const std::string& directive_start) {
  for (const auto& n : p.not_mapped) {
    if (n.directive.rfind(directive_start, 0) == 0) return n.why;
  }
  return "";
}

}  // namespace

TEST_CASE("the textbook's two directors") {
  const auto master = read("node1", kData + "textbook-master.conf");
  const auto backup = read("node2", kData + "textbook-backup.conf");
  auto plan = map_directors({master, backup}, {});
  REQUIRE(plan);

  const auto& inst = find(master.config.directives, "vrrp_instance");
  const std::string vip = find(inst.children, "virtual_ipaddress").children.at(0).keyword();
  const std::string nic = find(inst.children, "interface").arg(1);
  const std::string group = inst.arg(1);
  auto ips = only(*plan, {"resource", "create", group + "-ip-" + vip, "ocf:heartbeat:IPaddr2"});
  CHECK(has(ips, "ip=" + vip));
  CHECK(has(ips, "cidr_netmask=32"));  // keepalived's default for an address without a mask
  CHECK(has(ips, "nic=" + nic));
  CHECK(has(ips, "--group"));
  CHECK(has(ips, group));

  // The balancer, after the address in the same group.
  const auto& vs = find(master.config.directives, "virtual_server");
  const std::string listen = vs.arg(1) + ":" + vs.arg(2);
  auto lbs = commands(*plan, {"resource", "create"});
  REQUIRE(lbs.size() == 2);
  const Command& lb = lbs[1];
  CHECK(lb.agent == "ocf:vigil:haproxy");
  CHECK(has(lb, "listen=" + listen));
  std::string servers;
  for (const auto& rs : vs.children) {
    if (rs.keyword() != "real_server") continue;
    servers += (servers.empty() ? "" : ",") + rs.arg(1) + ":" + rs.arg(2) + " weight " +
               find(rs.children, "weight").arg(1);
  }
  CHECK(has(lb, "servers=" + servers));
  CHECK(has(lb, "balance=roundrobin"));
  CHECK(has(lb, "persistence_timeout=" + find(vs.children, "persistence_timeout").arg(1)));
  CHECK(has(lb, "check=tcp"));
  CHECK(has(lb, "check_interval=" + find(vs.children, "delay_loop").arg(1)));
  const auto& rs1 = find(vs.children, "real_server");
  CHECK(has(lb, "check_timeout=" +
                    find(find(rs1.children, "TCP_CHECK").children, "connect_timeout").arg(1)));
  CHECK(has(lb, group));
  // Its monitor is the agent's depth-0 one, named: no default depth-10 monitor.
  const auto op = std::find(lb.words.begin(), lb.words.end(), "op");
  REQUIRE(op != lb.words.end());
  CHECK(std::vector<std::string>(op, op + 4) ==
        std::vector<std::string>{"op", "monitor", "interval=10s", "timeout=20s"});

  // The priorities as location preferences, one per director.
  const std::string p1 = find(inst.children, "priority").arg(1);
  const std::string p2 =
      find(find(backup.config.directives, "vrrp_instance").children, "priority").arg(1);
  REQUIRE(p1 != p2);
  auto prefers = only(*plan, {"constraint", "location", group, "prefers"});
  CHECK(prefers.words == std::vector<std::string>{"constraint", "location", group, "prefers",
                                                  "node1=" + p1, "node2=" + p2});

  // What has no equivalent is listed with its file and line.
  const auto& advert = find(inst.children, "advert_int");
  bool listed = false;
  for (const auto& n : plan->not_mapped) {
    if (n.at.str() == advert.at.str()) listed = n.why.find("Corosync") != std::string::npos;
  }
  CHECK(listed);
  CHECK(why_of(*plan, "authentication").find("crypto") != std::string::npos);
  CHECK(why_of(*plan, "lb_kind NAT").find("approximately") != std::string::npos);
  CHECK(why_of(*plan, "nat_mask") != "");
  // Every directive is counted once: mapped or not.
  std::size_t total = 0;
  std::function<void(const Directive&)> count = [&](const Directive& d) {
    ++total;
    for (const auto& c : d.children) count(c);
  };
  for (const auto* dir : {&master, &backup}) {
    for (const auto& d : dir->config.directives) count(d);
  }
  CHECK(plan->directives == total);
  std::size_t unmapped = 0;
  for (const auto& n : plan->not_mapped) unmapped += n.approximate ? 0 : n.covered;
  CHECK(plan->mapped + unmapped == total);
}

TEST_CASE("equal priorities: MASTER gets one more; nopreempt: stickiness above the gap") {
  const std::string base =
      "vrrp_instance V {\n  state STATE\n  interface eth0\n  priority 100\n  nopreempt\n"
      "  virtual_ipaddress {\n    10.0.0.5/24\n    10.0.0.6/24 dev eth1 label eth1:web\n  }\n}\n";
  auto with_state = [&](const std::string& s) {
    std::string t = base;
    t.replace(t.find("STATE"), 5, s);
    return t;
  };
  auto plan = map_directors({text("a", with_state("MASTER")), text("b", with_state("BACKUP"))}, {});
  REQUIRE(plan);
  auto prefers = only(*plan, {"constraint", "location", "V", "prefers"});
  CHECK(has(prefers, "a=101"));
  CHECK(has(prefers, "b=100"));
  auto meta = only(*plan, {"resource", "meta", "V"});
  CHECK(has(meta, "resource-stickiness=2"));  // gap 1, + 1
  auto second = only(*plan, {"resource", "create", "V-ip-10.0.0.6"});
  CHECK(has(second, "nic=eth1"));
  CHECK(has(second, "iflabel=web"));
  CHECK(has(second, "cidr_netmask=24"));
  // The same address twice: listed, not created twice.
  auto dup = map_directors(
      {text("a",
            "vrrp_instance W {\n  virtual_ipaddress {\n    10.1.1.1\n    10.1.1.1 label "
            "eth0:1\n  }\n}\n")},
      {});
  REQUIRE(dup);
  CHECK(commands(*dup, {"resource", "create"}).size() == 1);
  CHECK(why_of(*dup, "10.1.1.1 label eth0:1") == "the same address again (first at a.conf:3)");
  // An instance whose only address is another's: one line for the whole
  // instance, its entry's own line dropped (counted once).
  auto none =
      map_directors({text("a",
                          "vrrp_instance W {\n  virtual_ipaddress {\n    10.1.1.1\n  }\n}\n"
                          "vrrp_instance X {\n  virtual_ipaddress {\n    10.1.1.1\n  }\n}\n")},
                    {});
  REQUIRE(none);
  REQUIRE(none->not_mapped.size() == 1);
  CHECK(none->not_mapped[0].directive == "vrrp_instance X");
  CHECK(none->not_mapped[0].covered == 3);
  CHECK(none->mapped + 3 == none->directives);
}

TEST_CASE("tracking scripts: a clone and one rule per weight sign") {
  const std::string conf =
      "vrrp_script chk_a {\n  script \"killall -0 haproxy\"\n  interval 2\n  timeout 4\n"
      "  fall 3\n}\n"
      "vrrp_script chk_b {\n  script /bin/b\n  weight 10\n}\n"
      "vrrp_script chk_c {\n  script /bin/c\n}\n"
      "vrrp_script unused {\n  script /bin/u\n}\n"
      "vrrp_instance V {\n  priority 10\n  virtual_ipaddress {\n    10.0.0.5\n  }\n"
      "  track_script {\n    chk_a\n    chk_b\n    chk_c weight -7\n    missing\n  }\n}\n";
  auto plan = map_directors({text("n1", conf)}, {});
  REQUIRE(plan);
  auto a = only(*plan, {"resource", "create", "chk_a", "ocf:vigil:health-script"});
  CHECK(a.words == std::vector<std::string>{"resource", "create", "chk_a",
                                            "ocf:vigil:health-script", "script=killall -0 haproxy",
                                            "name=chk_a", "fall=3", "op", "monitor", "interval=2s",
                                            "timeout=4s", "clone"});
  CHECK(commands(*plan, {"resource", "create", "unused"}).empty());
  CHECK(why_of(*plan, "vrrp_script unused").find("not tracked") != std::string::npos);
  CHECK(why_of(*plan, "missing").find("no vrrp_script missing") != std::string::npos);
  auto rules = commands(*plan, {"constraint", "location", "V", "rule"});
  REQUIRE(rules.size() == 3);
  CHECK(rules[0].words == std::vector<std::string>{"constraint", "location", "V", "rule",
                                                   "constraint-id=location-V-chk_a",
                                                   "score=-INFINITY", "not_defined", "chk_a", "or",
                                                   "chk_a", "ne", "1"});
  CHECK(has(rules[1], "score=10"));
  CHECK(has(rules[1], "eq"));
  CHECK(has(rules[2], "score=-7"));
  CHECK(has(rules[2], "not_defined"));
}

TEST_CASE("sync groups colocate; their members' tracking weights are 0") {
  const std::string conf =
      "vrrp_script s {\n  script /x\n  weight 20\n}\n"
      "vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n  track_script {\n    s\n  }\n"
      "  notify_master /bin/n\n}\n"
      "vrrp_instance A {\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n"
      "vrrp_instance B {\n  virtual_ipaddress {\n    10.0.0.2\n  }\n}\n";
  auto plan = map_directors({text("n1", conf)}, {});
  REQUIRE(plan);
  auto col = only(*plan, {"constraint", "colocation", "add"});
  CHECK(col.words ==
        std::vector<std::string>{"constraint", "colocation", "add", "B", "with", "A", "INFINITY"});
  auto rules = only(*plan, {"constraint", "location", "A", "rule"});
  CHECK(has(rules, "score=-INFINITY"));
  CHECK(why_of(*plan, "notify_master").find("alerts") != std::string::npos);
}

TEST_CASE("balancer details: algorithms, checks, unmapped kinds") {
  const std::string conf =
      "vrrp_instance V {\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n"
      "virtual_server 10.0.0.1 443 {\n  lb_algo mh\n  lb_kind DR\n  protocol TCP\n"
      "  real_server 10.0.1.1 8443 {\n    weight 3\n    SSL_GET {\n      url {\n"
      "        path /health\n        digest abc\n        status_code 204\n      }\n"
      "      connect_timeout 2\n      connect_port 9000\n    }\n  }\n}\n"
      "virtual_server 10.0.0.9 53 {\n  protocol UDP\n  real_server 10.0.1.1 53 {\n  }\n}\n"
      "virtual_server fwmark 5 {\n  real_server 10.0.1.1 80 {\n  }\n  real_server 10.0.1.2 {\n  "
      "}\n}\n";
  auto plan = map_directors({text("n1", conf)}, {});
  REQUIRE(plan);
  auto lb = only(*plan, {"resource", "create", "lb-10.0.0.1-443"});
  for (const char* w : {"balance=source", "hash_type=consistent", "check=https",
                        "check_path=/health", "check_digest=abc", "check_status=204",
                        "check_timeout=2", "servers=10.0.1.1:8443 weight 3 check-port 9000"}) {
    INFO(w);
    CHECK(has(lb, w));
  }
  CHECK(why_of(*plan, "lb_kind DR").find("ldirectord") != std::string::npos);
  CHECK(why_of(*plan, "virtual_server 10.0.0.9 53").find("UDP") != std::string::npos);
  CHECK(why_of(*plan, "virtual_server fwmark 5").find("ldirectord") != std::string::npos);

  MapOptions ld;
  ld.balancer = Balancer::kLdirectord;
  ld.ldirectord_config = "/etc/ha.d/x.cf";
  auto lplan = map_directors({text("n1", conf)}, ld);
  REQUIRE(lplan);
  REQUIRE(lplan->files.size() == 2);  // V's services, and those on no instance's address
  auto res = only(*lplan, {"resource", "create", "ldirectord-V", "ocf:heartbeat:ldirectord"});
  CHECK(has(res, "configfile=/etc/ha.d/x.cf.V"));
  const std::string& cf = lplan->files[0].text;
  CHECK(cf.find("virtual=10.0.0.1:443\n\treal=10.0.1.1:8443 gate 3\n") != std::string::npos);
  CHECK(cf.find("\tscheduler=mh\n") != std::string::npos);
  CHECK(cf.find("\tservice=https\n") != std::string::npos);
  CHECK(lplan->files[1].text.find("virtual=5\n\treal=10.0.1.1:80 ") != std::string::npos);
  CHECK(lplan->files[1].text.find("\treal=10.0.1.2:0 masq 1\n") != std::string::npos);
  CHECK(lplan->files[1].text.find("\tprotocol=udp\n") != std::string::npos);
}

TEST_CASE("errors: bad values with file:line, colliding ids, nodes twice") {
  auto bad = map_directors(
      {text("n1", "vrrp_instance V {\n  priority high\n  virtual_ipaddress {\n 10.0.0.1\n }\n}\n")},
      {});
  REQUIRE(!bad);
  CHECK(bad.error().message() == "n1.conf:2: priority: 'high' is not in 1..255");
  auto addr = map_directors(
      {text("n1", "vrrp_instance V {\n  virtual_ipaddress {\n  10.0.0\n }\n}\n")}, {});
  REQUIRE(!addr);
  CHECK(addr.error().message() == "n1.conf:3: 10.0.0: '10.0.0' is not an IP address");
  auto ids = map_directors({text("n1",
                                 "vrrp_instance V_1 {\n  virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
                                 "vrrp_instance V:1 {\n  virtual_ipaddress {\n 10.0.0.2\n }\n}\n")},
                           {});
  REQUIRE(!ids);
  CHECK(ids.error().message() ==
        "n1.conf:6: vrrp_instance: its id 'V_1' is already taken by what n1.conf:1 creates; "
        "rename one of them");
  auto twice = map_directors({text("n1", ""), text("n1", "")}, {});
  REQUIRE(!twice);
  CHECK(twice.error().message().find("'n1' is given twice") != std::string::npos);
}

TEST_CASE("ids and quoting") {
  CHECK(xml_id("VI_1", "vrrp-") == "VI_1");
  CHECK(xml_id("1st", "vrrp-") == "vrrp-1st");
  CHECK(xml_id("lb-fe80::1-80", "lb-") == "lb-fe80__1-80");
  CHECK(shell_quote("servers=1.2.3.4:80 weight 1") == "'servers=1.2.3.4:80 weight 1'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(command_line({"resource", "create", "x"}) == "vigil resource create x");
}

TEST_CASE("directors that differ: interfaces, shared blocks, conditional lines") {
  const std::string a =
      "vrrp_instance V {\n  interface eth0\n  priority 20\n  virtual_ipaddress {\n    10.0.0.1\n"
      "  }\n}\nvirtual_server 10.0.0.1 80 {\n  real_server 10.0.1.1 80 {\n    weight 2\n  }\n}\n";
  std::string b = a;
  b.replace(b.find("eth0"), 4, "ens3");
  b.replace(b.find("weight 2"), 8, "weight 5");
  auto plan = map_directors({text("a", a), text("b", b)}, {});
  REQUIRE(plan);
  auto ip = only(*plan, {"resource", "create", "V-ip-10.0.0.1"});
  for (const auto& w : ip.words) CHECK(w.rfind("nic=", 0) != 0);
  int interface_lines = 0;
  for (const auto& n : plan->not_mapped) {
    if (n.directive.rfind("interface", 0) == 0) {
      ++interface_lines;
      CHECK(n.approximate);
    }
  }
  CHECK(interface_lines == 2);
  // b's virtual_server differs: a's is used, b's listed with a's location
  auto lb = only(*plan, {"resource", "create", "lb-10.0.0.1-80"});
  CHECK(has(lb, "servers=10.0.1.1:80 weight 2"));
  CHECK(why_of(*plan, "virtual_server 10.0.0.1 80").find("differs from a.conf:8") !=
        std::string::npos);

  const std::string sample = "/usr/share/doc/keepalived/samples/keepalived.conf.conditional_conf";
  if (!std::filesystem::exists(sample)) {
    WARN("keepalived's samples are not installed: the conditional_conf case is not checked");
    return;
  }
  // One file for both directors, read with each one's node name.
  const auto high = read("high", sample);
  const auto low = read("low", sample);
  auto cond = map_directors({high, low}, {});
  REQUIRE(cond);
  const auto& hi = find(high.config.directives, "vrrp_instance");
  const auto& lo = find(low.config.directives, "vrrp_instance");
  auto prefers = only(*cond, {"constraint", "location", hi.arg(1), "prefers"});
  CHECK(has(prefers, "high=" + find(hi.children, "priority").arg(1)));
  CHECK(has(prefers, "low=" + find(lo.children, "priority").arg(1)));
  const auto& script = find(high.config.directives, "vrrp_script");
  auto clone = only(*cond, {"resource", "create", script.arg(1)});
  CHECK(has(clone, "script=" + find(script.children, "script").arg(1)));
  // low's script differs (its own @low line): listed, high's is used
  CHECK(why_of(*cond, "vrrp_script " + script.arg(1)).find("differs") != std::string::npos);
}
