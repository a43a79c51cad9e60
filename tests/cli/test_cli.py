#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-simulate as a command: bad input, order loops, determinism, -O.

  test_cli.py --simulator build/cli/vigil-simulate [unittest options, e.g. -v or a test name]

Bad input must be refused with crm_simulate's exit code, one line on stderr
that names the problem, nothing on stdout, and no crash. Python 3 standard
library only; every file is written in a temporary directory removed at the end.
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

SIMULATOR = None
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(os.path.dirname(HERE), "scenarios")
TIMEOUT = 20

# crm_simulate's exit codes (CRM_EX_*).
EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_CONFIG, EX_NOSUCH = 64, 65, 66, 78, 105

# Two nodes, the textbook web group and two Dummy resources; nothing runs yet.
CIB = """\
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <group id="myweb">
        <primitive id="VIP" class="ocf" provider="heartbeat" type="IPaddr2">
          <instance_attributes id="VIP-instance_attributes">
            <nvpair id="VIP-instance_attributes-ip" name="ip" value="192.168.122.120"/>
          </instance_attributes>
          <operations>
            <op id="VIP-monitor-interval-30s" name="monitor" interval="30s"/>
          </operations>
        </primitive>
        <primitive id="Web" class="ocf" provider="heartbeat" type="apache">
          <operations>
            <op id="Web-monitor-interval-30s" name="monitor" interval="30s"/>
          </operations>
        </primitive>
      </group>
      <primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="B" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints>
      <rsc_location id="location-Web-node1-10" rsc="Web" node="node1" score="10"/>
      <rsc_location id="location-Web-node2-5" rsc="Web" node="node2" score="5"/>
      <rsc_colocation id="col-B-A" rsc="B" with-rsc="A" score="-INFINITY"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member" crm-debug-origin="crm_simulate"/>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member" crm-debug-origin="crm_simulate"/>
  </status>
</cib>
"""


def replaced(old, new, text=CIB):
    assert old in text, old
    return text.replace(old, new, 1)


# A history entry whose call-id is not a number, on line 40.
BAD_HISTORY = replaced(
    'crm-debug-origin="crm_simulate"/>\n    <node_state id="2"',
    'crm-debug-origin="crm_simulate"><lrm id="1"><lrm_resources>\n'
    '<lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">\n'
    '<lrm_rsc_op id="A_last_0" operation_key="A_start_0" operation="start" call-id="x1"/>'
    '</lrm_resource></lrm_resources></lrm></node_state>\n    <node_state id="2"')


class SimulatorCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vigil-cli-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=self.tmp)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
        return self.path(name)

    def run_sim(self, *args):
        """Runs the simulator in the temporary directory; returns CompletedProcess (bytes)."""
        try:
            p = subprocess.run([SIMULATOR, *args], cwd=self.tmp, env=self.env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("vigil-simulate %s did not finish within %d s" % (shlex.join(args), TIMEOUT))
        self.assertGreaterEqual(p.returncode, 0, "vigil-simulate %s was killed by signal %d"
                                % (shlex.join(args), -p.returncode))
        return p

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()


class BadInput(SimulatorCase):
    """Refused whole: exact exit code, one stderr line naming the problem, empty stdout."""

    def assertRefused(self, args, code, *needles):
        p = self.run_sim(*args)
        err = p.stderr.decode("utf-8", "replace")
        what = "vigil-simulate %s\nexit %d\nstderr: %r" % (shlex.join(args), p.returncode, err)
        self.assertEqual(p.returncode, code, what)
        self.assertEqual(p.stdout, b"", what)
        self.assertEqual(len(err.splitlines()), 1, "expected exactly one stderr line\n" + what)
        self.assertTrue(err.endswith("\n"), what)
        for needle in needles:
            self.assertIn(needle, err, what)
        return err

    def test_malformed_xml(self):
        f = self.write("malformed.xml", "<cib><configuration></cib>\n")
        self.assertRefused(["-x", f, "-S"], EX_DATAERR, "malformed.xml")

    def test_truncated_xml(self):
        cut = CIB[:CIB.index('<rsc_location id="location-Web-node2-5"') + 30]
        f = self.write("truncated.xml", cut)
        self.assertRefused(["-x", f, "-S"], EX_DATAERR, "truncated.xml")

    def test_empty_file(self):
        f = self.write("empty.xml", "")
        self.assertRefused(["-x", f, "-S"], EX_DATAERR, "empty.xml")

    def test_blank_file(self):
        f = self.write("blank.xml", "  \n\n")
        self.assertRefused(["-x", f, "-S"], EX_DATAERR, "blank.xml")

    def test_missing_file(self):
        self.assertRefused(["-x", self.path("no-such-cib.xml"), "-S"], EX_NOINPUT,
                           "no-such-cib.xml")

    def test_no_input(self):
        # Without an input option the live CIB is read (as crm_simulate
        # does); here no vigil-cib listens in the run directory.
        self.env["VIGIL_RUN_DIR"] = self.tmp
        for args in (["-S"], ["-L", "-S"]):
            self.assertRefused(args, EX_NOINPUT, "CIB query failed",
                               os.path.join(self.tmp, "cib.sock"))

    def test_unknown_element(self):
        f = self.write("unknown-element.xml",
                       replaced("<constraints>", '<constraints>\n      <rsc_bogus id="x1"/>'))
        self.assertRefused(["-x", f, "-S"], EX_CONFIG, "rsc_bogus")

    def test_duplicate_id(self):
        f = self.write("duplicate-id.xml",
                       replaced('id="location-Web-node2-5"', 'id="location-Web-node1-10"'))
        self.assertRefused(["-x", f, "-S"], EX_CONFIG, "location-Web-node1-10")

    def test_constraint_names_unknown_resource(self):
        f = self.write("unknown-rsc.xml",
                       replaced('rsc="Web" node="node2"', 'rsc="NoSuchRsc" node="node2"'))
        self.assertRefused(["-x", f, "-S"], EX_CONFIG, "NoSuchRsc")

    def test_non_numeric_score(self):
        f = self.write("bad-score.xml", replaced('node="node2" score="5"', 'node="node2" score="lots"'))
        self.assertRefused(["-x", f, "-S"], EX_CONFIG, "lots")

    def test_bad_history_entry(self):
        f = self.write("bad-history.xml", BAD_HISTORY)
        for args in (["-S"], ["-Q", "-G", self.path("g.xml")]):
            self.assertRefused(["-x", f, *args], EX_CONFIG, "line 40", "call-id", "x1")

    def test_history_unchecked_without_validation(self):
        f = self.write("bad-history-none.xml",
                       BAD_HISTORY.replace('validate-with="pacemaker-3.7"', 'validate-with="none"'))
        for args in (["-S"], ["-Q", "-G", self.path("g.xml")]):
            p = self.run_sim("-x", f, *args)
            self.assertEqual(p.returncode, 0, p.stderr)

    def test_read_as_a_stream_or_a_tree_the_same(self):
        # Without -S and without injections the file is read as a stream
        # (cib::Cib::from_file_streaming); what it refuses, and how, must not
        # depend on that.
        files = {
            "malformed.xml": ("<cib><configuration></cib>\n", EX_DATAERR),
            "truncated.xml": (CIB[:CIB.index('<node_state id="2"') + 30], EX_DATAERR),
            "bad-status.xml": (replaced('<node_state id="2"', '<node_state id="2"><lrm><bogus/></lrm>'
                                        '</node_state>\n    <node_state id="3"'), EX_CONFIG),
            "bad-config.xml": (replaced("<constraints>", '<constraints><rsc_bogus id="x1"/>'),
                               EX_CONFIG),
        }
        for name, (text, code) in files.items():
            f = self.write(name, text)
            # Parse errors name the file, schema errors the line.
            needle = name if code == EX_DATAERR else "line "
            tree = self.assertRefused(["-x", f, "-S"], code, needle)
            for streamed in (["-Q", "-G", self.path("g.xml")], ["-s"]):
                err = self.assertRefused(["-x", f, *streamed], code, needle)
                self.assertEqual(err, tree, name)

    def test_promotable_clone_of_non_ocf_agent_refused(self):
        # Promotable clones are scheduled; one whose agent cannot promote (not
        # OCF) is refused, as Pacemaker refuses it.
        promotable = ('<clone id="A-clone"><meta_attributes id="A-clone-meta">'
                      '<nvpair id="A-clone-promotable" name="promotable" value="true"/>'
                      '</meta_attributes>%s</clone>')
        ocf = '<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>'
        f = self.write("clone.xml", replaced(ocf, promotable % ocf))
        self.assertEqual(self.run_sim("-x", f, "-S").returncode, 0)
        lsb = self.write("lsb.xml", replaced(
            ocf, promotable % '<primitive id="A" class="lsb" type="dummy"/>'))
        self.assertRefused(["-x", lsb, "-S"], EX_CONFIG, "A-clone", "class lsb")

    def test_unknown_long_option(self):
        f = self.write("cib.xml", CIB)
        self.assertRefused(["-x", f, "--bogus", "-S"], EX_USAGE, "--bogus")

    def test_unknown_short_option(self):
        f = self.write("cib.xml", CIB)
        self.assertRefused(["-x", f, "-S", "-k"], EX_USAGE, "-k")

    def test_missing_option_argument(self):
        self.assertRefused(["-S", "-x"], EX_USAGE, "-x")

    def test_bad_op_inject_spec(self):
        # crm_simulate 2.1.5 logs the bad spec and carries on (exit 0);
        # vigil-simulate refuses it as bad data.
        f = self.write("cib.xml", CIB)
        for spec in ("garbage", "Web_monitor_30000@node1", "Web_monitor_30000@node1=x"):
            with self.subTest(spec=spec):
                self.assertRefused(["-x", f, "-i", spec, "-S"], EX_DATAERR, spec)


    def test_ticket_constraint_with_a_bad_loss_policy(self):
        f = self.write("cib.xml", replaced(
            "</constraints>",
            '<rsc_ticket id="A-needs-T" rsc="A" ticket="T" loss-policy="sometimes"/></constraints>'))
        self.assertRefused(["-x", f, "-S"], EX_CONFIG, "loss-policy")

    def test_explain_unknown_resource(self):
        f = self.write("cib.xml", CIB)
        self.assertRefused(["-x", f, "-Q", "--explain=NoSuchRsc"], EX_NOSUCH, "NoSuchRsc")

class OrderLoop(SimulatorCase):
    """A then B and B then A: the scheduler finishes; neither start can run."""

    def setUp(self):
        super().setUp()
        self.cib = self.write("loop.xml", replaced(
            "</constraints>",
            '  <rsc_order id="order-A-B" first="A" then="B"/>\n'
            '      <rsc_order id="order-B-A" first="B" then="A"/>\n'
            "    </constraints>"))

    def test_run_finishes(self):
        p = self.run_sim("-x", self.cib, "-R")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"Transition Summary:", p.stdout)

    def test_graph_finishes(self):
        p = self.run_sim("-x", self.cib, "-Q", "-G", "graph.xml", "-D", "graph.dot")
        self.assertEqual(p.returncode, 0, p.stderr)
        root = ET.fromstring(self.read("graph.xml"))
        self.assertEqual(root.tag, "transition_graph")
        self.assertTrue(self.read("graph.dot").startswith(b" digraph"))

    @unittest.skipUnless(shutil.which("dot"), "needs Graphviz's dot")
    def test_png_picture(self):
        p = self.run_sim("-x", self.cib, "-Q", "--png", "graph.png")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.read("graph.png").startswith(b"\x89PNG\r\n\x1a\n"))

    def test_png_without_graphviz(self):
        # dot not on PATH: a clear message naming the package, exit 73, no file.
        env = dict(self.env, PATH=self.tmp)
        p = subprocess.run([SIMULATOR, "-x", self.cib, "-Q", "--png", "graph.png"], cwd=self.tmp,
                           env=env, capture_output=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 73, p.stderr)
        self.assertIn(b"apt-get install graphviz", p.stderr)
        self.assertFalse(os.path.exists(self.path("graph.png")))

    def test_simulation_stops(self):
        # The loop's starts never become runnable, so executing the graph
        # cannot complete: crm_simulate says so and exits non-zero.
        p = self.run_sim("-x", self.cib, "-S")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"Revised Cluster Status:", p.stdout)
        self.assertNotIn(b"A               start", p.stdout)


class CrmSimulateCompat(SimulatorCase):
    """Details where vigil-simulate must print and exit as crm_simulate 2.1.5 does."""

    # Known failure: vigil-simulate exits 70 when the simulated transition
    # cannot complete; crm_simulate exits 1 (CRM_EX_ERROR).
    def test_failed_transition_exits_1(self):
        cib = self.write("loop.xml", replaced(
            "</constraints>",
            '  <rsc_order id="order-A-B" first="A" then="B"/>\n'
            '      <rsc_order id="order-B-A" first="B" then="A"/>\n'
            "    </constraints>"))
        self.assertEqual(self.run_sim("-x", cib, "-S").returncode, 1)

    # Known failure: with -s (plain text) crm_simulate prints no section
    # headers, but vigil-simulate still prints "Executing Cluster Transition:".
    def test_plain_text_has_no_section_headers(self):
        p = self.run_sim("-x", self.write("cib.xml", CIB), "-S", "-s")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"allocation score", p.stdout)
        headers = [line for line in p.stdout.decode().splitlines()
                   if line.endswith(":") and line[:1].isalpha() and "score" not in line]
        self.assertEqual(headers, [])

    def test_plain_node_lists_lose_their_names(self):
        # crm_simulate prints "[ node2 ]" for the offline list as for the
        # online one: the list's name is not part of plain text.
        cib = replaced('<node_state id="2" uname="node2" in_ccm="true" crmd="online"',
                       '<node_state id="2" uname="node2" in_ccm="false" crmd="offline"')
        p = self.run_sim("-x", self.write("cib.xml", cib), "-S", "-s")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertIn("[ node1 ]", lines)
        self.assertIn("[ node2 ]", lines)
        self.assertFalse([line for line in lines if "OFFLINE" in line or "Online" in line])


class Determinism(SimulatorCase):
    """The same input twice gives byte-identical stdout, graph and DOT."""

    def twice(self, cib, extra=()):
        runs = []
        for i in (1, 2):
            p = self.run_sim("-x", cib, "-S", "-s", "-G", "g%d.xml" % i, "-D", "g%d.dot" % i, *extra)
            self.assertEqual(p.returncode, 0, p.stderr)
            runs.append((p.stdout, self.read("g%d.xml" % i), self.read("g%d.dot" % i)))
        (out1, g1, d1), (out2, g2, d2) = runs
        self.assertEqual(out1, out2, "stdout differs between two runs")
        self.assertEqual(g1, g2, "-G graph differs between two runs")
        self.assertEqual(d1, d2, "-D graph differs between two runs")
        self.assertIn(b"<transition_graph", g1)
        return g1

    def test_inline_cib(self):
        self.assertIn(b"<synapse", self.twice(self.write("cib.xml", CIB)))

    def test_scenarios(self):
        cases = sorted(glob.glob(os.path.join(SCENARIOS, "*.xml")))
        self.assertTrue(cases, "no scenario in " + SCENARIOS)
        for xml in cases:
            name = os.path.basename(xml)[:-4]
            extra = []
            args_file = os.path.join(SCENARIOS, name + ".args")
            if os.path.exists(args_file):
                with open(args_file, encoding="utf-8") as f:
                    for line in f:
                        if not line.strip().startswith("#"):
                            extra += shlex.split(line)
            with self.subTest(case=name):
                graph = self.twice(xml, extra)
                # A case whose expected run executes actions must graph them.
                with open(os.path.join(SCENARIOS, name + ".summary"), encoding="utf-8") as f:
                    acts = "action:" in f.read()
                self.assertEqual(acts, b"<synapse" in graph, "graph and expected summary disagree")



UNFENCING_CIB = replaced(
    '<nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>',
    '<nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="true"/>',
    replaced('<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>',
             '<primitive id="scsi" class="stonith" type="fence_scsi">'
             '<instance_attributes id="scsi-ia">'
             '<nvpair id="scsi-ia-list" name="pcmk_host_list" value="node1,node2"/>'
             '<nvpair id="scsi-ia-dev" name="devices" value="/dev/sdb"/></instance_attributes>'
             '<meta_attributes id="scsi-meta">'
             '<nvpair id="scsi-provides" name="provides" value="unfencing"/></meta_attributes>'
             '</primitive>'
             '<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>'))


class Unfencing(SimulatorCase):
    """A fence device with provides=unfencing: nodes are turned "on" before they
    probe or start it, unless they were unfenced with the device as it is."""

    def simulate(self, cib):
        p = self.run_sim("-x", self.write("cib.xml", cib), "-S", "-G", self.path("graph.xml"))
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return p.stdout.decode(), self.read("graph.xml").decode()

    def test_never_unfenced_nodes_are_unfenced_before_anything_probes(self):
        # With a device that unfences, every resource requires unfencing by
        # default (Pacemaker's rule), so the first probe asks for it.
        out, graph = self.simulate(UNFENCING_CIB)
        for node in ("node1", "node2"):
            self.assertIn("Fence (on) %s 'required by VIP monitor'" % node, out)
            fenced = out.index("Fencing %s (on)" % node)
            for rsc in ("VIP", "scsi", "A"):
                probed = out.index("Resource action: %-15s monitor on %s" % (rsc, node))
                self.assertLess(fenced, probed, out)
        # The device's digests travel with the unfencing, for the fencer.
        self.assertRegex(graph, r'CRM_meta_digests_all="scsi:fence_scsi:[0-9a-f]{32},"')
        self.assertIn('CRM_meta_stonith_action="on"', graph)

    def test_every_unfencing_device_in_pacemakers_order(self):
        # Pacemaker lists the devices last-found first (checked against
        # crm_simulate 2.1.5 on this CIB).
        dev = ('<primitive id="scsi2" class="stonith" type="fence_scsi">'
               '<meta_attributes id="scsi2-meta">'
               '<nvpair id="scsi2-provides" name="provides" value="unfencing"/>'
               '</meta_attributes></primitive>')
        cib = replaced('<primitive id="A" ', dev + '<primitive id="A" ', UNFENCING_CIB)
        _, graph = self.simulate(cib)
        self.assertRegex(graph, r'CRM_meta_digests_all="scsi2:fence_scsi:[0-9a-f]{32},'
                                r'scsi:fence_scsi:[0-9a-f]{32},"')

    def unfenced_status(self, digests):
        attrs = ('<transient_attributes id="%s"><instance_attributes id="status-%s">'
                 '<nvpair id="status-%s-unfenced" name="#node-unfenced" value="1700000000"/>'
                 '<nvpair id="status-%s-digests" name="#digests-all" value="%s"/>'
                 '</instance_attributes></transient_attributes>')
        cib = UNFENCING_CIB
        for n in ("1", "2"):
            state = ('<node_state id="%s" uname="node%s" in_ccm="true" crmd="online" join="member" '
                     'expected="member" crm-debug-origin="crm_simulate"/>' % (n, n))
            cib = replaced(state, state[:-2] + ">" + attrs % (n, n, n, n, digests) +
                           "</node_state>", cib)
        return cib

    def test_nodes_unfenced_with_this_device_are_not_unfenced_again(self):
        _, graph = self.simulate(UNFENCING_CIB)
        digests = re.search(r'CRM_meta_digests_all="([^"]*)"', graph).group(1)
        out, _ = self.simulate(self.unfenced_status(digests))
        self.assertNotIn("Fence (on)", out)
        self.assertIn("Resource action: scsi            start on", out)

    def test_a_node_marked_not_unfenced_is_unfenced_again(self):
        _, graph = self.simulate(UNFENCING_CIB)
        digests = re.search(r'CRM_meta_digests_all="([^"]*)"', graph).group(1)
        cib = self.unfenced_status(digests).replace(
            'name="#node-unfenced" value="1700000000"', 'name="#node-unfenced" value="0"')
        out, _ = self.simulate(cib)
        self.assertIn("Fence (on) node1 'required by VIP monitor'", out)
        self.assertIn("Fence (on) node2 'required by VIP monitor'", out)


class FencingRequired(SimulatorCase):
    """stonith-enabled defaults to true: with no fence device nothing starts,
    and -V says why (Pacemaker's scheduler logs the same three lines)."""

    def test_no_device_no_start_and_the_reason(self):
        cib = replaced(
            '<nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>',
            "", CIB)
        p = self.run_sim("-x", self.write("cib.xml", cib), "-S", "-V")
        out, err = p.stdout.decode(), p.stderr.decode()
        self.assertEqual(p.returncode, 0, err)
        self.assertNotIn("Start ", out)
        self.assertIn("Resource start-up disabled since no STONITH resources have been defined", err)

    def test_stonith_disabled_starts_without_the_warning(self):
        p = self.run_sim("-x", self.write("cib.xml", CIB), "-S", "-V")
        self.assertIn("Start      VIP", p.stdout.decode())
        self.assertNotIn("Resource start-up disabled", p.stderr.decode())


class PriorityFencingDelay(SimulatorCase):
    """priority-fencing-delay: a lost node whose active resources weigh more
    (the sum of their priorities) than the survivors' is fenced after the
    delay, so that in a split the side running the important resources
    fences first. Equal weights: no delay (pcmk_delay_* decide). The three
    answers are crm_simulate 2.1.5's on the same CIB."""

    def delay(self, heavy, light):
        with open(os.path.join(HERE, "data", "split-priorities.xml"), encoding="utf-8") as f:
            cib = f.read().replace("@HEAVY@", str(heavy)).replace("@LIGHT@", str(light))
        p = self.run_sim("-x", self.write("cib.xml", cib), "-G", self.path("graph.xml"))
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        graph = self.read("graph.xml").decode()
        # The fencing action itself (not a trigger naming it) and its attributes.
        m = re.search(r'<crm_event [^>]*operation_key="stonith-node1-reboot"[^/>]*>\s*'
                      r'<attributes [^>]*CRM_meta_priority_fencing_delay="(\d+)"', graph)
        self.assertIsNotNone(m, graph)
        return int(m.group(1))

    def test_the_heavier_lost_node_is_fenced_after_the_delay(self):
        self.assertEqual(self.delay(10, 1), 5)

    def test_the_lighter_lost_node_is_fenced_at_once(self):
        self.assertEqual(self.delay(1, 10), 0)

    def test_equal_weights_no_delay(self):
        self.assertEqual(self.delay(3, 3), 0)


class Explain(SimulatorCase):
    """--explain RSC: each change to RSC's score per node, replaying to the -s scores."""

    def test_explanation_alone(self):
        f = self.write("cib.xml", CIB)
        p = self.run_sim("-x", f, "-Q", "--explain=Web", "--explain=B")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertIn("Placement of Web (primitive in myweb): assigned to node1\n", out)
        self.assertIn("  node1: 10\n", out)
        self.assertIn("    +10         location             location-Web-node1-10\n", out)
        # A goes to node2, the node with fewer resources; B keeps away from it.
        self.assertIn("Placement of B (primitive): assigned to node1\n", out)
        self.assertIn("  node2: -INFINITY (not a candidate: negative score)\n", out)
        self.assertIn("    -INFINITY   colocation           col-B-A: B with A, score -INFINITY; "
                      "A is on node2\n", out)

    def test_after_the_score_lines(self):
        f = self.write("cib.xml", CIB)
        p = self.run_sim("-x", f, "-s", "-Q", "--explain=B")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertIn("pcmk__primitive_assign: B allocation score on node2: -INFINITY\n\n"
                      "Placement of B", out)

TICKET_CIB = replaced(
    "</constraints>",
    '<rsc_ticket id="A-needs-T" rsc="A" ticket="T" loss-policy="stop"/></constraints>')


class Tickets(SimulatorCase):
    """-g/-r/-b/-e change the ticket states before scheduling: A runs only
    while its ticket T is granted and not in standby."""

    def simulate(self, *args):
        p = self.run_sim("-x", self.write("cib.xml", TICKET_CIB), "-S", "-O", "out.xml", *args)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        out = p.stdout.decode()
        summary = out[out.index("Transition Summary:"):out.index("Executing Cluster Transition:")]
        return out, summary

    def ticket_state(self):
        root = ET.fromstring(self.read("out.xml"))
        state = root.find("./status/tickets/ticket_state[@id='T']")
        return dict(state.attrib) if state is not None else None

    def test_a_ticket_without_state_is_not_granted(self):
        _, summary = self.simulate()
        self.assertNotIn(" A ", summary)
        self.assertIsNone(self.ticket_state())

    def test_granting_starts_the_resource(self):
        out, summary = self.simulate("-g", "T")
        self.assertIn("  * Granting ticket T\n", out)
        self.assertRegex(summary, r"Start\s+A\s")
        self.assertEqual(self.ticket_state(), {"id": "T", "granted": "true"})

    def test_standby_keeps_it_stopped_until_activated(self):
        out, summary = self.simulate("-g", "T", "-b", "T")
        self.assertIn("  * Making ticket T standby\n", out)
        self.assertNotIn(" A ", summary)
        out, summary = self.simulate("-e", "T", "-g", "T")
        # Pacemaker's order whatever the command line's: grant, then activate.
        self.assertLess(out.index("Granting ticket T"), out.index("Activating ticket T"))
        self.assertRegex(summary, r"Start\s+A\s")


class QuietInjections(SimulatorCase):
    """-Q with injections: crm_simulate prints nothing but the blank line it
    puts after them (quorum alone does not count)."""

    def quiet(self, *args):
        p = self.run_sim("-x", self.write("cib.xml", TICKET_CIB), "-Q", *args)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return p.stdout

    def test_a_blank_line_before_the_simulation(self):
        self.assertEqual(self.quiet("-g", "T", "-S"), b"\n")
        self.assertEqual(self.quiet("-u", "node1", "-S"), b"\n")

    def test_a_blank_line_before_the_scores(self):
        self.assertTrue(self.quiet("-g", "T", "-s").startswith(b"\npcmk__"))

    def test_nothing_for_quorum_alone_or_without_execution(self):
        self.assertEqual(self.quiet("-q", "true", "-S"), b"")
        self.assertEqual(self.quiet("-g", "T"), b"")
class ShowUtilization(SimulatorCase):
    """-U: node capacities before and after, and what each assignment uses."""

    def cib(self):
        text = replaced('<node id="1" uname="node1"/>',
                        '<node id="1" uname="node1"><utilization id="n1-u">'
                        '<nvpair id="n1-u-cpu" name="cpu" value="2"/></utilization></node>')
        text = replaced('<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>',
                        '<primitive id="A" class="ocf" provider="pacemaker" type="Dummy">'
                        '<utilization id="A-u"><nvpair id="A-u-cpu" name="cpu" value="1"/>'
                        '</utilization></primitive>', text)
        return self.write("cib.xml", text)

    def test_lines_among_the_scores(self):
        p = self.run_sim("-x", self.cib(), "-sU", "-Q")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertEqual(lines[0], "Original: node1 capacity: cpu=2")
        self.assertEqual(lines[1], "Original: node2 capacity:")
        # The group took node1, so A (default strategy: capacity ignored) goes
        # to node2, which lacks cpu: it appears there at 0. B keeps away from A.
        self.assertIn("pcmk__finalize_assignment: A utilization on node2: cpu=1", lines)
        self.assertIn("pcmk__finalize_assignment: B utilization on node1:", lines)
        self.assertEqual(lines[-2:], ["Remaining: node1 capacity: cpu=2",
                                      "Remaining: node2 capacity: cpu=0"])

    def test_headers(self):
        for args, header in ((["-U"], "Utilization Information:"),
                             (["-s", "-U"], "Allocation Scores and Utilization Information:"),
                             (["-s"], "Allocation Scores:")):
            p = self.run_sim("-x", self.cib(), "--text-fancy", *args)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("\n" + header + "\n", p.stdout.decode())


class SaveOutput(SimulatorCase):
    """-O writes the CIB after the simulated transition, and it loads again."""

    def save(self):
        cib = self.write("cib.xml", CIB)
        p = self.run_sim("-x", cib, "-S", "-O", "out.xml")
        self.assertEqual(p.returncode, 0, p.stderr)
        return self.path("out.xml")

    def test_saved_cib_loads_again(self):
        out_xml = self.save()
        root = ET.fromstring(self.read("out.xml"))
        self.assertEqual(root.tag, "cib")
        self.assertEqual(root.get("validate-with"), "pacemaker-3.7")
        self.assertIsNotNone(root.find("./status/node_state/lrm"), "no resource history saved")

        again = self.run_sim("-x", out_xml, "-S")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stderr, b"")
        out = again.stdout.decode()
        current = out[:out.index("Transition Summary:")]
        self.assertIn("Web\t(ocf:heartbeat:apache):\t Started node1", current)
        self.assertIn("VIP\t(ocf:heartbeat:IPaddr2):\t Started node1", current)
        self.assertEqual(current.count("Started"), 4, current)

    # Known failure: the history vigil-simulate writes for simulated actions
    # has no op-digest, so the saved CIB restarts everything "due to resource
    # definition change" (crm_simulate reads it the same way). Remove the
    # decorators once fixed; an unexpected success fails the run.
    def test_saved_history_records_digests(self):
        # Pacemaker compares each operation's op-digest with the configuration
        # to tell whether a resource's definition changed since it started.
        self.save()
        root = ET.fromstring(self.read("out.xml"))
        ops = root.findall(".//lrm_rsc_op")
        self.assertTrue(ops)
        for op in ops:
            self.assertTrue(op.get("op-digest"), "%s has no op-digest" % op.get("id"))

    def test_saved_cib_is_settled(self):
        # Nothing changed since the simulated transition: nothing to do.
        again = self.run_sim("-x", self.save(), "-S")
        self.assertEqual(again.returncode, 0, again.stderr)
        out = again.stdout.decode()
        summary = out[out.index("Transition Summary:"):out.index("Executing Cluster Transition:")]
        self.assertEqual(summary.strip(), "Transition Summary:",
                         "the saved state still needs actions:\n" + summary)

    def test_input_is_untouched(self):
        self.save()
        self.assertEqual(self.read("cib.xml").decode(), CIB)


def main():
    global SIMULATOR
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--simulator", required=True)
    args, rest = ap.parse_known_args()
    SIMULATOR = os.path.abspath(args.simulator)
    if not os.access(SIMULATOR, os.X_OK):
        print("test_cli.py: simulator not found: %s" % args.simulator, file=sys.stderr)
        return 2
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
