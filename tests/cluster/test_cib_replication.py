#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-cib alone (no vigild) on real Corosync in network namespaces,
driven with `vigil` inside the nodes: the CIB is replicated over CPG.

  test_cib_replication.py --build-dir DIR [--work DIR] [--keep]

  - a change made on node1 is read back on node2 and the other way round;
  - a refused command (unknown agent class) changes nothing on any node;
  - node2 killed hard, changed CIB on node1 meanwhile, node2 rebooted: it
    comes back with every change (its disk plus the resync), the same
    configuration section as node1.
Exits 77 (skipped) without root or namespaces, or while vigil-cib / vigil are
not built yet.
"""
import argparse
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, log  # noqa: E402


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    log("ok: " + what)


def cib(c, i):
    out = c.check_exec(i, ["vigil", "cluster", "cib"], timeout=30)
    try:
        return ET.fromstring(out)
    except ET.ParseError as e:
        raise Failure("node%d: `vigil cluster cib` is not XML (%s): %s" % (i, e, out[:300]))


def configuration(c, i):
    """The canonical text of the configuration section."""
    conf = cib(c, i).find("configuration")
    if conf is None:
        raise Failure("node%d: the CIB has no configuration section" % i)
    return ET.tostring(conf, encoding="unicode")


def property_value(c, i, name):
    for nv in cib(c, i).iter("nvpair"):
        if nv.get("name") == name:
            return nv.get("value")
    return None


def has_primitive(c, i, rid):
    return any(p.get("id") == rid for p in cib(c, i).iter("primitive"))


def wait(c, what, pred, timeout=30):
    try:
        return harness.wait_until(what, pred, timeout, 0.5)
    except HarnessError as e:
        raise Failure(str(e))


def scenario(c):
    for i in c.nodes():
        wait(c, "vigil-cib answering on node%d" % i,
             lambda i=i: c.exec(i, ["vigil", "property", "config"], timeout=15).returncode == 0,
             60)
    log("ok: vigil-cib answers on both nodes")

    c.check_exec(1, ["vigil", "property", "set", "stonith-enabled=false"])
    wait(c, "node2 to see stonith-enabled=false",
         lambda: property_value(c, 2, "stonith-enabled") == "false")
    log("ok: a property set on node1 is read on node2")

    c.check_exec(2, ["vigil", "resource", "create", "D1", "ocf:heartbeat:Dummy", "op", "monitor",
                     "interval=10s"])
    wait(c, "node1 to see primitive D1", lambda: has_primitive(c, 1, "D1"))
    log("ok: a resource created on node2 is read on node1")

    before = [configuration(c, i) for i in c.nodes()]
    check(before[0] == before[1], "both nodes hold the same configuration")
    p = c.exec(1, ["vigil", "resource", "create", "Bad", "nosuchclass:x:y"], timeout=30)
    check(p.returncode != 0 and (p.stderr + p.stdout).strip() != "",
          "an unknown agent class is refused with a message: %s"
          % (p.stderr + p.stdout).strip()[:200])
    after = [configuration(c, i) for i in c.nodes()]
    check(after == before, "the refused command changed nothing on either node")

    c.kill(2)
    c.check_exec(1, ["vigil", "constraint", "location", "D1", "prefers", "node1=10"])
    check(any(x.get("rsc") == "D1" for x in cib(c, 1).iter("rsc_location")),
          "node1 alone accepts a change while node2 is down")
    c.reboot_net(2)
    c.start(2)
    wait(c, "vigil-cib answering on node2 after its reboot",
         lambda: c.exec(2, ["vigil", "property", "config"], timeout=15).returncode == 0, 60)
    wait(c, "node2 to hold the change made while it was down",
         lambda: any(x.get("rsc") == "D1" for x in cib(c, 2).iter("rsc_location")), 60)
    check(has_primitive(c, 2, "D1") and property_value(c, 2, "stonith-enabled") == "false",
          "node2 kept the earlier changes")
    wait(c, "identical configurations", lambda: configuration(c, 1) == configuration(c, 2), 30)
    log("ok: after the reboot both nodes hold the same configuration")


def cib_cluster(build_dir, work_arg, prefix):
    """(cluster, work): two nodes whose stack is vigil-cib alone, or None
    (after printing why) when the test must be skipped."""
    why = harness.missing_prerequisites()
    if why:
        print("SKIP: %s" % why)
        return None
    _vigild, bin_dirs = harness.build_binaries(build_dir)
    cib_bin = os.path.join(os.path.abspath(build_dir), "daemons", "vigil-cib")
    vigil_bin = os.path.join(os.path.abspath(build_dir), "cli", "vigil")
    for path in (cib_bin, vigil_bin):
        if not os.access(path, os.X_OK):
            print("SKIP: %s not built yet" % path)
            return None
    work = harness.work_dir(work_arg, prefix)
    c = harness.Cluster(os.path.join(work, "cib"), nodes=2, stack="command", token_ms=1000,
                        apache=False, bin_dirs=bin_dirs,
                        stack_cmd="exec %s --foreground" % cib_bin)
    return c, work


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    made = cib_cluster(args.build_dir, args.work, "vigil-cib-")
    if made is None:
        return harness.SKIP
    c, work = made
    return harness.run_test(c, scenario, work, keep=args.keep or bool(args.work),
                            failures=(Failure,))

if __name__ == "__main__":
    sys.exit(main())
