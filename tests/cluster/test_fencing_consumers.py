#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The fencer's consumers over real Corosync: a three-node cluster of our
daemons (vigild on each node) with a fence device of the harness's power
switch. The device runs as a stonith resource (vigil-lrmd asks
vigil-stonithd to monitor it); `vigil stonith fence node3 --off` by hand
powers node3 off and the DC, told by the fencer, records node3 down and
asks for no fencing of its own; `vigil stonith history` and `vigil status
--full` show the operation in pcs's and crm_mon's words; an unknown node is
refused; a node that learns it was fenced (`vigil stonith confirm node2
--force` while it runs) stops its controller (exit 100, not respawned).

  test_fencing_consumers.py --build-dir DIR [--work DIR] [--keep]
Exits 77 (skipped) without root, network namespaces or corosync, or when the
daemons are not built."""
import argparse
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
    c.check_exec(1, ["vigil", "property", "set", "no-quorum-policy=ignore"], timeout=30)
    c.check_exec(1, ["vigil", "stonith", "create", "fence_all", "fence_vigil_netns",
                     "pcmk_host_list=node1 node2 node3"], timeout=30)
    started = re.compile(r"fence_all\t\(stonith:fence_vigil_netns\):\t Started node\d")
    harness.wait_until("fence_all started (monitored through vigil-stonithd)",
                       lambda: started.search(webcluster.vigil_status(c, 1)), 120, 1.0)
    log("ok: the stonith resource runs")
    status = webcluster.vigil_status(c, 1)
    expect("WARNINGS:" not in status and "Fencing" not in status,
           "no warnings and no fencing sections yet")

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
    expect("event=fence-request node=node3" not in logs,
           "the DC asked for no fencing of node3 itself")

    p = c.exec(2, ["vigil", "stonith", "history", "show", "node3"], timeout=30)
    lines = p.stdout.splitlines()
    expect(p.returncode == 0 and len(lines) == 2 and
           re.fullmatch(r"turning off of node3 successful: delegate=node\d, "
                        r"client=stonith_admin\.\d+, origin=node1, completed='[-0-9 :]+(Z| "
                        r"[-+]\d\d:\d\d)'", lines[0]) is not None and lines[1] == "1 event found",
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
    expect("event=fence-request node=node3" not in vigil_log(c, 1) + vigil_log(c, 2),
           "still no fencing of node3 asked by a DC")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    why = harness.missing_prerequisites()
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    vigild, bin_dirs = harness.build_binaries(args.build_dir)
    stonithd = os.path.join(os.path.abspath(args.build_dir), "daemons", "vigil-stonithd")
    if not vigild or not os.access(stonithd, os.X_OK):
        print("SKIP: vigild or vigil-stonithd not built in %s" % args.build_dir)
        return harness.SKIP
    work = harness.work_dir(args.work, "vigil-fencing-")
    c = harness.Cluster(os.path.join(work, "c"), nodes=3, stack="vigild", vigild=vigild,
                        apache=False, bin_dirs=bin_dirs, token_ms=1000)
    return harness.run_test(c, scenario, work, keep=args.keep or bool(args.work))


if __name__ == "__main__":
    sys.exit(main())
