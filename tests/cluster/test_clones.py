#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Clones and promotable clones in the live cluster, on our daemons or on
Pacemaker 2.1.5, over real Corosync in network namespaces. Everything is
configured as an administrator types it (pcs syntax: `pcs` on Pacemaker,
`vigil` on ours), with Debian's agents unmodified.

  test_clones.py --build-dir DIR [--stack vigild|pacemaker] [--only a,b,c]
                 [--repeat N] [--work DIR] [--keep]

  a  ping: the web group (VIP + apache, Web prefers node1) and a cloned
     ocf:pacemaker:ping of the bridge's address, with the location rule
     `myweb rule score=-INFINITY pingd lt 1 or not_defined pingd`. node1
     loses its ping target (nftables drops its echo requests): the service
     moves to node2; node1 gets it back when the target answers again
  b  promotion: a promotable ocf:pacemaker:Stateful (DB-clone) and the VIP
     colocated with its promoted instance, started after the promotion. The
     node of the promoted instance is killed: the other node's instance is
     promoted and the VIP follows it; the killed node comes back unpromoted
     and the VIP stays
  c  interleave: two cloned ocf:heartbeat:Dummy, B-clone (interleave=true)
     ordered after A-clone. On every node B starts after A; when A fails on
     node1 (its state file removed), A and B restart on node1 only: B's
     instance on node2 is left alone. Then `resource restart B-clone node2`
     restarts node2's B only, and `resource restart A-clone` restarts A and,
     after it, B everywhere

Throughout a case a watcher samples every running node's addresses every
0.25 s: the VIP up on two running nodes at once fails the case. Exits 77
(skipped) without root, namespaces, corosync, nftables, apache2, the agents
(resource-agents, pacemaker-resource-agents, ping), or the stack.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import rounds  # noqa: E402
import webcluster  # noqa: E402
from harness import HarnessError, check, log  # noqa: E402

CASES = ("a", "b", "c")
PING_TABLE = "vigil_clones_ping"
STATE_DIR = "/run/vigil-clones"  # each node's private /run


wait = rounds.wait
vip_holders = rounds.vip_holders


def wait_vip_on(c, node, timeout=120):
    """Until the VIP is up on `node` alone; the time it was seen there."""
    wait("the VIP on %s alone" % node, lambda: vip_holders(c) == [node], timeout, 0.25)
    return time.time()


def tool(c, i, *argv, timeout=60):
    """The stack's pcs-syntax tool (pcs or vigil) inside node i; must succeed."""
    return c.check_exec(i, [webcluster.admin_tool(c)] + list(argv), timeout=timeout)


def base_properties(c):
    tool(c, 1, "property", "set", "stonith-enabled=false")
    tool(c, 1, "property", "set", "no-quorum-policy=ignore")


def wait_ready(c):
    if c.stack == "pacemaker":
        webcluster.pcmk_wait_dc(c, 1)
    else:
        webcluster.wait_vigil_cib(c, 1)


# --- a: ping ---------------------------------------------------------------------

def block_ping(c, i, on):
    """Drops (on) or lets through again node i's echo requests to the bridge."""
    if on:
        rules = ("table inet %s {\n chain out {\n  type filter hook output priority 0;\n"
                 "  ip daddr %s icmp type echo-request drop\n }\n}\n" % (PING_TABLE,
                                                                        c.bridge_addr))
        p = c.exec(i, ["nft", "-f", "-"], input=rules, timeout=15)
        if p.returncode != 0:
            raise HarnessError("node%d: nft: %s" % (i, p.stderr.strip()))
    else:
        c.check_exec(i, ["nft", "delete", "table", "inet", PING_TABLE])


def case_a_setup(c):
    webcluster.configure(c, 1)
    tool(c, 1, "resource", "create", "ping", "ocf:pacemaker:ping",
         "host_list=%s" % c.bridge_addr, "dampen=2s", "multiplier=1000",
         "op", "monitor", "interval=3s", "timeout=10s", "clone")
    tool(c, 1, "constraint", "location", "myweb", "rule", "score=-INFINITY", "pingd", "lt", "1",
         "or", "not_defined", "pingd")
    wait_vip_on(c, "node1", 180)
    webcluster.settle(c, 1)


def case_a(c, res):
    t0 = time.time()
    block_ping(c, 1, True)
    try:
        t_moved = wait_vip_on(c, "node2", 120)
        c.wait_page("node2", 60)
        log("ok: node1 lost its ping target; the service moved to node2 in %.2f s"
            % (t_moved - t0))
        res["ping_lost_to_vip_on_node2"] = round(t_moved - t0, 2)
    finally:
        block_ping(c, 1, False)
    t1 = time.time()
    t_back = wait_vip_on(c, "node1", 120)
    c.wait_page("node1", 60)
    log("ok: node1's ping target answers again; the service is back on node1 in %.2f s"
        % (t_back - t1))
    res["ping_back_to_vip_on_node1"] = round(t_back - t1, 2)
    webcluster.settle(c, 1)


# --- b: promotion ----------------------------------------------------------------

PROMOTED = re.compile(r"\b(?:Promoted|Masters): \[ ([^\]]*) \]")
UNPROMOTED = re.compile(r"\b(?:Unpromoted|Slaves): \[ ([^\]]*) \]")


def roles(c, i):
    """(promoted nodes, unpromoted nodes) of DB-clone in node i's status."""
    text = webcluster.status(c, i)
    p = PROMOTED.search(text)
    u = UNPROMOTED.search(text)
    return (set(p.group(1).split()) if p else set(), set(u.group(1).split()) if u else set())


def case_b_setup(c):
    wait_ready(c)
    base_properties(c)
    tool(c, 1, "resource", "create", "DB", "ocf:pacemaker:Stateful",
         "op", "monitor", "interval=10s", "role=Promoted", "monitor", "interval=11s",
         "role=Unpromoted", "promotable")
    tool(c, 1, "resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=%s" % c.vip,
         "cidr_netmask=24", "op", "monitor", "interval=30s")
    tool(c, 1, "constraint", "colocation", "add", "VIP", "with", "Promoted", "DB-clone",
         "INFINITY")
    tool(c, 1, "constraint", "order", "promote", "DB-clone", "then", "start", "VIP")
    wait("one VIP holder", lambda: len(vip_holders(c)) == 1, 180, 0.5)
    webcluster.settle(c, 1)


def case_b(c, res):
    holder = vip_holders(c)
    check(len(holder) == 1, "the VIP on one node before the kill: %s" % holder)
    where = holder[0]
    other = "node%d" % (3 - int(where[4:]))
    watcher_node = int(other[4:])
    promoted, unpromoted = roles(c, watcher_node)
    check(promoted == {where} and unpromoted == {other},
          "DB promoted with the VIP on %s, unpromoted on %s: status says promoted %s, "
          "unpromoted %s" % (where, other, sorted(promoted), sorted(unpromoted)))
    log("DB is promoted on %s with the VIP; killing %s" % (where, where))
    t0 = time.time()
    c.kill(int(where[4:]))
    t_vip = wait_vip_on(c, other, 120)
    wait("DB promoted on %s" % other, lambda: roles(c, watcher_node)[0] == {other}, 60)
    log("ok: %s killed; DB promoted on %s and the VIP there %.2f s later"
        % (where, other, t_vip - t0))
    res["kill_to_vip_on_new_promoted"] = round(t_vip - t0, 2)
    c.reboot_net(int(where[4:]))
    c.start(int(where[4:]))
    c.wait_membership(timeout=90)
    wait("DB unpromoted on %s again" % where,
         lambda: roles(c, watcher_node) == ({other}, {where}), 180)
    webcluster.settle(c, watcher_node)
    check(vip_holders(c) == [other], "the VIP stays on %s when %s comes back: %s"
          % (other, where, vip_holders(c)))
    log("ok: %s is back, unpromoted; the VIP stays on %s" % (where, other))


# --- c: interleave ---------------------------------------------------------------

def state_file(rsc):
    return "%s/%s.state" % (STATE_DIR, rsc)


def stamp(c, i, rsc):
    """(inode, mtime in ns) of rsc's Dummy state file on node i, or None."""
    p = c.exec(i, ["stat", "-c", "%i %.9Y", state_file(rsc)], timeout=10)
    if p.returncode != 0:
        return None
    inode, mtime = p.stdout.split()
    return int(inode), float(mtime)


def case_c_setup(c):
    wait_ready(c)
    base_properties(c)
    for i in c.nodes():
        c.check_exec(i, ["mkdir", "-p", STATE_DIR])
    # Both are created disabled and enabled in one update once the order exists:
    # a clone created enabled may start before the constraint that orders it
    # reaches the scheduler (Pacemaker does exactly that), and "B after A"
    # would then be a race rather than the order's doing.
    tool(c, 1, "resource", "create", "A", "ocf:heartbeat:Dummy", "state=%s" % state_file("A"),
         "op", "monitor", "interval=3s", "clone", "--disabled")
    tool(c, 1, "resource", "create", "B", "ocf:heartbeat:Dummy", "state=%s" % state_file("B"),
         "op", "monitor", "interval=3s", "clone", "interleave=true", "--disabled")
    tool(c, 1, "constraint", "order", "start", "A-clone", "then", "start", "B-clone")
    tool(c, 1, "resource", "enable", "A-clone", "B-clone")
    wait("A and B running on every node", lambda: all(
        stamp(c, i, r) for i in c.nodes() for r in ("A", "B")), 180)
    webcluster.settle(c, 1)


def case_c(c, res):
    for i in c.nodes():
        a, b = stamp(c, i, "A"), stamp(c, i, "B")
        check(a and b and a[1] <= b[1], "node%d: B started after A (A %s, B %s)" % (i, a, b))
    before = {i: stamp(c, i, "B") for i in c.nodes()}
    t0 = time.time()
    log("A fails on node1 (its state file removed)")
    c.check_exec(1, ["rm", "-f", state_file("A")])
    wait("A and B restarted on node1", lambda: (lambda a, b: a and b and a[1] >= t0 and
                                                b[1] >= a[1])(stamp(c, 1, "A"),
                                                              stamp(c, 1, "B")), 120)
    t_back = time.time()
    webcluster.settle(c, 1)
    for i in c.nodes():
        if i == 1:
            continue
        check(stamp(c, i, "B") == before[i], "node%d: B left alone while A recovered on node1 "
              "(before %s, after %s)" % (i, before[i], stamp(c, i, "B")))
    log("ok: A and B restarted on node1 only (%.2f s)" % (t_back - t0))
    res["a_failure_to_b_restarted"] = round(t_back - t0, 2)
    tool(c, 1, "resource", "cleanup", "A")
    webcluster.settle(c, 1)

    # `resource restart` (crm_resource --restart under pcs): a clone on one
    # node restarts that node's instance only; the whole clone restarts
    # every instance, and B's with it (it is ordered after A).
    before = {i: {r: stamp(c, i, r) for r in ("A", "B")} for i in c.nodes()}
    p = c.exec(1, [webcluster.admin_tool(c), "resource", "restart", "B-clone", "node2"],
               timeout=180)
    check(p.returncode == 0 and "B-clone successfully restarted" in p.stderr,
          "restart B-clone node2 reports success: exit %d, %r" % (p.returncode, p.stderr))
    check(stamp(c, 2, "B") != before[2]["B"] and stamp(c, 2, "B") is not None,
          "B restarted on node2 (before %s, after %s)" % (before[2]["B"], stamp(c, 2, "B")))
    check(stamp(c, 1, "B") == before[1]["B"] and stamp(c, 2, "A") == before[2]["A"],
          "restart B-clone node2 left node1's B and every A alone")
    log("ok: resource restart B-clone node2 restarted node2's instance only")
    before = {i: {r: stamp(c, i, r) for r in ("A", "B")} for i in c.nodes()}
    p = c.exec(1, [webcluster.admin_tool(c), "resource", "restart", "A-clone"], timeout=180)
    check(p.returncode == 0 and "A-clone successfully restarted" in p.stderr,
          "restart A-clone reports success: exit %d, %r" % (p.returncode, p.stderr))
    for i in c.nodes():
        a, b = stamp(c, i, "A"), stamp(c, i, "B")
        check(a and b and a != before[i]["A"] and b != before[i]["B"] and a[1] <= b[1],
              "node%d: A and B restarted, B after A (before %s, after A %s B %s)"
              % (i, before[i], a, b))
    log("ok: resource restart A-clone restarted A and, after it, B on every node")
    webcluster.settle(c, 1)


# --- running ---------------------------------------------------------------------

def diagnostics(c):
    return "\n".join(c.diagnostics(i, extra=(webcluster.status_argv(c),)) for i in c.nodes())


def run_case(case, args, work, vigild, bin_dirs):
    """Runs `case` --repeat times on a cluster of its own; returns (rounds, problems)."""
    c = harness.Cluster(os.path.join(work, "case-" + case), nodes=2, stack=args.stack,
                        vigild=vigild, bin_dirs=bin_dirs, token_ms=1000)
    return rounds.run_rounds(case, c, args.repeat, work, globals()["case_%s_setup" % case],
                             globals()["case_" + case], diagnostics)


def main():
    started = rounds.start(__doc__, CASES, "vigil-clones-",
                           need=("ip", "nsenter", "unshare", "setsid", "corosync",
                                 "corosync-cfgtool", "nft", "ping"),
                           agents=("pacemaker/ping", "pacemaker/Stateful", "heartbeat/Dummy"))
    if started is None:
        return harness.SKIP
    args, cases, work, vigild, bin_dirs = started
    return rounds.run_cases(args, cases, work,
                            lambda case: run_case(case, args, work, vigild, bin_dirs), args.stack)


if __name__ == "__main__":
    sys.exit(main())
