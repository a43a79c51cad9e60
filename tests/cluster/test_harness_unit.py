#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness's pure parts, without root or namespaces: client-log analysis,
corosync log timestamps, statistics, the HTTP probe against local servers,
and the refusal of bad arguments."""
import http.server
import os
import socket
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            body = b"node7\n"
            self.send_response(200)
        else:
            body = b"missing"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class AnalyzeSwitch(unittest.TestCase):
    # (t_start, t_end, rc, body); the event at t=100
    RECORDS = [
        (99.00, 99.01, 0, "node1"),
        (99.95, 99.96, 0, "node1"),   # last answer of the old node
        (100.05, 100.25, 28, "none"),
        (100.10, 100.30, 7, "none"),
        (103.00, 103.02, 0, "node2"),  # first answer of the new node
        (103.05, 103.06, 0, "node2"),
    ]

    def test_takeover_outage_and_failed_requests(self):
        r = harness.analyze_switch(self.RECORDS, 100.0, "node1", "node2")
        self.assertAlmostEqual(r["t_first_ok"], 3.02)
        self.assertAlmostEqual(r["outage"], 103.02 - 99.96, places=3)
        self.assertEqual(r["failed_requests"], 2)
        self.assertEqual(r["requests_total"], 6)

    def test_answers_before_the_event_do_not_count_as_the_new_node(self):
        recs = [(99.0, 99.1, 0, "node2"), (99.5, 99.6, 0, "node1"), (101.0, 101.1, 0, "node2")]
        r = harness.analyze_switch(recs, 100.0, "node1", "node2")
        self.assertAlmostEqual(r["t_first_ok"], 1.1)
        self.assertAlmostEqual(r["outage"], 1.5)

    def test_no_answer_from_the_new_node_is_an_error(self):
        r = harness.analyze_switch(self.RECORDS, 100.0, "node1", "node3")
        self.assertIn("error", r)


class LogTimes(unittest.TestCase):
    def test_hires_timestamp(self):
        t = harness.parse_corosync_time(
            "Nov 25 17:20:01.250 [1234] node2 corosync notice  [QUORUM] Members left: 1", 2026)
        # 2026-11-25 17:20:01.25 UTC
        self.assertAlmostEqual(t, 1795627201.25, places=3)
        self.assertIsNone(harness.parse_corosync_time("garbage line", 2026))
        self.assertIsNone(harness.parse_corosync_time("Foo 99 25:61:61.0 x", 2026))

    def test_first_matching_line_after_the_event(self):
        with tempfile.TemporaryDirectory() as d:
            a = os.path.join(d, "a.log")
            with open(a, "w") as f:
                f.write("Nov 25 17:20:00.000 [1] n corosync [QUORUM] Members left: 1\n"
                        "no timestamp Members left: 1\n"
                        "Nov 25 17:20:05.500 [1] n corosync [QUORUM] Members left: 1\n"
                        "Nov 25 17:20:07.000 [1] n corosync [QUORUM] Members left: 1\n")
            event = 1795627202.0  # 17:20:02
            t = harness.first_log_time([a, os.path.join(d, "absent.log")],
                                       r"Members left: 1\b", event)
            self.assertAlmostEqual(t - event, 3.5, places=3)
            self.assertIsNone(harness.first_log_time([a], r"Members joined", event))


class Stats(unittest.TestCase):
    def test_summary(self):
        self.assertEqual(harness.summary([3.0, None, 1.0, 2.0]),
                         {"n": 3, "min": 1.0, "median": 2.0, "max": 3.0})
        self.assertIsNone(harness.summary([None]))


class HttpProbe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        cls.port = cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        # a listener that never answers
        cls.silent = socket.socket()
        cls.silent.bind(("127.0.0.1", 0))
        cls.silent.listen(16)

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.silent.close()

    def test_ok(self):
        self.assertEqual(harness.http_get("127.0.0.1", self.port, timeout=2), (0, "node7"))

    def test_http_error(self):
        self.assertEqual(harness.http_get("127.0.0.1", self.port, "/x", timeout=2)[0], 22)

    def test_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nobody listens there now
        self.assertEqual(harness.http_get("127.0.0.1", port, timeout=1)[0], 7)

    def test_timeout(self):
        port = self.silent.getsockname()[1]
        self.assertEqual(harness.http_get("127.0.0.1", port, timeout=0.2)[0], 28)

    def test_client_records_every_request(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "client.log")
            c = harness.Client("127.0.0.1", log_path=path, max_requests=5, budget=2,
                               port=self.port)
            c.start()
            c._thread.join(timeout=20)
            recs = c.stop()
            self.assertEqual(len(recs), 5)  # max_requests bounds the run
            self.assertTrue(all(r[2] == 0 and r[3] == "node7" for r in recs))
            self.assertTrue(all(r[0] <= r[1] for r in recs))
            with open(path) as f:
                lines = [line.split() for line in f]
            self.assertEqual(len(lines), 5)
            self.assertTrue(all(len(x) == 4 and x[2] == "0" and x[3] == "node7" for x in lines))


class BadArguments(unittest.TestCase):
    def test_refused(self):
        with self.assertRaises(harness.HarnessError):
            harness.Cluster("/tmp/x", nodes=0)
        with self.assertRaises(harness.HarnessError):
            harness.Cluster("/tmp/x", nodes=17)
        with self.assertRaises(harness.HarnessError):
            harness.Cluster("/tmp/x", stack="heartbeat")

    def test_names_fit_linux_interface_names(self):
        c = harness.Cluster("/tmp/x", nodes=16, tag="ffff", subnet="10.98.7")
        for i in c.nodes():
            self.assertLessEqual(len(c.veth(i)), 15)
        self.assertLessEqual(len(c.bridge), 15)
        self.assertEqual(c.vip, "10.98.7.100")
        self.assertEqual(c.addr(3), "10.98.7.3")

    def test_no_cluster_in_an_empty_work_dir(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(harness.HarnessError) as e:
                harness.Cluster.load(d)
            self.assertIn("no cluster here", str(e.exception))
            with open(os.path.join(d, "state.json"), "w") as f:
                f.write("{truncated")
            with self.assertRaises(harness.HarnessError) as e:
                harness.Cluster.load(d)
            self.assertIn("unreadable", str(e.exception))

    def test_agent_tools_of_a_build(self):
        with tempfile.TemporaryDirectory() as d:
            daemons = os.path.join(d, "daemons")
            os.makedirs(daemons)
            self.assertIsNone(harness.agent_tools_dir([daemons]))
            tools = os.path.join(d, "libexec", "vigil", "agent-tools")
            os.makedirs(tools)
            tool = os.path.join(tools, "crm_attribute")
            with open(tool, "w") as f:
                f.write("#!/bin/sh\n")
            self.assertIsNone(harness.agent_tools_dir([daemons]))  # not executable
            os.chmod(tool, 0o755)
            self.assertEqual(harness.agent_tools_dir([daemons]), tools)

    def test_node_numbers_are_checked(self):
        c = harness.Cluster("/tmp/x", nodes=2, tag="ffff", subnet="10.98.7")
        for bad in (0, 3):
            with self.assertRaises(harness.HarnessError):
                c.exec(bad, ["true"])
            with self.assertRaises(harness.HarnessError):
                c.kill(bad)



class FencingCommands(unittest.TestCase):
    def test_devices_levels_and_order(self):
        import webcluster
        cmds = webcluster.fencing_commands(["node1", "node2"], priority_fencing_delay="5s",
                                           stuck_level_for=("node1",))
        self.assertEqual(cmds[-1], ["property", "set", "stonith-enabled=true"])
        self.assertIn(["property", "set", "priority-fencing-delay=5s"], cmds)
        creates = [c for c in cmds if c[:2] == ["stonith", "create"]]
        self.assertEqual([c[2] for c in creates], ["fence-node1-stuck", "fence-node1",
                                                    "fence-node2"])
        self.assertIn("switch_socket=%s" % webcluster.STUCK_SOCKET, creates[0])
        self.assertTrue(all(c[3] == "fence_vigil_netns" for c in creates))
        self.assertEqual([c for c in cmds if c[:2] == ["stonith", "level"]],
                         [["stonith", "level", "add", "1", "node1", "fence-node1-stuck"],
                          ["stonith", "level", "add", "2", "node1", "fence-node1"]])
        # every device is kept off the node it fences
        for dev, node in (("fence-node1-stuck", "node1"), ("fence-node1", "node1"),
                          ("fence-node2", "node2")):
            self.assertIn(["constraint", "location", dev, "avoids", node], cmds)

    def test_plain(self):
        import webcluster
        cmds = webcluster.fencing_commands(["node1", "node2", "node3"], stonith_action="off",
                                           delay_max="3s")
        self.assertFalse(any(c[:2] == ["stonith", "level"] for c in cmds))
        self.assertFalse(any("priority-fencing-delay" in " ".join(c) for c in cmds))
        self.assertIn(["property", "set", "stonith-action=off"], cmds)
        self.assertEqual(sum(1 for c in cmds if "pcmk_delay_max=3s" in c), 3)


class LiveCommandsChecks(unittest.TestCase):
    """test_live_commands.py's judges: what its watcher flags, how it reads
    crm_mon's XML, how it compares printed lines."""

    XML = """<pacemaker-result api-version="2.25" request="crm_mon --output-as xml">
  <resources>
    <group id="myweb" number_resources="2">
      <resource id="VIP" active="true" nodes_running_on="1"><node name="node1" id="1"/></resource>
      <resource id="Web" active="true" nodes_running_on="2">
        <node name="node1" id="1"/><node name="node2" id="2"/></resource>
    </group>
    <resource id="Other" active="false" nodes_running_on="0"/>
    <clone id="ping-clone">
      <resource id="ping" active="true"><node name="node1" id="1"/></resource>
      <resource id="ping" active="true"><node name="node2" id="2"/></resource>
    </clone>
  </resources>
</pacemaker-result>"""

    def test_placement_reads_groups_and_skips_clones(self):
        import test_live_commands as t
        self.assertEqual(t.parse_placement(self.XML),
                         {"VIP": {"node1"}, "Web": {"node1", "node2"}, "Other": set()})
        self.assertIsNone(t.parse_placement("<not-closed"))
        self.assertIsNone(t.parse_placement("<pacemaker-result/>"))

    def test_violations(self):
        import test_live_commands as t
        where = t.parse_placement(self.XML)
        self.assertEqual(t.violations({"apache2": ["node1", "node2"], "vigil-lsb-a-d": ["node2"]},
                                      where),
                         ["apache2 runs on node1+node2", "the status has Web active on "
                          "node1+node2", "the status has Other on no node, not node2"])
        self.assertEqual(t.violations({"apache2": ["node1"]},
                                      {"VIP": {"node1"}, "Other": {"node2"}}), [])
        self.assertEqual(t.violations({}, None), [])

    def test_lines_match(self):
        import re
        import test_live_commands as t
        want = [re.compile(r"until: \d+Z"), "done"]
        self.assertTrue(t.lines_match(want, ["until: 12Z", "done"]))
        self.assertFalse(t.lines_match(want, ["until: 12Z"]))
        self.assertFalse(t.lines_match(want, ["until: 12Z!", "done"]))
        self.assertFalse(t.lines_match(want, ["until: 12Z", "done "]))


class PlainHosts(unittest.TestCase):
    """Plain hosts beside the nodes and the client's extra addresses."""

    def test_names_addresses_and_interfaces(self):
        c = harness.Cluster("/tmp/x", nodes=2, tag="ffff", subnet="10.98.7",
                            hosts=["h%d" % k for k in range(1, 17)], client_addrs=40)
        self.assertEqual(c.host_addr("h1"), "10.98.7.201")
        self.assertEqual(c.host_addr("h16"), "10.98.7.216")
        self.assertEqual(c.host_netns("h16"), "vgffffp16")
        for h in c.hosts:
            self.assertLessEqual(len(c.host_veth(h)), 15)
            self.assertNotIn(c.host_addr(h), [c.addr(i) for i in c.nodes()] + [c.vip])
        self.assertEqual(c.client_addrs[0], "10.98.7.150")
        self.assertEqual(c.client_addrs[-1], "10.98.7.189")
        self.assertTrue(set(c.client_addrs).isdisjoint({c.host_addr(h) for h in c.hosts}))
        with self.assertRaises(harness.HarnessError):
            c.host_addr("rs9")

    def test_bad_hosts_and_client_addrs_are_refused(self):
        for hosts in (["node1"], ["rs1", "rs1"], ["Rs1"], ["1rs"], ["a" * 13],
                      ["h%d" % k for k in range(17)]):
            with self.subTest(hosts=hosts), self.assertRaises(harness.HarnessError):
                harness.Cluster("/tmp/x", hosts=hosts)
        for n in (-1, 41):
            with self.assertRaises(harness.HarnessError):
                harness.Cluster("/tmp/x", client_addrs=n)

    def test_state_keeps_hosts(self):
        with tempfile.TemporaryDirectory() as d:
            c = harness.Cluster(d, tag="ffff", subnet="10.98.7", hosts=("rs1", "rs2"),
                                client_addrs=3)
            c.save()
            back = harness.Cluster.load(d)
            self.assertEqual(back.hosts, ["rs1", "rs2"])
            self.assertEqual(back.client_addrs, c.client_addrs)

    def test_apache_configuration(self):
        text = harness.apache_conf("rs1", "/w/host-rs1/apache", "/w/host-rs1/apache/run/x.pid")
        self.assertIn("ServerName rs1\n", text)
        self.assertIn("PidFile /w/host-rs1/apache/run/x.pid\n", text)
        self.assertIn('DocumentRoot "/w/host-rs1/apache/htdocs"', text)
        self.assertIn("ErrorLog /w/host-rs1/apache/logs/error.log", text)
        node = harness.apache_conf("node1", "/w/n1/apache", harness.NODE_APACHE_PIDFILE)
        self.assertIn("PidFile /run/httpd-vigil.pid\n", node)

    def test_client_takes_turns_over_its_sources(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "client.log")
                c = harness.Client("127.0.0.1", log_path=path, max_requests=6, budget=2,
                                   port=server.server_address[1],
                                   sources=["127.0.0.1", "127.0.0.2"])
                c.start()
                c._thread.join(timeout=20)
                recs = c.stop()
                self.assertEqual(sorted(r[4] for r in recs), ["127.0.0.1"] * 3 + ["127.0.0.2"] * 3)
                self.assertTrue(all(r[2] == 0 for r in recs))
                with open(path) as f:
                    self.assertTrue(all(len(line.split()) == 5 for line in f))
        finally:
            server.shutdown()
            server.server_close()


class LoadBalancer(unittest.TestCase):
    """lbcluster.py: the textbook's files rewritten for the test's network,
    HAProxy's stats, the client-record judges."""

    def textbook(self, which="master"):
        import lbcluster
        with open(getattr(lbcluster, "TEXTBOOK_" + which.upper())) as f:
            return f.read()

    def test_only_addresses_and_interface_change(self):
        import lbcluster
        text = self.textbook()
        self.assertEqual(lbcluster.textbook_addresses(text),
                         ("192.168.3.118", ["192.168.3.1", "192.168.3.2"], "eno16777736"))
        out = lbcluster.rewrite_addresses(text, "10.98.7.100", ["10.98.7.201", "10.98.7.202"],
                                          "eth0")
        self.assertEqual(lbcluster.textbook_addresses(out),
                         ("10.98.7.100", ["10.98.7.201", "10.98.7.202"], "eth0"))
        self.assertNotIn("192.168.", out)
        # line by line, only those words differ
        for a, b in zip(text.splitlines(), out.splitlines()):
            if a != b:
                self.assertRegex(a, r"192\.168\.3\.(118|1|2)\b|eno16777736")
        self.assertEqual(len(text.splitlines()), len(out.splitlines()))
        self.assertIn("virtual_server 10.98.7.100 80 {", out)
        self.assertIn("nat_mask 255.255.255.255", out)  # not an address of the textbook's
        self.assertEqual(lbcluster.delay_loop(out), 6)
        backup = lbcluster.rewrite_addresses(self.textbook("backup"), "10.98.7.100",
                                             ["10.98.7.201", "10.98.7.202"], "eth0")
        self.assertIn("state BACKUP", backup)
        with self.assertRaises(harness.HarnessError):
            lbcluster.rewrite_addresses(text, "10.98.7.100", ["10.98.7.201"], "eth0")
        with self.assertRaises(harness.HarnessError):
            lbcluster.textbook_addresses("global_defs {\n}\n")

    def test_haproxy_csv(self):
        import lbcluster
        csv = ("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,"
               "eresp,wretr,wredis,status,weight\n"
               "vigil-service,FRONTEND,,,0,1,4096,3,,,,,,,,,,OPEN,\n"
               "vigil-service,10.98.7.201:80,0,0,0,1,,2,,,,,,0,0,0,0,UP,1\n"
               "vigil-service,10.98.7.202:80,0,0,0,1,,1,,,,,,1,0,0,0,DOWN,1\n"
               "vigil-service,BACKEND,0,0,0,1,410,3,,,,,,,,,,UP,1\n")
        self.assertEqual(lbcluster.parse_haproxy_csv(csv),
                         {"10.98.7.201:80": "UP", "10.98.7.202:80": "DOWN"})
        self.assertEqual(lbcluster.parse_haproxy_csv(""), {})
        self.assertEqual(lbcluster.parse_haproxy_csv("<html>"), {})

    def test_record_judges(self):
        import lbcluster
        recs = [(1.0, 1.01, 0, "rs1", "a"), (1.05, 1.06, 0, "rs2", "b"),
                (1.10, 1.11, 0, "rs1", "a"), (2.00, 2.20, 28, "none", "b"),
                (2.05, 2.25, 7, "none", "b"), (3.00, 3.01, 0, "rs1", "b"),
                (3.05, 3.06, 0, "rs1", "a")]
        self.assertEqual(lbcluster.ok_bodies(recs, 0, 2), ["rs1", "rs2", "rs1"])
        self.assertEqual(lbcluster.alternation(["rs1", "rs2", "rs1"]), 1.0)
        self.assertEqual(lbcluster.alternation(["rs1", "rs1", "rs2"]), 0.5)
        self.assertIsNone(lbcluster.alternation(["rs1"]))
        self.assertEqual(lbcluster.servers_per_source(recs, 0, 2), {"a": {"rs1"}, "b": {"rs2"}})
        self.assertEqual(lbcluster.servers_per_source(recs), {"a": {"rs1"}, "b": {"rs2", "rs1"}})
        self.assertEqual(len(lbcluster.failed(recs, 1.5)), 2)
        self.assertEqual(lbcluster.failed(recs, 2.5), [])
        self.assertEqual(lbcluster.loss_figures(recs, 1.5),
                         {"failed_requests": 2, "last_failure": 0.75})
        self.assertEqual(lbcluster.loss_figures(recs, 2.5),
                         {"failed_requests": 0, "last_failure": None})
        self.assertEqual(lbcluster.first_answer(recs, 1.5), 3.01)
        self.assertIsNone(lbcluster.first_answer(recs, 4))


if __name__ == "__main__":
    unittest.main()
