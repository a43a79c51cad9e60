#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: Pacemaker's alert_file.sh sample records the textbook failover,
under Vigil and under Pacemaker 2.1.5, side by side.

  test_alerts.py --build-dir DIR [--stack vigild|pacemaker|both] [--work DIR] [--keep]

Two nodes in network namespaces over real Corosync, the textbook web cluster
(stonith-enabled=false). Once node1 serves, the alert is configured live with
the stack's pcs-syntax tool (`vigil alert ...`, `pcs alert ...`): Debian's
unmodified /usr/share/pacemaker/alerts/alert_file.sh.sample, its recipient
/var/log/vigil/alerts.log (private to each node). Then node1 is killed hard
(node2 serves) and brought back (the service returns to node1). The lines
node2 recorded are printed with their timestamps masked. Last, node1 stops
cleanly with a second, slow alert agent (10 s) configured: its resources'
stops must be on that agent's record, since the stack drains its alerts
before it exits. With both stacks
(the default when Pacemaker is installed) the two records must hold the
same lines: same events, same fields, times aside, in the order of each
event kind (resource operations of one resource keep their order; a node
event and a resource event a moment apart may swap).

Exits 77 (skipped) without root, network namespaces, corosync, apache2,
resource-agents or Pacemaker's sample agent, or when vigild / vigil are not
built yet.
"""
import argparse
import os
import pwd
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import webcluster  # noqa: E402
from harness import HarnessError, log  # noqa: E402

SLOW_AGENT = "/var/log/vigil/slow-alert.sh"
SLOW_RECIPIENT = "/var/log/vigil/slow.log"


def configure_slow_alert(c):
    """A second alert whose agent takes 10 s before it writes, longer than the
    rest of a clean stop: the alerts a node sends as it stops (its
    resources' stops) are on record only if the stack waits for them before
    it exits (Pacemaker's executor drains its alerts; vigil-crmd too)."""
    pw = pwd.getpwnam("hacluster")
    for i in c.nodes():
        d = os.path.join(c.node_dir(i), "log-vigil")
        with open(os.path.join(d, "slow-alert.sh"), "w") as f:
            f.write("#!/bin/sh\nsleep 10\n"
                    "echo \"$CRM_alert_kind $CRM_alert_node $CRM_alert_rsc $CRM_alert_task "
                    "$CRM_alert_desc\" >> \"$CRM_alert_recipient\"\n")
        os.chmod(os.path.join(d, "slow-alert.sh"), 0o755)
        with open(os.path.join(d, "slow.log"), "w"):
            pass
        os.chown(os.path.join(d, "slow.log"), pw.pw_uid, pw.pw_gid)
    tool = webcluster.admin_tool(c)
    c.check_exec(1, [tool, "alert", "create", "path=" + SLOW_AGENT, "id=slow_file"])
    c.check_exec(1, [tool, "alert", "recipient", "add", "slow_file", "value=" + SLOW_RECIPIENT])


def wait_lines(c, i, want, timeout):
    """Until node i's record holds `want` lines and stays so for 5 s (the
    monitors' first results come a moment after the starts)."""
    deadline = time.time() + timeout
    last, since = None, time.time()
    while time.time() < deadline:
        now = webcluster.alert_record(c, i)
        if now != last:
            last, since = now, time.time()
        elif len(now) >= want and time.time() - since >= 5:
            return now
        time.sleep(0.5)
    return last


def run_stack(stack, work, vigild, bin_dirs):
    c = harness.Cluster(os.path.join(work, stack), nodes=2, stack=stack, vigild=vigild,
                        bin_dirs=bin_dirs)
    try:
        c.up()
        webcluster.configure(c, 1)
        c.wait_page("node1", 180)
        webcluster.settle(c, 1)
        webcluster.configure_file_alert(c)
        c.kill(1)
        c.wait_page("node2", 120)
        webcluster.settle(c, 2)
        after_kill = wait_lines(c, 2, 5, 60)
        log("%s: node2 after node1's loss:\n  %s" % (stack, "\n  ".join(after_kill)))
        c.reboot_net(1)
        c.start(1)
        c.wait_page("node1", 180)
        webcluster.settle(c, 1)
        lines = wait_lines(c, 2, len(after_kill) + 3, 60)
        log("%s: node2 after node1's return:\n  %s" % (stack, "\n  ".join(lines)))
        # A clean stop of node1: its resources' stops are alerted on node1
        # by the slow agent, which the stack must let finish.
        configure_slow_alert(c)
        time.sleep(2)  # every controller has read the alerts section
        c.stop(1)
        with open(os.path.join(c.node_dir(1), "log-vigil", "slow.log")) as f:
            slow = f.read().splitlines()
        log("%s: node1's slow agent after its clean stop:\n  %s" % (stack, "\n  ".join(slow)))
        for rsc in ("VIP", "Web"):
            if "resource node1 %s stop ok" % rsc not in slow:
                raise HarnessError("node1 stopped before its slow alert of %s's stop ended "
                                   "(its record: %s)" % (rsc, slow))
        return lines, slow
    except HarnessError as e:
        diag = "\n".join(c.diagnostics(i) for i in c.nodes()) if c.subnet else ""
        raise HarnessError("%s: %s\n%s" % (stack, e, diag))
    finally:
        if c.subnet:
            c.down()


def by_subject(lines):
    """The record split by what a line is about (a node, or one resource),
    each in its own order."""
    groups = {}
    for line in lines:
        m = re.search(r"for '([^']+)' on", line)
        key = ("resource", m.group(1)) if m else ("other", "")
        groups.setdefault(key, []).append(line)
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--stack", choices=("vigild", "pacemaker", "both"))
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    why = harness.missing_web_prerequisites()
    if not why and not os.access(webcluster.ALERT_AGENT, os.X_OK):
        why = "Pacemaker's sample agent %s is not installed" % webcluster.ALERT_AGENT
    vigild, bin_dirs = harness.build_binaries(args.build_dir)
    pacemaker = os.access("/usr/sbin/pacemakerd", os.X_OK)
    stack = args.stack or ("both" if pacemaker else "vigild")
    if not why and stack in ("vigild", "both") and vigild is None:
        why = "vigild not built yet (no %s/daemons/vigild)" % args.build_dir
    if not why and stack in ("pacemaker", "both") and not pacemaker:
        why = "pacemaker is not installed"
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    work = harness.work_dir(args.work, "vigil-alerts-")
    log("work directory %s" % work)
    stacks = ("vigild", "pacemaker") if stack == "both" else (stack,)
    try:
        runs = {s: run_stack(s, work, vigild, bin_dirs) for s in stacks}
    except HarnessError as e:
        print("FAIL: %s\n(work directory kept: %s)" % (e, work))
        return 1
    records = {s: r[0] for s, r in runs.items()}
    width = max(len(l) for lines in records.values() for l in lines) if records else 0
    print("alert_file.sh on node2, %s:" % " | ".join(stacks))
    rows = max(len(v) for v in records.values())
    for k in range(rows):
        print(" | ".join((records[s][k] if k < len(records[s]) else "").ljust(width)
                         for s in stacks).rstrip())
    problems = []
    for s, lines in records.items():
        if lines[:1] != ["<time>: Node 'node1' is now 'lost'"]:
            problems.append("%s: the record does not start with node1's loss" % s)
    if len(stacks) == 2:
        a, b = by_subject(records["vigild"]), by_subject(records["pacemaker"])
        for key in sorted(set(a) | set(b)):
            if sorted(a.get(key, [])) != sorted(b.get(key, [])) if key[0] == "other" \
                    else a.get(key, []) != b.get(key, []):
                problems.append("%s %s: Vigil %s, Pacemaker %s" % (
                    key[0], key[1], a.get(key, []), b.get(key, [])))
    # The slow agents all sleep 10 s, in parallel: their lines come in any order.
    if len(stacks) == 2 and sorted(runs["vigild"][1]) != sorted(runs["pacemaker"][1]):
        problems.append("node1's slow agent at its clean stop: Vigil %s, Pacemaker %s" % (
            runs["vigild"][1], runs["pacemaker"][1]))
    if problems:
        print("FAIL:\n  " + "\n  ".join(problems) + "\n(work directory kept: %s)" % work)
        return 1
    print("PASS")
    if not args.keep and not args.work:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
