#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A resource is stopped with the parameters it was started with, even by a
controller that restarted since: two nodes of our daemons over real
Corosync (vigild on each, no fencing), an ocf:heartbeat:Dummy `Stamp` whose
state file is /run/vigil-respawn/a.state (each node has its own /run).

  reconfigured  vigil-crmd killed (SIGKILL) on the node running Stamp and
                respawned by vigild; then `vigil resource update Stamp
                state=.../b.state`: Stamp is restarted, its stop with the old
                parameters (a.state removed), its start with the new ones
  deleted       Stamp moved to the other node, the same kill there; then
                `vigil resource delete Stamp` (an orphan: its stop order
                carries no parameters): b.state is removed, nothing runs

A controller learns those parameters from vigil-lrmd's history when it
starts (lib/controller's stop_params); without them, the stop removed
another file and the Dummy kept running.

  test_crmd_respawn.py --build-dir DIR [--work DIR] [--keep]
Exits 77 (skipped) without root, network namespaces, corosync or
resource-agents, or when the daemons are not built."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import webcluster  # noqa: E402
from harness import HarnessError, log  # noqa: E402

DUMMY = "/usr/lib/ocf/resource.d/heartbeat/Dummy"
STATE_DIR = "/run/vigil-respawn"
A = STATE_DIR + "/a.state"
B = STATE_DIR + "/b.state"


def holders(c, path):
    """The nodes where the state file `path` exists."""
    return [i for i in c.nodes() if c.exec(i, ["test", "-e", path], timeout=10).returncode == 0]


def crmd_pid(c, i):
    pids = [pid for pid, comm in c.processes(i).items() if comm == "vigil-crmd"]
    return pids[0] if len(pids) == 1 else None


def crmd_answers(c, i):
    return c.exec(i, ["python3", "-c", "import sys; sys.path.insert(0, %r); import vigil_ipc; "
                      "vigil_ipc.Conn('/run/vigil/crmd.sock').call('<status/>')"
                      % harness.DAEMONS_TESTING], timeout=15).returncode == 0


def kill_crmd(c, i):
    """SIGKILL to node i's vigil-crmd; returns once vigild started another
    one and it answers on crmd.sock."""
    old = harness.wait_until("exactly one vigil-crmd on node%d" % i, lambda: crmd_pid(c, i), 60,
                             0.2)
    os.kill(old, 9)
    new = harness.wait_until("vigild to respawn vigil-crmd on node%d" % i,
                             lambda: (lambda p: p if p and p != old else None)(crmd_pid(c, i)),
                             60, 0.2)
    harness.wait_until("node%d's new vigil-crmd to answer" % i, lambda: crmd_answers(c, i), 60,
                       0.5)
    log("ok: vigil-crmd killed on node%d (pid %d), respawned as %d" % (i, old, new))


def vigil(c, *argv):
    c.check_exec(1, ["vigil"] + list(argv), timeout=60)


def scenario(c):
    webcluster.wait_vigil_cib(c, 1)
    for i in c.nodes():
        c.check_exec(i, ["mkdir", "-p", STATE_DIR])
    vigil(c, "property", "set", "stonith-enabled=false")
    vigil(c, "resource", "create", "Stamp", "ocf:heartbeat:Dummy", "state=" + A, "op", "monitor",
          "interval=5s")
    where = harness.wait_until("Stamp started (%s on one node)" % A,
                               lambda: (lambda h: h if len(h) == 1 else None)(holders(c, A)),
                               120, 1.0)
    log("ok: Stamp runs on node%d" % where[0])
    webcluster.vigil_settle(c, 1)

    # reconfigured
    kill_crmd(c, where[0])
    vigil(c, "resource", "update", "Stamp", "state=" + B)
    try:
        where = harness.wait_until(
            "Stamp restarted with the new state file (%s gone, %s on one node)" % (A, B),
            lambda: (lambda a, b: b if not a and len(b) == 1 else None)(holders(c, A),
                                                                        holders(c, B)),
            90, 1.0)
    except HarnessError as e:
        raise HarnessError("%s: %s on %s, %s on %s" % (e, A, holders(c, A), B, holders(c, B)))
    log("ok: the restarted controller stopped Stamp with its old parameters; it runs on "
        "node%d with the new ones" % where[0])
    webcluster.vigil_settle(c, 1)

    # deleted, on the other node this time (DC or not: node1 is the DC
    # whenever its controller runs)
    other = 3 - where[0]
    vigil(c, "constraint", "location", "Stamp", "prefers", "node%d=100" % other)
    harness.wait_until("Stamp moved to node%d" % other,
                       lambda: holders(c, B) == [other] and not holders(c, A), 90, 1.0)
    webcluster.vigil_settle(c, 1)
    kill_crmd(c, other)
    vigil(c, "resource", "delete", "Stamp")
    try:
        harness.wait_until("the orphan Stamp stopped (%s gone)" % B, lambda: not holders(c, B),
                           90, 1.0)
    except HarnessError as e:
        raise HarnessError("%s: still on %s" % (e, holders(c, B)))
    log("ok: the restarted controller stopped the deleted Stamp with its parameters")


def main():
    if not os.path.exists(DUMMY):
        print("SKIP: resource-agents is not installed (%s)" % DUMMY)
        return harness.SKIP
    return harness.vigild_test_main(__doc__, scenario, 2, "vigil-respawn-")


if __name__ == "__main__":
    sys.exit(main())
