#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The live resource commands on a real cluster, on our daemons with `vigil`
or on Pacemaker 2.1.5 with pcs 0.11.5, over real Corosync in network
namespaces; the same commands and the same checks on both stacks (pcs's
printed lines are the expected ones).

  test_live_commands.py --build-dir DIR [--stack vigild|pacemaker]
                        [--only move,constraint,lifetime,refuse,lsb]
                        [--repeat N] [--work DIR] [--keep]

One two-node cluster (token 1000 ms) runs every case: the textbook web
group (myweb = VIP + apache, Web prefers node1 10 over node2 5, no
stickiness) and a bystander ocf:heartbeat:Dummy `Other` that prefers node2
(100).
Every case starts and ends there; --repeat N plays each case N times in a
row before the next case. All along a watcher samples, every 0.25 s, the
VIP and the processes of every node (apache2 and the LSB daemons) and the
stack's status XML (`crm_mon --output-as xml`, `vigil status xml`): a
resource active on two nodes at once, or `Other` anywhere but on node2,
fails the round it was seen in.

  move        `resource meta myweb resource-stickiness=100`, then `resource
              move myweb node2` (pcs's move_autoclean: a cli-prefer, wait,
              removed, wait): the group on node2, the constraint gone, the
              lines pcs prints; `resource move myweb` (a ban of node2, then
              cleared): back on node1; stickiness unset
  constraint  `resource move-with-constraint myweb node2`: the group on
              node2, cli-prefer-myweb stays; `resource clear myweb`: it is
              gone and the group returns to node1
  lifetime    `resource ban myweb node1 lifetime=PT15S`: the group on node2
              while the ban holds, back on node1 once it expired (bounded
              wait); `resource clear myweb` removes the expired constraint
  refuse      `resource move Other node1` (its preference for node2 would
              bring it back) and, with `constraint location Other avoids
              node1`, again (it cannot move): refused with pcs's error, exit
              1, the CIB's epoch and configuration unchanged, nothing
              stopped. Then `resource move myweb node2` without stickiness:
              pcs 0.11.5 looks for a group's id among the simulated
              operations of primitives, so it moves the group, removes the
              constraint, Web's preference brings the group back and the
              command fails (exit 1, "running on node 'node1'")
  lsb         an LSB init script (tests/cluster/lsb/vigil-lsbtest) bound into
              every node's /etc/init.d as vigil-lsb-a and vigil-lsb-b: `resource
              create LsbA lsb:vigil-lsb-a` and `SvcB service:vigil-lsb-b` start
              it, their monitor (3 s) sees its daemon killed and the cluster
              restarts it, `resource disable` stops it, and `resource
              debug-start|debug-stop LsbA` runs the script by hand on node1.
              Pacemaker 2.1.5 runs `service:` as LSB when the init script
              exists (before asking systemd, absent from the nodes): the case
              runs on both stacks

Exits 77 (skipped) without root, namespaces, corosync, apache2, the agents,
or the stack.
"""
import calendar
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import rounds  # noqa: E402
import webcluster  # noqa: E402
from harness import CheckFailed as Failure, HarnessError, check, log  # noqa: E402

CASES = ("move", "constraint", "lifetime", "refuse", "lsb")
STATE_DIR = "/run/vigil-live"  # each node's private /run
LSB_SCRIPT = os.path.join(os.path.dirname(os.path.realpath(__file__)), "lsb", "vigil-lsbtest")
LSB_NAMES = ("vigil-lsb-a", "vigil-lsb-b")  # one script, two services


def daemon_name(service):
    """The process name of an LSB service's daemon (lsb/vigil-lsbtest); the
    service's own name is that of its init script while an action runs (a
    probe on every node at once is no daemon running twice)."""
    return (service + "-d")[:15]


LIFETIME_S = 15
# The processes that are a resource's: the watcher flags one on two nodes.
SERVICE_PROCESSES = ("apache2",) + tuple(daemon_name(n) for n in LSB_NAMES)


def wait(what, predicate, timeout, interval=0.25):
    return rounds.wait(what, predicate, timeout, interval)


def tool_name(c):
    return webcluster.admin_tool(c)


def tool(c, *argv, timeout=120):
    """The stack's pcs-syntax tool inside node1; must succeed."""
    return c.check_exec(1, [tool_name(c)] + list(argv), timeout=timeout)


def run_tool(c, *argv, timeout=300):
    """(exit status, stdout lines, stderr lines) of the tool inside node1."""
    p = c.exec(1, [tool_name(c)] + list(argv), timeout=timeout)
    return p.returncode, p.stdout.splitlines(), p.stderr.splitlines()


def lines_match(want, got):
    """Each line as pcs prints it: a string, or a compiled pattern for a
    line with a time in it."""
    return len(want) == len(got) and all(
        w.fullmatch(g) if isinstance(w, re.Pattern) else w == g for w, g in zip(want, got))


def check_output(what, got, rc, out, err):
    """The tool's exit status and printed lines are exactly pcs's."""
    if got[0] == rc and lines_match(out, got[1]) and lines_match(err, got[2]):
        log("ok: %s: exit %d, %d line(s) as pcs prints them" % (what, rc, len(got[1] + got[2])))
        return
    raise Failure("%s: expected exit %d, stdout %r, stderr %r; got exit %d, stdout %r, stderr %r"
                  % (what, rc, out, err, got[0], got[1], got[2]))


def unable_to_continue(c):
    return "Error: Errors have occurred, therefore %s is unable to continue" % tool_name(c)


def settle(c):
    webcluster.settle(c, 1)


# --- what runs where ---------------------------------------------------------------

def status_xml_argv(c):
    return (["crm_mon", "-1", "--output-as", "xml"] if c.stack == "pacemaker"
            else ["vigil", "status", "xml"])


def placement(c):
    """{resource id: set of nodes} from node1's status XML (primitives
    outside clones), or None when it cannot be read."""
    p = c.exec(1, status_xml_argv(c), timeout=15)
    return parse_placement(p.stdout) if p.returncode == 0 else None


def service_nodes(c):
    """{process name: [nodes running it]} for the service processes."""
    out = {}
    for i in c.nodes():
        if not c.running(i):
            continue
        for comm in set(c.processes(i).values()) & set(SERVICE_PROCESSES):
            out.setdefault(comm, []).append("node%d" % i)
    return out


def violations(procs, where):
    """What is wrong in one sample: procs {process name: [nodes]}, where
    {resource: set of nodes} (None: the status could not be read)."""
    bad = ["%s runs on %s" % (comm, "+".join(nodes))
           for comm, nodes in sorted(procs.items()) if len(nodes) > 1]
    if where is not None:
        bad += ["the status has %s active on %s" % (r, "+".join(sorted(n)))
                for r, n in sorted(where.items()) if len(n) > 1]
        if "Other" in where and where["Other"] != {"node2"}:
            bad.append("the status has Other on %s, not node2"
                       % ("+".join(sorted(where["Other"])) or "no node"))
    return bad


def parse_placement(text):
    """{resource id: set of nodes it is active on} from a crm_mon XML
    document (primitives outside clones), or None."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    res = root.find("resources")
    if res is None:
        return None
    out = {}

    def walk(el):
        for child in el:
            if child.tag == "clone":
                continue
            if child.tag == "resource":
                nodes = out.setdefault(child.get("id"), set())
                if child.get("active") == "true":
                    nodes.update(n.get("name") for n in child.findall("node"))
            else:
                walk(child)
    walk(res)
    return out


class Watcher(harness.VipWatcher):
    """Samples, every 0.25 s, the service processes of every node and node1's
    status: a process or resource on two nodes at once, or Other anywhere
    but on node2, is a violation. take() gives (violations, samples)."""

    samples = 0

    def _loop(self):
        for _ in range(200000):  # bounded: some hours of samples
            if self._stop.wait(0.25):
                return
            try:
                bad = violations(service_nodes(self.c), placement(self.c))
            except (OSError, HarnessError, ValueError):
                continue
            self.samples += 1
            if bad:
                self.violations.append((time.time(), bad))

    def take(self):
        n, self.samples = self.samples, 0
        return super().take(), n


# --- the CIB ---------------------------------------------------------------------

def cib(c):
    """The live CIB (root element) read on node1."""
    argv = ["cibadmin", "-Q"] if c.stack == "pacemaker" else ["vigil", "cluster", "cib"]
    return ET.fromstring(c.check_exec(1, argv, timeout=30))


def config_snapshot(c):
    """(admin_epoch, epoch, the configuration's text): what a refused command
    must leave as it is."""
    root = cib(c)
    return (root.get("admin_epoch"), root.get("epoch"),
            ET.tostring(root.find("configuration"), encoding="unicode"))


def locations(c):
    """{id: element} of the CIB's rsc_location constraints."""
    cons = cib(c).find("configuration/constraints")
    return {} if cons is None else {e.get("id"): e for e in cons.findall("rsc_location")}


def cli_constraints(c):
    return sorted(i for i in locations(c) if i.startswith("cli-"))


# --- the group and the bystander -------------------------------------------------

def group_on(c, node):
    """myweb (VIP and apache) runs on `node` alone, as the status says too."""
    procs = service_nodes(c)
    where = placement(c) or {}
    return (rounds.vip_holders(c) == [node] and procs.get("apache2") == [node] and
            where.get("VIP") == {node} and where.get("Web") == {node})


def wait_group_on(c, node, timeout=120):
    wait("myweb on %s alone" % node, lambda: group_on(c, node), timeout)
    c.wait_page(node, 30)
    return time.time()


def other_stamp(c):
    """(inode, mtime) of Other's Dummy state file on node2: the same pair
    before and after a case means Other was neither stopped nor started."""
    p = c.exec(2, ["stat", "-c", "%i %.9Y", STATE_DIR + "/Other.state"], timeout=10)
    return tuple(p.stdout.split()) if p.returncode == 0 else None


def apache_pids(c, i):
    return sorted(pid for pid, comm in c.processes(i).items() if comm == "apache2")


def setup(c):
    webcluster.configure(c, 1, no_quorum_policy="ignore")
    for i in c.nodes():
        c.check_exec(i, ["mkdir", "-p", STATE_DIR])
    tool(c, "resource", "create", "Other", "ocf:heartbeat:Dummy",
         "state=%s/Other.state" % STATE_DIR, "op", "monitor", "interval=10s")
    tool(c, "constraint", "location", "Other", "prefers", "node2=100")
    wait_group_on(c, "node1", 180)
    wait("Other on node2", lambda: other_stamp(c), 120)
    settle(c)
    check(cli_constraints(c) == [], "no cli- constraint at the start")


class Baseline:
    """Before a case: where things are; after it: everything is back there,
    Other untouched, no cli- constraint left."""

    def __init__(self, c):
        self.c = c
        self.other = other_stamp(c)
        check(self.other is not None and group_on(c, "node1"),
              "the case starts with myweb on node1 and Other on node2")

    def verify(self):
        c = self.c
        settle(c)
        check(group_on(c, "node1"), "myweb is back on node1")
        check(other_stamp(c) == self.other,
              "Other was not touched (state file %s, now %s)" % (self.other, other_stamp(c)))
        check(cli_constraints(c) == [], "no cli- constraint left: %s" % cli_constraints(c))


# --- move -------------------------------------------------------------------------

def move_lines(rsc, node):
    """What pcs 0.11.5's move_autoclean prints (stderr) when it succeeds."""
    return ["Location constraint to move resource '%s' has been created" % rsc,
            "Waiting for the cluster to apply configuration changes...",
            "Location constraint created to move resource '%s' has been removed" % rsc,
            "Waiting for the cluster to apply configuration changes...",
            "resource '%s' is running on node '%s'" % (rsc, node)]


def case_move(c, res):
    base = Baseline(c)
    tool(c, "resource", "meta", "myweb", "resource-stickiness=100")
    settle(c)
    try:
        t0 = time.time()
        got = run_tool(c, "resource", "move", "myweb", "node2")
        t1 = time.time()
        check_output("resource move myweb node2", got, 0, [], move_lines("myweb", "node2"))
        check(group_on(c, "node2"), "myweb runs on node2 when the move returns")
        check(cli_constraints(c) == [], "the move's constraint is gone")
        res["move_to_node2_s"] = round(t1 - t0, 2)
        c.wait_page("node2", 30)

        t0 = time.time()
        got = run_tool(c, "resource", "move", "myweb")
        t1 = time.time()
        check_output("resource move myweb (no node: away from node2)", got, 0, [],
                     move_lines("myweb", "node1"))
        check(group_on(c, "node1"), "myweb runs on node1 when the move returns")
        check(cli_constraints(c) == [], "the ban of node2 is gone")
        res["move_back_s"] = round(t1 - t0, 2)
    finally:
        tool(c, "resource", "meta", "myweb", "resource-stickiness=")
    base.verify()


# --- move-with-constraint and clear ------------------------------------------------

def case_constraint(c, res):
    base = Baseline(c)
    t0 = time.time()
    got = run_tool(c, "resource", "move-with-constraint", "myweb", "node2")
    check_output("resource move-with-constraint myweb node2", got, 0, [],
                 ["Warning: A move constraint has been created and the resource 'myweb' may or "
                  "may not move depending on other configuration"])
    t_moved = wait_group_on(c, "node2")
    res["move_with_constraint_s"] = round(t_moved - t0, 2)
    settle(c)
    loc = locations(c).get("cli-prefer-myweb")
    check(loc is not None and (loc.get("rsc"), loc.get("node"), loc.get("score")) ==
          ("myweb", "node2", "INFINITY"), "cli-prefer-myweb (node2, INFINITY) is in the CIB: %s"
          % (None if loc is None else loc.attrib))
    check(group_on(c, "node2") and cli_constraints(c) == ["cli-prefer-myweb"],
          "after the cluster settled, myweb stays on node2 and its constraint stays")

    t0 = time.time()
    got = run_tool(c, "resource", "clear", "myweb")
    check_output("resource clear myweb", got, 0, [], ["Removing constraint: cli-prefer-myweb"])
    check(cli_constraints(c) == [], "resource clear removed cli-prefer-myweb")
    t_back = wait_group_on(c, "node1")
    res["clear_to_node1_s"] = round(t_back - t0, 2)
    base.verify()


# --- ban with a lifetime -----------------------------------------------------------

BAN_LINES = [
    re.compile(r"Migration will take effect until: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ"),
    "Warning: Creating location constraint 'cli-ban-myweb-on-node1' with a score of "
    "-INFINITY for resource myweb on node1.",
    "\tThis will prevent myweb from running on node1 until the constraint is removed",
    "\tThis will be the case even if node1 is the last node in the cluster",
]


def case_lifetime(c, res):
    base = Baseline(c)
    t0 = time.time()
    got = run_tool(c, "resource", "ban", "myweb", "node1", "lifetime=PT%dS" % LIFETIME_S)
    check_output("resource ban myweb node1 lifetime=PT%dS" % LIFETIME_S, got, 0, [], BAN_LINES)
    until = calendar.timegm(time.strptime(got[2][0].split(": ", 1)[1], "%Y-%m-%d %H:%M:%SZ"))
    check(abs(until - (t0 + LIFETIME_S)) < 3, "the ban lasts until %s, %d s from now"
          % (got[2][0].split(": ", 1)[1], LIFETIME_S))
    loc = locations(c).get("cli-ban-myweb-on-node1")
    rule = None if loc is None else loc.find("rule")
    check(rule is not None and rule.find("date_expression") is not None,
          "cli-ban-myweb-on-node1 with a date rule is in the CIB")
    t_moved = wait_group_on(c, "node2", LIFETIME_S)
    res["ban_to_node2_s"] = round(t_moved - t0, 2)
    # Back once the ban expired: bounded by the lifetime plus the cluster's
    # reaction, never by cluster-recheck-interval (15 minutes).
    t_back = wait_group_on(c, "node1", LIFETIME_S + 60)
    check(t_back - t0 >= LIFETIME_S - 1, "myweb came back after the ban's lifetime (%.2f s after "
          "the ban, lifetime %d s)" % (t_back - t0, LIFETIME_S))
    res["ban_to_back_on_node1_s"] = round(t_back - t0, 2)
    check(cli_constraints(c) == ["cli-ban-myweb-on-node1"],
          "the expired constraint is still in the CIB until cleared")
    got = run_tool(c, "resource", "clear", "myweb")
    check_output("resource clear myweb", got, 0, [],
                 ["Removing constraint: cli-ban-myweb-on-node1"])
    base.verify()


# --- refusals ----------------------------------------------------------------------

def check_refused(c, what, argv, message):
    """argv (a move of Other) is refused with `message`: exit 1, nothing
    written, nothing stopped."""
    before = config_snapshot(c)
    other = other_stamp(c)
    got = run_tool(c, *argv)
    check_output(what, got, 1, [], ["Error: " + message])
    check(config_snapshot(c) == before, "%s wrote nothing (epoch %s.%s)"
          % (what, before[0], before[1]))
    check(other_stamp(c) == other and (placement(c) or {}).get("Other") == {"node2"},
          "%s: Other still on node2, not restarted" % what)


def case_refuse(c, res):
    base = Baseline(c)
    check_refused(c, "resource move Other node1 (its preference for node2 would bring it back)",
                  ["resource", "move", "Other", "node1"],
                  "Unable to ensure that moved resource 'Other' will stay on the same node "
                  "after a constraint used for moving it is removed.")
    tool(c, "constraint", "location", "Other", "avoids", "node1")
    try:
        settle(c)
        check_refused(c, "resource move Other node1 (Other avoids node1)",
                      ["resource", "move", "Other", "node1"],
                      "Unable to move resource 'Other' using a location constraint. Current "
                      "location of the resource may be affected by some other constraint.")
    finally:
        tool(c, "constraint", "remove", "location-Other-node1--INFINITY")
    settle(c)
    # A group is another story in pcs 0.11.5: its check for "moved back"
    # looks for the group's id among the simulated operations, which name
    # primitives only; so the group moves, its constraint is removed, Web's
    # preference brings it back, and only then does the command fail.
    t0 = time.time()
    got = run_tool(c, "resource", "move", "myweb", "node2")
    check_output("resource move myweb node2 (a group Web's preference brings back)", got, 1, [],
                 move_lines("myweb", "node2")[:4] +
                 ["Error: resource 'myweb' is running on node 'node1'", unable_to_continue(c)])
    res["group_move_and_back_s"] = round(time.time() - t0, 2)
    base.verify()


# --- LSB and service ---------------------------------------------------------------

def lsb_pid(c, i, name):
    """The pid of service `name`'s daemon on node i (from its pid file,
    checked against the process list), or None."""
    p = c.exec(i, ["cat", "/run/%s.pid" % name], timeout=10)
    if p.returncode != 0 or not p.stdout.strip().isdigit():
        return None
    pid = int(p.stdout.strip())
    return pid if c.processes(i).get(pid) == daemon_name(name) else None


def lsb_where(c, name):
    """[(node number, pid)] of every node running service `name`."""
    return [(i, pid) for i in c.nodes() if c.running(i)
            for pid in [lsb_pid(c, i, name)] if pid is not None]


def wait_lsb_one(c, name, not_pid=None, timeout=60):
    """Until exactly one node runs `name` (with another pid than not_pid)."""
    def one():
        w = lsb_where(c, name)
        return w[0] if len(w) == 1 and w[0][1] != not_pid else None
    return wait("%s running on exactly one node" % name, one, timeout)


def wait_lsb_none(c, name, timeout=60):
    wait("%s stopped everywhere" % name,
         lambda: not lsb_where(c, name) and not any(
             daemon_name(name) in set(c.processes(i).values()) for i in c.nodes()), timeout)


def lsb_kill_recovered(c, rid, name, res):
    """Kills `name`'s daemon; the monitor notices and the cluster starts it
    again (stop + start on the same node: one failure, no threshold)."""
    node, pid = wait_lsb_one(c, name)
    t0 = time.time()
    os.kill(pid, 9)
    node2, pid2 = wait_lsb_one(c, name, not_pid=pid, timeout=60)
    res["%s_kill_to_restart_s" % rid] = round(time.time() - t0, 2)
    check(node2 == node, "%s's daemon killed on node%d: the cluster restarted it there (pid %d, "
          "then %d)" % (rid, node, pid, pid2))
    settle(c)
    text = webcluster.status(c, 1)
    check(re.search(r"\* %s 3s-interval monitor on node%d returned 'not running'" % (rid, node),
                    text) is not None, "the status lists %s's failed monitor on node%d"
          % (rid, node))


def case_lsb_setup(c):
    for i in c.nodes():
        c.install_init_script(i, LSB_SCRIPT, LSB_NAMES)


def case_lsb(c, res):
    base = Baseline(c)
    t0 = time.time()
    tool(c, "resource", "create", "LsbA", "lsb:%s" % LSB_NAMES[0], "op", "monitor",
         "interval=3s")
    tool(c, "resource", "create", "SvcB", "service:%s" % LSB_NAMES[1], "op", "monitor",
         "interval=3s")
    wait_lsb_one(c, LSB_NAMES[0])
    wait_lsb_one(c, LSB_NAMES[1])
    res["lsb_create_to_started_s"] = round(time.time() - t0, 2)
    settle(c)
    text = webcluster.status(c, 1)
    check(re.search(r"\bLsbA\s+\(lsb:%s\):\s+Started node\d" % LSB_NAMES[0], text) and
          re.search(r"\bSvcB\s+\(service:%s\):\s+Started node\d" % LSB_NAMES[1], text),
          "the status shows LsbA (lsb:) and SvcB (service:) started")
    lsb_kill_recovered(c, "LsbA", LSB_NAMES[0], res)
    lsb_kill_recovered(c, "SvcB", LSB_NAMES[1], res)

    tool(c, "resource", "disable", "LsbA", "SvcB")
    wait_lsb_none(c, LSB_NAMES[0])
    wait_lsb_none(c, LSB_NAMES[1])
    log("ok: resource disable stopped both init scripts' daemons")
    settle(c)

    got = run_tool(c, "resource", "debug-start", "LsbA")
    check_output("resource debug-start LsbA", got, 0,
                 ["Operation force-start for LsbA (lsb:%s) returned 0 (ok)" % LSB_NAMES[0]], [])
    check([w[0] for w in lsb_where(c, LSB_NAMES[0])] == [1],
          "debug-start ran the init script on node1: %s" % lsb_where(c, LSB_NAMES[0]))
    got = run_tool(c, "resource", "debug-stop", "LsbA")
    check_output("resource debug-stop LsbA", got, 0,
                 ["Operation force-stop for LsbA (lsb:%s) returned 0 (ok)" % LSB_NAMES[0]], [])
    wait_lsb_none(c, LSB_NAMES[0], 10)

    for rid in ("LsbA", "SvcB"):
        tool(c, "resource", "cleanup", rid)
        tool(c, "resource", "delete", rid)
    settle(c)
    check("LsbA" not in webcluster.status(c, 1), "LsbA and SvcB are gone from the status")
    base.verify()


# --- running ---------------------------------------------------------------------

def diagnostics(c):
    return "\n".join(c.diagnostics(i, extra=(webcluster.status_argv(c),)) for i in c.nodes())


def reset(c):
    """After a failed round: back to the start (no cli- constraint, no
    stickiness, the LSB resources gone), or HarnessError."""
    tool(c, "resource", "clear", "myweb")
    tool(c, "resource", "meta", "myweb", "resource-stickiness=")
    if "location-Other-node1--INFINITY" in locations(c):
        tool(c, "constraint", "remove", "location-Other-node1--INFINITY")
    res = cib(c).find("configuration/resources")
    for rid in ("LsbA", "SvcB"):
        if res is not None and res.find(".//primitive[@id='%s']" % rid) is not None:
            tool(c, "resource", "cleanup", rid)
            tool(c, "resource", "delete", rid)
    wait_group_on(c, "node1", 120)
    settle(c)


def run_all(args, cases, work, vigild, bin_dirs):
    c = harness.Cluster(os.path.join(work, "cluster"), nodes=2, stack=args.stack,
                        vigild=vigild, bin_dirs=bin_dirs, token_ms=1000)
    results = {case: ([], []) for case in cases}
    vip_watch = watcher = None
    broken = None
    try:
        c.up()
        vip_watch = harness.VipWatcher(c).start()
        t = time.time()
        setup(c)
        log("setup done in %.1f s" % (time.time() - t))
        watcher = Watcher(c).start()
        for case in cases:
            if "case_%s_setup" % case in globals():
                globals()["case_%s_setup" % case](c)
            for r in range(1, args.repeat + 1):
                if broken:
                    break
                log("== case %s, round %d/%d" % (case, r, args.repeat))
                vip_watch.take()
                watcher.take()
                res = {"round": r}
                t = time.time()
                try:
                    globals()["case_" + case](c, res)
                except (Failure, HarnessError) as e:
                    res["failed"] = str(e)[:2000]
                    results[case][1].append("case %s round %d: %s" % (case, r, e))
                    log("FAILED: " + results[case][1][-1])
                    rounds.write_failure(work, case, r, e, lambda: diagnostics(c))
                res["seconds"] = round(time.time() - t, 1)
                bad, samples = watcher.take()
                vips = vip_watch.take()
                res["double_vip_samples"] = len(vips)
                res["watch_samples"] = samples
                res["watch_violations"] = len(bad)
                for what, items in (("the VIP up on two nodes", [(t, h) for t, h in vips]),
                                    ("watch", bad)):
                    if items:
                        res.setdefault("failed", "%s: %s" % (what, items[:3]))
                        results[case][1].append("case %s round %d: %s: %s" % (
                            case, r, what, ", ".join("%.2f %s" % (t, x) for t, x in items[:5])))
                        log("PROBLEM: " + results[case][1][-1])
                results[case][0].append(res)
                log("case %s round %d: %s" % (case, r, res))
                if "failed" in res:
                    try:
                        reset(c)
                    except (Failure, HarnessError) as e:
                        broken = "the cluster could not be reset after case %s round %d: %s" % (
                            case, r, e)
                        results[case][1].append(broken)
                        log("FAILED: " + broken)
    except (Failure, HarnessError) as e:
        first = cases[0]
        results[first][1].append("setup: %s" % e)
        log("FAILED: setup: %s" % e)
        if c.subnet:
            rounds.write_failure(work, "setup", 0, e, lambda: diagnostics(c))
    finally:
        if watcher:
            watcher.stop()
        if vip_watch:
            vip_watch.stop()
        if c.subnet:
            c.down()
    return results


def main():
    started = rounds.start(__doc__, CASES, "vigil-live-", agents=("heartbeat/Dummy",))
    if started is None:
        return harness.SKIP
    args, cases, work, vigild, bin_dirs = started
    results = run_all(args, cases, work, vigild, bin_dirs)

    def seconds(case, rs):
        return ", seconds per round %s" % [x.get("seconds") for x in rs]
    return rounds.run_cases(args, cases, work, lambda case: results[case], args.stack,
                            case_line=seconds)


if __name__ == "__main__":
    sys.exit(main())
