# SPDX-License-Identifier: GPL-2.0-or-later
"""The tests, after Pacemaker's CTS lab (cts/lab/CTStests.py in 2.1.5,
python/pacemaker/_cts/tests later): each is a function (lab, ctx) run with
a node the suite drew at random (ctx.node), that breaks or changes the
cluster and waits (bounded) for what the test itself expects; it raises
lab.TestFailed when that does not happen. The invariants are checked by
the suite around every test (invariants.py). ctx.allow(predicate) names
the daemon crashes the test causes itself (predicate(node, daemon, how)).

Reattach restarts the stack of every node while the resources keep
running unmanaged: it stops and starts only the stack (Cluster.stop_stack,
start_stack), the node's shell staying on with its namespaces, so what the
resources left on its private /run, /dev/shm and addresses survives; a held
node is down for the lab (Lab.up), its resources still seen by the watcher.

Not here: Pacemaker's remote-node tests (vigil has no remote nodes yet),
and the valgrind, bandwidth and rolling-upgrade tests (they measure the
tools, not the cluster).
"""
import os
import re

import invariants
import nodeview
from harness import HarnessError, log
from lab import STATE, TestFailed

COMPONENTS = ("vigil-cib", "vigil-stonithd", "vigil-lrmd", "vigil-pengine", "vigil-crmd",
              "corosync")
MAINT_ID = "maintenanceDummy"
MAINT_STATE = "/dev/shm/cts-maintenance.state"
# What starts, stops, promotes, demotes or migrates a resource: the
# operations Pacemaker's Reattach watches for (its Pat:RscOpOK patterns).
ACTIVITY_OPS = ("start", "stop", "promote", "demote", "migrate_to", "migrate_from")
# vigil-crmd's line for each operation it hands its executor
EXEC_LINE = re.compile(r"event=exec rsc=(\S+) op=(\S+)")


class Ctx:
    def __init__(self, node, rng):
        self.node = node
        self.rng = rng
        self.allowed = []  # predicates (node, daemon, how) -> bool
        self.notes = {}
        self.skipped = False

    def allow(self, predicate):
        self.allowed.append(predicate)

    def allows(self, node, daemon, how):
        return any(p(node, daemon, how) for p in self.allowed)


# --- starting and stopping nodes ------------------------------------------------

def start_one_by_one(lab, ctx):
    """Every node stopped, then started one at a time, each joined before the next."""
    lab.stop_all()
    started = []
    for i in lab.c.nodes():
        lab.start_node(i)
        started.append(i)
        lab.wait_joined(started)


def simul_start(lab, ctx):
    """Every node stopped, then all started at once."""
    lab.stop_all()
    lab.start_all()


def simul_stop(lab, ctx):
    """Every node started, then all stopped at once."""
    lab.start_all()
    lab.stop_all()


def stop_one_by_one(lab, ctx):
    """Every node started, then stopped one at a time."""
    lab.start_all()
    for i in lab.c.nodes():
        lab.stop_node(i)


def restart_one_by_one(lab, ctx):
    """Every node started, then each stopped and started again in turn."""
    lab.start_all()
    for i in lab.c.nodes():
        lab.stop_node(i)
        lab.start_node(i)
        lab.wait_joined(list(lab.c.nodes()))


def partial_start(lab, ctx):
    """Every node stopped; the node is started and stopped again as soon as
    its controller has been launched, before it has joined."""
    lab.stop_all()
    i = ctx.node
    offset = lab.vigil_log_size(i)
    lab.start_node(i)
    lab.wait_until("node%d's vigil-crmd to be launched" % i,
                   lambda: "event=child-started child=vigil-crmd" in lab.vigil_log_since(i, offset),
                   60, 0.1)
    lab.stop_node(i)


def flip(lab, ctx):
    """The node stopped when it runs, started when it does not."""
    i = ctx.node
    if lab.c.running(i):
        ctx.notes["flip"] = "up->down"
        lab.stop_node(i)
    else:
        ctx.notes["flip"] = "down->up"
        lab.start_node(i)
        lab.wait_joined(lab.up())


def restart(lab, ctx):
    """The node stopped and started again (started first when it was down)."""
    i = ctx.node
    if not lab.c.running(i):
        lab.start_node(i)
        lab.wait_joined(lab.up())
    lab.stop_node(i)
    lab.start_node(i)
    lab.wait_joined(lab.up())


def near_quorum_point(lab, ctx):
    """Each node drawn to be up or down, and all the starts and stops made at once."""
    want_up = [i for i in lab.c.nodes() if ctx.rng.choice(("start", "stop")) == "start"]
    stops = [i for i in lab.up() if i not in want_up]
    starts = [i for i in want_up if not lab.c.running(i)]
    ctx.notes["up"] = ["node%d" % i for i in want_up]
    if not stops and not starts:
        ctx.skipped = True
        return
    lab.parallel(lambda i: lab.stop_node(i) if i in stops else lab.start_node(i), stops + starts)
    if want_up:
        lab.wait_joined(want_up)


def resync_cib(lab, ctx):
    """Every node stopped, the node's CIB files removed, the node started
    alone and then the others: it must get the cluster's CIB back."""
    lab.stop_all()
    i = ctx.node
    cib_dir = os.path.join(lab.c.node_dir(i), "lib-vigil", "cib")
    removed = 0
    if os.path.isdir(cib_dir):
        for name in os.listdir(cib_dir):
            path = os.path.join(cib_dir, name)
            if os.path.isfile(path) or os.path.islink(path):
                os.unlink(path)
                removed += 1
    ctx.notes["files_removed"] = removed
    lab.start_node(i)
    lab.wait_joined([i])
    lab.start_all()


# --- resources -------------------------------------------------------------------

def standby(lab, ctx):
    """The node put in standby: nothing runs there; then back out of standby:
    the clone's instance returns."""
    lab.start_all()
    i = ctx.node
    name = "node%d" % i
    lab.vigil(lab.up()[0], "node", "standby", name)
    try:
        lab.wait_until("nothing to run on %s in standby" % name,
                       lambda: not any(i in n for n in lab.placement().values()), 90)
    finally:
        lab.vigil(lab.up()[0], "node", "unstandby", name)
    lab.wait_until("Pulse back on %s after standby" % name,
                   lambda: i in lab.placement()["Pulse"], 90)


def maintenance_mode(lab, ctx):
    """A Dummy added; maintenance-mode on, the Dummy fails (its state file
    removed) and is not recovered; maintenance-mode off: it is recovered;
    the Dummy removed."""
    lab.start_all()
    first = lab.up()[0]
    lab.watcher.dummies["maintenanceDummy"] = MAINT_STATE
    lab.watcher.unique_ids.add(MAINT_ID)

    def where():
        return [n for n in lab.c.nodes() if lab.dummy(n, MAINT_STATE)]
    try:
        lab.vigil(first, "resource", "create", MAINT_ID, "ocf:heartbeat:Dummy",
                  "state=" + MAINT_STATE, "op", "monitor", "interval=5s")
        nodes = lab.wait_until("%s to start" % MAINT_ID, where, 90)
        lab.vigil(first, "property", "set", "maintenance-mode=true")
        lab.wait_until("`vigil status` to show maintenance mode",
                       lambda: "maintenance" in lab.status(first).lower(), 60, 1.0)
        lab.c.check_exec(nodes[0], ["rm", "-f", MAINT_STATE])
        lab.pause(12)  # two monitor intervals: nothing may bring it back
        if where():
            raise TestFailed("%s was recovered (on %s) while the cluster was in maintenance "
                             "mode" % (MAINT_ID, where()))
        lab.vigil(first, "property", "set", "maintenance-mode=false")
        lab.wait_until("%s recovered once maintenance mode is off" % MAINT_ID, where, 90)
    finally:
        lab.c.exec(first, ["vigil", "property", "set", "maintenance-mode=false"], timeout=60)
        lab.c.exec(first, ["vigil", "resource", "delete", MAINT_ID], timeout=120)
    lab.wait_until("%s gone" % MAINT_ID, lambda: not where(), 90)
    lab.watcher.dummies.pop("maintenanceDummy", None)
    lab.watcher.unique_ids.discard(MAINT_ID)


def resource_recover(lab, ctx):
    """A resource active on the node fails (the VIP's address removed, a
    Dummy's state file removed): the cluster recovers it, once."""
    lab.start_all()
    i = ctx.node
    active = sorted(r for r, nodes in lab.placement().items() if i in nodes)
    if not active:
        ctx.skipped = True
        return
    rsc = ctx.rng.choice(active)
    ctx.notes["resource"] = rsc
    if rsc == "VIP":
        lab.c.check_exec(i, ["ip", "addr", "del", "%s/24" % lab.c.vip, "dev", "eth0"])
    else:
        lab.c.check_exec(i, ["rm", "-f", STATE[rsc]])
    unique = rsc != "Pulse"
    lab.wait_until("%s recovered" % rsc,
                   lambda: (lambda n: len(n) == 1 if unique else i in n)(lab.placement()[rsc]),
                   90)
    lab.wait_until("%s's failure recorded" % rsc,
                   lambda: "%s" % rsc in lab.failures(lab.up()[0]), 60, 1.0)
    lab.vigil(lab.up()[0], "resource", "cleanup", "Pulse-clone" if rsc == "Pulse" else rsc)


def component_fail(lab, ctx):
    """One component of the node killed (SIGKILL): a daemon, which vigild
    respawns, or Corosync, after which the node is fenced."""
    lab.start_all()
    i = ctx.node
    chosen = ctx.rng.choice(COMPONENTS)
    ctx.notes["component"] = chosen
    pids = [pid for pid, comm in lab.c.processes(i).items() if comm == chosen]
    if not pids:
        raise TestFailed("no %s runs on node%d" % (chosen, i))
    offset = lab.vigil_log_size(i)
    since = lab.now()
    if chosen == "corosync":
        ctx.allow(lambda n, d, how, i=i: n == i)
    else:
        # The controller losing its executor or CIB exits 1 and is
        # respawned, as Pacemaker's does (its CTS patterns for execd/based).
        ctx.allow(lambda n, d, how, i=i: n == i and (
            (d == chosen and "SIGKILL" in how) or
            (d == "vigil-crmd" and how == "exited with status 1")))
    for pid in pids:
        lab.c.exec(i, ["kill", "-KILL", str(pid)], timeout=10)
    if chosen == "corosync":
        lab.wait_fenced_back(since, [i])
    else:
        lab.wait_until("%s respawned on node%d" % (chosen, i),
                       lambda: "event=child-ready child=%s" % chosen in lab.vigil_log_since(i, offset)
                       or "node%d" % i in lab.fenced_since(since), 90)
    lab.wait_joined(list(lab.c.nodes()), 150)


def split_brain(lab, ctx):
    """The nodes split into random partitions (Corosync traffic blocked):
    a majority fences the rest; with no majority nothing runs; healed, the
    cluster reforms."""
    lab.start_all()
    nodes = list(lab.c.nodes())
    for _ in range(100):
        part = {i: ctx.rng.randint(1, len(nodes)) for i in nodes}
        if len(set(part.values())) > 1:
            break
    groups = {}
    for i, p in part.items():
        groups.setdefault(p, []).append(i)
    major = [g for g in groups.values() if len(g) * 2 > len(nodes)]
    cut = [i for i in nodes if not major or i not in major[0]]
    ctx.notes["partitions"] = sorted(sorted("node%d" % i for i in g) for g in groups.values())
    since = lab.now()
    lab.isolated.update(cut)
    try:
        for i in cut:
            lab.c.block_corosync(i)
        if major:
            lab.wait_fenced_back(since, cut)
            for i in cut:
                lab.isolated.discard(i)
        else:
            lab.wait_until("nothing active without quorum",
                           lambda: not any(lab.placement().values()), 90)
    finally:
        for i in cut:
            if lab.c.running(i) and lab.c.corosync_blocked(i):
                lab.c.unblock_corosync(i)
        lab.isolated.difference_update(cut)
    ctx.allow(lambda n, d, how, since=since: "node%d" % n in lab.fenced_since(since))
    lab.wait_joined(nodes, 150)


def stonithd(lab, ctx):
    """`vigil stonith fence NODE` (reboot) from a node drawn at random: the
    node goes off and on, every node's history has it, the cluster reforms."""
    lab.start_all()
    i = ctx.node
    origin = ctx.rng.choice(list(lab.c.nodes()))
    ctx.notes["origin"] = "node%d" % origin
    since = lab.now()
    ctx.allow(lambda n, d, how, i=i: n == i)
    p = lab.c.exec(origin, ["vigil", "stonith", "fence", "node%d" % i], timeout=150)
    if origin != i and p.returncode != 0:
        raise TestFailed("vigil stonith fence node%d from node%d: exit %d: %s"
                         % (i, origin, p.returncode, (p.stderr + p.stdout).strip()[-500:]))
    lab.wait_fenced_back(since, [i])
    lab.wait_joined(list(lab.c.nodes()), 150)


def resource_activity(text, ignore_starts=()):
    """[(resource, operation)] of the executions in a vigild log text that
    start, stop, promote, demote or migrate a resource (vigil-crmd's
    event=exec lines); a start of a resource of `ignore_starts` is left out."""
    out = []
    for m in EXEC_LINE.finditer(text):
        rsc, op = m.group(1), m.group(2)
        if op in ACTIVITY_OPS and not (op == "start" and rsc in ignore_starts):
            out.append((rsc, op))
    return out


def reattach(lab, ctx):
    """Pacemaker's Reattach: resource management off (rsc_defaults
    is-managed=false), the stack stopped on every node while the resources
    keep running (the nodes stay on: Cluster.stop_stack) and started again
    in the same nodes: nothing is started or stopped, the probes find every
    resource where it runs; management back on: nothing is started or
    stopped either but the fence devices (their registration went with the
    fencers, as in Pacemaker, whose test ignores their starts)."""
    lab.start_all()
    c = lab.c
    nodes = list(c.nodes())
    i = ctx.node
    settle(lab, "before the test")
    problems = lab.check_placement()
    if problems:
        raise TestFailed("not every resource runs before the test: " + "; ".join(problems))
    before = lab.placement()
    ctx.notes["placement"] = {r: ["node%d" % n for n in where] for r, where in before.items()}
    files = {(rsc, n): nodeview.file_identity(c, n, path)
             for rsc, path in STATE.items() for n in before[rsc]}
    managed = True
    try:
        managed = False
        set_managed(lab, i, False)
        settle(lab, "with resource management disabled")

        offsets = log_offsets(lab)
        lab.parallel(lab.stop_stack, nodes)
        held = lab.placement()
        if held != before:
            raise TestFailed("with every stack stopped the resources run on %s, not on %s as "
                             "before" % (held, before))
        lab.parallel(lab.start_stack, nodes)
        lab.wait_joined(nodes, 150)
        settle(lab, "after the stack restart")
        activity = activity_since(lab, offsets)
        if activity:
            raise TestFailed("resources stopped or started during the cluster restart: %s"
                             % activity)
        check_in_place(lab, before, files, "after the stack restart")
        check_probed(lab, before)

        offsets = log_offsets(lab)
        set_managed(lab, i, True)
        managed = True
        settle(lab, "with resource management enabled again")
        activity = activity_since(lab, offsets, ignore_starts=stonith_ids(lab, i))
        if activity:
            raise TestFailed("resources stopped or started after resource management was "
                             "re-enabled: %s" % activity)
        check_in_place(lab, before, files, "with resource management enabled again")
    finally:
        if not managed:  # Reattach's teardown: the nodes up, management back on
            try:
                lab.parallel(lab.start_stack, [n for n in nodes if c.held(n)])
                lab.wait_joined(nodes, 150)
                c.exec(i, ["vigil", "resource", "defaults", "update", "is-managed="], timeout=60)
            except (TestFailed, HarnessError) as e:  # the test's own failure says more
                log("Reattach's teardown: %s" % e)


def set_managed(lab, i, managed):
    """rsc_defaults is-managed=false, or the default removed (Pacemaker's
    crm_attribute -t rsc_defaults -n is-managed -v false / -D) through node
    i; returns once every running node's CIB has it and the DC has computed
    a transition since (the scheduler has seen it). No acknowledged-update
    write meanwhile, so the DC's next transition is this change's."""
    want = None if managed else "false"
    dc = lab.dc()
    if dc is None:
        raise TestFailed("no DC to change resource management through")
    lab.quiet.set()
    try:
        offset = lab.vigil_log_size(dc)
        lab.vigil(i, "resource", "defaults", "update", "is-managed=" + (want or ""))

        def everywhere():
            for n in lab.up():
                got = nodeview.cib(lab.c, n)
                if got is None or nodeview.rsc_default(got[1], "is-managed") != want:
                    return False
            return True
        lab.wait_until("rsc_defaults is-managed=%s in every CIB" % want, everywhere, 60, 0.5)
        lab.wait_until("the DC node%d to schedule with is-managed=%s" % (dc, want),
                       lambda: "event=transition-start" in lab.vigil_log_since(dc, offset),
                       60, 0.5)
    finally:
        lab.quiet.clear()


def log_offsets(lab):
    return {n: lab.vigil_log_size(n) for n in lab.c.nodes()}


def settle(lab, when):
    ok, desc, _ = invariants.converge(lab.c, lab.up, lab.work, 120)
    if not ok:
        raise TestFailed("the cluster did not settle %s: %s" % (when, desc))


def activity_since(lab, offsets, ignore_starts=()):
    """{node: [(resource, operation)]} started, stopped ... since `offsets`."""
    out = {}
    for n in lab.c.nodes():
        found = resource_activity(lab.vigil_log_since(n, offsets[n]), ignore_starts)
        if found:
            out["node%d" % n] = found
    return out


def check_in_place(lab, before, files, when):
    """Every resource where it ran before, the Dummies with the same state
    files (not stopped and started again in between)."""
    now = lab.placement()
    if now != before:
        raise TestFailed("%s the resources run on %s, not on %s as before" % (when, now, before))
    for (rsc, n), ident in files.items():
        got = nodeview.file_identity(lab.c, n, STATE[rsc])
        if got != ident:
            raise TestFailed("%s %s's state file on node%d is another one (%s, was %s): it was "
                             "stopped and started" % (when, rsc, n, got, ident))


def check_probed(lab, before):
    """Every node's executor knows what runs there (its probes found it)."""
    for n in lab.c.nodes():
        want = {r for r, where in before.items() if n in where}
        active = nodeview.executor_active(lab.c, n)
        if active is None:
            raise TestFailed("node%d's executor does not answer" % n)
        have = {r.split(":")[0] for r in active}
        if not want <= have:
            raise TestFailed("node%d's executor does not know %s runs there (it has %s)"
                             % (n, sorted(want - have), sorted(active)))


def stonith_ids(lab, i):
    got = nodeview.cib(lab.c, i)
    if got is None:
        raise TestFailed("node%d's CIB cannot be read" % i)
    return {p.get("id") for p in got[1].iter("primitive") if p.get("class") == "stonith"}


TESTS = {
    "StartOnebyOne": start_one_by_one,
    "SimulStart": simul_start,
    "SimulStop": simul_stop,
    "StopOnebyOne": stop_one_by_one,
    "RestartOnebyOne": restart_one_by_one,
    "PartialStart": partial_start,
    "Standby": standby,
    "MaintenanceMode": maintenance_mode,
    "ResourceRecover": resource_recover,
    "ComponentFail": component_fail,
    "SplitBrain": split_brain,
    "NearQuorumPoint": near_quorum_point,
    "ResyncCIB": resync_cib,
    "Flip": flip,
    "Restart": restart,
    "Stonithd": stonithd,
    "Reattach": reattach,
}
