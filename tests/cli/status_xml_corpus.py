#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil -f CIB status xml against crm_mon 2.1.5, over the whole corpus.

Runs ../shared/conformance/run-status in one of its modes (xml by default)
with the pass-rate floor that scripts/conformance-thresholds sets in the
given variable (VIGIL_MIN_STATUS_XML by default): below it the test fails,
naming the cases that differ.

  status_xml_corpus.py --vigil VIGIL --conformance DIR [--mode xml]
                       [--floor-var VIGIL_MIN_STATUS_XML] [--thresholds FILE]

Exits 77 (ctest's "skipped") with a message when the corpus is not there.
Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))


def floor_from(path, var):
    pattern = re.compile(r"^\s*%s=([0-9.]+)\s*$" % re.escape(var))
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pattern.match(line)
            if m:
                return float(m.group(1))
    raise SystemExit("%s: no %s= line" % (path, var))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--conformance", required=True, help="the shared conformance directory")
    ap.add_argument("--mode", default="xml")
    ap.add_argument("--floor-var", default="VIGIL_MIN_STATUS_XML")
    ap.add_argument("--thresholds",
                    default=os.path.join(HERE, "..", "..", "scripts", "conformance-thresholds"))
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()

    run_status = os.path.join(a.conformance, "run-status")
    if not os.path.exists(run_status):
        print("skipped: %s not found" % run_status)
        return SKIP
    floor = floor_from(a.thresholds, a.floor_var)
    p = subprocess.run([sys.executable, run_status, "--vigil", a.vigil, "--mode", a.mode,
                        "--jobs", str(a.jobs), "--quiet", "--min-rate", str(floor)],
                       capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        print("run-status --mode %s: below the floor %s%% (%s), or failed"
              % (a.mode, floor, a.floor_var))
        return 1
    print("run-status --mode %s: at or above the floor %s%%" % (a.mode, floor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
