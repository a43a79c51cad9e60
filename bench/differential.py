#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential testing of vigil-simulate against Pacemaker's crm_simulate.

For every seed and shape, generates a small CIB with
../shared/bench/gen-cib.py and derives four variants from it:

  generated     the CIB as gen-cib.py writes it (part of the resources
                running, a few failed operations)
  settled       that CIB after crm_simulate executed its transition
                (crm_simulate -x GEN -S -O SETTLED): a realistic status
  node-down     SETTLED with a node taken down (-d NODE)
  monitor-fail  SETTLED with a recurring monitor failing
                (-i RSC_monitor_INTERVALMS@NODE=1)
  ticket        SETTLED with rsc_ticket constraints on some of its resources
                (random tickets, roles and loss-policies, ticket states in the
                status) and a ticket revoked, put in standby or granted
                (-r/-b/-g TICKET)

Each variant goes through both simulators as cts-scheduler runs a case
(see ../shared/conformance/README.md):

  SIM -x CIB -S [INJECTION]                      summary: stdout+stderr,
                                                 cts-scheduler's sed applied,
                                                 injection timestamps masked
  SIM -x CIB -D DOT -G GRAPH -sSQ [INJECTION]    scores: stdout, sorted lines

and both are compared ignoring whitespace and blank lines; a case passes
when both match. The table also counts "transition": the lines of the
Transition Summary block equal as a set (the decisions, as
run-conformance's transition metric). Prints that table per variant kind, the failing cases with the summary sections
that differ, and a unified diff (crm_simulate first) of the first one.
Failing CIBs go into --keep DIR with their arguments and diffs, for replay.

Exit status: 0 all equal (or crm_simulate not installed), 1 some differ
(0 with --report-only), 2 usage error. Python 3 standard library only.

  bench/differential.py [--seeds N] [--first-seed S] [--shapes flat,groups]
                        [--nodes 3-6] [--resources 10-40] [--jobs N]
                        [--timeout SEC] [--keep DIR] [--report-only]
                        [--show N] [--diff-lines N]
                        [--simulator PATH] [--reference PATH] [--gen PATH]

  Replay a kept case: SIM -x DIR/NAME.xml -S $(cat DIR/NAME.args)
"""

import argparse
import concurrent.futures
import difflib
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("generated", "settled", "node-down", "monitor-fail", "ticket")
SHAPES = ("flat", "groups")   # gen-cib.py also has clones and mixed

# cts-scheduler pipes the -S output through:
#   sed -E -e 's/ocf::/ocf:/g' -e 's/Masters:/Promoted:/' -e 's/Slaves:/Unpromoted:/'
#          -e 's/ Master( |\[|$)/ Promoted\1/' -e 's/ Slave / Unpromoted /'
SED_RULES = (
    (re.compile(r"ocf::"), r"ocf:", 0),
    (re.compile(r"Masters:"), r"Promoted:", 1),
    (re.compile(r"Slaves:"), r"Unpromoted:", 1),
    (re.compile(r" Master( |\[|$)"), r" Promoted\1", 1),
    (re.compile(r" Slave "), r" Unpromoted ", 1),
)
# Not in cts-scheduler (its cases inject nothing): crm_simulate -i prints the
# clock in "Injecting attribute last-failure-RSC#OP=EPOCH", which changes
# between two runs a second apart. Masked on both sides.
CLOCK_RULES = ((re.compile(r"(Injecting attribute last-failure-\S+=)\d+"), r"\1EPOCH"),)
WS = re.compile(r"\s+")
# Top-level headers of crm_simulate -S output, in order.
SECTIONS = ("Current cluster status:", "Performing Requested Modifications:",
            "Transition Summary:", "Executing Cluster Transition:", "Revised Cluster Status:")


# ---------------------------------------------------------------- running

def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def run(cmd, cwd, timeout, merge_stderr=False):
    """Run CMD in its own process group; return (status, stdout, stderr).
    status is 'ok', 'exit N', 'signal N', 'timeout' or 'not runnable'."""
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=cwd)
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, start_new_session=True,
                                stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE)
    except OSError as e:
        return "not runnable", "", str(e)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        timed_out = True
    finally:
        kill_group(proc)
    out = out.decode("utf-8", "replace")
    err = (err or b"").decode("utf-8", "replace")
    if timed_out:
        return "timeout", out, err
    if proc.returncode < 0:
        return "signal %d" % -proc.returncode, out, err
    if proc.returncode != 0:
        return "exit %d" % proc.returncode, out, err
    return "ok", out, err


def simulate(sim, cib, extra, tmp, timeout):
    """Both cts-scheduler invocations of SIM on CIB; returns a dict."""
    st1, summary, _ = run(sim + ["-x", cib, "-S"] + extra, tmp, timeout, merge_stderr=True)
    dot, graph = os.path.join(tmp, "out.dot"), os.path.join(tmp, "out.graph")
    st2, scores, err2 = run(sim + ["-x", cib, "-D", dot, "-G", graph, "-sSQ"] + extra,
                            tmp, timeout)
    for f in (dot, graph):
        if os.path.exists(f):
            os.unlink(f)
    return {"status": (st1, st2), "summary": summary, "scores": scores, "stderr": err2}


# ---------------------------------------------------------------- comparing

def sed_summary(text):
    out = []
    for line in text.splitlines():
        for rx, repl, count in SED_RULES:
            line = rx.sub(repl, line, count=count)
        for rx, repl in CLOCK_RULES:
            line = rx.sub(repl, line)
        out.append(line)
    return out


def squeezed(lines):
    """What `diff --ignore-all-space --ignore-blank-lines` compares."""
    return [s for s in (WS.sub("", l) for l in lines) if s]


def sorted_scores(text):
    return sorted(text.splitlines())


def sections(lines):
    """Squeezed lines per top-level section of a -S output."""
    keys = {WS.sub("", s): s for s in SECTIONS}
    cur, out = "(preamble)", {}
    for l in squeezed(lines):
        if l in keys:
            cur = keys[l]
            continue
        out.setdefault(cur, []).append(l)
    return out


def transition_block(lines):
    """Collapsed lines of the 'Transition Summary:' block, sorted (a multiset:
    the decisions, whatever their order)."""
    block, inside = [], False
    for line in lines:
        if not inside:
            inside = line.strip() == "Transition Summary:"
            continue
        if not line.strip() or not line[:1].isspace():
            break
        block.append(" ".join(line.split()))
    return sorted(block)


def compare(ref, vig):
    """Returns (summary_ok, scores_ok, transition_ok, notes)."""
    rs, vs = sed_summary(ref["summary"]), sed_summary(vig["summary"])
    summary_ok = squeezed(rs) == squeezed(vs)
    # An empty block on both sides proves nothing when one of them failed.
    transition_ok = (transition_block(rs) == transition_block(vs)
                     and ref["status"] == vig["status"])
    scores_ok = squeezed(sorted_scores(ref["scores"])) == squeezed(sorted_scores(vig["scores"]))
    notes = []
    if ref["status"] != vig["status"]:
        notes.append("exit: crm_simulate %s/%s, vigil %s/%s" % (ref["status"] + vig["status"]))
    if not summary_ok:
        a, b = sections(rs), sections(vs)
        diff = [k for k in ("(preamble)",) + SECTIONS if a.get(k) != b.get(k)]
        notes.append("summary differs in: " + ", ".join(s.rstrip(":") for s in diff))
    if not scores_ok:
        a = set(squeezed(ref["scores"].splitlines()))
        b = set(squeezed(vig["scores"].splitlines()))
        notes.append("scores: %d lines only in crm_simulate, %d only in vigil"
                     % (len(a - b), len(b - a)))
    return summary_ok, scores_ok, transition_ok, notes


def unified(ref_lines, vig_lines, what):
    return list(difflib.unified_diff(ref_lines, vig_lines, "crm_simulate " + what,
                                     "vigil-simulate " + what, lineterm=""))


# ---------------------------------------------------------------- variants

def status_facts(path):
    """Node names, and (rsc, interval_ms, node) of monitors that last
    succeeded, read from a CIB's status section."""
    root = ET.parse(path).getroot()
    nodes = [n.get("uname") for n in root.iter("node") if n.get("uname")]
    monitors = []
    for ns in root.iter("node_state"):
        uname = ns.get("uname")
        for lr in ns.iter("lrm_resource"):
            for op in lr.iter("lrm_rsc_op"):
                if (op.get("operation") == "monitor" and op.get("interval", "0") != "0"
                        and op.get("rc-code") == "0" and op.get("op-status", "0") == "0"):
                    monitors.append((lr.get("id"), op.get("interval"), uname))
    return nodes, sorted(set(monitors))


def ticket_variant(settled, rng, tmp):
    """SETTLED with rsc_ticket constraints and ticket states added; returns
    the new CIB's path and the ticket injection to run it with."""
    tree = ET.parse(settled)
    root = tree.getroot()
    rscs = [r.get("id") for r in root.find("configuration/resources") if r.get("id")]
    if not rscs:
        return None, None
    tickets = ["ticketA", "ticketB"]
    constraints = root.find("configuration/constraints")
    if constraints is None:
        constraints = ET.SubElement(root.find("configuration"), "constraints")
    for i, rsc in enumerate(rng.sample(rscs, rng.randint(1, min(4, len(rscs))))):
        attrs = {"id": "ticket-dep-%d" % i, "rsc": rsc, "ticket": rng.choice(tickets)}
        policy = rng.choice([None, "stop", "demote", "fence", "freeze"])
        if policy:
            attrs["loss-policy"] = policy
        # "Master": the generated CIBs use schemas older than 3.7 ("Promoted")
        role = rng.choice([None, None, "Started", "Master"])
        if role:
            attrs["rsc-role"] = role
        ET.SubElement(constraints, "rsc_ticket", attrs)
    status = root.find("status")
    states = ET.Element("tickets")
    for t in tickets:
        attrs = {"id": t}
        for name in ("granted", "standby"):
            value = rng.choice([None, "true", "false"])
            if value:
                attrs[name] = value
        if len(attrs) > 1:
            ET.SubElement(states, "ticket_state", attrs)
    if len(states) and status is not None:
        status.insert(0, states)
    path = os.path.join(tmp, "ticket.xml")
    tree.write(path)
    option = rng.choice(["-r", "-b", "-g", "-e"])
    return path, [option, rng.choice(tickets)]


def parse_range(text, name):
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", text)
    if not m:
        raise argparse.ArgumentTypeError("%s: expected N or LO-HI, not %r" % (name, text))
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    if lo < 1 or hi < lo:
        raise argparse.ArgumentTypeError("%s: bad range %r" % (name, text))
    return lo, hi


def one_seed(args, shape, seed):
    """Generates the CIB for (shape, seed) and runs its variants. Returns a
    list of case dicts (kind, name, cib text, extra args, outcome)."""
    rng = random.Random("%s:%d" % (shape, seed))
    nodes = rng.randint(*args.nodes)
    resources = rng.randint(*args.resources)
    base = "%s-s%d-n%d-r%d" % (shape, seed, nodes, resources)
    cases = []
    tmp = tempfile.mkdtemp(prefix="vigil-diff-")
    try:
        gen = os.path.join(tmp, "generated.xml")
        cmd = [sys.executable, args.gen, "--shape", shape, "--nodes", str(nodes),
               "--resources", str(resources), "--seed", str(seed)]
        st, out, err = run(cmd, tmp, args.timeout)
        if st != "ok":
            return [{"kind": k, "name": "%s-%s" % (base, k), "skipped": "gen-cib.py %s: %s"
                     % (st, err.strip()[-200:])} for k in KINDS]
        with open(gen, "w") as f:
            f.write(out)

        settled = os.path.join(tmp, "settled.xml")
        st, _, err = run(args.reference + ["-x", gen, "-S", "-Q", "-O", settled], tmp,
                         args.timeout, merge_stderr=True)
        have_settled = st == "ok" and os.path.exists(settled)
        variants = [("generated", gen, [])]
        why = "crm_simulate -S -O: %s" % st
        if have_settled:
            variants.append(("settled", settled, []))
            names, monitors = status_facts(settled)
            if names:
                variants.append(("node-down", settled, ["-d", rng.choice(names)]))
            if monitors:
                rsc, interval, node = rng.choice(monitors)
                variants.append(("monitor-fail", settled,
                                 ["-i", "%s_monitor_%s@%s=1" % (rsc, interval, node)]))
            ticket_cib, ticket_extra = ticket_variant(settled, rng, tmp)
            if ticket_cib:
                variants.append(("ticket", ticket_cib, ticket_extra))
            why = "no running monitor or no resource in the settled CIB"
        done = {v[0] for v in variants}

        for kind, cib, extra in variants:
            ref = simulate(args.reference, cib, extra, tmp, args.timeout)
            vig = simulate(args.simulator, cib, extra, tmp, args.timeout)
            summary_ok, scores_ok, transition_ok, notes = compare(ref, vig)
            with open(cib) as f:
                text = f.read()
            cases.append({"kind": kind, "name": "%s-%s" % (base, kind), "shape": shape,
                          "seed": seed, "extra": extra, "cib": text, "ref": ref, "vig": vig,
                          "summary_ok": summary_ok, "scores_ok": scores_ok,
                          "transition_ok": transition_ok, "notes": notes,
                          "error": vig["status"] != ("ok", "ok")
                                   and ref["status"] != vig["status"]})
        for kind in KINDS:
            if kind not in done:
                cases.append({"kind": kind, "name": "%s-%s" % (base, kind), "skipped": why})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return cases


# ---------------------------------------------------------------- reporting

def passed(c):
    return c["summary_ok"] and c["scores_ok"]


def print_table(cases, out):
    cols = ("cases", "summary", "scores", "both", "transition", "errors", "skipped")
    print("%-14s" % "kind" + "".join("%11s" % c for c in cols), file=out)
    rows = [(k, [c for c in cases if c["kind"] == k]) for k in KINDS]
    rows.append(("all", cases))
    for label, cs in rows:
        run_ = [c for c in cs if "skipped" not in c]
        n = len(run_)

        def cell(k):
            return "%d/%d" % (k, n) if n else "-"
        print("%-14s%11d%11s%11s%11s%11s%11d%11d" % (
            label, n, cell(sum(c["summary_ok"] for c in run_)),
            cell(sum(c["scores_ok"] for c in run_)), cell(sum(passed(c) for c in run_)),
            cell(sum(c["transition_ok"] for c in run_)),
            sum(c["error"] for c in run_), len(cs) - n), file=out)
    print("(a case passes when summary and scores both match; transition: the "
          "Transition Summary lines match as a set, order and spacing aside)", file=out)


def keep_case(keep, c):
    os.makedirs(keep, exist_ok=True)
    base = os.path.join(keep, c["name"])
    with open(base + ".xml", "w") as f:
        f.write(c["cib"])
    with open(base + ".args", "w") as f:
        f.write(" ".join(shlex.quote(a) for a in c["extra"]) + "\n")
    with open(base + ".diff", "w") as f:
        f.write("# replay: SIM -x %s.xml -S %s\n" % (c["name"], " ".join(c["extra"])))
        for n in c["notes"]:
            f.write("# %s\n" % n)
        f.write("\n".join(case_diff(c)) + "\n")


def case_diff(c):
    lines = []
    if not c["summary_ok"]:
        lines += unified(sed_summary(c["ref"]["summary"]), sed_summary(c["vig"]["summary"]),
                         "-S (sed, clock masked)")
    if not c["scores_ok"]:
        lines += unified(sorted_scores(c["ref"]["scores"]), sorted_scores(c["vig"]["scores"]),
                         "-sSQ (sorted)")
    if c["vig"]["stderr"].strip() and not c["scores_ok"]:
        lines += ["", "vigil-simulate stderr (scores run):", c["vig"]["stderr"].rstrip()]
    return lines


# ---------------------------------------------------------------- main

def resolve(prog):
    path = prog if os.sep in prog else shutil.which(prog)
    if not path or not os.access(path, os.X_OK):
        return None
    return [os.path.abspath(path)]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Differential testing of vigil-simulate against crm_simulate on "
                    "CIBs from gen-cib.py.",
        epilog="Exit status: 0 equal or crm_simulate missing, 1 differences, 2 usage.")
    ap.add_argument("--seeds", type=int, default=50, metavar="N", help="seeds per shape (50)")
    ap.add_argument("--first-seed", type=int, default=1, metavar="S", help="first seed (1)")
    ap.add_argument("--shapes", default=",".join(SHAPES),
                    help="comma-separated gen-cib.py shapes (flat,groups)")
    ap.add_argument("--nodes", default="3-6", help="node count or range LO-HI (3-6)")
    ap.add_argument("--resources", default="10-40",
                    help="primitive count or range LO-HI (10-40)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                    help="seeds run in parallel (2)")
    ap.add_argument("--timeout", type=float, default=20, metavar="SEC",
                    help="per simulator run (20)")
    ap.add_argument("--keep", metavar="DIR", help="write failing CIBs, args and diffs here")
    ap.add_argument("--report-only", action="store_true", help="exit 0 even if cases differ")
    ap.add_argument("--show", type=int, default=20, metavar="N",
                    help="list at most N failing cases (20)")
    ap.add_argument("--diff-lines", type=int, default=80, metavar="N",
                    help="print at most N lines of the first case's diff (80)")
    ap.add_argument("--simulator", default=os.path.join(ROOT, "build", "cli", "vigil-simulate"))
    ap.add_argument("--reference", default="crm_simulate")
    ap.add_argument("--gen", default=os.path.join(os.path.dirname(ROOT), "shared", "bench",
                                                  "gen-cib.py"))
    args = ap.parse_args(argv)
    try:
        args.nodes = parse_range(args.nodes, "--nodes")
        args.resources = parse_range(args.resources, "--resources")
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    args.shapes = [s for s in args.shapes.split(",") if s]
    for s in args.shapes:
        if s not in ("flat", "groups", "clones", "mixed"):
            ap.error("unknown shape %r" % s)
    if args.seeds < 1 or args.jobs < 1:
        ap.error("--seeds and --jobs must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    ref = resolve(args.reference)
    if ref is None:
        print("differential.py: %s is not installed (scripts/install-deps --reference); "
              "nothing to compare against" % args.reference)
        return 0
    sim = resolve(args.simulator)
    if sim is None:
        print("differential.py: simulator %s not found; build it with "
              "cmake --build build --target vigil-simulate" % args.simulator, file=sys.stderr)
        return 2
    if not os.path.isfile(args.gen):
        print("differential.py: generator %s not found" % args.gen, file=sys.stderr)
        return 2
    args.reference, args.simulator = ref, sim

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [(shape, seed) for shape in args.shapes for seed in seeds]
    print("differential.py: %s vs %s, shapes %s, seeds %d-%d, %d-%d nodes, %d-%d resources"
          % (sim[0], ref[0], ",".join(args.shapes), seeds[0], seeds[-1],
             args.nodes[0], args.nodes[1], args.resources[0], args.resources[1]))
    t0 = time.monotonic()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(one_seed, args, shape, seed): (shape, seed) for shape, seed in jobs}
        try:
            for fut in concurrent.futures.as_completed(futs):
                results[futs[fut]] = fut.result()
        except KeyboardInterrupt:
            for f in futs:
                f.cancel()
            raise
    cases = [c for key in jobs for c in results[key]]
    order = {k: i for i, k in enumerate(KINDS)}
    cases.sort(key=lambda c: (args.shapes.index(c["name"].split("-")[0]),
                              int(c["name"].split("-")[1][1:]), order[c["kind"]]))
    print()
    print_table(cases, sys.stdout)
    for shape in args.shapes:
        cs = [c for c in cases if "skipped" not in c and c["name"].startswith(shape + "-")]
        print("  %-12s %d/%d cases equal" % (shape, sum(passed(c) for c in cs), len(cs)))
    failing = [c for c in cases if "skipped" not in c and not passed(c)]
    skipped = [c for c in cases if "skipped" in c]
    print("\n%d cases, %d equal, %d differ, %d skipped, %.1f s"
          % (len(cases) - len(skipped), len(cases) - len(skipped) - len(failing),
             len(failing), len(skipped), time.monotonic() - t0))
    for c in skipped[:5]:
        print("  skipped %s: %s" % (c["name"], c["skipped"]))
    if failing:
        print("\nFailing cases%s:" % (" (first %d)" % args.show if len(failing) > args.show
                                      else ""))
        for c in failing[:args.show]:
            print("  %-34s %s%s" % (c["name"], " ".join(c["extra"]) + ("; " if c["extra"]
                                                                        else ""),
                                    "; ".join(c["notes"])))
        first = failing[0]
        print("\nFirst differing case: %s (crm_simulate first)" % first["name"])
        print("  replay: SIM -x CIB -S %s" % " ".join(first["extra"]))
        lines = case_diff(first)
        for line in lines[:args.diff_lines]:
            print(line)
        if len(lines) > args.diff_lines:
            print("... %d more lines%s" % (len(lines) - args.diff_lines,
                                           " in " + args.keep if args.keep else ""))
        if args.keep:
            for c in failing:
                keep_case(args.keep, c)
            print("\n%d failing CIBs written to %s (NAME.xml, NAME.args, NAME.diff)"
                  % (len(failing), args.keep))
    return 1 if failing and not args.report_only else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("differential.py: interrupted", file=sys.stderr)
        sys.exit(1)
