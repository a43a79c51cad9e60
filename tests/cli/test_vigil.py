#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil (pcs 0.11 syntax, file mode) as a command.

  test_vigil.py --vigil build/cli/vigil --simulator build/cli/vigil-simulate [unittest options]

Replays the textbook sequence (cli-reference.md 4.1, 14.1) on a fresh CIB and
checks the XML: against `pcs -f` run on the same input when pcs is installed,
else against data/textbook-pcs.xml, which pcs 0.11.5 wrote from
data/empty-cibadmin.xml (`cibadmin --empty`) with the same commands. Bad input
must be refused with rc 1 and leave the file byte-for-byte unchanged. The
result must be accepted by vigil-simulate -x. Python 3 standard library only;
files live in a temporary directory removed at the end.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

VIGIL = None
SIMULATOR = None
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
# VIGIL_TEST_NO_PCS=1 exercises the committed expectation even where pcs exists.
PCS = None if os.environ.get("VIGIL_TEST_NO_PCS") else (
    shutil.which("pcs") or ("/usr/sbin/pcs" if os.access("/usr/sbin/pcs", os.X_OK) else None))
FENCE_AGENTS = all(os.access("/usr/sbin/" + a, os.X_OK) for a in ("fence_dummy", "fence_apc"))
OCF_AGENTS = os.path.isfile("/usr/lib/ocf/resource.d/heartbeat/IPaddr2") and os.path.isfile(
    "/usr/lib/ocf/resource.d/heartbeat/apache")
TIMEOUT = 60

TEXTBOOK = [
    ["property", "set", "stonith-enabled=false"],
    ["resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=192.168.122.120", "cidr_netmask=24",
     "op", "monitor", "interval=30s"],
    ["resource", "create", "Web", "ocf:heartbeat:apache", "configfile=/etc/apache2/apache2.conf",
     "statusurl=http://127.0.0.1/server-status", "op", "monitor", "interval=30s"],
    ["resource", "group", "add", "myweb", "VIP", "Web"],
    ["constraint", "location", "Web", "prefers", "node1=10"],
    ["constraint", "location", "Web", "prefers", "node2=5"],
]

# Attributes pcs or Pacemaker stamp with the time or host: not compared.
VOLATILE = {"cib-last-written", "update-origin", "update-client", "update-user"}


def canon(elem):
    """(tag, attributes without volatile ones, children) — attribute order ignored."""
    attrs = tuple(sorted((k, v) for k, v in elem.attrib.items() if k not in VOLATILE))
    return (elem.tag, attrs, tuple(canon(c) for c in elem))


def first_difference(a, b, path="/"):
    """A readable description of where two canonical trees differ."""
    if a[0] != b[0] or a[1] != b[1]:
        return "%s: %r != %r" % (path, a[:2], b[:2])
    if len(a[2]) != len(b[2]):
        return "%s%s: %d children != %d" % (path, a[0], len(a[2]), len(b[2]))
    for x, y in zip(a[2], b[2]):
        d = first_difference(x, y, path + a[0] + "/")
        if d:
            return d
    return None


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    if cmd[0] == PCS:
        # vigil names itself where pcs does.
        r.stdout = re.sub(r"(?<!man )\bpcs\b(?!-\d)", "vigil", r.stdout)
        r.stderr = re.sub(r"(?<!man )\bpcs\b(?!-\d)", "vigil", r.stderr)
    return r


class VigilTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test_vigil.")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def fresh(self, name):
        path = os.path.join(self.tmp, name)
        shutil.copy(os.path.join(DATA, "empty-cibadmin.xml"), path)
        return path

    def vigil(self, path, args):
        return run([VIGIL, "-f", path] + args)

    def assertSameCib(self, got_path, want_path):
        got = canon(ET.parse(got_path).getroot())
        want = canon(ET.parse(want_path).getroot())
        self.assertIsNone(first_difference(got, want), "vigil's CIB differs from pcs's")

    @unittest.skipUnless(OCF_AGENTS, "resource-agents (IPaddr2, apache) not installed")
    def test_textbook_matches_pcs(self):
        mine = self.fresh("vigil.xml")
        for args in TEXTBOOK:
            r = self.vigil(mine, args)
            self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr))
            self.assertEqual(r.stdout, "")
        if PCS:
            theirs = self.fresh("pcs.xml")
            for args in TEXTBOOK:
                r = run([PCS, "-f", theirs] + args)
                self.assertEqual(r.returncode, 0, "pcs %s: %s" % (args, r.stderr))
        else:
            theirs = os.path.join(DATA, "textbook-pcs.xml")
        self.assertSameCib(mine, theirs)
        # The resource list reads like pcs's (crm_mon's) from the same file.
        r = self.vigil(mine, ["resource", "status"])
        self.assertEqual(r.returncode, 0, r.stderr)
        want = ("  * Resource Group: myweb:\n"
                "    * VIP\t(ocf:heartbeat:IPaddr2):\t Stopped\n"
                "    * Web\t(ocf:heartbeat:apache):\t Stopped\n")
        self.assertEqual(r.stdout, want)
        if PCS:
            self.assertEqual(run([PCS, "-f", theirs, "resource", "status"]).stdout, want)
        # The whole status reads like crm_mon's (pcs status without its name line).
        crm_mon = shutil.which("crm_mon")
        for extra, options in [([], []), (["--full"], ["--show-detail", "--show-node-attributes",
                                                        "--failcounts"])]:
            r = self.vigil(mine, ["status"] + extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Full List of Resources:", r.stdout)
            if crm_mon:
                env = dict(os.environ, CIB_file=os.path.abspath(mine))
                m = subprocess.run([crm_mon, "--one-shot", "--inactive"] + options,
                                   capture_output=True, text=True, env=env)
                self.assertEqual(m.returncode, 0, m.stderr)

                def comparable(text):
                    return [l for l in text.splitlines() if "Last updated:" not in l]
                self.assertEqual(comparable(r.stdout), comparable(m.stdout))
        # The scheduler accepts the result.
        r = run([SIMULATOR, "-x", mine])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Resource Group: myweb", r.stdout)

    # The resource command sequences that were compared with a live pcs here
    # are in the parity suite (tests/cli/parity/resource-*.txt), which CI runs
    # from pcs's recordings.

    # The node commands' comparison with pcs lives in parity/node.txt (pcs_parity.py).

    def two_node_cibs(self):
        mine, theirs = self.fresh("vigil.xml"), self.fresh("pcs.xml")
        for path in (mine, theirs):
            tree = ET.parse(path)
            nodes = tree.getroot().find("configuration/nodes")
            for i in (1, 2):
                ET.SubElement(nodes, "node", {"id": str(i), "uname": "node%d" % i})
            tree.write(path)
        return mine, theirs

    def replay_against_pcs(self, mine, theirs, steps, stderr_on_success=True):
        """Each step through vigil and pcs: same rc, stdout, stderr and CIB."""
        for args in steps:
            r = self.vigil(mine, args)
            p = run([PCS, "-f", theirs] + args)
            with self.subTest(step=" ".join(args)):
                self.assertEqual(r.returncode, p.returncode, "%s / %s" % (r.stderr, p.stderr))
                self.assertEqual(r.stdout, p.stdout)
                # pcs quotes crm_resource's reason for a missing agent; vigil gives its own.
                if "crm_resource:" in p.stderr:
                    self.assertEqual(r.stderr.split("valid metadata: ")[0],
                                     p.stderr.split("valid metadata: ")[0])
                    self.assertEqual(r.stderr.count("\n"), p.stderr.count("\n"))
                elif stderr_on_success or p.returncode != 0:
                    self.assertEqual(r.stderr, p.stderr)
                self.assertSameCib(mine, theirs)

    @unittest.skipUnless(PCS and FENCE_AGENTS, "needs pcs and fence-agents")
    def test_stonith_commands_match_pcs(self):
        # Devices with parameters, updates, enable/disable, levels by node, pattern and
        # attribute, listings, deletes, and the refusals: same XML, exit code, stdout and
        # stderr as pcs after every step.
        mine, theirs = self.two_node_cibs()
        steps = [
            ["stonith", "create", "f1", "fence_dummy", "delay=1", "pcmk_host_list=node1"],
            ["stonith", "create", "f2", "fence_apc", "ip=10.0.0.1", "username=admin",
             "password=secret", "pcmk_host_map=node2:2", "op", "monitor", "interval=30s",
             "meta", "priority=10", "--disabled"],
            ["stonith", "create", "f3", "fence_apc", "ipaddr=10.0.0.2", "login=admin"],
            ["stonith", "create", "fx", "fence_nope"],
            ["stonith", "create", "fy", "fence_apc", "ip=10.0.0.3"],
            ["stonith", "create", "fy", "fence_apc"],
            ["stonith", "create", "fy", "fence_dummy", "bogus=1"],
            ["stonith", "create", "fy", "fence_dummy", "port=1", "plug=2"],
            ["stonith", "create", "fy", "fence_apc", "ip=1", "username=u", "action=off"],
            ["stonith", "create", "fy", "fence_dummy", "op", "bogus", "interval=3"],
            ["stonith", "create", "f1", "fence_dummy"],
            ["stonith", "create", "fz", "fence_dummy", "bogus=1", "--force"],
            ["stonith", "create", "fn", "fence_nope", "--force"],
            ["stonith", "update", "f1", "delay=3", "type=x"],
            ["stonith", "update", "f1", "delay="],
            ["stonith", "update", "f1", "bogus=3"],
            ["stonith", "update", "f2", "ip="],
            ["stonith", "update", "nope", "a=b"],
            ["stonith", "update", "f1", "op", "monitor", "interval=20s"],
            ["stonith", "update", "f1", "meta", "priority=3"],
            ["stonith", "disable", "f1"],
            ["stonith", "enable", "f1", "f2"],
            ["stonith", "disable", "nope"],
            ["stonith", "config"],
            ["stonith", "config", "f2"],
            ["stonith", "config", "nope"],
            ["stonith", "level", "add", "1", "node1", "f1"],
            ["stonith", "level", "add", "2", "node1", "f1", "f2"],
            ["stonith", "level", "add", "1", "node2", "f2"],
            ["stonith", "level", "add", "1", "regexp%node[12]", "f2"],
            ["stonith", "level", "add", "3", "attrib%rack=1", "f1"],
            ["stonith", "level", "add", "0", "node1", "f2"],
            ["stonith", "level", "add", "x", "node3", "nope"],
            ["stonith", "level", "add", "1", "node3", "f2"],
            ["stonith", "level", "add", "1", "node1", "nope"],
            ["stonith", "level", "add", "1", "attrib%rack", "f2"],
            ["stonith", "level"],
            ["stonith", "level", "config"],
            ["stonith", "level", "verify"],
            ["stonith", "config"],
            ["stonith"],
            ["stonith", "level", "remove", "2", "node1"],
            ["stonith", "level", "remove", "1", "target", "node2"],
            ["stonith", "level", "remove", "3"],
            ["stonith", "level", "remove", "9"],
            ["stonith", "level", "clear", "node1"],
            ["stonith", "level", "config"],
            ["stonith", "delete", "f1"],
            ["stonith", "remove", "f3"],
            ["stonith", "delete", "nope"],
            ["stonith", "level", "clear"],
            ["stonith", "status"],
        ]
        self.replay_against_pcs(mine, theirs, steps)

    @unittest.skipUnless(FENCE_AGENTS, "needs fence-agents")
    def test_stonith_daemon_commands_without_the_daemon(self):
        # vigil-stonithd not running: pcs's error with the reason and rc 1, never a
        # pretend success; unknown nodes (corosync.conf) refused before asking.
        conf = os.path.join(self.tmp, "corosync.conf")
        with open(conf, "w") as f:
            f.write("nodelist {\n  node {\n    name: node1\n  }\n  node {\n    name: node2\n"
                    "  }\n}\n")
        env = dict(os.environ, VIGIL_RUN_DIR=self.tmp, COROSYNC_MAIN_CONFIG_FILE=conf)
        for args, first in (
                (["stonith", "fence", "node2"], "Error: unable to fence 'node2'"),
                (["stonith", "fence", "node2", "--off"], "Error: unable to fence 'node2'"),
                (["stonith", "confirm", "node2", "--force"],
                 "Error: unable to confirm fencing of node 'node2'"),
                (["stonith", "history"], "Error: Unable to show fence history: "),
                (["stonith", "history", "show", "node1"], "Error: Unable to show fence history: "),
                (["stonith", "history", "cleanup"], "Error: Unable to cleanup fence history: ")):
            r = subprocess.run([VIGIL] + args, capture_output=True, text=True, timeout=TIMEOUT,
                               env=env)
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(r.stdout, "", args)
            errors = [l for l in r.stderr.splitlines() if not l.startswith("Warning: ")]
            self.assertTrue(errors and errors[0].startswith(first), (args, r.stderr))
            self.assertIn("vigil-stonithd", r.stderr)
        for args, says in ((["stonith", "fence", "node9"], "'node9' is not a node of this cluster"),
                           (["stonith", "confirm", "node2"], "use --force to override"),
                           (["stonith", "history", "update"], "not supported by vigil")):
            r = subprocess.run([VIGIL] + args, capture_output=True, text=True, timeout=TIMEOUT,
                               env=env)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(says, r.stderr)
            self.assertNotIn("vigil-stonithd:", r.stderr)  # refused before asking
        r = run([VIGIL, "stonith", "describe", "fence_dummy"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("fence_dummy - Dummy fence agent\n"))
        if PCS:
            # The agent's own parameters read as pcs shows them (the fencer's pcmk_*
            # parameters carry Vigil's own descriptions).
            p = run([PCS, "stonith", "describe", "fence_apc", "--full"])
            v = run([VIGIL, "stonith", "describe", "fence_apc", "--full"])
            keep = lambda out: [l for l in out.splitlines() if "pcmk_" not in l]
            self.assertEqual(keep(v.stdout), keep(p.stdout))
            # pcs still describes fence agents as resources, with a warning.
            p = run([PCS, "resource", "describe", "stonith:fence_dummy"])
            v = run([VIGIL, "resource", "describe", "stonith:fence_dummy"])
            self.assertEqual(v.returncode, 0, v.stderr)
            self.assertEqual(keep(v.stdout), keep(p.stdout))
            self.assertEqual(v.stderr, p.stderr)
        r = run([VIGIL, "stonith", "list", "apc"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("fence_apc - Fence agent for APC over telnet/ssh\n", r.stdout)
        self.assertTrue(all("apc" in l.split(" - ")[0] for l in r.stdout.splitlines()))

    def test_bad_input_changes_nothing(self):
        path = self.fresh("cib.xml")
        if OCF_AGENTS:
            for args in TEXTBOOK:
                self.assertEqual(self.vigil(path, args).returncode, 0)
        bad = [
            (["property", "set", "foo=bar"], "invalid cluster property option 'foo'"),
            (["property", "set", "no-quorum-policy=bogus"], "is not a valid no-quorum-policy value"),
            (["property", "set", "stonith-enabled"], "missing value of 'stonith-enabled' option"),
            (["property", "unset", "nonexist"], "Cannot remove property 'nonexist'"),
            (["property", "set", "stonith-enabled=false", "stonith-enabled=true"],
             "duplicate option 'stonith-enabled' with different values 'false' and 'true'"),
            (["resource", "create", "1bad", "ocf:heartbeat:Dummy"], "invalid resource name '1bad'"),
            (["resource", "create", "X", "ocf:heartbeat"], "Invalid resource agent name 'ocf:heartbeat'"),
            (["resource", "create", "X", "ocf:heartbeat:Nope"], "Agent 'ocf:heartbeat:Nope' is not installed"),
            (["resource", "create", "X", "ocf:heartbeat:Dummy", "fake"], "missing value of 'fake' option"),
            (["resource", "create", "X", "ocf:heartbeat:Dummy", "op", "monitor"],
             "When using 'op' you must specify an operation name and at least one option"),
            (["resource", "group", "add", "g", "Nope"], "'Nope' does not exist"),
            (["constraint", "location", "Nope", "prefers", "node1=10"], "Resource 'Nope' does not exist"),
            (["constraint", "colocation", "add", "Nope", "with", "Web"], "Resource 'Nope' does not exist"),
            (["constraint", "order", "Nope", "then", "Web"], "Resource 'Nope' does not exist"),
            (["constraint", "delete", "nope"], "Unable to find constraint - 'nope'"),
            (["resource", "delete", "Nope"], "Resource 'Nope' does not exist."),
            (["status", "--interval", "5"], "--interval is only valid with 'status --watch'"),
            (["resource", "status", "--watch"], "--watch and --interval are only valid with 'status'"),
            (["resource", "move", "Web"], "not supported"),
            (["resource", "cleanup", "Web"], "Specified option '-f' is not supported in this command"),
            (["--force", "property", "set", "have-watchdog=x"], "invalid cluster property option"),
        ]
        if FENCE_AGENTS:
            bad += [
                (["stonith", "create", "fx", "fence_nope"], "Agent 'stonith:fence_nope' is not installed"),
                (["stonith", "create", "fx", "fence_apc", "ip=1"],
                 "stonith option 'username' or 'login' (deprecated) has to be specified"),
                (["stonith", "create", "fx", "fence_dummy", "bogus=1"], "invalid stonith option 'bogus'"),
                (["stonith", "level", "add", "1", "node9", "nope"], "Node 'node9' does not appear"),
                (["stonith", "level", "add", "1", "regexp%n.*", "nope"],
                 "Stonith resource(s) 'nope' do not exist"),
                (["stonith", "level", "add", "abc", "regexp%n.*", "nope"], "not a valid level value"),
                (["stonith", "level", "add", "1", "attrib%rack", "nope"], "missing value of 'rack'"),
                (["stonith", "level", "remove", "4"], "Fencing level at level '4' does not exist"),
                (["stonith", "update", "nope", "a=b"], "Unable to find resource: nope"),
                (["stonith", "list"], "Specified option '-f' is not supported"),
                (["stonith", "fence", "node1"], "Specified option '-f' is not supported"),
                (["stonith", "cleanup", "x"], "Specified option '-f' is not supported"),
                (["--force", "stonith", "delete", "nope"], "not supported"),
            ]
        if OCF_AGENTS:
            bad += [
                (["resource", "create", "VIP", "ocf:heartbeat:Dummy"], "'VIP' already exists"),
                (["resource", "create", "X", "ocf:heartbeat:IPaddr2"], "required resource option 'ip' is missing"),
                (["resource", "group", "add", "VIP", "Web"], "'VIP' is not a group"),
                (["constraint", "location", "Web", "prefers", "node1=abc"], "invalid score 'abc'"),
                (["constraint", "colocation", "add", "Web", "VIP", "INFINITY"],
                 "Usage: vigil constraint"),
                (["constraint", "order", "VIP", "then", "Web"], "same group"),
                (["constraint", "order", "Web", "then", "VIP", "kind=Bogus"], "Cannot create an order"),
                (["resource", "clone", "Nope"], "unable to find group or resource: Nope"),
                (["resource", "clone", "Web", "op", "monitor", "interval=5"],
                 "op settings must be changed on base resource, not the clone"),
                (["resource", "clone", "Web", "1bad"], "invalid id '1bad'"),
                (["resource", "promotable", "myweb", "promotable=true"],
                 "you cannot specify both promotable option and promotable keyword"),
                (["resource", "unclone", "Web"], "'Web' is not a clone resource"),
                (["resource", "create", "C", "ocf:heartbeat:Dummy", "clone", "VIP"],
                 "'VIP' already exists"),
                (["resource", "create", "C", "ocf:heartbeat:Dummy", "clone", "promotable"],
                 "you can specify only one of clone, promotable, bundle or --group"),
                (["resource", "create", "C", "ocf:heartbeat:Dummy", "master"],
                 "Hint: Master/Slave resources have been renamed to promotable clones"),
                (["resource", "meta", "Nope", "a=b"], "unable to find a resource/clone/group: Nope"),
                (["resource", "disable", "Nope"], "bundle/clone/group/resource/tag 'Nope' does not exist"),
                (["constraint", "location", "Web", "rule", "a", "foo", "1"],
                 "'a foo 1' is not a valid rule expression: unexpected 'foo'"),
                (["resource", "ban", "Web", "node9"], "Node 'node9' does not appear to exist"),
                (["resource", "ban", "Web", "node9", "--promoted"],
                 "when specifying --promoted you must use the promotable clone id"),
                (["resource", "move-with-constraint", "Nope", "node1"],
                 "bundle/clone/group/resource 'Nope' does not exist"),
            ]
        with open(path, "rb") as f:
            before = f.read()
        for args, message in bad:
            r = self.vigil(path, args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(message, r.stderr, args)
            self.assertEqual(r.stdout, "", args)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), before, "%s changed the file" % args)

    def test_schema_violation_is_refused(self):
        path = self.fresh("cib.xml")
        if not OCF_AGENTS:
            self.skipTest("resource-agents not installed")
        for args in (["resource", "create", "A", "ocf:heartbeat:Dummy"],
                     ["resource", "create", "B", "ocf:heartbeat:Dummy"]):
            self.assertEqual(self.vigil(path, args).returncode, 0)
        with open(path, "rb") as f:
            before = f.read()
        r = self.vigil(path, ["constraint", "order", "A", "then", "B", "kind=Bogus"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: Unable to update cib", r.stderr)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_epoch_bumped_once_per_write(self):
        path = self.fresh("cib.xml")
        self.assertEqual(self.vigil(path, ["property", "set", "stonith-enabled=false"]).returncode, 0)
        self.assertEqual(self.vigil(path, ["property", "set", "no-quorum-policy=ignore"]).returncode, 0)
        root = ET.parse(path).getroot()
        self.assertEqual(root.get("epoch"), "3")
        self.assertEqual(root.get("num_updates"), "0")
        leftovers = [n for n in os.listdir(self.tmp) if n != "cib.xml"]
        self.assertEqual(leftovers, [], "temporary files left behind")

    def test_without_file_fails_loudly(self):
        # No vigil-cib behind the socket: a clear error naming the socket, nothing else.
        env = dict(os.environ, VIGIL_RUN_DIR=self.tmp)
        r = subprocess.run([VIGIL, "property", "set", "stonith-enabled=false"], capture_output=True,
                           text=True, timeout=TIMEOUT, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach vigil-cib at %s/cib.sock" % self.tmp, r.stderr)
        self.assertEqual(r.stdout, "")
        # A missing file is created from pcs's skeleton, but only on success.
        missing = os.path.join(self.tmp, "missing.xml")
        r = run([VIGIL, "-f", missing, "property", "set", "a=b"])
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(missing))

    def test_missing_file_created_like_pcs(self):
        mine = os.path.join(self.tmp, "vigil.xml")
        args = ["property", "set", "stonith-enabled=false"]
        self.assertEqual(self.vigil(mine, args).returncode, 0)
        root = ET.parse(mine).getroot()
        self.assertEqual((root.get("validate-with"), root.get("epoch")), ("pacemaker-3.1", "2"))
        if PCS:
            theirs = os.path.join(self.tmp, "pcs.xml")
            self.assertEqual(run([PCS, "-f", theirs] + args).returncode, 0)
            self.assertSameCib(mine, theirs)


def main():
    global VIGIL, SIMULATOR
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--vigil", required=True)
    parser.add_argument("--simulator", required=True)
    args, rest = parser.parse_known_args()
    VIGIL, SIMULATOR = os.path.abspath(args.vigil), os.path.abspath(args.simulator)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
