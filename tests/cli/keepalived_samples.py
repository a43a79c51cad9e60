#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`vigil import keepalived --dry-run` on every keepalived.conf sample, as a table.

  keepalived_samples.py --vigil build/cli/vigil [--samples DIR] [--node NAME]

For each keepalived.conf.* in DIR (Debian's keepalived package puts them in
/usr/share/doc/keepalived/samples): the directives read, mapped (of which
approximately) and not mapped, as the import counts them, and the resources
and constraints it would create; or its error. Markdown on stdout; exit 1
when a sample fails without a clear error (a message naming file:line), 77
when DIR does not exist. The CIB is a scratch file that is never written
(--dry-run); samples are read with config id NODE (default "high", for the
conditional_conf sample's @high lines).
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

COUNTS = re.compile(r"^Directives: (\d+) read, (\d+) mapped \((\d+) approximately\), (\d+) not mapped$",
                    re.M)
CLEAR_ERROR = re.compile(r"^Error: \S+:\d+: ", re.M)


def run_sample(vigil, cib, node, path, timeout=30):
    proc = subprocess.run([vigil, "-f", cib, "import", "keepalived", "--dry-run", f"{node}={path}"],
                          capture_output=True, text=True, timeout=timeout)
    row = {"sample": os.path.basename(path), "rc": proc.returncode, "stderr": proc.stderr}
    m = COUNTS.search(proc.stdout)
    if proc.returncode == 0 and m:
        row.update(read=int(m[1]), mapped=int(m[2]), approx=int(m[3]), unmapped=int(m[4]))
        row["resources"] = len(re.findall(r"^vigil resource create ", proc.stdout, re.M))
        row["constraints"] = len(re.findall(r"^vigil constraint ", proc.stdout, re.M))
        row["ok"] = True
    else:
        row["ok"] = bool(CLEAR_ERROR.search(proc.stderr)) and proc.returncode == 1
        row["error"] = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--samples", default="/usr/share/doc/keepalived/samples")
    ap.add_argument("--node", default="high")
    args = ap.parse_args()
    if not os.path.isdir(args.samples):
        print(f"{args.samples}: no such directory (keepalived not installed): skipped")
        return 77
    files = sorted(glob.glob(os.path.join(args.samples, "keepalived.conf.*")))
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        cib = os.path.join(tmp, "cib.xml")
        print("| sample | directives | mapped | of which approximately | not mapped | resources "
              "| constraints |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        totals = [0, 0, 0, 0, 0, 0]
        for path in files:
            row = run_sample(args.vigil, cib, args.node, path)
            if os.path.exists(cib):
                print(f"{cib} was written by a dry run", file=sys.stderr)
                return 1
            if "read" in row:
                vals = [row["read"], row["mapped"], row["approx"], row["unmapped"], row["resources"],
                        row["constraints"]]
                totals = [a + b for a, b in zip(totals, vals)]
                print(f"| {row['sample']} | " + " | ".join(str(v) for v in vals) + " |")
            else:
                print(f"| {row['sample']} | error: {row['error']} | | | | | |")
            if not row["ok"]:
                bad += 1
                print(f"{row['sample']}: no clear error (rc {row['rc']}): {row['stderr']}",
                      file=sys.stderr)
        print(f"| **{len(files)} samples** | " + " | ".join(str(v) for v in totals) + " |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
