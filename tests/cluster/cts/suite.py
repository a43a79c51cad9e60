#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fault suite after Pacemaker's CTS lab, on three namespace nodes of our
daemons over real Corosync with fencing, the web group and a clone
(lab.py). Tests (tests.py) are drawn in a seeded random order, each with a
node drawn at random, and around each the invariants are checked
(invariants.py): no resource of one instance active on two nodes at any
moment, every acknowledged CIB update on every running node, the cluster
settled within --converge-bound seconds, no daemon crash the test did not
cause.

  suite.py --build-dir DIR [--seed S] [--iterations N] [--tests A,B]
           [--max-seconds T] [--converge-bound S] [--work DIR] [--keep]
           [--json FILE]

The seed is printed first; the same seed draws the same tests and nodes
(the cluster's own timing still varies). A failed test or a violated
invariant prints what, where, the seed and the iteration; the cluster is
then brought back (every node on and started) and the run goes on; the
exit status is 1. --max-seconds stops drawing tests once that much time
has passed since the start (the ctest sample's bound). Exits 77 (skipped)
without root, namespaces, corosync, nftables, resource-agents or the
daemons.
"""
import argparse
import json
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402
import invariants  # noqa: E402
import lab as lab_mod  # noqa: E402
import tests as cts_tests  # noqa: E402
from harness import HarnessError, log  # noqa: E402

NEEDED = ("daemons/vigild", "daemons/vigil-stonithd", "cli/vigil", "cli/vigil-simulate")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--seed", type=int, help="default: drawn from the system and printed")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--tests", help="comma-separated subset of: " + ",".join(cts_tests.TESTS))
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="draw no new test after this many seconds (0: no bound)")
    ap.add_argument("--converge-bound", type=float, default=120)
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", help="write the per-test counts and every problem here")
    args = ap.parse_args()
    names = args.tests.split(",") if args.tests else list(cts_tests.TESTS)
    unknown = [n for n in names if n not in cts_tests.TESTS]
    if unknown:
        ap.error("unknown test(s) %s; tests: %s" % (", ".join(unknown),
                                                     ", ".join(cts_tests.TESTS)))
    if not 1 <= args.iterations <= 10000:
        ap.error("--iterations must be 1..10000")
    args.names = names
    return args


def missing(build_dir):
    why = harness.missing_prerequisites(need=("ip", "nsenter", "unshare", "setsid", "corosync",
                                              "corosync-cfgtool", "nft"))
    if why:
        return why
    for agent in ("heartbeat/Dummy", "heartbeat/IPaddr2"):
        if not os.path.exists(os.path.join(harness.OCF_PROVIDER_DIR, agent)):
            return "ocf:%s is not installed (scripts/install-deps)" % agent.replace("/", ":")
    unbuilt = [p for p in NEEDED if not os.access(os.path.join(build_dir, p), os.X_OK)]
    return "not built yet: " + ", ".join(unbuilt) if unbuilt else None


class Run:
    """The per-test counts and the problems of one suite run."""

    def __init__(self, seed, names):
        self.seed = seed
        self.stats = {n: {"run": 0, "passed": 0, "failed": 0, "violations": 0, "skipped": 0,
                          "durations": []} for n in names}
        self.problems = []

    def problem(self, iteration, test, node, kind, what):
        line = "%s: %s (test %s, node%d, iteration %d, seed %d)" % (kind, what, test, node,
                                                                  iteration, self.seed)
        self.problems.append(line)
        print("PROBLEM " + line, flush=True)

    def table(self):
        lines = ["%-16s %5s %7s %7s %10s %8s %9s" % ("test", "run", "passed", "failed",
                                                  "violations", "skipped", "mean s")]
        for name, s in self.stats.items():
            if not s["run"]:
                continue
            mean = statistics.mean(s["durations"]) if s["durations"] else 0.0
            lines.append("%-16s %5d %7d %7d %10d %8d %9.1f" % (
                name, s["run"], s["passed"], s["failed"], s["violations"], s["skipped"], mean))
        return "\n".join(lines)


def clock(t):
    return time.strftime("%H:%M:%S", time.gmtime(t)) + ("%.3f" % (t % 1))[1:]


def check_invariants(lab, run, it, name, node, ctx, converge_bound):
    """The invariants after one test; returns how many were violated."""
    c = lab.c
    bad = 0
    ok, desc, took = invariants.converge(c, lab.up, lab.work, converge_bound)
    ctx.notes["converged_s"] = round(took, 1)
    if not ok:
        run.problem(it, name, node, "VIOLATION", "the cluster did not settle within %.0f s: %s"
                    % (converge_bound, desc))
        bad += 1
    else:
        for p in lab.check_placement():
            run.problem(it, name, node, "VIOLATION", "settled, but " + p)
            bad += 1
    for t, how, rsc, where in lab.watcher.take():
        run.problem(it, name, node, "VIOLATION", "%s active on %s at once (%s, at %s)"
                    % (rsc, " and ".join(where), how, clock(t)))
        bad += 1
    # Only a majority must hold it: a node that was down when the update
    # was acknowledged and starts alone cannot know it (nor can a minority
    # of such nodes); any majority shares a node with the partition that
    # acknowledged it, and once settled every member has what it had.
    up = lab.up()
    for p in (lab.writer.check(up) if len(up) * 2 > c.n else []):
        run.problem(it, name, node, "VIOLATION", "acknowledged CIB update lost: " + p)
        bad += 1
    for n, kind, daemon, how, line in invariants.unexpected_crashes(lab.crashes.take(),
                                                                    ctx.allows):
        run.problem(it, name, node, "VIOLATION", "node%d: %s %s (%s): %s"
                    % (n, daemon, kind, how, line))
        bad += 1
    return bad


def play(lab, run, args, rng, t_start):
    c = lab.c
    for it in range(1, args.iterations + 1):
        if args.max_seconds and time.monotonic() - t_start > args.max_seconds:
            log("--max-seconds reached: %d iteration(s) played" % (it - 1))
            break
        name = rng.choice(args.names)
        node = rng.choice(list(c.nodes()))
        ctx = cts_tests.Ctx(node, rng)
        log("== iteration %d/%d: %s on node%d (seed %d)" % (it, args.iterations, name, node,
                                                            run.seed))
        s = run.stats[name]
        s["run"] += 1
        t0 = time.monotonic()
        failed = False
        try:
            cts_tests.TESTS[name](lab, ctx)
        except (lab_mod.TestFailed, HarnessError) as e:
            failed = True
            run.problem(it, name, node, "FAILED", str(e)[:3000])
        bad = check_invariants(lab, run, it, name, node, ctx, args.converge_bound)
        s["durations"].append(time.monotonic() - t0)
        s["failed"] += failed
        s["violations"] += bad
        s["skipped"] += ctx.skipped
        s["passed"] += not failed and not bad
        log("iteration %d: %s %s in %.1f s %s" % (it, name, "FAILED" if failed else
                                                  ("VIOLATION" if bad else "passed"),
                                                  time.monotonic() - t0, json.dumps(ctx.notes)))
        if failed or bad:
            write_diagnostics(lab, "iteration%d-%s" % (it, name))
            try:
                lab.restore()
                ok, desc, _ = invariants.converge(c, lab.up, lab.work, args.converge_bound)
                if not ok:
                    raise HarnessError("not settled after the restore: " + desc)
                lab.watcher.take()
                lab.crashes.take()
            except (lab_mod.TestFailed, HarnessError) as e:
                run.problem(it, name, node, "FAILED", "the cluster could not be brought back, "
                            "the run stops: %s" % e)
                return


def write_diagnostics(lab, label):
    c = lab.c
    path = os.path.join(lab.work, label + ".txt")
    with open(path, "w") as f:
        for i in c.nodes():
            try:
                f.write(c.diagnostics(i, extra=(["vigil", "status", "--full"],)) + "\n")
            except HarnessError as e:
                f.write("node%d: %s\n" % (i, e))
        f.write("power events: %s\n" % json.dumps(c.power_events()[-20:]))
    log("diagnostics in %s" % path)


def main():
    args = parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    print("seed %d" % seed, flush=True)
    build = os.path.abspath(args.build_dir)
    why = missing(build)
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    vigild, bin_dirs = harness.build_binaries(build)
    work = harness.work_dir(args.work, "vigil-cts-")
    rng = random.Random(seed)
    run = Run(seed, args.names)
    log("work directory %s; %d iteration(s) of %s" % (work, args.iterations,
                                                      ",".join(args.names)))
    c = harness.Cluster(os.path.join(work, "c"), nodes=3, stack="vigild", vigild=vigild,
                        bin_dirs=bin_dirs, token_ms=1000, apache=False)
    t_start = time.monotonic()
    lab = lab_mod.Lab(c, work, rng)
    try:
        c.up()
        lab.configure()
        lab.wait_joined(list(c.nodes()), 180)
        ok, desc, took = invariants.converge(c, lab.up, work, 180)
        if not ok:
            raise HarnessError("the configured cluster did not settle: " + desc)
        problems = lab.check_placement()
        if problems:
            raise HarnessError("; ".join(problems))
        log("cluster configured and settled (%.1f s after the start): %s"
            % (time.monotonic() - t_start, desc))
        lab.watcher = invariants.ActiveWatcher(
            c, c.vip, {r: p for r, p in lab_mod.STATE.items() if r in lab_mod.UNIQUE},
            lab_mod.UNIQUE).start()
        eyes = lab.watcher.self_check(("VIP", "Web"), lab_mod.UNIQUE)
        if eyes:
            raise HarnessError("the watcher does not see the settled cluster right: " + eyes)
        lab.writer = invariants.AckWriter(c, lab.writable, seed).start()
        lab.crashes = invariants.CrashLog(c)
        play(lab, run, args, rng, t_start)
    except (HarnessError, lab_mod.TestFailed) as e:
        run.problems.append("SETUP: %s (seed %d)" % (e, seed))
        print("PROBLEM SETUP: %s" % e, flush=True)
        write_diagnostics(lab, "setup")
    finally:
        for part in ("watcher", "writer"):
            if hasattr(lab, part):
                getattr(lab, part).stop()
        if c.subnet:
            c.down()
    acked = len(lab.writer.acked) if hasattr(lab, "writer") else 0
    print("\nseed %d: %d acknowledged CIB update(s), %d refused; %d watcher sample(s)"
          % (seed, acked, lab.writer.refused if hasattr(lab, "writer") else 0,
             lab.watcher.samples if hasattr(lab, "watcher") else 0))
    if hasattr(lab, "writer") and lab.writer.reasons:
        print("first refused CIB updates (not acknowledged, so not checked):\n  " +
              "\n  ".join(lab.writer.reasons[:5]))
    print(run.table())
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": seed, "stats": run.stats, "problems": run.problems}, f, indent=1)
    if run.problems:
        print("FAIL (seed %d):\n%s\n(work directory kept: %s)"
              % (seed, "\n".join(run.problems), work))
        return 1
    print("PASS (seed %d)" % seed)
    if not args.keep and not args.work:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
