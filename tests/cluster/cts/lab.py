# SPDX-License-Identifier: GPL-2.0-or-later
"""The CTS lab: three namespace nodes of our daemons over real Corosync,
fencing on (one fence_vigil_netns device per node on the harness's power
switch, stonith-action reboot: a fenced node powers off and boots again),
the web group and a clone, and the node operations the tests are made of.

Resources (what an administrator types, `vigil` in pcs syntax):
  fence-nodeI    stonith:fence_vigil_netns pcmk_host_list=nodeI, avoids nodeI
  myweb          group of VIP (ocf:heartbeat:IPaddr2 on the cluster's VIP)
                 and Web (ocf:heartbeat:Dummy: the web server's place; a
                 real apache on three nodes costs start/stop time the
                 sample's 5-minute budget has not got)
  Pulse-clone    a cloned ocf:heartbeat:Dummy
Dummies keep their state file on the node's private /dev/shm, so a node
that is powered off or stopped loses them as a rebooted machine does.
"""
import os
import threading
import time

import harness
import nodeview
import webcluster
from harness import HarnessError, log

VIP = "VIP"
STATE = {"Web": "/dev/shm/cts-Web.state", "Pulse": "/dev/shm/cts-Pulse.state"}
MONITOR = "5s"
UNIQUE = ("VIP", "Web", "fence-node1", "fence-node2", "fence-node3")


class TestFailed(Exception):
    """The test's own expectation failed (not an invariant): the message says which."""


class Lab:
    def __init__(self, c, work, rng):
        self.c = c
        self.work = work
        self.rng = rng
        self.isolated = set()  # nodes whose Corosync traffic the test blocks
        self.quiet = threading.Event()  # set: no CIB writes (a test's own sensitive moment)

    # --- configuration ----------------------------------------------------------
    def vigil(self, i, *argv, timeout=60):
        return self.c.check_exec(i, ["vigil"] + list(argv), timeout=timeout)

    def configure(self):
        webcluster.wait_vigil_cib(self.c, 1, 120)
        for argv in webcluster.fencing_commands(["node%d" % n for n in self.c.nodes()]):
            self.vigil(1, *argv)
        self.vigil(1, "property", "set", "no-quorum-policy=stop")
        self.vigil(1, "resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=%s" % self.c.vip,
                   "cidr_netmask=24", "nic=eth0", "op", "monitor", "interval=" + MONITOR)
        self.vigil(1, "resource", "create", "Web", "ocf:heartbeat:Dummy", "state=" + STATE["Web"],
                   "op", "monitor", "interval=" + MONITOR)
        self.vigil(1, "resource", "group", "add", "myweb", "VIP", "Web")
        self.vigil(1, "resource", "create", "Pulse", "ocf:heartbeat:Dummy",
                   "state=" + STATE["Pulse"], "op", "monitor", "interval=" + MONITOR, "clone")

    def placement(self):
        """{resource: [nodes]} physically active now (VIP, Web, Pulse)."""
        out = {"VIP": [], "Web": [], "Pulse": []}
        for i in self.c.nodes():
            if nodeview.link_up(self.c, i):
                addrs = nodeview.local_addresses(self.c, i) or set()
                if self.c.vip in addrs:
                    out["VIP"].append(i)
            for rsc, path in STATE.items():
                if nodeview.dummy_running(self.c, i, path):
                    out[rsc].append(i)
        return out

    def check_placement(self):
        """Problems with where things run once settled: the group together on
        one node, the clone on every running node (when quorate)."""
        up = self.up()
        p = self.placement()
        if len(up) < 2:
            return ["%s active without quorum on %s" % (r, n) for r, n in p.items() if n]
        problems = []
        if len(p["VIP"]) != 1 or p["VIP"] != p["Web"]:
            problems.append("the web group is not together on one node: VIP on %s, Web on %s"
                            % (p["VIP"], p["Web"]))
        if sorted(p["Pulse"]) != sorted(up):
            problems.append("Pulse-clone runs on %s, not on every running node %s"
                            % (p["Pulse"], up))
        return problems

    # --- nodes -------------------------------------------------------------------
    def up(self):
        """Nodes whose cluster stack runs (a node held by stop_stack is on,
        but its stack is not: it is down for the cluster)."""
        return [i for i in self.c.nodes() if self.c.stack_running(i)]

    def down(self):
        return [i for i in self.c.nodes() if not self.c.stack_running(i)]

    def writable(self):
        """Nodes a CIB update may go through: running, not cut off, in a
        partition that holds a majority of the nodes (what a minority
        acknowledges is lost when partitions merge, as in Pacemaker)."""
        if self.quiet.is_set():
            return []
        nodes = [i for i in self.up() if i not in self.isolated]
        return nodes if len(nodes) * 2 > self.c.n else []

    def stop_node(self, i, timeout=120):
        log("stopping node%d" % i)
        try:
            self.c.stop(i, timeout)
        except HarnessError as e:
            raise TestFailed("node%d did not stop cleanly: %s" % (i, e))

    def start_node(self, i):
        """Starts node i (powering it on when the switch holds it off);
        returns once its stack runs (not yet joined)."""
        log("starting node%d" % i)
        if "node%d" % i in self.c.powered_off():
            self.c.power_on(i)
            return
        if self.c.held(i):
            self.start_stack(i)
            return
        if self.c.running(i):
            return
        try:
            self.c.start(i)
        except HarnessError as e:
            raise TestFailed("node%d did not start: %s" % (i, e))

    def stop_stack(self, i, timeout=120):
        """Only the node's cluster stack stopped: the node stays on, with its
        resources' state (Cluster.stop_stack)."""
        log("stopping node%d's stack, the node stays on" % i)
        try:
            self.c.stop_stack(i, timeout)
        except HarnessError as e:
            raise TestFailed("node%d's stack did not stop cleanly: %s" % (i, e))

    def start_stack(self, i):
        """The stack of a node held by stop_stack started again in that node."""
        log("starting node%d's stack again" % i)
        try:
            self.c.start_stack(i)
        except HarnessError as e:
            raise TestFailed("node%d's stack did not start again: %s" % (i, e))

    def wait_joined(self, nodes, timeout=120):
        """Until every node of `nodes` runs and its controller sees a DC and
        all of `nodes` as members."""
        names = {"node%d" % i for i in nodes}

        def joined():
            for i in nodes:
                s = nodeview.crmd_status(self.c, i)
                if s is None or s["dc"] is None or not names <= s["members"]:
                    return False
            return True
        try:
            harness.wait_until("%s to join" % sorted(names), joined, timeout, 1.0)
        except HarnessError as e:
            raise TestFailed(str(e))

    def parallel(self, fn, nodes):
        """fn(i) for every node at once; the first failure is raised."""
        errors = []

        def one(i):
            try:
                fn(i)
            except (TestFailed, HarnessError) as e:
                errors.append(e)
        threads = [threading.Thread(target=one, args=(i,)) for i in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        if errors:
            raise TestFailed(str(errors[0]))

    def stop_all(self):
        self.parallel(self.stop_node, self.up())

    def start_all(self):
        """Every node up and joined (SimulStartLite)."""
        self.parallel(self.start_node, self.down())
        self.wait_joined(list(self.c.nodes()))

    def restore(self):
        """After a failed test: no block, every node on and started."""
        for i in list(self.isolated):
            if self.c.running(i):
                self.c.unblock_corosync(i)
        self.isolated.clear()
        self.quiet.clear()
        for i in self.c.nodes():
            if "node%d" % i in self.c.powered_off():
                self.c.power_on(i)
            elif self.c.held(i):
                self.c.start_stack(i)
            elif not self.c.running(i):
                if os.path.exists(os.path.join(self.c.node_dir(i), "ns.pid")):
                    self.c.reboot_net(i)  # whatever it left in its namespace goes
                self.c.start(i)
        self.wait_joined(list(self.c.nodes()), 180)

    def dc(self):
        for i in self.up():
            s = nodeview.crmd_status(self.c, i)
            if s and s["dc"]:
                return int(s["dc"][len("node"):])
        return None

    def wait_fenced_back(self, since, nodes, timeout=150):
        """Until each node of `nodes` was powered off and on again by the
        switch after `since` (a reboot) and runs."""
        def back():
            ev = self.c.power_events(since)
            return all(any(e["action"] == "on" and e["ok"] and e["node"] == "node%d" % i
                           for e in ev) and self.c.running(i) for i in nodes)
        try:
            harness.wait_until("%s fenced and back" % ["node%d" % i for i in nodes], back,
                               timeout, 0.5)
        except HarnessError as e:
            raise TestFailed("%s; the switch's log: %s" % (e, self.c.power_events(since)))

    def fenced_since(self, since):
        """Names of the nodes the switch powered off since `since`."""
        return sorted({e["node"] for e in self.c.power_events(since)
                       if e["action"] == "off" and e["ok"]})

    def wait_until(self, what, predicate, timeout, interval=0.5):
        try:
            return harness.wait_until(what, predicate, timeout, interval)
        except HarnessError as e:
            raise TestFailed(str(e))

    def vigil_log_since(self, i, offset):
        path = os.path.join(self.c.node_dir(i), "log-vigil", "vigil.log")
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def vigil_log_size(self, i):
        try:
            return os.path.getsize(os.path.join(self.c.node_dir(i), "log-vigil", "vigil.log"))
        except OSError:
            return 0

    def pause(self, seconds):
        time.sleep(seconds)

    @staticmethod
    def now():
        return time.time()

    def dummy(self, i, path):
        return nodeview.dummy_running(self.c, i, path)

    def status(self, i):
        p = self.c.exec(i, ["vigil", "status"], timeout=30)
        return p.stdout + p.stderr

    def failures(self, i):
        """The "Failed Resource Actions" part of node i's `vigil status`."""
        text = self.status(i)
        return text[text.find("Failed Resource Actions"):] if "Failed Resource Actions" in text \
            else ""
