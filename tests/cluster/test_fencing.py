#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end fencing: the textbook web cluster plus fence devices on the
harness's power switch (agents/fence/fence_vigil_netns, powerswitch.py), on
our daemons or on Pacemaker 2.1.5, over real Corosync in network namespaces.

  test_fencing.py --build-dir DIR [--stack vigild|pacemaker] [--only a,b,...]
                  [--repeat N] [--tiebreak priority|delay-max] [--work DIR] [--keep]

The configuration is what an administrator types (pcs syntax, run with `pcs`
on Pacemaker and `vigil` on ours, webcluster.configure_fencing): one device
per node (fence-nodeI, pcmk_host_list=nodeI, kept off nodeI),
priority-fencing-delay=5s and Web with meta priority=10 (the node running the
service wins a fencing race), stonith-enabled=true, no-quorum-policy=stop;
then the web group (VIP + apache, Web prefers node1). Each case gets a
cluster of its own; --repeat N runs the case's round N times on it (every
round ends with the fenced node back and the service on node1 again).
--tiebreak delay-max configures the other textbook answer to the fencing
race instead: pcmk_delay_max=10s on every device, no priorities; case a
then only asks for exactly one fence, and reports who won.

  a  two nodes, Corosync's traffic dropped inside node2 (nftables, UDP 5405
     both ways; the service network stays up): exactly one node fences the
     other, the winner is node1 (it runs the service: priority-fencing-delay),
     the VIP is never up on both nodes
  b  node1 killed hard: node2 fences node1 (the switch's off, asked from
     node2) before the VIP appears on node2; with Pacemaker's alert_file.sh
     sample configured (`alert create`), node2's record tells node1 lost,
     its fencing (Pacemaker's description: reboot of node1 by node2 for
     node2's controller, OK), then the VIP's start, in that order
  c  node1 has a two-level topology whose level 1 is a device on the switch's
     stuck outlet: after node1 is killed level 1 fails, level 2 fences it,
     and the VIP appears on node2 only after level 2's off
  d  a resource (ocf:vigil-netns:FailStop) whose stop fails is moved away
     from its node (`constraint location ... avoids`): that node is fenced,
     the resource then runs on the other node
  e  three nodes, node1 (running the service) cut off from Corosync alone:
     node1 is fenced by one of the two others, which keep serving
  f  a manual fence of node2 from node1 (stonith_admin --reboot node2;
     vigil stonith fence node2): done once, in every node's history

Throughout a case a watcher samples every running node's addresses every
0.25 s: the VIP up on two running nodes at once fails the case. Times of
fencing come from the power switch's event log (WORK/.../power/events.jsonl:
who asked, for which node, when it was done), times of the VIP from netlink
address events of the node that takes over. Exits 77 (skipped) without root,
namespaces, corosync, nftables, apache2, resource-agents, or the stack (for
vigild: vigild, vigil and vigil-stonithd built).
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import rounds  # noqa: E402
import webcluster  # noqa: E402
from harness import CheckFailed as Failure, HarnessError, check, log  # noqa: E402

CASES = ("a", "b", "c", "d", "e", "f")
PRIORITY_FENCING_DELAY = "5s"
DELAY_MAX = "10s"  # --tiebreak delay-max
TIEBREAK = {"tiebreak": "priority"}  # set by main()


def wait(what, predicate, timeout, interval=0.2):
    try:
        return harness.wait_until(what, predicate, timeout, interval)
    except HarnessError as e:
        raise Failure(str(e))


def offs(c, since, node=None, ok=None, sock=None):
    """The switch's off requests since `since` (for node, outcome, socket)."""
    return [e for e in c.power_events(since) if e["action"] == "off" and
            (node is None or e["node"] == node) and (ok is None or e["ok"] == ok) and
            (sock is None or e["socket"] == sock)]


def wait_off(c, since, node=None, timeout=90):
    """The first successful off (of node, or of any node) since `since`."""
    return wait("the power switch to power %s off" % (node or "a node"),
                lambda: next(iter(offs(c, since, node, ok=True)), None), timeout)


def fmt_events(events):
    return "; ".join("%s %s from %s (%s socket) %s at +%.2f..+%.2f" % (
        e["action"], e["node"], e["from"], e["socket"], "ok" if e["ok"] else
        "FAILED: %s" % e.get("error"), e["t"] - events[0]["t"], e["t_done"] - events[0]["t"])
        for e in events) if events else "(none)"


def node_index(name):
    return int(name[len("node"):])


def vip_holders(c):
    return [n for n in c.nodes() if c.running(n) and c.vip in
            c.exec(n, ["ip", "-4", "-o", "addr", "show"], timeout=10).stdout]


def wait_on(c, node, since, timeout=90):
    """Until the switch powered `node` on again (a reboot's second half)."""
    try:
        harness.wait_until("%s powered on again (the reboot's on)" % node,
                           lambda: any(e["action"] == "on" and e["node"] == node and e["ok"]
                                       for e in c.power_events(since)), timeout, 0.5)
    except HarnessError as e:
        raise Failure("%s; the switch's log: %s" % (e, fmt_events(c.power_events(since))))


def recover(c):
    """After a failed round: every node powered on and started, no block,
    every node online, the service on node1, so that the next round can run."""
    for i in c.nodes():
        if c.running(i):
            c.unblock_corosync(i)
        elif "node%d" % i in c.powered_off():
            c.power_on(i)
        else:
            c.reboot_net(i)
            c.start(i)
    c.wait_membership(timeout=90)
    names = ["node%d" % n for n in c.nodes()]
    for n in c.nodes():
        webcluster.wait_online(c, n, names, 120)
    c.wait_page("node1", 120)
    webcluster.settle(c, 1)
    log("recovered: every node online, the service on node1")


def back_to_normal(c, fenced, since, blocked=()):
    """After a fence by reboot: the fenced node powered on again by the
    switch, every Corosync block lifted, every node online in every node's
    status, the service on node1, nothing pending."""
    for i in blocked:
        if c.running(i) and c.corosync_blocked(i):
            c.unblock_corosync(i)
    wait_on(c, fenced, since)
    c.wait_membership(timeout=90)
    names = ["node%d" % n for n in c.nodes()]
    for n in c.nodes():
        try:
            webcluster.wait_online(c, n, names, 120)
        except HarnessError as e:
            raise Failure("%s: %s" % (e, webcluster.status(c, n)))
    try:
        c.wait_page("node1", 120)
    except HarnessError as e:
        raise Failure("the service did not come back to node1: %s" % e)
    webcluster.settle(c, 1)


# --- the cases: each round starts and ends with every node online and the
# service on node1 ------------------------------------------------------------

def wait_history(c, target, before, action=None, timeout=60):
    """Until every node's history lists one more successful fencing of
    `target` than `before` ({node index: count}) said; returns the counts."""
    now = {}
    for n in c.nodes():
        def one_more():
            now[n] = webcluster.fenced_count(c, n, target, action)
            return now[n] == before[n] + 1
        try:
            harness.wait_until("node%d's history to list the fencing of %s" % (n, target),
                               one_more, timeout, 1.0)
        except HarnessError as e:
            raise Failure("%s: %s entries before, %s now:\n%s" % (
                e, before[n], now.get(n), webcluster.fence_history(c, n).strip()[-1500:]))
        log("ok: node%d's history lists %d successful fencing(s) of %s (one more)"
            % (n, now[n], target))
    return now


def history_counts(c, target, action=None):
    counts = {n: webcluster.fenced_count(c, n, target, action) for n in c.nodes()}
    if None in counts.values():
        raise Failure("a node's fencing history cannot be read: %s" % counts)
    return counts


def case_a(c, res):
    before = {name: history_counts(c, name) for name in ("node1", "node2")}
    client = c.client().start()
    try:
        t0 = c.block_corosync(2)
        log("Corosync's traffic of node2 dropped (UDP %d, both ways)" % harness.COROSYNC_PORT)
        first = wait_off(c, t0, timeout=90)
        winner, loser = first["from"], first["node"]
        res.update(winner=winner, loser=loser, block_to_off=round(first["t_done"] - t0, 2))
        log("%s fenced %s %.2f s after the block" % (winner, loser, first["t_done"] - t0))
        # The reboot's on: by then any counter-fence the loser had sent has
        # reached the switch (power operations are served in order).
        wait_on(c, loser, t0)
        all_offs = offs(c, t0)
        res["offs"] = len(all_offs)
        check(len(all_offs) == 1 and all_offs[0]["ok"],
              "exactly one off reached the power switch: %s" % fmt_events(c.power_events(t0)))
        check(winner in ("node1", "node2") and winner != loser,
              "the fence was asked by the other node (%s fenced %s)" % (winner, loser))
        if TIEBREAK["tiebreak"] == "priority":
            check(winner == "node1", "the node running the service (node1, priority 10, "
                  "priority-fencing-delay=%s) wins: %s fenced %s"
                  % (PRIORITY_FENCING_DELAY, winner, loser))
        back_to_normal(c, loser, t0, blocked=[2])
    finally:
        records = client.stop()
    wait_history(c, loser, before[loser])
    res["failed_requests"] = sum(1 for r in records if r[2] != 0)
    log("info: %d of %d requests failed during the round" % (res["failed_requests"],
                                                             len(records)))


def takeover_after_kill(c):
    """Kills node1 (it runs the service), waits for node2's page, returns
    (t_kill, first VIP address event on node2 after the kill, t_page)."""
    mon = harness.AddrMonitor(c, 2, c.vip).start()
    try:
        t_kill = c.kill(1)
        try:
            t_page = c.wait_page("node2", 120)
        except HarnessError as e:
            raise Failure("node1 killed: node2 does not serve (%s); switch: %s"
                          % (e, fmt_events(c.power_events(t_kill))))
        t_vip = mon.first("add", t_kill)
    finally:
        mon.stop()
    return t_kill, t_vip, t_page


FENCE_ALERT = re.compile(r"^Fencing Operation (\S+) of (\S+) by (\S+) for \S+@(\S+): (.*) "
                         r"\(ref=[^)]+\)$")


def alerts_on():
    """Case b's alert (alert_file.sh) is configured: the sample agent is there."""
    return os.access(webcluster.ALERT_AGENT, os.X_OK)


def check_fence_alerts(c, since):
    """Node2's alert_file.sh record of node1's loss from line `since` on:
    node1 lost, then exactly one fencing of node1 (reboot, by node2, asked
    by node2, OK), then the VIP's start on node2; in the order of their
    timestamps (the agents run in parallel)."""
    start = "Resource operation 'start' for 'VIP' on 'node2': ok"
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = webcluster.alert_lines(c, 2)[since:]
        if any(t == start for _, t in lines) and any(t.startswith("Fencing") for _, t in lines):
            break
        time.sleep(0.5)
    log("node2's alerts of node1's loss:\n  %s" % "\n  ".join(t for _, t in lines))
    fences = [(at, FENCE_ALERT.match(t)) for at, t in lines if t.startswith("Fencing")]
    check(len(fences) == 1 and fences[0][1] is not None,
          "one fencing alert, in Pacemaker's form: %s" % [t for _, t in lines])
    check(fences[0][1].groups() == ("reboot", "node1", "node2", "node2", "OK"),
          "the fencing alert: reboot of node1 by node2 for node2's controller, OK: %s"
          % (fences[0][1].group(0),))
    when = {t: at for at, t in lines}
    lost = when.get("Node 'node1' is now 'lost'")
    started = when.get(start)
    check(lost is not None and started is not None,
          "node1's loss and the VIP's start on node2 are alerted: %s" % [t for _, t in lines])
    # Seconds of the day: a record that crosses midnight wraps.
    after = (lambda a, b: (b - a) % 86400 < 43200)
    check(after(lost, fences[0][0]) and after(fences[0][0], started),
          "alerted in order: node1 lost, fenced, then the VIP started on node2")


def case_b(c, res):
    since = len(webcluster.alert_lines(c, 2)) if alerts_on() else 0
    t_kill, t_vip, t_page = takeover_after_kill(c)
    node1_offs = offs(c, t_kill, "node1", ok=True)
    check(len(node1_offs) == 1 and node1_offs[0]["from"] == "node2",
          "node2 fenced node1 once: %s" % fmt_events(c.power_events(t_kill)))
    off = node1_offs[0]
    check(t_vip is not None and off["t_done"] < t_vip,
          "node1's off was done (+%.2f s) before the VIP appeared on node2 (+%s s)"
          % (off["t_done"] - t_kill, "%.2f" % (t_vip - t_kill) if t_vip else "never"))
    check(not offs(c, t_kill, "node2"), "node2 was never fenced")
    res.update(kill_to_off=round(off["t_done"] - t_kill, 2),
               off_to_vip=round(t_vip - off["t_done"], 2), kill_to_page=round(t_page - t_kill, 2))
    if alerts_on():
        check_fence_alerts(c, since)
    else:
        log("alerts not checked: %s is not installed" % webcluster.ALERT_AGENT)
    back_to_normal(c, "node1", t_kill)


def case_c(c, res):
    t_kill, t_vip, t_page = takeover_after_kill(c)
    events = c.power_events(t_kill)
    stuck = offs(c, t_kill, "node1", ok=False, sock="stuck")
    good = offs(c, t_kill, "node1", ok=True, sock="main")
    check(stuck and stuck[0]["from"] == "node2",
          "level 1 (fence-node1-stuck) was tried by node2 and failed: %s" % fmt_events(events))
    check(len(good) == 1 and good[0]["from"] == "node2" and
          good[0]["t"] >= stuck[0]["t_done"],
          "then level 2 (fence-node1) powered node1 off: %s" % fmt_events(events))
    check(t_vip is not None and good[0]["t_done"] < t_vip,
          "nothing was recovered before level 2 succeeded: VIP on node2 at +%s s, level 2's "
          "off done at +%.2f s" % ("%.2f" % (t_vip - t_kill) if t_vip else "never",
                                    good[0]["t_done"] - t_kill))
    res.update(level1_failed_at=round(stuck[0]["t_done"] - t_kill, 2),
               level2_off_at=round(good[0]["t_done"] - t_kill, 2),
               vip_at=round(t_vip - t_kill, 2), page_at=round(t_page - t_kill, 2))
    back_to_normal(c, "node1", t_kill)


FRAGILE = "Fragile"
FAILSTOP_DIR = "/run/vigil-failstop"


def fragile_on(c):
    """The nodes where FailStop's state file says Fragile is started."""
    return ["node%d" % n for n in c.nodes() if c.running(n) and
            c.exec(n, ["test", "-f", "%s/%s.state" % (FAILSTOP_DIR, FRAGILE)],
                   timeout=10).returncode == 0]


def case_d(c, res):
    tool = webcluster.admin_tool(c)
    if not os.path.exists(os.path.join(harness.OCF_PROVIDER_DIR, harness.OCF_PROVIDER,
                                       "FailStop")) and not os.path.islink(
            os.path.join(harness.OCF_PROVIDER_DIR, harness.OCF_PROVIDER)):
        raise Failure("ocf:%s:FailStop is not linked in (%s)" % (harness.OCF_PROVIDER,
                                                                 harness.OCF_PROVIDER_DIR))
    c.check_exec(1, [tool, "resource", "create", FRAGILE, "ocf:%s:FailStop" % harness.OCF_PROVIDER,
                     "op", "monitor", "interval=10s"])
    where = wait("Fragile to start on one node", lambda: (lambda w: w if len(w) == 1 else None)(
        fragile_on(c)), 90, 0.5)[0]
    webcluster.settle(c, 1)
    other = "node%d" % (3 - node_index(where))
    log("Fragile runs on %s; its stop fails from now on" % where)
    c.check_exec(node_index(where), ["touch", "%s/%s.fail-stop" % (FAILSTOP_DIR, FRAGILE)])
    t0 = time.time()
    c.check_exec(1 if where != "node1" else 2,
                 [tool, "constraint", "location", FRAGILE, "avoids", where])
    off = wait_off(c, t0, where, 120)
    check(off["from"] == other, "%s (whose stop of Fragile failed) was fenced by %s, %.2f s "
          "after the move" % (where, off["from"], off["t_done"] - t0))
    wait("Fragile to run on %s" % other, lambda: fragile_on(c) == [other], 120, 0.5)
    log("ok: Fragile runs on %s after the fence" % other)
    res.update(failed_stop_on=where, move_to_off=round(off["t_done"] - t0, 2))
    back_to_normal(c, where, t0)
    check(len(offs(c, t0)) == 1, "one off in the round: %s" % fmt_events(c.power_events(t0)))
    c.check_exec(1, [tool, "resource", "delete", FRAGILE], timeout=60)
    wait("Fragile gone", lambda: not fragile_on(c), 60, 0.5)
    webcluster.settle(c, 1)


def case_e(c, res):
    mons = {n: harness.AddrMonitor(c, n, c.vip).start() for n in (2, 3)}
    try:
        t0 = c.block_corosync(1)
        log("Corosync's traffic of node1 dropped: node1 alone, node2 and node3 together")
        off = wait_off(c, t0, "node1", 90)
        try:
            t_page = c.wait_page("node2", 120)
        except HarnessError as e:
            raise Failure("node2 does not serve after node1's fence: %s" % e)
        t_vip = min([t for t in (m.first("add", t0) for m in mons.values()) if t] or [None])
    finally:
        for m in mons.values():
            m.stop()
    check(off["from"] in ("node2", "node3"),
          "node1 (alone, no quorum) was fenced by %s, %.2f s after the block"
          % (off["from"], off["t_done"] - t0))
    check(t_vip is not None and off["t_done"] < t_vip,
          "the VIP appeared on the majority side (+%s s) only after node1's off (+%.2f s)"
          % ("%.2f" % (t_vip - t0) if t_vip else "never", off["t_done"] - t0))
    res.update(fenced_by=off["from"], block_to_off=round(off["t_done"] - t0, 2),
               block_to_page=round(t_page - t0, 2))
    back_to_normal(c, "node1", t0)
    check(len(offs(c, t0)) == 1, "node2 and node3 were never fenced: %s"
          % fmt_events(c.power_events(t0)))


def case_f(c, res):
    before = history_counts(c, "node2", "reboot")
    t0 = time.time()
    p = webcluster.fence_node(c, 1, "node2", "reboot")
    check(p.returncode == 0, "the manual fence of node2 from node1 succeeds: exit %d %s"
          % (p.returncode, (p.stdout + p.stderr).strip()[-300:]))
    events = c.power_events(t0)
    node2 = [e for e in events if e["node"] == "node2" and e["ok"]]
    check([e["action"] for e in node2] == ["off", "on"] and node2[0]["from"] == "node1" and
          len(events) == 2, "the switch powered node2 off then on, asked from node1: %s"
          % fmt_events(events))
    res["fence_seconds"] = round(node2[0]["t_done"] - t0, 2)
    back_to_normal(c, "node2", t0)
    wait_history(c, "node2", before, "reboot")


# --- running -------------------------------------------------------------------

def setup(c, case):
    priority = TIEBREAK["tiebreak"] == "priority"
    webcluster.configure_fencing(c, 1, priority_fencing_delay=PRIORITY_FENCING_DELAY
                                 if priority else None, delay_max=None if priority else DELAY_MAX,
                                 stuck_level_for=("node1",) if case == "c" else ())
    webcluster.configure(c, 1, no_quorum_policy="stop",
                         web_meta=["priority=10"] if priority else [], stonith_enabled=True)
    try:
        c.wait_page("node1", 180)
    except HarnessError as e:
        raise Failure("the web cluster with fencing does not start: %s" % e)
    webcluster.settle(c, 1)
    names = ["node%d" % n for n in c.nodes()]
    webcluster.wait_online(c, 1, names, 60)
    if case == "b" and alerts_on():
        webcluster.configure_file_alert(c)
    log("ok: case %s: fencing configured, the service runs on node1" % case)


def diagnostics(c):
    out = [c.diagnostics(i, extra=(webcluster.status_argv(c),)) for i in c.nodes()]
    for i in c.nodes():
        if c.running(i):
            out.append("---- node%d: fencing history\n%s" % (i, webcluster.fence_history(c, i)))
    out.append("---- power switch events\n%s" % "\n".join(json.dumps(e) for e in
                                                           c.power_events()))
    return "\n".join(out)


def run_case(case, args, work, vigild, bin_dirs):
    """Runs `case` --repeat times on a cluster of its own; returns (rounds, problems).
    A failed round is followed by the next one if the cluster can be brought
    back (every node on, online, the service on node1)."""
    c = harness.Cluster(os.path.join(work, "case-" + case), nodes=3 if case == "e" else 2,
                        stack=args.stack, vigild=vigild, bin_dirs=bin_dirs, token_ms=1000)
    return rounds.run_rounds(case, c, args.repeat, work, lambda c: setup(c, case),
                             globals()["case_" + case], diagnostics, recover=recover)


def race_winners(case, played):
    """Case a's summary: who fenced first, round by round."""
    if case != "a" or not played:
        return ""
    wins = {}
    for x in played:
        key = x.get("winner", "none")
        if x.get("offs", 1) > 1:
            key = "both fenced (%s first)" % key
        wins[key] = wins.get(key, 0) + 1
    return "; fenced first by: %s" % ", ".join("%s %d" % kv for kv in sorted(wins.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    rounds.add_arguments(ap, CASES)
    ap.add_argument("--tiebreak", choices=("priority", "delay-max"), default="priority")
    args = ap.parse_args()
    TIEBREAK["tiebreak"] = args.tiebreak
    cases = rounds.selected_cases(ap, args, CASES)

    why = harness.missing_web_prerequisites(need=("ip", "nsenter", "unshare", "setsid", "corosync",
                                                  "corosync-cfgtool", "nft"))
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    vigild, bin_dirs = harness.build_binaries(args.build_dir)
    if args.stack == "pacemaker":
        for tool in ("pacemakerd", "pcs", "stonith_admin"):
            if not os.path.exists("/usr/sbin/" + tool):
                print("SKIP: %s is not installed (scripts/install-deps --reference)" % tool)
                return harness.SKIP
    else:
        for name, path in (("vigild", vigild),
                           ("vigil-stonithd", os.path.join(args.build_dir, "daemons",
                                                           "vigil-stonithd"))):
            if not path or not os.access(path, os.X_OK):
                print("SKIP: %s not built yet (no %s)" % (name, path or os.path.join(
                    args.build_dir, "daemons", name)))
                return harness.SKIP
        if not any(os.access(os.path.join(d, "vigil"), os.X_OK) for d in bin_dirs):
            print("SKIP: vigil not built yet (no %s/cli/vigil)" % args.build_dir)
            return harness.SKIP

    work = harness.work_dir(args.work, "vigil-fencing-")
    log("work directory %s (stack %s, cases %s, %d round(s) each, tiebreak %s)"
        % (work, args.stack, ",".join(cases), args.repeat, args.tiebreak))
    return rounds.run_cases(
        args, cases, work, lambda case: run_case(case, args, work, vigild, bin_dirs),
        "%s, tiebreak %s" % (args.stack, args.tiebreak), extra_results={"tiebreak": args.tiebreak},
        case_line=lambda case, played: race_winners(case, played) + (
            "; VIP on two nodes: %d sample(s)" % sum(x["double_vip_samples"] for x in played)))

if __name__ == "__main__":
    sys.exit(main())
