#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every daemon of a running node survives bad input on its socket and
refuses clients outside root/haclient: a two-node cluster of our daemons over
real Corosync (vigild on each node), then socket_abuse.py inside node1 against
cib.sock, stonithd.sock, lrmd.sock, pengine.sock and crmd.sock, and the cluster must still
work afterwards (a configuration change made with vigil reaches node2).

  test_daemon_sockets.py --build-dir DIR [--work DIR] [--keep]
Exits 77 (skipped) without root, network namespaces or corosync, or when the
daemons are not built."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, log  # noqa: E402

HERE = os.path.dirname(os.path.realpath(__file__))


def abuse(c):
    """Bad input at every daemon's socket on node1; the cluster still works."""
    harness.wait_until("vigil-crmd answering on node1", lambda: c.exec(
        1, ["python3", "-c", "import sys; sys.path.insert(0, %r); import vigil_ipc; "
            "vigil_ipc.Conn('/run/vigil/crmd.sock').call('<status/>')" % harness.DAEMONS_TESTING],
        timeout=15).returncode == 0, 60, 1.0)
    p = c.exec(1, ["python3", os.path.join(HERE, "socket_abuse.py"), "/run/vigil",
                   harness.DAEMONS_TESTING],
               timeout=300)
    print(p.stdout + p.stderr)
    if p.returncode != 0:
        raise HarnessError("a daemon did not survive bad input (see above)")
    # The cluster still works: a change on node1 is seen on node2.
    c.check_exec(1, ["vigil", "property", "set", "stonith-enabled=false"], timeout=30)
    harness.wait_until("the change on node2", lambda: "stonith-enabled" in c.exec(
        2, ["vigil", "property", "config"], timeout=15).stdout, 30, 0.5)
    log("ok: the cluster still replicates after the abuse")


if __name__ == "__main__":
    sys.exit(harness.vigild_test_main(__doc__, abuse, 2, "vigil-sockets-"))
