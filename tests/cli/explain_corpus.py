#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-simulate --explain against the score lines, over the whole corpus.

For every case of the conformance corpus that the simulator schedules, and
for every resource with allocation score lines (-s), the explanation's
contributions on each node are replayed with Pacemaker's saturating score
arithmetic, and the result must equal the resource's final allocation score
line on that node (and the score the explanation itself prints). Changes
listed after "then, as a node is chosen:" come after the score lines: the
score line must equal the replay without them, the printed score the replay
with them. Nodes the
explanation calls "not allowed" must have no score line, and the other way
round. A case the simulator refuses (features it does not implement) is
counted and skipped; a crash is a failure.

  explain_corpus.py --simulator SIM [--cases DIR] [--jobs N]

Exits 77 (ctest's "skipped") with a message when the corpus is not there.
Python 3 standard library only.
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys
import tempfile

INFINITY = 1000000
SKIP = 77
SCORE_LINE = re.compile(r"^(\S+): (\S+) allocation score on (\S+): (\S+)$")
PLACEMENT = re.compile(r"^Placement of (\S+) \(")
NODE_LINE = re.compile(r"^  (\S+): (not allowed|\S+)( \(.*\))?$")
CHANGE_LINE = re.compile(r"^    (\S+)\s+(\S+)\s+(.*)$")
CHOOSING_LINE = "    then, as a node is chosen:"


def parse_score(text):
    text = text.lstrip("+")
    if text == "INFINITY":
        return INFINITY
    if text == "-INFINITY":
        return -INFINITY
    return max(-INFINITY, min(INFINITY, int(text)))


def add_scores(a, b):
    """Pacemaker's pcmk__add_scores: -INFINITY wins, then +INFINITY, else clamp."""
    if a == -INFINITY or b == -INFINITY:
        return -INFINITY
    if a == INFINITY or b == INFINITY:
        return INFINITY
    return max(-INFINITY, min(INFINITY, a + b))


def replay(changes):
    score = 0
    for delta in changes:
        if delta.startswith("="):
            score = parse_score(delta[1:])
        else:
            score = add_scores(score, parse_score(delta))
    return score


def final_scores(text):
    """{rsc: {node: score}} from the last score line of each resource and node."""
    final = {}
    for line in text.splitlines():
        m = SCORE_LINE.match(line)
        if m:
            final.setdefault(m.group(2), {})[m.group(3)] = parse_score(m.group(4))
    return final


def parse_explanations(text):
    """{rsc: {node: (printed score or None when not allowed, [deltas], [later deltas])}}"""
    out, rsc, node, later = {}, None, None, False
    for line in text.splitlines():
        m = PLACEMENT.match(line)
        if m:
            rsc, node = m.group(1), None
            out[rsc] = {}
            continue
        if rsc is None:
            continue
        m = NODE_LINE.match(line)
        if m:
            node = m.group(1)
            printed = None if m.group(2) == "not allowed" else parse_score(m.group(2))
            out[rsc][node] = (printed, [], [])
            later = False
            continue
        if line == CHOOSING_LINE and node is not None:
            later = True
            continue
        m = CHANGE_LINE.match(line)
        if m and node is not None:
            out[rsc][node][2 if later else 1].append(m.group(1))
    return out


def run(cmd, cwd):
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=cwd)
    return subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)


def check_case(sim, cases, name, args):
    """Returns (status, resources checked, problems)."""
    xml = os.path.join(cases, "xml", name + ".xml")
    with tempfile.TemporaryDirectory(prefix="vigil-explain-") as tmp:
        scores = run([sim, "-x", xml, "-s", "-Q"] + args, tmp)
        if scores.returncode < 0:
            return "crash", 0, ["%s: -s died of signal %d" % (name, -scores.returncode)]
        if scores.returncode != 0:
            return "refused", 0, []
        final = final_scores(scores.stdout.decode("utf-8", "replace"))
        if not final:
            return "checked", 0, []
        explain = run([sim, "-x", xml, "-Q"] + args +
                      ["--explain=" + r for r in sorted(final)], tmp)
        if explain.returncode != 0:
            return "crash", 0, ["%s: --explain exited %d: %s" % (
                name, explain.returncode, explain.stderr.decode("utf-8", "replace")[:300])]
        explained = parse_explanations(explain.stdout.decode("utf-8", "replace"))
    problems = []
    for rsc, lines in sorted(final.items()):
        nodes = explained.get(rsc)
        if nodes is None:
            problems.append("%s: %s: no explanation" % (name, rsc))
            continue
        for node in sorted(set(lines) | set(nodes)):
            printed, changes, later = nodes.get(node, (None, [], []))
            if node not in lines:
                if printed is not None:
                    problems.append("%s: %s on %s: explained as allowed (%d) but has no score "
                                    "line" % (name, rsc, node, printed))
                continue
            if printed is None:
                problems.append("%s: %s on %s: score line %d but explained as not allowed"
                                % (name, rsc, node, lines[node]))
                continue
            got = replay(changes)
            if got != lines[node] or printed != replay(changes + later) or not changes:
                problems.append("%s: %s on %s: score line %d, explanation prints %d, its %d "
                                "contributions replay to %d (%s)"
                                % (name, rsc, node, lines[node], printed, len(changes), got,
                                   " ".join(changes)))
    return "checked", len(final), problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_cases = os.path.join(here, "..", "..", "..", "shared", "conformance", "cases")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--simulator", required=True)
    ap.add_argument("--cases", default=default_cases)
    ap.add_argument("--jobs", type=int, default=2)
    opts = ap.parse_args()
    index = os.path.join(opts.cases, "index.tsv")
    if not os.path.isfile(index):
        print("explain_corpus: skipped: no corpus at %s (the conformance cases live in "
              "../shared/conformance beside the repository)" % os.path.abspath(opts.cases))
        return SKIP
    sim = os.path.abspath(opts.simulator)
    cases = []
    with open(index, encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) >= 4:
                cases.append((cols[0], shlex.split(cols[3])))
    counts = {"checked": 0, "refused": 0, "crash": 0}
    resources, problems = 0, []
    with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        futures = [pool.submit(check_case, sim, opts.cases, n, a) for n, a in cases]
        for fut in futures:
            status, n, probs = fut.result()
            counts[status] += 1
            resources += n
            problems += probs
    for p in problems[:40]:
        print("MISMATCH " + p)
    if len(problems) > 40:
        print("... and %d more" % (len(problems) - 40))
    print("explain_corpus: %d cases checked (%d resources), %d refused by the simulator, "
          "%d crashed; %d mismatches" % (counts["checked"], resources, counts["refused"],
                                         counts["crash"], len(problems)))
    if counts["checked"] == 0 or resources == 0:
        print("explain_corpus: nothing was checked: is --simulator right?")
        return 1
    return 1 if problems or counts["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
