#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The fencer's consumers over real Corosync: a three-node cluster of our
daemons (vigil-stonithd among them, vigild on each node) with a fence
device of the harness's power switch. The device runs as a stonith
resource (vigil-lrmd asks vigil-stonithd to monitor it); node3, which runs
a Dummy, loses its network: the DC has vigil-stonithd reboot it (the switch
powers it off and on), records it down and recovers the Dummy elsewhere; `vigil stonith fence node3 --off` by hand
powers node3 off and the DC, told by the fencer, records node3 down and
asks for no fencing of its own; `vigil stonith history` and `vigil status
--full` show the operation in pcs's and crm_mon's words; an unknown node is
refused; a node that learns it was fenced (`vigil stonith confirm node2
--force` while it runs) stops its controller (exit 100, not respawned).

  test_fencing_consumers.py --build-dir DIR [--work DIR] [--keep]
Exits 77 (skipped) without root, network namespaces or corosync, or when the
daemons are not built."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import webcluster  # noqa: E402
from harness import HarnessError, log  # noqa: E402


def expect(cond, what):
    if not cond:
        raise HarnessError(what)
    log("ok: " + what)


def vigil_log(c, i):
    path = os.path.join(c.node_dir(i), "log-vigil", "vigil.log")
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def node_state(c, i, node_id):
    """node_state attributes of node `node_id` in node i's CIB."""
    cib = c.check_exec(i, ["vigil", "cluster", "cib"], timeout=30)
    m = re.search(r'<node_state [^>]*\bid="%d"[^>]*>' % node_id, cib)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(0))) if m else {}


def scenario(c):
    webcluster.wait_vigil_cib(c, 1)
    # (no-quorum-policy stays "stop": a node cut off alone fences nobody)
    c.check_exec(1, ["vigil", "stonith", "create", "fence_all", "fence_vigil_netns",
                     "pcmk_host_list=node1 node2 node3"], timeout=30)
    started = re.compile(r"fence_all\t\(stonith:fence_vigil_netns\):\t Started node\d")
    harness.wait_until("fence_all started (monitored through vigil-stonithd)",
                       lambda: started.search(webcluster.vigil_status(c, 1)), 120, 1.0)
    log("ok: the stonith resource runs")
    status = webcluster.vigil_status(c, 1)
    expect("WARNINGS:" not in status and "Fencing" not in status,
           "no warnings and no fencing sections yet")

    # The cluster's own fencing: node3 cut off while it runs D.
    c.check_exec(1, ["vigil", "resource", "create", "D", "ocf:heartbeat:Dummy", "op", "monitor",
                     "interval=10s"], timeout=30)
    c.check_exec(1, ["vigil", "constraint", "location", "D", "avoids", "node1"], timeout=30)
    c.check_exec(1, ["vigil", "constraint", "location", "D", "prefers", "node3=100"], timeout=30)
    harness.wait_until("D started on node3", lambda: "D\t(ocf:heartbeat:Dummy):\t Started node3"
                       in webcluster.vigil_status(c, 1), 60, 1.0)
    c.cut(3)
    harness.wait_until("the DC fenced node3 through vigil-stonithd",
                       lambda: "event=fenced node=node3 action=reboot" in vigil_log(c, 1), 120,
                       1.0)
    log("ok: the DC fenced node3 through vigil-stonithd")
    harness.wait_until("D recovered on node2", lambda: re.search(
        r"event=result node=node2 op=D_start_0 rc=0", vigil_log(c, 1)), 60, 1.0)
    log("ok: D recovered on node2 once node3 was fenced")
    harness.wait_until("node3 back (the switch rebooted it) and every node online",
                       lambda: "Online: [ node1 node2 node3 ]" in webcluster.vigil_status(c, 1),
                       120, 1.0)
    log("ok: node3 rebooted and joined again")

    p = c.exec(1, ["vigil", "stonith", "fence", "node9"], timeout=30)
    expect(p.returncode == 1 and "node 'node9' is not a node of this cluster" in p.stderr,
           "an unknown node is refused: %s" % p.stderr.strip())

    p = c.exec(1, ["vigil", "stonith", "fence", "node3", "--off"], timeout=180)
    expect(p.returncode == 0 and p.stderr.strip() == "Node: node3 fenced",
           "vigil stonith fence node3 --off: %s" % (p.stderr + p.stdout).strip())
    expect(c.power_status(3) == "off", "the switch has node3 off")
    harness.wait_until("node3 recorded down by the DC", lambda: node_state(c, 1, 3).get(
        "expected") == "down" and node_state(c, 1, 3).get("join") == "down", 60, 1.0)
    logs = vigil_log(c, 1) + vigil_log(c, 2)
    expect("event=external-fencing node=node3" in logs,
           "the DC took node3's fencing from the fencer's event")
    requests = logs.count("event=fence-request node=node3")
    expect(requests == 1, "the DC asked for no further fencing of node3 itself")

    p = c.exec(2, ["vigil", "stonith", "history", "show", "node3"], timeout=30)
    lines = p.stdout.splitlines()
    when = r"completed='[-0-9 :]+(Z| [-+]\d\d:\d\d)'"
    expect(p.returncode == 0 and len(lines) == 3 and
           re.fullmatch(r"turning off of node3 successful: delegate=node\d, "
                        r"client=stonith_admin\.\d+, origin=node1, " + when, lines[0]) and
           re.fullmatch(r"reboot of node3 successful: delegate=node\d, client=vigil-crmd, "
                        r"origin=node1, " + when, lines[1]) and lines[2] == "2 events found",
           "node2's `vigil stonith history show node3`: %s" % p.stdout.strip())
    p = c.exec(1, ["vigil", "status", "--full"], timeout=30)
    expect(p.returncode == 0 and re.search(
        r"\nFencing History:\n  \* turning off of node3 by node\d for stonith_admin\.\d+@node1 "
        r"successful at ", p.stdout) is not None,
        "`vigil status --full` has the fencing history")

    p = c.exec(1, ["vigil", "stonith", "confirm", "node2", "--force"], timeout=60)
    expect(p.returncode == 0 and p.stdout.strip() == "Node: node2 confirmed fenced",
           "vigil stonith confirm node2 --force: %s" % (p.stderr + p.stdout).strip())
    harness.wait_until("node2's controller stopped", lambda: "event=halt" in vigil_log(c, 2) and
                       "vigil-crmd" not in c.processes(2).values(), 60, 1.0)
    log("ok: node2 learnt it was fenced and its controller stopped")
    expect((vigil_log(c, 1) + vigil_log(c, 2)).count("event=fence-request node=node3") == 1,
           "still no further fencing of node3 asked by a DC")


if __name__ == "__main__":
    sys.exit(harness.vigild_test_main(__doc__, scenario, 3, "vigil-fencing-",
                                      programs=("daemons/vigil-stonithd", "cli/vigil"),
                                      token_ms=1000))
