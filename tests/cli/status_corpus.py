#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil -f CIB status [--full] against crm_mon 2.1.5 over the whole corpus.

Runs ../shared/conformance/run-status in text and full modes (crm_mon
--one-shot --inactive, and with --show-detail --show-node-attributes
--failcounts) and fails when a mode's pass rate falls below its floor,
VIGIL_MIN_STATUS_TEXT and VIGIL_MIN_STATUS_FULL in
scripts/conformance-thresholds.

  status_corpus.py --vigil VIGIL --conformance DIR --thresholds FILE [--jobs N]

Exits 77 (ctest's "skipped") when the corpus is not there. Python 3 standard
library only.
"""

import argparse
import os
import re
import subprocess
import sys

SKIP = 77
MODES = {"text": "VIGIL_MIN_STATUS_TEXT", "full": "VIGIL_MIN_STATUS_FULL"}


def floors(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*(VIGIL_MIN_\w+)=(\d+(?:\.\d+)?)\s*$", line)
            if m:
                values[m.group(1)] = float(m.group(2))
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--conformance", required=True, help="the shared conformance directory")
    ap.add_argument("--thresholds", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    run_status = os.path.join(a.conformance, "run-status")
    if not os.path.isfile(run_status):
        print("skipped: %s not found" % run_status)
        return SKIP
    known = floors(a.thresholds)
    failed = False
    for mode, key in MODES.items():
        if key not in known:
            print("%s is not set in %s" % (key, a.thresholds))
            return 1
        p = subprocess.run([sys.executable, run_status, "--vigil", a.vigil, "--mode", mode,
                            "--jobs", str(a.jobs), "--min-rate", str(known[key])],
                           capture_output=True, text=True)
        # run-status's own "N passed, M failed" would read as this test's verdict.
        out = re.sub(r"^(\d+) passed, (\d+) failed$", r"status \1 as crm_mon, \2 differ",
                     p.stdout.strip(), flags=re.M)
        print("== %s (floor %g%%)\n%s" % (mode, known[key], out))
        if p.returncode != 0:
            print("%s: below the floor (exit %d) %s" % (mode, p.returncode, p.stderr.strip()))
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
