#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: the textbook's keepalived load balancer moved to Vigil
(../../../shared/docs/textbook.md, part 2; lbcluster.py).

  test_lb.py --build-dir DIR [--work DIR] [--keep] [--repeat N]

Two directors (node1, node2) running our daemons over real Corosync; two
plain hosts rs1 and rs2 on the same bridge, each running its own apache
whose page names it; the client in the root namespace, taking turns over
four source addresses (four clients: the textbook keeps persistence_timeout
50, so one address sticks to one real server). The textbook's two files
(lib/keepalived/testdata), with only the VIP, the real servers' addresses
and the interface replaced, are imported with `vigil import keepalived
node1=MASTER node2=BACKUP` inside node1 on the running cluster (after
`vigil property set stonith-enabled=false`, as the textbook's chapter does
for a cluster without fencing). Then, through the VIP:

  balance   answers alternate between rs1 and rs2; each client address
            always gets the same one (persistence)
  loss      rs2's apache killed (at a random point of HAProxy's check
            cycle): HAProxy on the director marks it DOWN; no
            request started once delay_loop (6 s) + 1 s have passed fails,
            and rs1 answers all of them
  return    rs2's apache back: marked UP; new clients (fresh addresses) get
            it again; no request fails meanwhile
  director  the active director (the VIP's holder) killed hard: the other
            takes the VIP and the balancer, the client is served again
            (takeover printed), by both real servers

Every wait is on an event (the balancer's stats socket, the client's
answers, the VIP on an interface), bounded. A watcher fails the run if the
VIP is ever up on both directors. --repeat N runs the whole scenario N
times, each on a fresh cluster, and prints each run's figures and a summary.
Exits 77 without root, namespaces, apache2, haproxy, curl or the resource
agents, or while vigild / vigil are not built.
"""
import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import lbcluster  # noqa: E402
import webcluster  # noqa: E402
from harness import CheckFailed, check, log  # noqa: E402

SERVED = 40  # answers to wait for in each phase's check


def scenario(c, work, figures):
    watcher = harness.VipWatcher(c).start()
    client = None
    try:
        webcluster.wait_vigil_cib(c, 1)
        c.check_exec(1, ["vigil", "property", "set", "stonith-enabled=false"])
        paths = lbcluster.write_directors(c, os.path.join(work, "keepalived"))
        with open(paths["node1"]) as f:
            delay = lbcluster.delay_loop(f.read())
        out = lbcluster.import_directors(c, 1, paths)
        log("vigil import keepalived:\n" + out.rstrip())
        check("ocf:vigil:haproxy" in out and "is not installed" not in out,
              "the import created the balancer, its agent installed on the directors")
        t0 = time.time()
        harness.wait_until("an answer through the VIP", lambda: c.page()[0] == 0, 120, 0.2)
        figures["served_after_import"] = round(time.time() - t0, 3)
        check(lbcluster.vip_holder(c) == 1, "the VIP on node1 (priority 50 over 40)")
        rs = {h: "%s:80" % c.host_addr(h) for h in lbcluster.REAL_SERVERS}
        for h in lbcluster.REAL_SERVERS:
            lbcluster.wait_server_state(c, 1, rs[h], "UP", delay + 10)

        sources = c.client_addrs[:lbcluster.CLIENTS]
        fresh = iter(c.client_addrs[lbcluster.CLIENTS:])
        client = c.client(log_path=os.path.join(work, "client.log"), sources=sources,
                          max_requests=4000).start()
        t_start = time.time()

        # balance: alternation and persistence
        lbcluster.wait_answers(client, t_start, SERVED, 30, "from the balancer")
        recs = client.snapshot()
        bodies = lbcluster.ok_bodies(recs, t_start)
        alt = lbcluster.alternation(bodies)
        figures["alternation"] = round(alt, 3)
        check(set(bodies) == {"rs1", "rs2"} and alt >= 0.9,
              "answers alternate between rs1 and rs2 (%d answers, %.0f%% of consecutive "
              "pairs differ)" % (len(bodies), 100 * alt))
        per = lbcluster.servers_per_source(recs, t_start)
        check(len(per) == len(sources) and all(len(s) == 1 for s in per.values()),
              "each client address sticks to one real server: %s"
              % {k: sorted(v) for k, v in sorted(per.items())})
        check(not lbcluster.failed(recs, t_start), "no request failed")

        # loss: rs2's apache killed, at a random moment of HAProxy's check
        # cycle (its checks keep a fixed phase from its start, and the steps
        # before take about the same time in every run: without this the kill
        # would land at the same point of the cycle every time)
        phase = lbcluster.random_phase(delay)
        figures["kill_phase"] = round(phase, 3)
        t_kill = c.host_kill("rs2")
        t_down = lbcluster.wait_server_state(c, 1, rs["rs2"], "DOWN", delay + 5)
        figures["rs_marked_down"] = round(t_down - t_kill, 3)
        t_quiet = t_kill + delay + 1
        lbcluster.wait_answers(client, t_quiet, SERVED, delay + 30, "once delay_loop + 1 s passed")
        recs = client.snapshot()
        loss = lbcluster.loss_figures(recs, t_kill)
        figures["rs_loss_failed_requests"] = loss["failed_requests"]
        figures["rs_loss_last_failure"] = loss["last_failure"]
        log("rs2 killed: marked DOWN after %.2f s; %d requests failed, the last ending %s s "
            "after the kill" % (t_down - t_kill, loss["failed_requests"], loss["last_failure"]))
        late = lbcluster.failed(recs, t_quiet)
        check(not late, "no request started %d s (delay_loop %d + 1) after the kill failed%s"
              % (delay + 1, delay, "" if not late else ": %s" % late[:5]))
        after = lbcluster.ok_bodies(recs, t_quiet)
        check(set(after) == {"rs1"}, "rs1 answered all %d of them" % len(after))

        # return: rs2's apache back
        t_back = c.host_start("rs2")
        t_up = lbcluster.wait_server_state(c, 1, rs["rs2"], "UP", delay + 5)
        figures["rs_marked_up"] = round(t_up - t_back, 3)
        got = []
        for _ in range(4):  # new clients: round robin gives rs2 one of any two
            src = next(fresh)
            rc, body = harness.http_get(c.vip, timeout=1.0, source=src)
            got.append((src, rc, body))
            if rc == 0 and body == "rs2":
                break
        check(any(b == "rs2" for _s, _rc, b in got[:2]),
              "rs2 back: marked UP after %.2f s, a new client gets it: %s"
              % (t_up - t_back, got))
        recs = client.snapshot()
        check(not lbcluster.failed(recs, t_back), "no request failed while rs2 came back")

        # director: the VIP's holder killed hard
        active = lbcluster.vip_holder(c)
        check(active in (1, 2), "one director holds the VIP: node%s" % active)
        other = 2 if active == 1 else 1
        t_dkill = c.kill(active)
        # the first answer to a request sent once node1 was gone (one sent
        # while the kill was under way may still have been answered by it)
        t_gone = time.time()
        t_first = harness.wait_until(
            "an answer through the VIP after node%d's kill" % active,
            lambda: lbcluster.first_answer(client.snapshot(), t_gone), 90, 0.05)
        takeover = round(t_first - t_dkill, 3)
        figures["director_takeover"] = takeover
        check(lbcluster.vip_holder(c) == other, "node%d holds the VIP" % other)
        lbcluster.wait_answers(client, t_first, SERVED, 30, "from node%d's balancer" % other)
        recs = client.snapshot()
        served = lbcluster.ok_bodies(recs, t_first)
        check(set(served) == {"rs1", "rs2"},
              "node%d's balancer serves from rs1 and rs2 (%d answers)" % (other, len(served)))
        check(not lbcluster.failed(recs, t_first), "no request failed after the takeover")
        states = lbcluster.server_states(c, other)
        check(states.get(rs["rs1"]) == "UP" and states.get(rs["rs2"]) == "UP",
              "node%d's HAProxy: both real servers UP" % other)
        log("director node%d killed: node%d answered %.2f s later" % (active, other, takeover))
    finally:
        if client:
            client.stop()
        watcher.stop()
    double = watcher.take()
    if double:
        raise CheckFailed("the VIP was up on both directors: %s" % double[:5])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    if not 1 <= args.repeat <= 50:
        ap.error("--repeat must be 1..50")
    vigild, bin_dirs = harness.build_binaries(args.build_dir)
    build = os.path.abspath(args.build_dir)
    unbuilt = [p for p in ("daemons/vigild", "cli/vigil")
               if not os.access(os.path.join(build, p), os.X_OK)]
    why = (harness.missing_web_prerequisites() or
           next(("%s is not installed" % t for t in ("/usr/sbin/haproxy", "/usr/bin/curl")
                 if not os.access(t, os.X_OK)), None) or
           (unbuilt and "not built yet: " + ", ".join(unbuilt)))
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    work = harness.work_dir(args.work, "vigil-lb-")
    runs = []
    rc = 0
    for r in range(1, args.repeat + 1):
        rwork = os.path.join(work, "run%d" % r)
        os.makedirs(rwork, exist_ok=True)
        figures = {"run": r}
        c = harness.Cluster(os.path.join(rwork, "c"), nodes=2, stack="vigild", vigild=vigild,
                            bin_dirs=bin_dirs, hosts=lbcluster.REAL_SERVERS,
                            client_addrs=lbcluster.CLIENT_ADDRS)
        one = harness.run_test(c, lambda c: scenario(c, rwork, figures), rwork, keep=True,
                               failures=(CheckFailed,))
        figures["passed"] = one == 0
        runs.append(figures)
        log("run %d: %s %s" % (r, "PASS" if one == 0 else "FAIL", json.dumps(figures)))
        rc = rc or one
    with open(os.path.join(work, "runs.jsonl"), "w") as f:
        for fig in runs:
            f.write(json.dumps(fig) + "\n")
    if args.repeat > 1:
        print("%d of %d runs passed" % (sum(1 for f in runs if f["passed"]), len(runs)))
        for k in ("director_takeover", "rs_marked_down", "rs_loss_last_failure",
                  "rs_loss_failed_requests", "rs_marked_up"):
            print("%-24s %s" % (k, harness.summary([f.get(k) for f in runs])))
    if rc == 0 and not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("work directory: %s" % work)
    return rc


if __name__ == "__main__":
    sys.exit(main())
