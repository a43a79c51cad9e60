#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-stonithd over real Corosync: a three-node cluster of our daemons
(vigild on each node). First bad fence agents (lib/fencing's testdata agent
fence_vigil_test, in every node's /usr/sbin through the harness's per-node
link): devices whose agent hangs (node1), crashes (node2), prints garbage
for `list` or is not installed (node3), each the only one for its node;
each fence request fails within a bounded time with the exact reason naming
the device and what happened, the agent's processes are gone, and then the
agent removed from under a registered device fails with "not found". No
vigil-stonithd restarts meanwhile (same pid and start time on every node).
Then a fence device of the harness's power switch (fence_vigil_netns)
created with `vigil stonith create`, then through stonithd.sock: every node
registers the device; node1 fences node3 (off):
the answer names the delegate, a subscriber gets the event, the switch has
node3 off and node2's history has the operation; an unknown node is refused;
a manual confirmation and a history cleanup reach every node; a device
registered by the executor's call (fence-register, not in the CIB) is used
and monitored on that node only until its unregister, and a missing agent
refuses the register. Prints
vigil-stonithd's memory on node1.

  test_stonithd.py --build-dir DIR [--work DIR] [--keep]
Exits 77 (skipped) without root, network namespaces or corosync, or when the
daemons are not built."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, log  # noqa: E402

HERE = os.path.dirname(os.path.realpath(__file__))
TEST_AGENT_NAME = "fence_vigil_test"  # mode=ok|fail|hang|crash|garbage
TEST_AGENT = os.path.realpath(os.path.join(HERE, "..", "..", "lib", "fencing", "testdata",
                                           TEST_AGENT_NAME))
NODES = (1, 2, 3)


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


def stonithd_processes(c, nodes=NODES):
    """{node: (pid, start time)} of vigil-stonithd, exactly one per node."""
    out = {}
    for i in nodes:
        pids = [pid for pid, comm in c.processes(i).items() if comm == "vigil-stonithd"]
        if len(pids) != 1:
            raise HarnessError("node%d runs %d vigil-stonithd processes" % (i, len(pids)))
        out[i] = (pids[0], harness.proc_start_time(pids[0]))
    return out


def registered(c, i):
    return calls(c, i, "<fence-devices/>")[0]["text"]


def install_test_agent(c):
    """/usr/sbin/fence_vigil_test in every node: the host's link to the node's
    /run/vigil-netns/fence_vigil_test (harness.link_node_agent), which each
    node points at this checkout's agent."""
    harness.link_node_agent(TEST_AGENT_NAME)
    link = os.path.join(harness.FENCE_BIN_DIR, TEST_AGENT_NAME)
    want = os.path.join(harness.NODE_TOOLS_DIR, TEST_AGENT_NAME)
    if not (os.path.islink(link) and os.readlink(link) == want):
        raise HarnessError("%s is not the harness's link to %s: the test cannot choose the "
                           "agent the nodes run" % (link, want))
    for i in NODES:
        c.check_exec(i, ["ln", "-sfn", TEST_AGENT, want], timeout=10)


def agent_processes(c, i):
    """Pids of node i's fence_vigil_test runs and of the `sleep 600` of a hung one."""
    out = []
    for pid, comm in c.processes(i).items():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if comm == TEST_AGENT_NAME[:15] or argv[:2] == [b"sleep", b"600"]:
            out.append(pid)
    return out


def fence_fails(c, target, reason, at_least=0.0):
    """node1 fences target (off): the request must fail with exactly `reason`,
    after at least `at_least` seconds and well before stonith-timeout (60 s)."""
    start = time.monotonic()
    answer = calls(c, 1, '<fence target="%s" action="off" client="badagent"/>' % target)[0]
    took = time.monotonic() - start
    expect(not answer["ok"] and answer["text"] == "failed\n" + reason,
           "fencing %s failed in %.1f s: %s" % (target, took, answer["text"].replace("\n", " ")))
    if not at_least <= took < 20:
        raise HarnessError("fencing %s answered after %.1f s, not within [%.0f, 20) s"
                           % (target, took, at_least))


def bad_agents(c):
    """Agents that hang, crash, print garbage or are missing fail their
    requests with the reason; the daemon keeps serving."""
    before = stonithd_processes(c)
    install_test_agent(c)
    unmanaged = ["pcmk_off_timeout=3s", "meta", "is-managed=false"]  # the executor leaves them
    for dev, mode, hosts in (("dev_hang", "hang", "node1"), ("dev_crash", "crash", "node2"),
                             ("dev_garbage", "garbage", None)):  # no list: dynamic-list
        c.check_exec(1, ["vigil", "stonith", "create", dev, TEST_AGENT_NAME, "mode=" + mode] +
                     (["pcmk_host_list=" + hosts] if hosts else []) + unmanaged, timeout=30)
    absent = ["vigil", "stonith", "create", "dev_absent", "fence_vigil_absent",
              "pcmk_host_list=node3"] + unmanaged
    p = c.exec(1, absent, timeout=30)
    expect(p.returncode != 0 and "fence_vigil_absent' is not installed" in p.stderr and
           "dev_absent" not in c.check_exec(1, ["vigil", "cluster", "cib"], timeout=30),
           "a missing agent is refused without --force and the CIB is unchanged")
    c.check_exec(1, absent + ["--force"], timeout=30)
    harness.wait_until("the three test devices registered on every node", lambda: all(
        all('id="%s"' % d in registered(c, i) for d in ("dev_hang", "dev_crash", "dev_garbage"))
        for i in NODES), 60, 0.5)
    expect(all('id="dev_absent"' not in registered(c, i) for i in NODES),
           "no node registered dev_absent, whose agent is missing")

    fence_fails(c, "node1", "all fencing devices failed: dev_hang (fence_vigil_test off node1): "
                "timed out after 3s", at_least=3.0)
    fence_fails(c, "node2", "all fencing devices failed: dev_crash (fence_vigil_test off node2): "
                "killed by signal 11 (Segmentation fault)")
    fence_fails(c, "node3", "no device can fence node3 (dev_garbage: its list printed no node "
                "names (unreadable output); not registered on node1: dev_absent: "
                "fence_vigil_absent metadata: fence agent fence_vigil_absent not found in "
                "/usr/sbin)")
    harness.wait_until("no fence_vigil_test process left on any node (the hung one's group "
                       "killed)", lambda: not any(agent_processes(c, i) for i in NODES), 10, 0.2)
    log("ok: no agent process left")
    harness.wait_until("node3's history has the timed-out fencing of node1", lambda:
                       "dev_hang (fence_vigil_test off node1): timed out after 3s" in
                       history(c, 3), 30, 0.5)
    log("ok: node3's history has the timed-out fencing of node1")

    # The agent goes away under a registered device (its meta-data is cached).
    for i in NODES:
        c.check_exec(i, ["rm", os.path.join(harness.NODE_TOOLS_DIR, TEST_AGENT_NAME)], timeout=10)
    fence_fails(c, "node2", "all fencing devices failed: dev_crash (fence_vigil_test off node2): "
                "fence agent fence_vigil_test not found in /usr/sbin")
    after = stonithd_processes(c)
    expect(after == before, "vigil-stonithd kept its pid on every node: %s" %
           {"node%d" % i: pid for i, (pid, _st) in after.items()})


def executor_registration(c):
    """The executor's calls (a stonith resource's start and stop): a device
    the CIB does not have is registered on node2 only, monitored there with
    the real agent, and gone after its unregister; a missing agent is
    refused with the reason."""
    register = ('<fence-register device="fence_api" agent="fence_vigil_netns">'
                '<param name="pcmk_host_list" value="node1"/></fence-register>')
    answers = calls(c, 2, register, "<fence-devices/>", '<fence-monitor device="fence_api"/>')
    expect(answers[0]["ok"] and 'id="fence_api"' in answers[1]["text"] and answers[2]["ok"],
           "node2 registered and monitored fence_api: %s" % [a["text"] for a in answers])
    expect('id="fence_api"' not in registered(c, 1), "node1 did not register fence_api")
    answers = calls(c, 2, '<fence-unregister device="fence_api"/>', "<fence-devices/>",
                    '<fence-monitor device="fence_api"/>')
    expect(answers[0]["ok"] and 'id="fence_api"' not in answers[1]["text"] and
           not answers[2]["ok"] and "'fence_api' not active" in answers[2]["text"],
           "node2 unregistered fence_api: %s" % [a["text"] for a in answers])
    missing = calls(c, 2, '<fence-register device="gone" agent="fence_vigil_absent"/>')[0]
    expect(not missing["ok"] and "fence agent fence_vigil_absent not found" in missing["text"],
           "a register of a missing agent is refused: %s" % missing["text"].replace("\n", " "))


def scenario(c):
    harness.wait_until("vigil-stonithd answering on every node", lambda: all(
        c.exec(i, ["test", "-S", "/run/vigil/stonithd.sock"], timeout=10).returncode == 0
        for i in NODES), 60, 0.5)
    bad_agents(c)
    pids = stonithd_processes(c, (1, 2))  # node3 gets fenced below
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
    executor_registration(c)
    expect(stonithd_processes(c, (1, 2)) == pids, "vigil-stonithd never restarted on node1 and "
           "node2")
    for comm, pid, hwm, rss, pss in c.memory(1):
        if comm == "vigil-stonithd":
            log("vigil-stonithd on node1: VmHWM=%s kB VmRSS=%s kB Pss=%s kB" % (hwm, rss, pss))


if __name__ == "__main__":
    sys.exit(harness.vigild_test_main(__doc__, scenario, 3, "vigil-stonithd-",
                                      programs=("daemons/vigil-stonithd",), token_ms=1000))
