# SPDX-License-Identifier: GPL-2.0-or-later
"""The invariants the CTS suite checks around every test:

- ActiveWatcher: no resource of one instance is active on two nodes, ever.
  A thread samples, all along the test, the physical truth (the VIP among
  the local addresses of every node whose cable is in; each Dummy's state
  file on every running node) every 0.5 s and each node's executor
  history every 1.5 s. Samples are read node by node, so a resource that
  moves between two reads could look doubled: each sample is two passes,
  forwards then backwards, and only a resource seen on the same two nodes
  in both passes counts (one node active before and after the other's
  reads: they overlapped).
- AckWriter: every CIB update `vigil` acknowledged survives on every node.
  A thread writes a counter (a permanent node attribute, `vigil node
  attribute`) through a node the test says is in the quorate partition;
  each update that exits 0 is logged, and every running node's CIB must
  then hold at least the latest acknowledged value (checked when the
  running nodes are a majority, suite.py).
- converge: the cluster settles within a bound: one DC seen alike by every
  running node, every running node a member, the DC's transition idle
  with nothing in flight, nothing left to do in the scheduler's answer to
  the live CIB (vigil-simulate -L's graph holds no action), no operation
  pending in the status, the same CIB version everywhere.
- crashes: no daemon crash in vigild's log but the ones the test caused,
  and no daemon killed by vigild for not stopping after SIGTERM.
"""
import os
import random
import re
import threading
import time
import xml.etree.ElementTree as ET

import nodeview
from harness import HarnessError, log

ACK_ATTRIBUTE = "cts-ack"
ACK_NODE = "node1"  # the node whose permanent attribute carries the counter


class Periodic:
    """A daemon thread running self._loop() until stop() (bounded joins)."""

    def __init__(self, name):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=60)

    def _loop(self):
        raise NotImplementedError


class ActiveWatcher(Periodic):
    """Samples where the lab's single-instance resources are active."""

    def __init__(self, c, vip, dummies, unique_ids, period=0.5, executor_every=3):
        super().__init__("active-watcher")
        self.c = c
        self.vip = vip
        self.dummies = dict(dummies)  # resource id -> state file on the node
        self.unique_ids = set(unique_ids)  # for the executor's view
        self.period = period
        self.executor_every = executor_every
        self.violations = []
        self.samples = 0

    def take(self):
        with self._lock:
            v, self.violations = self.violations, []
            return v

    def physical(self, i):
        """{resource id} physically active on node i."""
        out = set()
        if nodeview.link_up(self.c, i):
            addrs = nodeview.local_addresses(self.c, i)
            if addrs and self.vip in addrs:
                out.add("VIP")
        for rsc, path in self.dummies.items():
            if nodeview.dummy_running(self.c, i, path):
                out.add(rsc)
        return out

    def executor(self, i):
        active = nodeview.executor_active(self.c, i, timeout=3.0)
        return set() if active is None else active & self.unique_ids

    def self_check(self, physical_ids, executor_ids):
        """On a settled cluster each single-instance resource must be seen on
        exactly one node by both views (else the watcher could not see a
        double either): None, or what is wrong."""
        phys = {i: self.physical(i) for i in self.c.nodes()}
        execs = {i: self.executor(i) for i in self.c.nodes()}
        wrong = []
        for view, ids, seen in (("physically", physical_ids, phys),
                                ("in the executors", executor_ids, execs)):
            for rsc in ids:
                where = ["node%d" % i for i, s in seen.items() if rsc in s]
                if len(where) != 1:
                    wrong.append("%s %s on %s" % (rsc, view, where or "no node"))
        return "; ".join(wrong) or None

    @staticmethod
    def doubled(first, second):
        """{resource: nodes} active on 2+ nodes in both passes."""
        out = {}
        rscs = set().union(*first.values()) if first else set()
        for rsc in rscs:
            a = sorted(n for n, s in first.items() if rsc in s)
            b = sorted(n for n, s in second.items() if rsc in s)
            both = sorted(set(a) & set(b))
            if len(both) > 1:
                out[rsc] = both
        return out

    def _sample(self, probe, what):
        nodes = list(self.c.nodes())
        first = {i: probe(i) for i in nodes}
        second = {i: probe(i) for i in reversed(nodes)}
        for rsc, where in self.doubled(first, second).items():
            with self._lock:
                self.violations.append((time.time(), what, rsc, ["node%d" % n for n in where]))

    def _loop(self):
        for k in range(1000000):  # bounded: days of samples
            if self._stop.wait(self.period):
                return
            try:
                self._sample(self.physical, "physically")
                if k % self.executor_every == 0:
                    self._sample(self.executor, "in the executors' histories")
                self.samples += 1
            except (OSError, HarnessError, ValueError) as e:
                log("active watcher: sample failed: %s" % e)


class AckWriter(Periodic):
    """Writes the counter now and then through an eligible node and logs
    every acknowledged value."""

    def __init__(self, c, eligible, seed, period=2.0):
        super().__init__("ack-writer")
        self.c = c
        self.eligible = eligible  # () -> node indexes writes may go through
        self.rng = random.Random(seed)
        self.period = period
        self.next_value = 1
        self.acked = []  # (time, value, node)
        self.refused = 0
        self.reasons = []  # the first refusals, for the report

    def latest(self):
        with self._lock:
            return self.acked[-1] if self.acked else None

    def write_once(self):
        nodes = self.eligible()
        if not nodes:
            return None
        i = self.rng.choice(sorted(nodes))
        value = self.next_value
        self.next_value += 1
        try:
            p = self.c.exec(i, ["vigil", "node", "attribute", ACK_NODE,
                                "%s=%d" % (ACK_ATTRIBUTE, value)], timeout=30)
        except HarnessError as e:
            self._refuse("node%d: %s" % (i, e))
            return None
        if p.returncode != 0:
            self._refuse("node%d: exit %d: %s" % (i, p.returncode,
                                                  (p.stderr or p.stdout).strip()[:200]))
            return None
        with self._lock:
            self.acked.append((time.time(), value, "node%d" % i))
        return value

    def _refuse(self, why):
        """Counts a write `vigil` did not acknowledge; keeps the first reasons."""
        self.refused += 1
        if len(self.reasons) < 20:
            self.reasons.append(why)

    def _loop(self):
        for _ in range(1000000):
            if self._stop.wait(self.period * (0.5 + self.rng.random())):
                return
            try:
                self.write_once()
            except (OSError, ValueError) as e:
                log("ack writer: %s" % e)

    def check(self, nodes):
        """Problems: a running node whose CIB lacks the latest acknowledged
        value (or cannot be read)."""
        last = self.latest()
        if last is None:
            return []
        problems = []
        for i in nodes:
            got = nodeview.cib(self.c, i)
            if got is None:
                problems.append("node%d: its CIB cannot be read" % i)
                continue
            version, doc = got
            value = nodeview.node_attribute(doc, ACK_NODE, ACK_ATTRIBUTE)
            if value is None or not value.isdigit() or int(value) < last[1]:
                problems.append(
                    "node%d's CIB (version %s) has %s=%s, but %s=%d was acknowledged by %s at "
                    "%.3f" % (i, version, ACK_ATTRIBUTE, value, ACK_ATTRIBUTE, last[1], last[2],
                              last[0]))
        return problems


def graph_actions(c, i, work):
    """The actions (not pseudo) the scheduler answers node i's live CIB with
    (vigil-simulate -L, its saved graph), or None when it cannot run."""
    path = os.path.join(work, "graph-node%d.xml" % i)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    p = c.exec(i, ["vigil-simulate", "-L", "-Q", "-G", path], timeout=60)
    if p.returncode != 0:
        return None
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    out = []
    for syn in root.iter("synapse"):
        for action_set in syn.iter("action_set"):
            for a in action_set:
                if a.tag in ("rsc_op", "crm_event"):
                    node = a.get("on_node", "")
                    out.append("%s %s" % (a.get("operation_key") or a.get("operation"), node))
    return out


def pending_ops(doc):
    """Operations the status section records in flight."""
    out = []
    for state in doc.iter("node_state"):
        for op in state.iter("lrm_rsc_op"):
            if op.get("rc-code") == "193" or op.get("op-status") == "-1":
                out.append("%s on %s" % (op.get("operation_key"), state.get("uname")))
    return out


def cluster_state(c, nodes, work):
    """(settled, description) of the running nodes `nodes`."""
    if not nodes:
        return True, "no node running"
    names = {"node%d" % i for i in nodes}
    status = {i: nodeview.crmd_status(c, i) for i in nodes}
    missing = [i for i, s in status.items() if s is None]
    if missing:
        return False, "vigil-crmd does not answer on %s" % ", ".join("node%d" % i for i in missing)
    dcs = {s["dc"] for s in status.values()}
    if len(dcs) != 1 or None in dcs:
        return False, "DC seen: %s" % {"node%d" % i: s["dc"] for i, s in status.items()}
    dc = dcs.pop()
    for i, s in status.items():
        if s["members"] != names:
            return False, "node%d's members are %s, not %s" % (i, sorted(s["members"]),
                                                                 sorted(names))
    dc_index = int(dc[len("node"):])
    if dc_index not in status:
        return False, "the DC %s is not running" % dc
    d = status[dc_index]
    if d["transition"] != "idle" or d["in_flight"]:
        return False, "the DC %s: transition %s, %d in flight" % (dc, d["transition"],
                                                                  d["in_flight"])
    versions = {}
    for i in nodes:
        got = nodeview.cib(c, i)
        if got is None:
            return False, "node%d's CIB cannot be read" % i
        versions[i] = got
    if len({v for v, _ in versions.values()}) != 1:
        return False, "CIB versions differ: %s" % {"node%d" % i: v for i, (v, _) in
                                                    versions.items()}
    pending = pending_ops(versions[dc_index][1])
    if pending:
        return False, "operations pending: %s" % ", ".join(pending[:5])
    actions = graph_actions(c, dc_index, work)
    if actions is None:
        return False, "vigil-simulate -L failed on %s" % dc
    if actions:
        return False, "the scheduler still wants: %s" % ", ".join(actions[:8])
    return True, "DC %s idle, CIB %s on %d node(s), nothing to do" % (
        dc, versions[dc_index][0], len(nodes))


def converge(c, nodes, work, bound):
    """Waits (at most `bound` s) until cluster_state holds twice in a row,
    2 s apart. Returns (True, description, seconds) or (False, the last
    description, bound)."""
    t0 = time.monotonic()
    ok_once = False
    desc = ""
    for _ in range(int(bound) + 2):
        ok, desc = cluster_state(c, nodes(), work)
        if ok and ok_once:
            return True, desc, time.monotonic() - t0
        ok_once = ok
        if time.monotonic() - t0 > bound:
            break
        time.sleep(2.0)
    return False, desc, time.monotonic() - t0


# vigild's log: "Dec 07 05:53:04 vigild[777] error: event=child-crashed child=vigil-cib pid=9 how="...""
CRASH = re.compile(r'event=child-(crashed|fatal) child=(\S+) pid=(\d+) how="([^"]*)"')
# A daemon that did not stop within vigild's bound after SIGTERM and was
# killed: never the test's doing.
STOP_KILL = re.compile(r'event=child-(kill) child=(\S+) pid=(\d+) reason="([^"]*)"')
FATAL_SIGNALS = ("SIGABRT", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "core dumped")


class CrashLog:
    """New crash lines of every node's vigild log since the last call."""

    def __init__(self, c):
        self.c = c
        self.offsets = {i: self._size(i) for i in c.nodes()}

    def _path(self, i):
        return os.path.join(self.c.node_dir(i), "log-vigil", "vigil.log")

    def _size(self, i):
        try:
            return os.path.getsize(self._path(i))
        except OSError:
            return 0

    def take(self):
        """[(node index, kind, daemon, how, line)] logged since the last call."""
        out = []
        for i in self.c.nodes():
            try:
                with open(self._path(i), "rb") as f:
                    f.seek(self.offsets.get(i, 0))
                    data = f.read()
            except OSError:
                continue
            self.offsets[i] = self.offsets.get(i, 0) + len(data)
            for line in data.decode(errors="replace").splitlines():
                m = CRASH.search(line) or STOP_KILL.search(line)
                if m:
                    out.append((i, m.group(1), m.group(2), m.group(4), line.strip()))
        return out


def unexpected_crashes(crashes, allowed):
    """The crashes no `allowed(node, daemon, how)` accounts for; a crash by
    abort, segmentation fault, bus error and the like never is."""
    return [x for x in crashes if x[1] == "kill" or any(s in x[3] for s in FATAL_SIGNALS) or
            not allowed(x[0], x[2], x[3])]
