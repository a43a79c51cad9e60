#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`vigil import keepalived` as a command, on CIB files.

  test_import_keepalived.py --vigil build/cli/vigil [--cib build/daemons/vigil-cib] [unittest options]

The textbook's two directors (lib/keepalived/testdata: the MASTER file and
the BACKUP one with a lower priority) imported into a CIB with -f, checked
by reading the resulting XML against values read from the two files; the
printed commands, run one by one, give the same configuration; the
ldirectord variant writes its ldirectord.cf; --dry-run and every error
leave the CIB (and the ldirectord.cf) byte-for-byte as they were; every
sample of Debian's keepalived package imports in --dry-run or fails with a
file:line error (skipped without the package); with --cib, the import
without -f against `vigil-cib --standalone` is one update of the
configuration, or none. Python 3 standard library
only; files live in a temporary directory removed at the end.
"""

import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

VIGIL = None
CIB = None
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "lib", "keepalived", "testdata")
MASTER = os.path.join(DATA, "textbook-master.conf")
BACKUP = os.path.join(DATA, "textbook-backup.conf")
SAMPLES = "/usr/share/doc/keepalived/samples"
LDIRECTORD = "/usr/sbin/ldirectord"
TIMEOUT = 60

sys.path.insert(0, HERE)
import keepalived_samples  # noqa: E402
import standalone_cib  # noqa: E402


def run(*args):
    return subprocess.run([VIGIL, *args], capture_output=True, text=True, timeout=TIMEOUT)


def slurp(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def read_conf(path):
    """What the tests compare with, read from the keepalived file itself
    (a small reading of its own: comments dropped, words by line)."""
    text = re.sub(r"[!#].*", "", slurp(path))
    words = lambda key: re.search(r"^\s*" + key + r"\s+(.*?)\s*$", text, re.M).group(1)
    vip = re.search(r"virtual_ipaddress\s*{\s*(\S+)", text).group(1)
    vs = re.search(r"^\s*virtual_server\s+(\S+)\s+(\d+)", text, re.M)
    reals = re.findall(r"real_server\s+(\S+)\s+(\d+)\s*{\s*weight\s+(\d+)", text)
    return {
        "instance": re.search(r"vrrp_instance\s+(\S+)", text).group(1),
        "interface": words("interface"),
        "priority": words("priority"),
        "vip": vip,
        "listen": f"{vs.group(1)}:{vs.group(2)}",
        "servers": ",".join(f"{a}:{p} weight {w}" for a, p, w in reals),
        "delay_loop": words("delay_loop"),
        "persistence_timeout": words("persistence_timeout"),
        "connect_timeout": re.search(r"connect_timeout\s+(\S+)", text).group(1),
    }


def params(prim):
    return {nv.get("name"): nv.get("value") for nv in prim.iter("nvpair")
            if nv in list(prim.find("instance_attributes") or [])}


def configuration(path):
    return ET.parse(path).getroot().find("configuration")


def canon(elem):
    return (elem.tag, tuple(sorted(elem.attrib.items())), tuple(canon(c) for c in elem))


class Import(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.cib = os.path.join(self.tmp.name, "cib.xml")
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def import_textbook(self, *extra):
        return run("-f", self.cib, "import", "keepalived", f"node1={MASTER}", f"node2={BACKUP}",
                   *extra)

    def test_textbook_into_a_cib(self):
        proc = self.import_textbook()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        m, b = read_conf(MASTER), read_conf(BACKUP)
        self.assertNotEqual(m["priority"], b["priority"])
        self.assertEqual(ET.parse(self.cib).getroot().get("epoch"), "2")  # one write
        conf = configuration(self.cib)
        groups = conf.findall("resources/group")
        self.assertEqual([g.get("id") for g in groups], [m["instance"]])
        members = groups[0].findall("primitive")
        self.assertEqual([(p.get("provider"), p.get("type")) for p in members],
                         [("heartbeat", "IPaddr2"), ("vigil", "haproxy")])  # VIP first
        ip = params(members[0])
        self.assertEqual(ip["ip"], m["vip"])
        self.assertEqual(ip["cidr_netmask"], "32")
        self.assertEqual(ip["nic"], m["interface"])
        lb = params(members[1])
        self.assertEqual(lb["listen"], m["listen"])
        self.assertEqual(lb["servers"], m["servers"])
        self.assertEqual(lb["balance"], "roundrobin")
        self.assertEqual(lb["persistence_timeout"], m["persistence_timeout"])
        self.assertEqual(lb["check"], "tcp")
        self.assertEqual(lb["check_interval"], m["delay_loop"])
        self.assertEqual(lb["check_timeout"], m["connect_timeout"])
        locs = {(c.get("rsc"), c.get("node"), c.get("score"))
                for c in conf.findall("constraints/rsc_location")}
        self.assertEqual(locs, {(m["instance"], "node1", m["priority"]),
                                (m["instance"], "node2", b["priority"])})
        # printed: the commands, then what is not mapped, with file:line
        self.assertRegex(proc.stdout, r"(?m)^vigil resource create \S+ ocf:heartbeat:IPaddr2 ")
        self.assertIn("\nNot mapped:\n", proc.stdout)
        line = next(i for i, l in enumerate(slurp(MASTER).splitlines(), 1) if "advert_int" in l)
        self.assertIn(f"  {MASTER}:{line}: advert_int 1: ", proc.stdout)
        self.assertRegex(proc.stdout, r"(?m)^Directives: \d+ read, \d+ mapped")

    def test_fencing_warning(self):
        # keepalived has no fencing: said so while nothing imported could start
        proc = self.import_textbook("--dry-run")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Warning: the cluster has no fence device and stonith-enabled is not "
                      "false: no resource starts until", proc.stderr)
        self.assertEqual(run("-f", self.cib, "property", "set", "stonith-enabled=false")
                         .returncode, 0)
        proc = self.import_textbook()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("no fence device", proc.stderr)

    def test_printed_commands_build_the_same_configuration(self):
        proc = self.import_textbook()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        other = os.path.join(self.tmp.name, "by-hand.xml")
        lines = [l for l in proc.stdout.splitlines() if l.startswith("vigil ")]
        self.assertGreaterEqual(len(lines), 3)
        for l in lines:
            words = shlex.split(l)[1:]
            done = run("-f", other, *words)
            self.assertEqual(done.returncode, 0, l + "\n" + done.stderr)
        self.assertEqual(canon(configuration(self.cib)), canon(configuration(other)))

    def test_ldirectord(self):
        cf = os.path.join(self.tmp.name, "ldirectord.cf")
        proc = self.import_textbook("--balancer", "ldirectord", "--ldirectord-config", cf)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        m = read_conf(MASTER)
        text = slurp(cf)
        self.assertIn(f"virtual={m['listen']}\n", text)
        for server in m["servers"].split(","):
            addr, _, weight = server.split(" ")
            self.assertIn(f"\treal={addr} masq {weight}\n", text)
        self.assertIn(f"\tpersistent={m['persistence_timeout']}\n", text)
        self.assertIn(f"checkinterval={m['delay_loop']}\n", text)
        prim = configuration(self.cib).find(f"resources/group/primitive[@type='ldirectord']")
        self.assertEqual(params(prim)["configfile"], cf)
        self.assertFalse(os.path.exists(cf + ".vigil-staged"))

    def test_dry_run_writes_nothing(self):
        cf = os.path.join(self.tmp.name, "ld.cf")
        proc = self.import_textbook("--dry-run", "--balancer", "ldirectord",
                                    "--ldirectord-config", cf)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Dry run: nothing was written", proc.stdout)
        self.assertIn("virtual=", proc.stdout)  # the file's text, shown
        self.assertFalse(os.path.exists(self.cib))
        self.assertFalse(os.path.exists(cf))
        # an existing CIB stays as it was
        self.assertEqual(run("-f", self.cib, "property", "set", "stonith-enabled=false").returncode, 0)
        before = slurp(self.cib, "rb")
        self.assertEqual(self.import_textbook("--dry-run").returncode, 0)
        self.assertEqual(slurp(self.cib, "rb"), before)

    def assert_refused(self, args, message):
        self.assertEqual(run("-f", self.cib, "property", "set", "stonith-enabled=false").returncode, 0)
        before = slurp(self.cib, "rb")
        cf = os.path.join(self.tmp.name, "refused.cf")
        proc = run("-f", self.cib, "import", "keepalived", "--balancer", "ldirectord",
                   "--ldirectord-config", cf, *args)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn(message, proc.stderr)
        self.assertEqual(slurp(self.cib, "rb"), before)
        self.assertEqual([f for f in os.listdir(self.tmp.name) if f.startswith("refused")], [])

    def test_malformed_inputs(self):
        cases = [
            ("vrrp_instance A {\n  priority 1\n", ":1: 'vrrp_instance' block is never closed"),
            ("vrrp_instance A {\n}\n}\n", ":3: '}' without a block to close"),
            ("vrrp_script s {\n  script \"x\n}\n", ":2: unterminated quoted string"),
            ("global_defs {\n}\nvirtual_servr 1.2.3.4 80 {\n}\n",
             ":3: unknown top-level keyword 'virtual_servr'"),
            ("include missing/*.conf\n", ":1: include 'missing/*.conf': no file matches"),
            ("vrrp_instance A {\n  priority ten\n  virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
             ":2: priority: 'ten' is not in 1..255"),
            ("\x00\xff{{\n", ":1: unknown top-level keyword"),
        ]
        for text, message in cases:
            with self.subTest(text=text):
                path = self.write("bad.conf", text)
                self.assert_refused([f"n1={path}"], path + message)

    def test_failure_after_mapping_writes_nothing(self):
        # The textbook, but the ldirectord resource's id is taken: refused
        # before anything is written, the ldirectord.cf included.
        self.assertEqual(run("-f", self.cib, "resource", "create", "ldirectord-VI_1",
                             "ocf:heartbeat:Dummy").returncode, 0)
        self.assert_refused([f"node1={MASTER}", f"node2={BACKUP}"],
                            "the id 'ldirectord-VI_1' this import would create is already used")

    def test_importing_twice_is_refused(self):
        self.assertEqual(self.import_textbook().returncode, 0)
        before = slurp(self.cib, "rb")
        proc = self.import_textbook()
        self.assertEqual(proc.returncode, 1)
        self.assertRegex(proc.stderr, r"the id '\S+' this import would create is already used")
        self.assertEqual(slurp(self.cib, "rb"), before)

    def test_a_file_without_node_is_this_hosts(self):
        proc = run("-f", self.cib, "import", "keepalived", MASTER)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        node = socket.gethostname().split(".")[0]
        nodes = {c.get("node") for c in configuration(self.cib).findall("constraints/rsc_location")}
        self.assertEqual(nodes, {node})

    def test_forced_create_keeps_the_operations(self):
        # What the import relies on where ocf:vigil:* is not installed: pcs's
        # forceable "not a valid operation name" is a warning with --force.
        proc = run("-f", self.cib, "resource", "create", "t", "ocf:vigil:no-such-agent-here",
                   "x=1", "op", "monitor", "interval=5s", "timeout=7s", "--force")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Warning: 'monitor' is not a valid operation name value", proc.stderr)
        ops = [(o.get("name"), o.get("interval"), o.get("timeout"))
               for o in configuration(self.cib).iter("op")]
        self.assertEqual(ops, [("monitor", "5s", "7s")])
        refused = run("-f", self.cib, "resource", "create", "u", "ocf:vigil:no-such-agent-here",
                      "op", "monitor", "interval=5s")
        self.assertEqual(refused.returncode, 1)

    def test_options(self):
        for args, message in [
            ([], "no keepalived.conf given"),
            (["--balancer", "nginx", MASTER], "--balancer takes haproxy or ldirectord"),
            (["--ldirectord-config", "/x.cf", MASTER], "--ldirectord-config goes with"),
            (["--frobnicate", MASTER], "'--frobnicate' is not an option of 'import keepalived'"),
        ]:
            with self.subTest(args=args):
                proc = run("-f", self.cib, "import", "keepalived", *args)
                self.assertEqual(proc.returncode, 1)
                self.assertIn(message, proc.stderr)
                self.assertFalse(os.path.exists(self.cib))
        # options before the command words
        proc = run("--balancer", "ldirectord", "--ldirectord-config", "/x.cf", "--dry-run",
                   "-f", self.cib, "import", "keepalived", MASTER)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("configfile=/x.cf", proc.stdout)
        self.assertFalse(os.path.exists("/x.cf"))
        # another command's valued option whose value is "import" is that command's
        proc = run("-f", self.cib, "--group", "import", "resource", "create", "d",
                   "ocf:heartbeat:Dummy")
        self.assertNotIn("keepalived", proc.stderr)
        self.assertIn("import keepalived", run("--help").stdout)
        self.assertIn("--dry-run", run("import", "keepalived", "--help").stdout)

    def test_every_sample_of_the_keepalived_package(self):
        if not os.path.isdir(SAMPLES):
            self.skipTest("keepalived's samples are not installed (scripts/install-deps)")
        names = sorted(f for f in os.listdir(SAMPLES) if f.startswith("keepalived.conf."))
        self.assertGreaterEqual(len(names), 20)
        for name in names:
            with self.subTest(sample=name):
                row = keepalived_samples.run_sample(VIGIL, self.cib, "high",
                                                    os.path.join(SAMPLES, name), TIMEOUT)
                self.assertTrue(row["ok"], row)
                self.assertFalse(os.path.exists(self.cib))
                if "read" in row:
                    self.assertEqual(row["read"], row["mapped"] + row["unmapped"])


class LdirectordReadsItsFiles(unittest.TestCase):
    """ldirectord itself reads every ldirectord.cf the import writes (its
    `status` parses the whole file first, and says "Error ... reading file"
    on a line it does not take): for the textbook and every sample."""

    def test_ldirectord_parses_the_generated_files(self):
        if not os.access(LDIRECTORD, os.X_OK):
            self.skipTest("ldirectord is not installed")
        inputs = [[f"node1={MASTER}", f"node2={BACKUP}"]]
        if os.path.isdir(SAMPLES):
            inputs += [[f"high={os.path.join(SAMPLES, f)}"] for f in sorted(os.listdir(SAMPLES))
                       if f.startswith("keepalived.conf.")]
        checked = 0
        for files in inputs:
            with self.subTest(files=files), tempfile.TemporaryDirectory() as tmp:
                cf = os.path.join(tmp, "ldirectord.cf")
                proc = run("-f", os.path.join(tmp, "cib.xml"), "import", "keepalived",
                           "--balancer", "ldirectord", "--ldirectord-config", cf, *files)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                written = re.findall(r"(?m)^Writes (\S+): copy it", proc.stdout)
                for path in written:
                    self.assertTrue(os.path.isfile(path), path)
                    st = subprocess.run([LDIRECTORD, path, "status"], capture_output=True,
                                        text=True, timeout=TIMEOUT)
                    self.assertNotIn("Error", st.stdout + st.stderr, slurp(path))
                    self.assertIn("is stopped", st.stdout + st.stderr)
                    checked += 1
        self.assertGreater(checked, 0)


AGENTS = os.path.join(HERE, "..", "..", "agents", "ocf", "vigil")
OCF_DIR = "/usr/lib/ocf/resource.d"

# In a private mount namespace: a tmpfs on the OCF agents' directory holding
# the host's heartbeat provider and this checkout's ocf:vigil agents, as on a
# director where Vigil is installed; then the command.
WITH_AGENTS = r"""
set -e
mount --make-rprivate /
mount --bind "$OCF_DIR" "$SCRATCH/host"
mount -t tmpfs tmpfs "$OCF_DIR"
mkdir "$OCF_DIR/heartbeat" "$OCF_DIR/vigil"
[ -d "$SCRATCH/host/heartbeat" ] && mount --bind "$SCRATCH/host/heartbeat" "$OCF_DIR/heartbeat"
for a in haproxy health-script; do ln -s "$AGENTS/$a" "$OCF_DIR/vigil/$a"; done
exec "$@"
"""


class InstalledAgents(unittest.TestCase):
    """Where ocf:vigil:haproxy is installed (a director), the import checks
    its parameters against the agent's meta-data (no --force) and the
    resource gets the agent's depth-0 monitor only: the depth-10 one is not
    a default operation (vigil's resource create refuses OCF_CHECK_LEVEL).
    Needs root for the private mount namespace."""

    def test_textbook_with_the_agents_installed(self):
        if os.geteuid() != 0 or not os.path.isdir(OCF_DIR):
            self.skipTest("needs root and %s" % OCF_DIR)
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "host"))
            cib = os.path.join(tmp, "cib.xml")
            env = dict(os.environ, OCF_DIR=OCF_DIR, SCRATCH=tmp,
                       AGENTS=os.path.realpath(AGENTS))
            proc = subprocess.run(["unshare", "-m", "sh", "-c", WITH_AGENTS, "sh", VIGIL, "-f",
                                   cib, "import", "keepalived", f"node1={MASTER}",
                                   f"node2={BACKUP}"], capture_output=True, text=True,
                                  timeout=TIMEOUT, env=env)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertNotIn("ocf:vigil:haproxy' is not installed", proc.stderr)
            lb = next(p for p in configuration(cib).iter("primitive")
                      if p.get("type") == "haproxy")
            ops = sorted((o.get("name"), o.get("interval"), o.get("timeout"))
                         for o in lb.iter("op"))
            monitors = [o for o in ops if o[0] == "monitor"]
            self.assertEqual(monitors, [("monitor", "10s", "20s")])
            self.assertFalse(any(n.get("name") == "OCF_CHECK_LEVEL" for n in lb.iter("nvpair")))
            # the agent's other actions are default operations, as pcs makes them
            self.assertIn(("start", "0s", "20s"), ops)
            self.assertIn(("stop", "0s", "20s"), ops)


class LiveImport(unittest.TestCase):
    """Without -f: against `vigil-cib --standalone` (given with --cib), one
    replace of the configuration, or none."""

    def setUp(self):
        if CIB is None:
            self.skipTest("no --cib: the live import is not tested")
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        run_dir, state_dir = (os.path.join(self.tmp.name, d) for d in ("run", "state"))
        os.makedirs(run_dir)
        os.makedirs(state_dir)
        conf = os.path.join(self.tmp.name, "corosync.conf")
        standalone_cib.write_corosync_conf(conf, "lb")
        self.env = dict(os.environ, VIGIL_RUN_DIR=run_dir, COROSYNC_MAIN_CONFIG_FILE=conf)
        log = open(os.path.join(self.tmp.name, "cib.log"), "w")
        self.addCleanup(log.close)
        try:
            daemon = standalone_cib.start(CIB, run_dir, state_dir, log)
        except RuntimeError as e:
            self.fail(str(e))
        self.addCleanup(standalone_cib.stop, daemon)

    def live(self, *args):
        return subprocess.run([VIGIL, *args], capture_output=True, text=True, timeout=TIMEOUT,
                              env=self.env)

    def live_cib(self):
        proc = self.live("cluster", "cib")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return ET.fromstring(proc.stdout)

    def test_live_import_is_one_update(self):
        # a node the cluster does not know is refused (pcs's live check)
        bad = self.live("import", "keepalived", f"node3={MASTER}", "--dry-run")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("Node 'node3' does not seem to be in the cluster", bad.stderr)
        epoch = int(self.live_cib().get("epoch"))
        cf = os.path.join(self.tmp.name, "ldirectord.cf")
        proc = self.live("import", "keepalived", f"node1={MASTER}", f"node2={BACKUP}",
                         "--balancer", "ldirectord", "--ldirectord-config", cf)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        cib = self.live_cib()
        self.assertEqual(int(cib.get("epoch")), epoch + 1)
        self.assertIn(f"virtual={read_conf(MASTER)['listen']}\n", slurp(cf))
        # the same resources and constraints as with -f
        other = os.path.join(self.tmp.name, "file.xml")
        done = run("-f", other, "import", "keepalived", f"node1={MASTER}", f"node2={BACKUP}",
                   "--balancer", "ldirectord", "--ldirectord-config", cf)
        self.assertEqual(done.returncode, 0, done.stderr)
        for section in ("resources", "constraints"):
            self.assertEqual(canon(cib.find("configuration/" + section)),
                             canon(configuration(other).find(section)))
        # a refused import changes nothing, live either
        os.unlink(cf)
        again = self.live("import", "keepalived", f"node1={MASTER}", f"node2={BACKUP}",
                          "--balancer", "ldirectord", "--ldirectord-config", cf)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already used in the CIB", again.stderr)
        self.assertEqual(int(self.live_cib().get("epoch")), epoch + 1)
        self.assertFalse(os.path.exists(cf))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--cib", help="vigil-cib, for the live import")
    args, rest = ap.parse_known_args()
    VIGIL = os.path.abspath(args.vigil)
    CIB = os.path.abspath(args.cib) if args.cib else None
    unittest.main(argv=[sys.argv[0]] + rest)
