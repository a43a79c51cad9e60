# SPDX-License-Identifier: GPL-2.0-or-later
"""Rounds of an end-to-end case on a cluster of its own, and the results of
a whole run: what test_fencing.py and test_clones.py share.

A case is set up once and its round played --repeat times; a VIP watcher
samples every running node all along, and the VIP up on two running nodes
at once is a problem of the round it was seen in.
"""
import json
import os
import shutil

import harness
from harness import CheckFailed as Failure, HarnessError, log


def wait(what, predicate, timeout, interval=0.5):
    """harness.wait_until, its timeout a failed check of the round."""
    try:
        return harness.wait_until(what, predicate, timeout, interval)
    except HarnessError as e:
        raise Failure(str(e))


def vip_holders(c):
    """The running nodes that have the VIP."""
    return ["node%d" % n for n in c.nodes() if c.running(n) and (" %s/" % c.vip) in
            c.exec(n, ["ip", "-4", "-o", "addr", "show"], timeout=10).stdout]


def write_failure(work, case, rnd, error, diagnostics):
    """Diagnostics of a failed round, to a file and (their end) to stdout."""
    try:
        diag = diagnostics()
    except HarnessError as d:
        diag = "(no diagnostics: %s)" % d
    with open(os.path.join(work, "case-%s-round%d-failure.txt" % (case, rnd)), "w") as f:
        f.write("%s\n%s\n" % (error, diag))
    print(diag[-6000:])


def run_rounds(case, c, repeat, work, setup, play, diagnostics, recover=None):
    """Brings cluster `c` up, runs setup(c) and then play(c, res) `repeat`
    times, and takes the cluster down. After a failed round, recover(c)
    brings the cluster back for the next one; without it the case stops
    there (the cluster is in no known state). Returns (rounds, problems):
    a dict per round played and the problems as lines."""
    rounds, problems = [], []
    watcher = None
    try:
        c.up()
        watcher = harness.VipWatcher(c).start()
        setup(c)
        for r in range(1, repeat + 1):
            log("== case %s, round %d/%d" % (case, r, repeat))
            res = {"round": r}
            try:
                play(c, res)
            except Failure as e:
                res["failed"] = str(e)[:2000]
                problems.append("case %s round %d: %s" % (case, r, e))
                log("FAILED: " + problems[-1])
                write_failure(work, case, r, e, lambda: diagnostics(c))
            bad = watcher.take()
            res["double_vip_samples"] = len(bad)
            rounds.append(res)
            log("case %s round %d: %s" % (case, r, json.dumps(res)[:1000]))
            if bad:
                problems.append("case %s round %d: the VIP was up on two running nodes at once: %s"
                                % (case, r, ", ".join("%.2f %s" % (t, "+".join(h))
                                                      for t, h in bad[:5])))
                log("PROBLEM: " + problems[-1])
            if "failed" in res and r < repeat:
                if recover is None:
                    break
                recover(c)
    except (Failure, HarnessError) as e:
        problems.append("case %s round %d: %s" % (case, len(rounds) + 1, e))
        log("FAILED: " + problems[-1])
        if c.subnet:
            write_failure(work, case, len(rounds) + 1, e, lambda: diagnostics(c))
    finally:
        if watcher:
            watcher.stop()
        if c.subnet:
            c.down()
    return rounds, problems


def round_passed(res):
    return "failed" not in res and not res["double_vip_samples"]


def run_cases(args, cases, work, run_case, header, extra_results=None, case_line=None):
    """Runs run_case(case) -> (rounds, problems) for every case, keeping
    WORK/results.json up to date, prints the summary (case_line(case,
    rounds) adds to a case's line) and returns the exit status: 0 all
    passed (the work directory removed unless --keep or --work), 1 not."""
    results, problems = {}, []
    for case in cases:
        log("=== case %s" % case)
        rounds, bad = run_case(case)
        results[case] = {"rounds": rounds, "problems": bad, "passed": not bad}
        problems += bad
        with open(os.path.join(work, "results.json"), "w") as f:
            json.dump(dict(extra_results or {}, stack=args.stack, cases=results), f, indent=1)
    print("\nsummary (%s):" % header)
    for case in cases:
        r = results[case]
        line = "  case %s: %s, %d of %d round(s) passed" % (
            case, "PASS" if r["passed"] else "FAIL",
            sum(1 for x in r["rounds"] if round_passed(x)), args.repeat)
        if case_line:
            line += case_line(case, r["rounds"])
        print(line)
    if problems:
        print("FAIL:\n%s\n(work directory kept: %s)" % ("\n".join(p[:3000] for p in problems),
                                                       work))
        return 1
    print("PASS")
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def prerequisites(args, need=None, agents=()):
    """(vigild, bin_dirs) when a round-based test can run: root, namespaces
    and the web programs (harness.missing_web_prerequisites(need)), the OCF
    agents named "provider/type", and the stack: Pacemaker's pacemakerd and
    pcs, or our vigild and vigil built in args.build_dir. Else prints the
    skip reason and returns None."""
    why = harness.missing_web_prerequisites(need=need)
    for agent in agents if not why else ():
        if not os.path.exists(os.path.join(harness.OCF_PROVIDER_DIR, agent)):
            why = "ocf:%s is not installed (scripts/install-deps)" % agent.replace("/", ":")
            break
    vigild, bin_dirs = harness.build_binaries(args.build_dir)
    if why is None and args.stack == "pacemaker":
        why = next(("%s is not installed (scripts/install-deps --reference)" % t
                    for t in ("pacemakerd", "pcs") if not os.path.exists("/usr/sbin/" + t)), None)
    elif why is None and not (vigild and os.access(vigild, os.X_OK)):
        why = "vigild not built yet"
    elif why is None and not any(os.access(os.path.join(d, "vigil"), os.X_OK) for d in bin_dirs):
        why = "vigil not built yet"
    if why:
        print("SKIP: %s" % why)
        return None
    return vigild, bin_dirs


def add_arguments(ap, cases):
    """The options every round-based test takes."""
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--stack", choices=("vigild", "pacemaker"), default="vigild")
    ap.add_argument("--only", help="comma-separated cases (%s)" % ",".join(cases))
    ap.add_argument("--repeat", type=int, default=1, help="rounds per case (1..50)")
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")


def selected_cases(ap, args, cases):
    """The cases --only names (all by default); a usage error for unknown
    ones or a --repeat out of range."""
    chosen = args.only.split(",") if args.only else list(cases)
    unknown = [x for x in chosen if x not in cases]
    if unknown:
        ap.error("unknown case(s) %s; cases: %s" % (", ".join(unknown), ", ".join(cases)))
    if not 1 <= args.repeat <= 50:
        ap.error("--repeat must be 1..50")
    return chosen


def start(doc, cases, work_prefix, need=None, agents=()):
    """A round-based test's command line (add_arguments, selected_cases),
    its prerequisites and its work directory: (args, cases, work, vigild,
    bin_dirs), or None when the test is to be skipped (said so)."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    add_arguments(ap, cases)
    args = ap.parse_args()
    chosen = selected_cases(ap, args, cases)
    found = prerequisites(args, need=need, agents=agents)
    if found is None:
        return None
    work = harness.work_dir(args.work, work_prefix)
    log("work directory %s (stack %s, cases %s, %d round(s) each)"
        % (work, args.stack, ",".join(chosen), args.repeat))
    return (args, chosen, work) + found
