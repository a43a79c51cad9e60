#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""lib/cluster's Corosync adapters (cmap, quorum, CPG) on real Corosync in
network namespaces, through tests/cluster/cluster_probe.

  test_corosync.py --probe PATH [--work DIR] [--keep] [--token MS]

Two nodes (two_node, hence wait_for_all):
  - node1 alone is not quorate (wait_for_all); with node2 both names are
    members and the partition is quorate;
  - both probes join one CPG group and see each other;
  - messages multicast by both at once are delivered in the same order on
    both nodes, each sender's own messages in the order sent;
  - large messages (40 x 512 KiB and 4 MiB at once) arrive intact and in the
    same order on both nodes (flow control); one over 16 MiB is refused;
  - bad commands get an error and change nothing;
  - node2 killed hard: node1 sees it leave (membership and CPG, reason
    nodedown), stays quorate (two_node), and the time is printed.
Three nodes (no two_node):
  - all three members, quorate;
  - node3's link cut: {node1,node2} stay quorate without node3, node3 alone
    loses quorum; messages stay on their side;
  - link restored: the partitions merge, everyone quorate again;
  - corosync killed under a probe: the adapters report the loss, exit 69.
The harness itself: a pre-existing namespace of the same name is refused and
left alone; a process killed with SIGTERM tears its cluster down.
Exits 77 (skipped) without root, `ip netns` or corosync.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, log  # noqa: E402

GROUP = "vigil-probe"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    log("ok: " + what)


class Probe:
    """cluster_probe running inside one node; its JSON events, time-stamped on arrival."""

    def __init__(self, cluster, i, path):
        self.i = i
        self.events = []
        self.cond = threading.Condition()
        self.proc = cluster.popen(i, [path, "--group", GROUP], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            t = time.time()
            try:
                ev = json.loads(line)
            except ValueError:
                ev = {"event": "garbage", "line": line.rstrip()}
            ev["t"] = t
            with self.cond:
                self.events.append(ev)
                self.cond.notify_all()
        with self.cond:
            self.events.append({"event": "eof", "t": time.time()})
            self.cond.notify_all()

    def send(self, cmd):
        try:
            self.proc.stdin.write(cmd + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise Failure("node%d's probe does not take commands: %s" % (self.i, e))

    def wait(self, what, pred, timeout=30, since=0):
        """First event (from index `since`) satisfying pred, waiting at most timeout s."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for k in range(since, len(self.events)):
                    if pred(self.events[k]):
                        return self.events[k]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("node%d: no %s within %d s; last events:\n  %s"
                                  % (self.i, what, timeout, "\n  ".join(
                                      json.dumps(e) for e in self.events[-8:])))
                self.cond.wait(min(left, 0.5))

    def mark(self):
        with self.cond:
            return len(self.events)

    def messages(self, since=0):
        with self.cond:
            return [(tuple(e["from"]), e["payload"]) for e in self.events[since:]
                    if e["event"] == "message"]

    def last(self, kind):
        with self.cond:
            for e in reversed(self.events):
                if e["event"] == kind:
                    return e
        return None

    def quit(self):
        with_timeout = 5
        try:
            self.send("quit")
        except Failure:
            pass
        try:
            return self.proc.wait(timeout=with_timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=5)


def membership(members, quorate=None):
    def pred(e):
        return (e["event"] == "membership" and e["members"] == members and
                (quorate is None or e["quorate"] == quorate))
    return pred


def quorate_now(probe, want, timeout=20):
    """The probe's quorum state reaches `want` (membership or quorum event)."""
    def pred(e):
        return ((e["event"] == "quorum" and e["quorate"] == want) or
                (e["event"] == "membership" and e["quorate"] == want))
    return probe.wait("quorate=%s" % want, pred, timeout)


def view_with(members_nodes):
    def pred(e):
        return (e["event"] == "view" and e["group"] == GROUP and
                sorted(m[0] for m in e["members"]) == members_nodes)
    return pred


def wait_messages(probe, since, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msgs = probe.messages(since)
        if len(msgs) >= count:
            return msgs
        time.sleep(0.1)
    raise Failure("node%d delivered %d of %d messages within %d s"
                  % (probe.i, len(probe.messages(since)), count, timeout))


def two_nodes(args, work):
    c = harness.Cluster(os.path.join(work, "two"), nodes=2, stack="corosync",
                        token_ms=args.token, apache=False)
    c.up(start=False)
    probes = []
    try:
        c.start(1)
        p1 = Probe(c, 1, args.probe)
        probes.append(p1)
        nodes = p1.wait("node list", lambda e: e["event"] == "nodes", 10)
        check(nodes["local"] == 1 and [n["name"] for n in nodes["nodes"]] == ["node1", "node2"],
              "cmap: node1's probe reads the node list node1, node2 and its own id 1")
        p1.wait("membership [1]", membership([1]), 20)
        p1.wait("its own CPG view", view_with([1]), 10)
        time.sleep(1.0)
        p1.send("state")
        st = p1.wait("state", lambda e: e["event"] == "membership" and e["joined"] == [],
                     10, since=p1.mark() - 1)
        check(st["members"] == [1] and st["quorate"] is False,
              "two_node implies wait_for_all: node1 alone, never having seen node2, is not "
              "quorate")

        c.start(2)
        p2 = Probe(c, 2, args.probe)
        probes.append(p2)
        for p in (p1, p2):
            m = p.wait("membership [1,2]", membership([1, 2]), 30)
            check(m["names"] == ["node1", "node2"],
                  "node%d: membership has both names" % p.i)
            quorate_now(p, True)
            log("ok: node%d is quorate with both nodes" % p.i)
            p.wait("CPG view with both probes", view_with([1, 2]), 20)
        log("ok: both probes see each other in group %s" % GROUP)

        # Agreed order: both send at once, every node delivers the same sequence.
        k1, k2 = p1.mark(), p2.mark()
        p1.send("burst 200 a")
        p2.send("burst 200 b")
        m1 = wait_messages(p1, k1, 400)
        m2 = wait_messages(p2, k2, 400)
        check(m1 == m2, "400 concurrent CPG messages are delivered in the same order on both "
                        "nodes")
        for tag in ("a", "b"):
            seq = [int(pl.split("-")[1]) for _, pl in m1 if pl.startswith(tag + "-")]
            check(seq == list(range(200)), "sender %s's messages arrive in the order sent" % tag)
        interleaved = any(m1[k][1][0] != m1[k + 1][1][0] for k in range(len(m1) - 1))
        log("info: the two senders' messages %s interleaved" % ("are" if interleaved else
                                                                "are not"))

        # Large messages (a big CIB): intact, in order, through flow control.
        k1, k2 = p1.mark(), p2.mark()
        for seed in range(1, 41):
            p1.send("big %d %d" % (512 * 1024, seed))  # 20 MiB in 40 messages
        p2.send("big %d 99" % (4 * 1024 * 1024))
        sent = []
        for _ in range(40):
            e = p1.wait("sent big message", lambda e: e["event"] == "sent" and "size" in e, 60,
                        since=k1)
            sent.append((e["size"], e["fnv"]))
            k1 = p1.events.index(e) + 1
        s2 = p2.wait("sent 4 MiB", lambda e: e["event"] == "sent" and "size" in e, 30, since=k2)

        def bigs(p, since):
            with p.cond:
                return [(e["size"], e["fnv"]) for e in p.events[since:]
                        if e["event"] == "message" and "size" in e]
        k1 = min(i for i, e in enumerate(p1.events) if e["event"] == "sent" and "size" in e)
        try:
            harness.wait_until("41 big messages on both nodes",
                               lambda: len(bigs(p1, k1)) >= 41 and len(bigs(p2, k2)) >= 41, 120,
                               0.2)
        except HarnessError as e:
            raise Failure("%s: node1 has %d, node2 %d" % (e, len(bigs(p1, k1)), len(bigs(p2, k2))))
        b1, b2 = bigs(p1, k1), bigs(p2, k2)
        check(b1 == b2, "41 large messages (20 MiB + 4 MiB) are delivered in the same order "
                        "on both nodes")
        check([b for b in b1 if b != (s2["size"], s2["fnv"])] == sent,
              "node1's 40 messages of 512 KiB arrive intact (size and hash) and in order")
        check((s2["size"], s2["fnv"]) in b1, "node2's 4 MiB message arrives intact")
        k1 = p1.mark()
        p1.send("big %d 7" % (20 * 1024 * 1024))
        err = p1.wait("error for 20 MiB", lambda e: e["event"] in ("error", "sent"), 30, since=k1)
        check(err["event"] == "error" and "send" in err["message"],
              "a message over the 16 MiB limit is refused: %s" % err.get("message"))

        # Bad input changes nothing.
        k1 = p1.mark()
        p1.send("burst many x")
        p1.send("frobnicate")
        p1.send("x" * (70 * 1024))
        errs = []
        for _ in range(3):
            e = p1.wait("error", lambda e: e["event"] == "error", 10, since=k1)
            errs.append(e["message"])
            k1 = p1.events.index(e) + 1
        check(any("usage: burst" in m for m in errs) and any("unknown command" in m for m in errs)
              and any("longer than 64 KiB" in m for m in errs),
              "bad probe commands (bad count, unknown, oversized) get clear errors")
        k2 = p2.mark()
        p1.send("send still-alive")
        got = wait_messages(p2, k2, 1)
        check(got[0][1] == "still-alive", "after bad input the group still works")

        # Hard kill of node2.
        k1 = p1.mark()
        t_kill = c.kill(2)
        left = p1.wait("membership without node2", membership([1]), 60, since=k1)
        detect = left["t"] - t_kill
        check(left["left"] == [2], "node1 sees node2 leave the membership")
        check(left["quorate"] is True, "two_node: node1 alone stays quorate after node2 was seen")
        v = p1.wait("CPG view without node2", view_with([1]), 20, since=k1)
        check([x[2] for x in v["left"]] == ["nodedown"] and v["left"][0][0] == 2,
              "CPG reports node2's probe gone with reason nodedown")
        log_t = harness.first_log_time([c.corosync_log(1)], r"Members left: 2|left:.*2",
                                       t_kill)
        log("info: node2 killed -> node1's membership without it: %.2f s (token %s ms); "
            "corosync log line at %s s" % (detect, args.token or "default",
                                           "%.2f" % (log_t - t_kill) if log_t else "?"))
        return {"two_node_leave_detection_s": round(detect, 3)}
    except Failure:
        for i in c.nodes():
            print(c.diagnostics(i, extra=(["corosync-quorumtool", "-s"],)), file=sys.stderr)
        raise
    finally:
        for p in probes:
            p.quit()
        c.down()


def three_nodes(args, work):
    c = harness.Cluster(os.path.join(work, "three"), nodes=3, stack="corosync",
                        token_ms=args.token, apache=False)
    c.up(start=True)
    probes = {}
    try:
        for i in c.nodes():
            probes[i] = Probe(c, i, args.probe)
        for p in probes.values():
            m = p.wait("membership [1,2,3]", membership([1, 2, 3]), 30)
            check(m["names"] == ["node1", "node2", "node3"], "node%d: three members" % p.i)
            quorate_now(p, True)
            p.wait("CPG view of three", view_with([1, 2, 3]), 20)
        log("ok: three nodes, quorate, one CPG view")

        marks = {i: p.mark() for i, p in probes.items()}
        t_cut = c.cut(3)
        for i in (1, 2):
            m = probes[i].wait("membership [1,2]", membership([1, 2]), 60, since=marks[i])
            check(m["left"] == [3] and m["quorate"] is True,
                  "node%d: node3 left, {node1,node2} keep quorum (2 of 3 votes)" % i)
            probes[i].wait("CPG view [1,2]", view_with([1, 2]), 20, since=marks[i])
        m3 = probes[3].wait("membership [3]", membership([3]), 60, since=marks[3])
        quorate_now(probes[3], False)
        check(sorted(m3["left"]) == [1, 2], "node3 alone sees node1 and node2 leave")
        log("ok: node3 alone lost quorum; partition seen %.2f s after the cut"
            % (m3["t"] - t_cut))
        probes[3].wait("CPG view [3]", view_with([3]), 20, since=marks[3])

        marks = {i: p.mark() for i, p in probes.items()}
        probes[1].send("send majority")
        probes[3].send("send minority")
        check(wait_messages(probes[2], marks[2], 1)[0][1] == "majority" and
              wait_messages(probes[1], marks[1], 1)[0][1] == "majority",
              "a message in the majority partition reaches node1 and node2")
        check(wait_messages(probes[3], marks[3], 1)[0][1] == "minority",
              "node3 delivers its own message alone")
        time.sleep(1.0)
        check([pl for _, pl in probes[3].messages(marks[3])] == ["minority"] and
              "minority" not in [pl for _, pl in probes[1].messages(marks[1])],
              "no message crosses the partition")

        marks = {i: p.mark() for i, p in probes.items()}
        t_restore = c.restore(3)
        for i, p in probes.items():
            m = p.wait("merged membership", membership([1, 2, 3]), 60, since=marks[i])
            quorate_now(p, True)
            p.wait("merged CPG view", view_with([1, 2, 3]), 30, since=marks[i])
        log("ok: the partition merges after the restore (%.2f s) and all three are quorate"
            % (m["t"] - t_restore))

        # corosync dies under node2's probe: the adapters report the loss
        k2 = probes[2].mark()
        cs = [pid for pid, comm in c.processes(2).items() if comm == "corosync"]
        check(len(cs) == 1, "node2 runs one corosync")
        os.kill(cs[0], 9)
        lost = probes[2].wait("lost", lambda e: e["event"] == "lost", 20, since=k2)
        rc = probes[2].proc.wait(timeout=10)
        check(rc == 69,
              "corosync killed: the probe reports the loss (%s) and exits 69"
              % lost["message"])
        return {}
    except Failure:
        for i in c.nodes():
            print(c.diagnostics(i, extra=(["corosync-quorumtool", "-s"],)), file=sys.stderr)
        raise
    finally:
        for p in probes.values():
            if p.proc.poll() is None:
                p.quit()
        c.down()


def harness_guarantees(args, work):
    """What the harness promises about what it touches and leaves behind."""
    # 1. A namespace of the same name that this run did not create is refused
    #    and survives the run's teardown.
    tag = "s%03x" % (os.getpid() % 4096)
    c = harness.Cluster(os.path.join(work, "foreign"), nodes=2, stack="corosync", tag=tag,
                        apache=False)
    foreign = c.netns(2)
    harness.run(["ip", "netns", "add", foreign])
    try:
        refused = None
        try:
            c.up()
        except HarnessError as e:
            refused = str(e)
        finally:
            c.down()
        check(refused is not None and "not created by this run" in refused,
              "up() refuses a pre-existing namespace of the same name (%s)" % refused)
        check(foreign in c._netns_list(), "teardown leaves the foreign namespace alone")
        check(c.bridge not in c._existing_links() and c.netns(1) not in c._netns_list(),
              "teardown removes what the run did create (bridge, node1's namespace)")
    finally:
        harness.run(["ip", "netns", "del", foreign], check=False)

    # 2. A process using the harness that is killed with SIGTERM tears its
    #    cluster down on the way out (signal handler), leaving no process.
    sub = os.path.join(work, "sigterm")
    code = ("import sys, time; sys.path.insert(0, %r); import harness; "
            "c = harness.Cluster(%r, nodes=2, stack='corosync', apache=False); c.up(); "
            "print('UP', c.tag, c.subnet, flush=True); time.sleep(120)"
            % (os.path.dirname(os.path.realpath(__file__)), sub))
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line or line.startswith("UP "):
                break
        check(line.startswith("UP "), "a child process brings a cluster up")
        _, tag2, _subnet = line.split()
        c2 = harness.Cluster(sub, nodes=2, tag=tag2)
        shells = [c2.shell_pid(i) for i in c2.nodes()]
        check(all(shells), "both node shells run")
        p.send_signal(15)
        rc = p.wait(timeout=60)
        check(rc == 128 + 15, "SIGTERM: the child exits 143 after tearing down (got %s)" % rc)
        check(not any(c2.netns(i) in c2._netns_list() for i in c2.nodes()) and
              c2.bridge not in c2._existing_links(),
              "SIGTERM: the child's namespaces and bridge are gone")
        check(all(harness.proc_start_time(pid) is None for pid in shells),
              "SIGTERM: the child's node processes are gone")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--probe", required=True)
    ap.add_argument("--work", help="work directory (default: a new one under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--token", type=int, default=1000,
                    help="corosync totem.token in ms (default 1000, to keep the test short)")
    args = ap.parse_args()
    why = harness.missing_prerequisites()
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    if not os.access(args.probe, os.X_OK):
        print("FAIL: probe %s is not built" % args.probe)
        return 1
    work = harness.work_dir(args.work, "vigil-corosync-")
    ok = False
    try:
        res = two_nodes(args, work)
        res.update(three_nodes(args, work))
        harness_guarantees(args, work)
        ok = True
        print("PASS " + json.dumps(res))
        return 0
    except (Failure, HarnessError) as e:
        print("FAIL: %s\n(work directory kept: %s)" % (e, work))
        return 1
    finally:
        if ok and not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
