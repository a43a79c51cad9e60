#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-stonithd over real Corosync: a three-node cluster of our daemons
(vigild on each node), a fence device of the harness's power switch
(fence_vigil_netns) created with `vigil stonith create`, then through
stonithd.sock: every node registers the device; node1 fences node3 (off):
the answer names the delegate, a subscriber gets the event, the switch has
node3 off and node2's history has the operation; an unknown node is refused;
a manual confirmation and a history cleanup reach every node. Prints
vigil-stonithd's memory on node1.

  test_stonithd.py --build-dir DIR [--work DIR] [--keep]
Exits 77 (skipped) without root, network namespaces or corosync, or when the
daemons are not built."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, log  # noqa: E402

HERE = os.path.dirname(os.path.realpath(__file__))


def calls(c, i, *requests, subscribe=False):
    """The answers (and the event, with subscribe) of requests sent on node i."""
    argv = ["python3", os.path.join(HERE, "fencer_calls.py"), "/run/vigil",
            harness.DAEMONS_TESTING]
    p = c.exec(i, argv + (["--subscribe"] if subscribe else []) + list(requests), timeout=180)
    if p.returncode != 0:
        raise HarnessError("fencer_calls.py on node%d: exit %d: %s" % (i, p.returncode,
                                                                      p.stderr[-800:]))
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def expect(cond, what):
    if not cond:
        raise HarnessError(what)
    log("ok: " + what)


def history(c, i):
    return calls(c, i, "<fence-history/>")[0]["text"]


def scenario(c):
    harness.wait_until("vigil-stonithd answering on every node", lambda: all(
        c.exec(i, ["test", "-S", "/run/vigil/stonithd.sock"], timeout=10).returncode == 0
        for i in (1, 2, 3)), 60, 0.5)
    c.check_exec(1, ["vigil", "stonith", "create", "fence_all", "fence_vigil_netns",
                     "pcmk_host_list=node1 node2 node3"], timeout=30)
    harness.wait_until("fence_all registered on every node", lambda: all(
        'id="fence_all"' in calls(c, i, "<fence-devices/>")[0]["text"] for i in (1, 2, 3)),
        60, 1.0)
    log("ok: every node registered fence_all")

    answers = calls(c, 1, '<fence target="node3" action="off" client="test"/>', subscribe=True)
    fenced, event = answers[0], answers[1]["event"]
    expect(fenced["ok"] and fenced["text"].startswith("<fence-reply"),
           "node1 fenced node3: %s" % fenced["text"])
    expect('target="node3"' in event and 'state="done"' in event,
           "the subscriber on node1 got the event: %s" % event)
    expect(c.power_status(3) == "off", "the switch has node3 off")
    harness.wait_until("node2's history has the fencing", lambda: 'client="test"' in history(
        c, 2), 60, 1.0)
    log("ok: node2's history has the fencing")

    refused = calls(c, 2, '<fence target="node9"/>')[0]
    expect(not refused["ok"] and "unknown node 'node9'" in refused["text"],
           "an unknown node is refused: %s" % refused["text"].replace("\n", " "))

    confirmed = calls(c, 2, '<fence-confirm target="node3" client="admin"/>')[0]
    expect(confirmed["ok"], "node2 took a manual confirmation")
    harness.wait_until("node1's history has the confirmation", lambda: 'delegate="a human"' in
                       history(c, 1), 30, 0.5)
    log("ok: node1's history has the confirmation by a human")

    expect(calls(c, 1, "<fence-history-cleanup/>")[0]["ok"], "node1 took a history cleanup")
    harness.wait_until("node2's history empty", lambda: history(c, 2) == "<history></history>",
                       30, 0.5)
    log("ok: the cleanup reached node2")
    for comm, pid, hwm, rss, pss in c.memory(1):
        if comm == "vigil-stonithd":
            log("vigil-stonithd on node1: VmHWM=%s kB VmRSS=%s kB Pss=%s kB" % (hwm, rss, pss))


if __name__ == "__main__":
    sys.exit(harness.vigild_test_main(__doc__, scenario, 3, "vigil-stonithd-",
                                      programs=("daemons/vigil-stonithd",), token_ms=1000))
