#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Vigil's own scheduler scenarios, checked against what crm_simulate printed.

Each case in this folder is three or four files:

  NAME.xml      input CIB (configuration + a status section written by crm_simulate)
  NAME.summary  expected `crm_simulate -x NAME.xml -S` output (stdout and stderr),
                edited with cts-scheduler's sed
  NAME.scores   expected `crm_simulate -x NAME.xml -sSQ` stdout, lines sorted
  NAME.args     optional: extra arguments for both runs (e.g. `-t DATE`),
                shell-quoted on one line; lines starting with '#' are comments

Both runs happen as in ../../shared/conformance (cts-scheduler): in a fresh
temporary directory that is also CIB_shadow_dir, with LC_ALL=C. A case passes
when the summary matches ignoring whitespace and blank lines (`diff -w -B`),
the sorted score lines match the same way, and both runs exit 0.

Cases listed in KNOWN_FAILURES (one name per line, '#' starts a comment) are
expected to fail: they are reported as XFAIL and do not fail the run. A listed
case that passes is reported as XPASS and does fail the run, so that the list
stays honest: remove it from KNOWN_FAILURES.

The expected files come from Pacemaker's crm_simulate, never from Vigil:

  run_scenarios.py --regenerate --reference /usr/sbin/crm_simulate [--only REGEX]

rewrites NAME.summary and NAME.scores; review the diff before committing it.

Exit status: 0 all passed (or expected failures), 1 a case failed, 2 usage error.
Python 3 standard library only.
"""

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# cts-scheduler 2.1.5's sed on the -S output: (pattern, replacement, count per line; 0 = all).
SED_RULES = (
    (re.compile(r"ocf::"), "ocf:", 0),
    (re.compile(r"Masters:"), "Promoted:", 1),
    (re.compile(r"Slaves:"), "Unpromoted:", 1),
    (re.compile(r" Master( |\[|$)"), r" Promoted\1", 1),
    (re.compile(r" Slave "), " Unpromoted ", 1),
)
WS = re.compile(r"\s+")


class UsageError(Exception):
    pass


def sed_summary(text):
    out = []
    for line in text.splitlines(keepends=True):
        body, nl = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        for rx, repl, count in SED_RULES:
            body = rx.sub(repl, body, count=count)
        out.append(body + nl)
    return "".join(out)


def sorted_lines(text):
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(sorted(lines))


def squeezed(text):
    """The lines `diff --ignore-all-space --ignore-blank-lines` compares."""
    return [s for s in (WS.sub("", line) for line in text.splitlines()) if s]


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def read_known_failures(path):
    """{name: reason}: one name a line, then optionally '#' and the reason."""
    known = {}
    for line in (read_text(path) or "").splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            known[name.strip()] = reason.strip()
    return known


def case_args(cases_dir, name):
    text = read_text(os.path.join(cases_dir, name + ".args")) or ""
    args = []
    for line in text.splitlines():
        if not line.strip().startswith("#"):
            args += shlex.split(line)
    return args


def run(cmd, cwd, env, timeout, merge_stderr):
    """Returns (exit code, stdout, stderr, note); the code is negative for a signal."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "", "timed out after %g s" % timeout
    except OSError as e:
        return None, "", "", "could not run: %s" % e
    dec = lambda b: (b or b"").decode("utf-8", "replace")
    return p.returncode, dec(p.stdout), dec(p.stderr), ""


def simulate(sim, cases_dir, name, timeout):
    """Both runs of a case; returns {'summary', 'scores', 'problems'}."""
    xml = os.path.join(cases_dir, name + ".xml")
    extra = case_args(cases_dir, name)
    tmp = tempfile.mkdtemp(prefix="vigil-scenario-")
    try:
        env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=tmp)
        problems = []
        rc1, out1, _, note1 = run(sim + ["-x", xml, "-S"] + extra, tmp, env, timeout, True)
        rc2, out2, err2, note2 = run(sim + ["-x", xml, "-sSQ"] + extra, tmp, env, timeout, False)
        for what, rc, note in (("-S", rc1, note1), ("-sSQ", rc2, note2)):
            if note:
                problems.append("%s run %s" % (what, note))
            elif rc < 0:
                problems.append("%s run killed by signal %d" % (what, -rc))
            elif rc != 0:
                problems.append("%s run exited %d" % (what, rc))
        if err2.strip():
            problems.append("-sSQ stderr: " + err2.strip().splitlines()[0])
        return {"summary": sed_summary(out1), "scores": sorted_lines(out2), "problems": problems}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def diff(expected, actual, exp_name):
    """Unified diff of the non-blank lines (blank lines do not count)."""
    keep = lambda text: [line.rstrip() + "\n" for line in text.splitlines() if line.strip()]
    return "".join(difflib.unified_diff(keep(expected), keep(actual),
                                        fromfile=exp_name, tofile="actual", n=2))


def check_case(sim, cases_dir, name, timeout):
    """Returns a list of failure descriptions (empty when the case passes)."""
    got = simulate(sim, cases_dir, name, timeout)
    failures = list(got["problems"])
    for kind in ("summary", "scores"):
        path = os.path.join(cases_dir, "%s.%s" % (name, kind))
        expected = read_text(path)
        if expected is None:
            failures.append("missing %s (run --regenerate with crm_simulate)" % os.path.basename(path))
        elif squeezed(expected) != squeezed(got[kind]):
            failures.append("%s differs:\n%s" % (kind, diff(expected, got[kind], os.path.basename(path))))
    return failures


def regenerate(reference, cases_dir, names, timeout):
    rc, out, err, note = run(reference + ["--version"], None, None, timeout, True)
    if note or rc != 0 or not re.match(r"Pacemaker \d", out):
        raise UsageError("%s does not report itself as Pacemaker's crm_simulate; expected "
                         "outputs must come from the reference, never from Vigil" % reference[0])
    for name in names:
        got = simulate(reference, cases_dir, name, timeout)
        if got["problems"]:
            raise UsageError("%s: the reference failed: %s" % (name, "; ".join(got["problems"])))
        for kind in ("summary", "scores"):
            with open(os.path.join(cases_dir, "%s.%s" % (name, kind)), "w", encoding="utf-8") as f:
                f.write(got[kind])
        print("wrote %s.summary, %s.scores" % (name, name))
    return 0


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--simulator", help="vigil-simulate to test (a path, or a command line)")
    ap.add_argument("--cases", default=HERE, help="folder of the cases (default: this script's)")
    ap.add_argument("--only", metavar="REGEX", help="run the cases whose name matches REGEX")
    ap.add_argument("--timeout", type=float, default=20, help="seconds per run (default 20)")
    ap.add_argument("--regenerate", action="store_true",
                    help="rewrite the expected files with --reference instead of testing")
    ap.add_argument("--reference", default="crm_simulate",
                    help="Pacemaker's crm_simulate, for --regenerate")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case")
    args = ap.parse_args(argv)
    if not args.regenerate and not args.simulator:
        ap.error("--simulator is required")
    return args


def command(spec):
    cmd = shlex.split(spec)
    exe = cmd[0] if os.sep in cmd[0] else shutil.which(cmd[0])
    if not exe or not os.access(exe, os.X_OK):
        raise UsageError("simulator not found: %s" % cmd[0])
    return [os.path.abspath(exe)] + cmd[1:]


def main(argv):
    args = parse_args(argv)
    cases_dir = os.path.abspath(args.cases)
    names = sorted(f[:-4] for f in os.listdir(cases_dir) if f.endswith(".xml"))
    if args.only:
        names = [n for n in names if re.search(args.only, n)]
    if not names:
        raise UsageError("no case selected in %s" % cases_dir)
    if args.regenerate:
        return regenerate(command(args.reference), cases_dir, names, args.timeout)

    sim = command(args.simulator)
    known = read_known_failures(os.path.join(cases_dir, "KNOWN_FAILURES"))
    all_names = set(f[:-4] for f in os.listdir(cases_dir) if f.endswith(".xml"))
    unknown = sorted(set(known) - all_names)
    if unknown:
        raise UsageError("KNOWN_FAILURES names cases that do not exist: " + ", ".join(unknown))

    counts = {"PASS": 0, "XFAIL": 0, "FAIL": 0, "XPASS": 0}
    for name in names:
        failures = check_case(sim, cases_dir, name, args.timeout)
        expected_fail = name in known
        if failures:
            verdict = "XFAIL" if expected_fail else "FAIL"
        else:
            verdict = "XPASS" if expected_fail else "PASS"
        counts[verdict] += 1
        if verdict == "FAIL":
            print("FAIL   %s" % name)
            for f in failures:
                print("  " + f.rstrip("\n").replace("\n", "\n  "))
        elif verdict == "XPASS":
            print("XPASS  %s: passes now; remove it from KNOWN_FAILURES" % name)
        elif verdict == "XFAIL":
            print("XFAIL  %s (expected failure%s)" % (name, ": " + known[name] if known[name] else ""))
            if args.verbose:
                for f in failures:
                    print("  " + f.rstrip("\n").replace("\n", "\n  "))
        elif args.verbose:
            print("PASS   %s" % name)
    print("scenarios: %d passed, %d expected failures, %d failed, %d unexpectedly passed"
          % (counts["PASS"], counts["XFAIL"], counts["FAIL"], counts["XPASS"]))
    return 1 if counts["FAIL"] or counts["XPASS"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print("run_scenarios.py: %s" % e, file=sys.stderr)
        sys.exit(2)
