#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil (pcs syntax) against a running vigil-cib, without -f.

  test_vigil_live.py --vigil build/cli/vigil --cib build/daemons/vigil-cib
                     [--simulate build/cli/vigil-simulate] [unittest options]

Starts `vigil-cib --standalone` (one node, no Corosync) in a temporary run and
state directory, points vigil at it with VIGIL_RUN_DIR, and checks:
  - the textbook commands give the same configuration as `pcs -f` on a file
    (or data/textbook-pcs.xml without pcs), one epoch per command;
  - `vigil status` prints what crm_mon prints for the same CIB (when crm_mon
    is installed), apart from the "Last updated" time, and `vigil status xml`
    crm_mon's XML document;
  - `acl` lists what `vigil -f` lists after the same commands;
  - refused commands change nothing; a daemon that goes away gives a clear
    error;
  - `vigil-simulate -L` (and with no input at all) schedules the live CIB
    exactly as `-x` does a saved copy of it.
The daemon is stopped by pid at the end. Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standalone_cib  # noqa: E402
import test_vigil  # noqa: E402  (shares the textbook commands and comparisons)

VIGIL = None
CIB = None
SIMULATE = None
CRM_MON = shutil.which("crm_mon") or (
    "/usr/sbin/crm_mon" if os.access("/usr/sbin/crm_mon", os.X_OK) else None)
TIMEOUT = 60


class LiveTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test_vigil_live.")
        self.run_dir = os.path.join(self.tmp, "run")
        self.state_dir = os.path.join(self.tmp, "state")
        os.makedirs(self.run_dir)
        os.makedirs(self.state_dir)
        # The cluster's nodes and name come from corosync.conf, as pcs reads them.
        conf = os.path.join(self.tmp, "corosync.conf")
        standalone_cib.write_corosync_conf(conf, "webcluster")
        self.env = dict(os.environ, VIGIL_RUN_DIR=self.run_dir, COROSYNC_MAIN_CONFIG_FILE=conf)
        self.log = open(os.path.join(self.tmp, "cib.log"), "w")
        self.start_daemon()

    def tearDown(self):
        standalone_cib.stop(self.daemon)
        self.log.close()
        shutil.rmtree(self.tmp)

    def daemon_log(self):
        self.log.flush()
        with open(os.path.join(self.tmp, "cib.log")) as f:
            return f.read()[-2000:]

    def vigil(self, args):
        return subprocess.run([VIGIL] + args, capture_output=True, text=True, timeout=TIMEOUT,
                              env=self.env)

    def cib_xml(self):
        r = self.vigil(["cluster", "cib"])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def save_cib(self, name):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(self.cib_xml())
        return path

    def test_textbook_like_pcs(self):
        if not test_vigil.OCF_AGENTS:
            self.skipTest("resource-agents (IPaddr2, apache) not installed")
        epoch = int(ET.fromstring(self.cib_xml()).get("epoch"))
        for args in test_vigil.TEXTBOOK:
            r = self.vigil(args)
            self.assertEqual((r.returncode, r.stdout), (0, ""), "%s: %s" % (args, r.stderr))
            now = int(ET.fromstring(self.cib_xml()).get("epoch"))
            self.assertEqual(now, epoch + 1, "one configuration change per command: %s" % args)
            epoch = now
        if test_vigil.PCS:
            theirs = os.path.join(self.tmp, "pcs.xml")
            shutil.copy(os.path.join(test_vigil.DATA, "empty-cibadmin.xml"), theirs)
            for args in test_vigil.TEXTBOOK:
                r = subprocess.run([test_vigil.PCS, "-f", theirs] + args, capture_output=True,
                                   text=True, timeout=TIMEOUT)
                self.assertEqual(r.returncode, 0, r.stderr)
        else:
            theirs = os.path.join(test_vigil.DATA, "textbook-pcs.xml")
        mine = ET.fromstring(self.cib_xml()).find("configuration")
        want = ET.parse(theirs).getroot().find("configuration")
        diff = test_vigil.first_difference(test_vigil.canon(mine), test_vigil.canon(want))
        self.assertIsNone(diff, "configuration differs from pcs's")

    def test_status_warns_like_pcs(self):
        # Fencing enabled (the default) and no device: pcs status's warning, between
        # the cluster name and crm_mon's text; no fencing sections without vigil-stonithd.
        r = self.vigil(["status"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[:5], ["Cluster name: webcluster", "", "WARNINGS:",
                                     "No stonith devices and stonith-enabled is not false", ""])
        self.assertEqual(lines[5], "Cluster Summary:")
        self.assertNotIn("Fencing", r.stdout)
        if test_vigil.PCS:
            path = self.save_cib("warn.xml")
            p = subprocess.run([test_vigil.PCS, "-f", path, "--corosync_conf",
                                self.env["COROSYNC_MAIN_CONFIG_FILE"], "status"],
                               capture_output=True, text=True, timeout=TIMEOUT)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.splitlines()[:6], lines[:6])
        self.assertEqual(self.vigil(["property", "set", "stonith-enabled=false"]).returncode, 0)
        self.assertNotIn("WARNINGS:", self.vigil(["status"]).stdout)

    def test_status_like_crm_mon(self):
        if not test_vigil.OCF_AGENTS:
            self.skipTest("resource-agents (IPaddr2, apache) not installed")
        for args in test_vigil.TEXTBOOK:
            self.assertEqual(self.vigil(args).returncode, 0, args)
        r = self.vigil(["status"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "Cluster name: webcluster")
        self.assertEqual(lines[1], "Cluster Summary:")
        self.assertIn("Full List of Resources:", lines)
        if not CRM_MON:
            return
        path = self.save_cib("status.xml")
        m = subprocess.run([CRM_MON, "-1", "-r"], capture_output=True, text=True, timeout=TIMEOUT,
                           env=dict(os.environ, CIB_file=path))
        self.assertEqual(m.returncode, 0, m.stderr)

        def comparable(text):
            return [l for l in text.splitlines() if "Last updated:" not in l]
        # pcs status ends with the local services' states, after a blank line.
        ours = comparable(r.stdout)[1:]
        self.assertIn("Daemon Status:", ours)
        daemons = ours[ours.index("Daemon Status:") + 1:]
        ours = ours[:ours.index("Daemon Status:") - 1]
        self.assertEqual(ours, comparable(m.stdout))
        for name in ["corosync", "vigil-cib", "vigil-crmd", "vigil-lrmd", "vigil-pengine",
                     "vigil-stonithd"]:
            self.assertTrue(any(re.fullmatch("  %s: (in)?active/(en|dis)abled" % name, l)
                                for l in daemons), (name, daemons))

    def test_status_xml_like_crm_mon(self):
        # `vigil status xml` on the live CIB is crm_mon's XML document for the same
        # CIB (last_update's time and the request line aside).
        if not test_vigil.OCF_AGENTS:
            self.skipTest("resource-agents (IPaddr2, apache) not installed")
        for args in test_vigil.TEXTBOOK:
            self.assertEqual(self.vigil(args).returncode, 0, args)
        r = self.vigil(["status", "xml"])
        self.assertEqual(r.returncode, 0, r.stderr)
        root = ET.fromstring(r.stdout)
        self.assertEqual(root.tag, "pacemaker-result")
        self.assertIsNotNone(root.find("resources"))
        if not CRM_MON:
            return
        path = self.save_cib("status-xml.xml")
        m = subprocess.run([CRM_MON, "--one-shot", "--inactive", "--output-as", "xml"],
                           capture_output=True, text=True, timeout=TIMEOUT,
                           env=dict(os.environ, CIB_file=path))
        self.assertEqual(m.returncode, 0, m.stderr)

        def canonical(text):
            out = []

            def walk(el, depth):
                attrs = dict(el.attrib)
                if el.tag == "pacemaker-result":
                    attrs.pop("request", None)
                if el.tag == "last_update":
                    attrs.pop("time", None)
                out.append("  " * depth + el.tag + " " + repr(sorted(attrs.items())))
                for c in el:
                    walk(c, depth + 1)
            walk(ET.fromstring(text), 0)
            return out
        self.assertEqual(canonical(r.stdout), canonical(m.stdout))

    def test_constraints_and_tags_live(self):
        # The -f commands (parity/constraint.txt, tag.txt) through vigil-cib: the
        # same ids; the nodes checked against corosync.conf; refusals write nothing.
        if not test_vigil.OCF_AGENTS:
            self.skipTest("resource-agents not installed")
        for args in (["resource", "create", "A", "ocf:heartbeat:Dummy"],
                     ["resource", "create", "B", "ocf:heartbeat:Dummy"],
                     ["constraint", "location", "A", "prefers", "node1=10"],
                     ["constraint", "location", "add", "loc-b", "B", "node2", "5"],
                     ["constraint", "location", "B", "rule", "score=7", "date-spec", "hours=9-17"],
                     ["constraint", "colocation", "add", "B", "with", "A"],
                     ["constraint", "order", "A", "then", "B"],
                     ["constraint", "colocation", "set", "A", "B"],
                     ["constraint", "ticket", "add", "T1", "A"],
                     ["tag", "create", "TG", "A", "B"],
                     ["tag", "update", "TG", "remove", "B"]):
            r = self.vigil(args)
            self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr))
            self.assertNotIn("Validation for node existence", r.stderr, args)
        before = self.cib_xml()
        for args, message in [
            (["constraint", "location", "add", "loc-c", "B", "node9", "5"],
             "Node 'node9' does not appear to exist"),
            (["constraint", "colocation", "add", "B", "with", "A"], "duplicate constraint"),
            (["constraint", "ticket", "add", "T1", "A"], "duplicate constraint"),
            (["tag", "update", "TG", "remove", "A"], "There would be no references left"),
        ]:
            r = self.vigil(args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.cib_xml(), before)
        r = self.vigil(["constraint", "config", "--full"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for line in ("      Node: node1 (score:10) (id:location-A-node1-10)",
                     "      Node: node2 (score:5) (id:loc-b)",
                     "  B with A (score:INFINITY) (id:colocation-B-A-INFINITY)",
                     "  start A then start B (kind:Mandatory) (id:order-A-B-mandatory)",
                     "  A ticket=T1 (id:ticket-T1-A)"):
            self.assertIn(line + "\n", r.stdout)
        r = self.vigil(["tag", "config"])
        self.assertEqual(r.stdout, "TG\n  A\n")

    def test_acl_live(self):
        # `acl` through vigil-cib: the same listing as `vigil -f` on a copy
        # given the same commands; refusals write nothing.
        commands = [["acl", "role", "create", "R1", "description=readers", "read", "xpath",
                     "/cib"],
                    ["acl", "permission", "add", "R1", "write", "xpath", "//resources"],
                    ["acl", "role", "create", "R2"],
                    ["acl", "user", "create", "alice", "R1"],
                    ["acl", "group", "create", "ops", "R2"],
                    ["acl", "role", "assign", "R2", "to", "user", "alice"],
                    ["acl", "role", "unassign", "R1", "from", "alice"],
                    ["acl", "enable"]]
        copy = self.save_cib("acl-copy.xml")
        for args in commands:
            r = self.vigil(args)
            self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr))
            r = self.vigil(["-f", copy] + args)
            self.assertEqual(r.returncode, 0, "-f %s: %s" % (args, r.stderr))
        live = self.vigil(["acl"])
        self.assertEqual(live.returncode, 0, live.stderr)
        self.assertEqual(live.stdout, self.vigil(["-f", copy, "acl"]).stdout)
        self.assertIn("ACLs are enabled\n\nUser: alice\n  Roles: R2\n", live.stdout)
        before = self.cib_xml()
        for args, message in [
            (["acl", "role", "create", "R1"], "'R1' already exists"),
            (["acl", "user", "create", "bob", "R1", "nope"], "ACL role 'nope' does not exist"),
            (["acl", "role", "assign", "R2", "alice"], "Role 'R2' is already assigned to 'alice'"),
            (["acl", "permission", "delete", "nope"], "ACL permission 'nope' does not exist"),
        ]:
            r = self.vigil(args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.cib_xml(), before)

    def test_alert_live(self):
        # `alert` through vigil-cib: the same listing and alerts section as
        # `vigil -f` on a copy given the same commands; refusals write nothing.
        commands = [["alert", "create", "path=/usr/share/pacemaker/alerts/alert_file.sh",
                     "id=alert_file", "meta", "timeout=15s"],
                    ["alert", "recipient", "add", "alert_file", "value=/var/log/pcmk_alerts.log",
                     "options", "debug_exec_order=false"],
                    ["alert", "create", "path=/bin/true"],
                    ["alert", "update", "alert", "description=spare"],
                    ["alert", "recipient", "add", "alert", "value=x", "id=spare-x"],
                    ["alert", "recipient", "delete", "spare-x"]]
        copy = self.save_cib("alert-copy.xml")
        for args in commands:
            r = self.vigil(args)
            self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr))
            r = self.vigil(["-f", copy] + args)
            self.assertEqual(r.returncode, 0, "-f %s: %s" % (args, r.stderr))
        live = self.vigil(["alert", "config"])
        self.assertEqual(live.returncode, 0, live.stderr)
        self.assertEqual(live.stdout, self.vigil(["-f", copy, "alert", "config"]).stdout)
        self.assertIn(" Alert: alert_file (path=/usr/share/pacemaker/alerts/alert_file.sh)\n"
                      "  Meta options: timeout=15s\n  Recipients:\n"
                      "   Recipient: alert_file-recipient (value=/var/log/pcmk_alerts.log)\n"
                      "    Options: debug_exec_order=false\n", live.stdout)
        alerts = ET.fromstring(self.cib_xml()).find("configuration/alerts")
        with open(copy) as f:
            copied = ET.fromstring(f.read()).find("configuration/alerts")
        self.assertEqual(ET.tostring(alerts), ET.tostring(copied))
        before = self.cib_xml()
        for args, message in [
            (["alert", "create", "path=/x", "id=alert_file"], "'alert_file' already exists"),
            (["alert", "recipient", "add", "alert_file", "value=/var/log/pcmk_alerts.log"],
             "already exists, use --force to override"),
            (["alert", "delete", "alert", "nope"], "alert 'nope' does not exist"),
        ]:
            r = self.vigil(args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.cib_xml(), before)

    def test_refused_command_changes_nothing(self):
        before = self.cib_xml()
        for args, message in [
            (["property", "set", "foo=bar"], "invalid cluster property option 'foo'"),
            (["constraint", "location", "Nope", "prefers", "node1=10"], "does not exist"),
            (["node", "standby", "node9"], "does not appear to exist"),
            (["constraint", "location", "Web", "prefers", "node9=10"],
             "Node 'node9' does not seem to be in the cluster"),
        ]:
            r = self.vigil(args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.cib_xml(), before)

    def test_relocate_live(self):
        # No controller here: the nodes never joined, nothing would move, so
        # show prints the picture, dry-run and run are silent and write nothing.
        r = self.vigil(["resource", "create", "R", "ocf:pacemaker:Dummy"])
        self.assertEqual(r.returncode, 0, r.stderr)
        before = self.cib_xml()
        r = self.vigil(["resource", "relocate", "show"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("Current cluster status:\n"), r.stdout)
        self.assertIn("\nTransition Summary:\n", r.stdout)
        for sub in (["dry-run"], ["run"], ["run", "R"]):
            r = self.vigil(["resource", "relocate"] + sub)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""), sub)
        r = self.vigil(["resource", "relocate", "run", "Nope"])
        self.assertEqual((r.returncode, r.stderr),
                         (1, "Error: unable to find a resource/clone/group: Nope\n"))
        self.assertEqual(self.cib_xml(), before)

    def test_wait_live(self):
        # No controller: the cluster is settled at once and nothing runs, so
        # create --wait keeps the resource and reports it stopped, as pcs does.
        r = self.vigil(["resource", "create", "W", "ocf:pacemaker:Dummy", "--wait=4"])
        self.assertEqual((r.returncode, r.stderr), (
            1, "Waiting for the cluster to apply configuration changes (timeout: 4 seconds)...\n"
               "Error: resource 'W' is not running on any node\n"
               "Error: Errors have occurred, therefore vigil is unable to continue\n"))
        self.assertIn('<primitive id="W"', self.cib_xml())
        r = self.vigil(["resource", "meta", "W", "a=b", "--wait"])
        self.assertEqual((r.returncode, r.stderr),
                         (0, "Resource 'W' is not running on any node\n"))
        r = self.vigil(["resource", "disable", "W", "--wait"])
        self.assertEqual((r.returncode, r.stderr), (
            0, "Waiting for the cluster to apply configuration changes...\n"
               "resource 'W' is not running on any node\n"))
        # move checks its value in its own words, and moves only what runs
        # (nothing does without a controller): nothing is written.
        r = self.vigil(["resource", "move", "W", "node1", "--wait=x"])
        self.assertEqual((r.returncode, r.stderr),
                         (1, "Error: 'x' is not a valid interval value\n"))
        before = self.cib_xml()
        r = self.vigil(["resource", "move", "W", "node1", "--wait=5"])
        self.assertEqual((r.returncode, r.stderr), (
            1, "Error: It is not possible to move resource 'W' as it is not running at the "
               "moment, use 'vigil resource move-with-constraint' or 'vigil constraint "
               "location' commands instead\n"))
        self.assertEqual(self.cib_xml(), before)

    def test_ban_clear_wait_live(self):
        # ban and clear --wait: crm_resource's words, pcs's "Waiting" line,
        # then the state once settled (nothing runs without a controller: a
        # resource that was not running before is no error for ban).
        r = self.vigil(["resource", "create", "W", "ocf:pacemaker:Dummy"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.vigil(["resource", "ban", "W", "node1", "--wait=5"])
        self.assertEqual((r.returncode, r.stderr), (
            0, "Warning: Creating location constraint 'cli-ban-W-on-node1' with a score of "
               "-INFINITY for resource W on node1.\n"
               "\tThis will prevent W from running on node1 until the constraint is removed\n"
               "\tThis will be the case even if node1 is the last node in the cluster\n"
               "Waiting for the cluster to apply configuration changes (timeout: 5 seconds)...\n"
               "resource 'W' is not running on any node\n"))
        self.assertIn('id="cli-ban-W-on-node1"', self.cib_xml())
        r = self.vigil(["resource", "clear", "W", "--wait"])
        self.assertEqual((r.returncode, r.stderr), (
            0, "Removing constraint: cli-ban-W-on-node1\n"
               "Waiting for the cluster to apply configuration changes...\n"
               "resource 'W' is not running on any node\n"))
        self.assertNotIn("cli-ban-W", self.cib_xml())
        # A bad value is refused before anything is written.
        before = self.cib_xml()
        r = self.vigil(["resource", "ban", "W", "node1", "--wait=soon"])
        self.assertEqual((r.returncode, r.stderr),
                         (1, "Error: 'soon' is not a valid number of seconds to wait\n"))
        r = self.vigil(["resource", "delete", "W", "--wait"])
        self.assertEqual((r.returncode, r.stderr), (
            1, "Error: Specified option '--wait' is not supported in this command\n"))
        self.assertEqual(self.cib_xml(), before)

    def test_clone_group_wait_live(self):
        # pcs's older command line code: no "Waiting" line; clone and unclone
        # name the clone, then what left it; group remove prints nothing.
        for args in (["resource", "create", "C", "ocf:pacemaker:Dummy", "--group", "G"],
                     ["resource", "create", "D", "ocf:pacemaker:Dummy", "--group", "G"]):
            r = self.vigil(args)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = self.vigil(["resource", "clone", "G", "--wait=5"])
        self.assertEqual((r.returncode, r.stderr),
                         (0, "Resource 'G-clone' is not running on any node\n"))
        r = self.vigil(["resource", "unclone", "G-clone", "--wait"])
        self.assertEqual((r.returncode, r.stderr), (0, "Resource 'G' is not running on any node\n"))
        self.assertNotIn("G-clone", self.cib_xml())
        r = self.vigil(["resource", "group", "remove", "G", "D", "--wait=2"])
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        r = self.vigil(["resource", "ungroup", "G", "--wait"])
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertNotIn('<group id="G"', self.cib_xml())

    def test_cleanup_needs_the_controller(self):
        r = self.vigil(["resource", "cleanup", "Web"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach vigil-crmd at %s/crmd.sock" % self.run_dir, r.stderr)

    @unittest.skipUnless(os.access("/usr/lib/ocf/resource.d/pacemaker/Dummy", os.X_OK),
                         "needs pacemaker's Dummy agent")
    def test_debug_actions_run_the_agent_here(self):
        # What pcs prints for debug-*: crm_resource --force-*'s report (its
        # closing error first), and its exit code, the agent's OCF result.
        state = os.path.join(self.tmp, "D.state")
        r = self.vigil(["resource", "create", "D", "ocf:pacemaker:Dummy", "state=" + state])
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = [
            ("debug-monitor", 7, "crm_resource: Error performing operation: Not running\n"
             "Operation force-check for D (ocf:pacemaker:Dummy) returned 7 (not running)\n"),
            ("debug-start", 0, "Operation force-start for D (ocf:pacemaker:Dummy) returned 0 (ok)\n"),
            ("debug-monitor", 0, "Operation force-check for D (ocf:pacemaker:Dummy) returned 0 "
             "(ok)\n"),
            ("debug-stop", 0, "Operation force-stop for D (ocf:pacemaker:Dummy) returned 0 (ok)\n"),
        ]
        for action, rc, out in expected:
            r = self.vigil(["resource", action, "D"])
            self.assertEqual((r.returncode, r.stdout, r.stderr), (rc, out, ""), action)
        r = self.vigil(["resource", "debug-start", "Nope"])
        self.assertEqual((r.returncode, r.stderr), (
            1, "Error: unable to find a resource/clone/group/bundle: Nope\n"))

    def test_daemon_gone(self):
        self.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(self.daemon.wait(timeout=10), 0, self.daemon_log())
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "cib.sock")))
        r = self.vigil(["property", "set", "stonith-enabled=false"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach vigil-cib", r.stderr)

    def test_simulate_reads_the_live_cib(self):
        if not SIMULATE:
            self.skipTest("no --simulate given")
        if not test_vigil.OCF_AGENTS:
            self.skipTest("resource-agents (IPaddr2, apache) not installed")
        for args in test_vigil.TEXTBOOK:
            self.assertEqual(self.vigil(args).returncode, 0, args)
        path = self.save_cib("simulate.xml")
        live = subprocess.run([SIMULATE, "-L", "-s"], capture_output=True, text=True,
                              timeout=TIMEOUT, env=self.env)
        self.assertEqual(live.returncode, 0, live.stderr)
        from_file = subprocess.run([SIMULATE, "-x", path, "-s"], capture_output=True, text=True,
                                   timeout=TIMEOUT, env=self.env)
        self.assertEqual(from_file.returncode, 0, from_file.stderr)
        self.assertIn("Web\t(ocf:heartbeat:apache)", live.stdout)
        self.assertEqual(live.stdout, from_file.stdout)
        # Without any input it reads the live CIB too; nothing is written back.
        default = subprocess.run([SIMULATE, "-s"], capture_output=True, text=True,
                                 timeout=TIMEOUT, env=self.env)
        self.assertEqual(default.stdout, live.stdout)
        self.assertEqual(ET.fromstring(self.cib_xml()).get("epoch"),
                         ET.parse(path).getroot().get("epoch"))
        # A daemon that is gone: crm_simulate's "CIB query failed" and exit 66.
        self.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(self.daemon.wait(timeout=10), 0, self.daemon_log())
        gone = subprocess.run([SIMULATE, "-L", "-s"], capture_output=True, text=True,
                              timeout=TIMEOUT, env=self.env)
        self.assertEqual(gone.returncode, 66)
        self.assertIn("CIB query failed: cannot reach vigil-cib", gone.stderr)

    def test_data_survives_restart(self):
        r = self.vigil(["property", "set", "stonith-enabled=false"])
        self.assertEqual(r.returncode, 0, r.stderr)
        before = ET.fromstring(self.cib_xml()).find("configuration")
        self.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(self.daemon.wait(timeout=10), 0, self.daemon_log())
        self.start_daemon()
        after = ET.fromstring(self.cib_xml()).find("configuration")
        self.assertEqual(test_vigil.canon(after), test_vigil.canon(before))

    def start_daemon(self):
        """vigil-cib --standalone in the test's directories, until its socket is there."""
        try:
            self.daemon = standalone_cib.start(CIB, self.run_dir, self.state_dir, self.log)
        except RuntimeError as e:
            self.fail("%s: %s" % (e, self.daemon_log()))

def main():
    global VIGIL, CIB, SIMULATE
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--vigil", required=True)
    parser.add_argument("--cib", required=True)
    parser.add_argument("--simulate")
    args, rest = parser.parse_known_args()
    VIGIL, CIB = os.path.abspath(args.vigil), os.path.abspath(args.cib)
    SIMULATE = os.path.abspath(args.simulate) if args.simulate else None
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
