#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/conformance-floor on small reports: rates per column, the floors'
verdicts, --features selecting cases as run-conformance's --features does
(every feature of the case in the list), and usage errors."""
import os
import subprocess
import sys
import tempfile

FLOOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                     "conformance-floor")

# name, features, summary, scores
CASES = [
    ("a", "core", "pass", "pass"),
    ("b", "rules", "fail", "pass"),
    ("c", "core,rules", "pass", "fail"),
    ("d", "clone,rules", "fail", "fail"),
]


def run(*args):
    p = subprocess.run([sys.executable, FLOOR] + list(args), capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout + p.stderr


def expect(cond, what, out):
    if not cond:
        print("FAIL: %s\n%s" % (what, out))
        sys.exit(1)


def main():
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "report.tsv")
        with open(report, "w") as f:
            f.write("name\tgroup\tfeatures\tsummary\tscores\n")
            for name, features, summary, scores in CASES:
                f.write("\t".join([name, "g", features, summary, scores]) + "\n")

        def counted(selected, column):
            i = {"summary": 2, "scores": 3}[column]
            rows = [c for c in CASES if selected(set(c[1].split(",")))]
            return sum(1 for c in rows if c[i] == "pass"), len(rows)

        every = lambda fs: True  # noqa: E731
        passed, total = counted(every, "summary")
        rc, out = run(report, "summary", "100")
        expect(rc == 1 and "summary %d/%d" % (passed, total) in out and "BELOW" in out,
               "all cases, summary below 100%", out)
        rc, out = run(report, "summary", str(100.0 * passed / total))
        expect(rc == 0 and "ok" in out, "all cases, summary at its own rate", out)

        allowed = {"core", "rules"}
        within = lambda fs: fs <= allowed  # noqa: E731
        for column in ("summary", "scores"):
            passed, total = counted(within, column)
            rc, out = run("--features", "core,rules", report, column, "0")
            expect(rc == 0 and "%s %d/%d" % (column, passed, total) in out
                   and "features core,rules" in out,
                   "--features core,rules: %s over the cases without clone" % column, out)
        passed, total = counted(lambda fs: fs <= {"core"}, "summary")
        rc, out = run("--features", "core", report, "summary", "100", "scores", "100")
        expect(rc == 0 and "summary %d/%d" % (passed, total) in out, "--features core", out)

        rc, out = run("--features", "bundle", report, "summary", "100")
        expect(rc == 2 and "no case" in out, "--features selecting nothing is a usage error", out)
        rc, out = run(report, "graph", "100")
        expect(rc == 2 and "no column" in out, "a column the report lacks", out)
        rc, out = run(report, "summary", "lots")
        expect(rc == 2 and "not a number" in out, "a floor that is not a number", out)
        rc, out = run(report)
        expect(rc == 2, "no column named", out)
    print("ok: conformance-floor")


if __name__ == "__main__":
    main()
