#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness's stack restart inside a running node (Cluster.stop_stack,
start_stack), on two nodes running Corosync only:
  - stop_stack: Corosync gone, the node's shell, namespaces, /run and
    /dev/shm kept (a file written there before is still there), the node
    held (running, its stack not);
  - start_stack: Corosync runs again in the same shell, the membership
    forms again, the files are still there; twice in a row;
  - stop of a held node ends its shell; kill of a held node too; a node
    started afterwards has a fresh /dev/shm; a plain stop and start still
    behave as before.

  test_stack_restart.py [--work DIR] [--keep]

Exits 77 (skipped) without root, `ip netns` or corosync.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import CheckFailed, check  # noqa: E402

MARK = "/dev/shm/stack-restart.mark"
RUN_MARK = "/run/stack-restart.mark"


def has(c, i, path):
    return c.exec(i, ["test", "-e", path], timeout=10).returncode == 0


def body(c):
    c.check_exec(1, ["sh", "-c", "echo kept > %s && touch %s" % (MARK, RUN_MARK)])
    shell = c.shell_pid(1)
    c.stop_stack(1)
    comms = set(c.processes(1).values())
    check("corosync" not in comms, "node1's Corosync stopped by stop_stack (left: %s)"
          % sorted(comms))
    check(c.running(1) and c.held(1) and not c.stack_running(1),
          "node1 held: running, its stack not")
    check(c.shell_pid(1) == shell, "node1's shell is the same")
    check(has(c, 1, MARK) and has(c, 1, RUN_MARK), "node1's /dev/shm and /run kept")
    check(not c.held(2) and c.stack_running(2), "node2 untouched")
    for round_ in (1, 2):
        if round_ == 2:
            c.stop_stack(1)
        c.start_stack(1)
        check(not c.held(1) and c.stack_running(1) and c.shell_pid(1) == shell,
              "round %d: node1's stack runs again in the same shell" % round_)
        check("corosync" in set(c.processes(1).values()), "round %d: Corosync runs" % round_)
        c.wait_membership(timeout=60)
        check(has(c, 1, MARK) and has(c, 1, RUN_MARK), "round %d: the files are still there"
              % round_)
    c.stop_stack(2)
    c.stop(2)
    check(not c.running(2) and not c.held(2), "stop of a held node ends its shell")
    c.start(2)
    c.wait_membership(timeout=60)
    c.stop_stack(1)
    c.kill(1)
    check(not c.running(1) and not c.held(1), "kill of a held node ends it")
    c.reboot_net(1)
    c.start(1)
    c.wait_membership(timeout=60)
    check(not has(c, 1, MARK), "a node started again has a fresh /dev/shm")
    c.stop(1)
    check(not c.running(1), "a plain stop still ends the node")
    c.start(1)
    c.wait_membership(timeout=60)
    try:
        c.start_stack(1)
    except harness.HarnessError as e:
        check("not held" in str(e), "start_stack of a node whose stack runs is refused")
    else:
        raise CheckFailed("start_stack of a running stack was accepted")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    opts = ap.parse_args()
    why = harness.missing_prerequisites()
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    work = harness.work_dir(opts.work, "vigil-stack-restart-")
    c = harness.Cluster(os.path.join(work, "c"), nodes=2, stack="corosync", apache=False,
                        token_ms=1000)
    return harness.run_test(c, body, work, keep=opts.keep or bool(opts.work),
                            failures=(CheckFailed,))


if __name__ == "__main__":
    sys.exit(main())
