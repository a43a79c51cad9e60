#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-stonithd as a process, where no cluster is needed: --help, --version,
usage errors (exit 2) and, without Corosync, exit 69 with a clear reason.
The daemon's logic is tested in lib/fencerd (three services over a simulated
Corosync); the daemon with real Corosync in tests/cluster."""
import argparse
import os
import subprocess
import sys
import tempfile


def run(binary, *args, env=None, timeout=20):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    r = run(a.binary, "--help")
    check(r.returncode == 0 and "stonithd.sock" in r.stdout, "--help: exit 0 and usage")
    r = run(a.binary, "--version")
    check(r.returncode == 0 and "pacemaker-fenced 2.1.5" in r.stdout, "--version")
    r = run(a.binary, "--no-such-option")
    check(r.returncode == 2 and "unknown option" in r.stderr, "unknown option: exit 2")
    r = run(a.binary, "positional")
    check(r.returncode == 2, "positional argument: exit 2")
    r = run(a.binary, "--agent-dir")
    check(r.returncode == 2, "--agent-dir without a value: exit 2")

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, VIGIL_RUN_DIR=tmp + "/run", VIGIL_STATE_DIR=tmp + "/state")
        corosync_up = os.path.exists("/run/corosync") or os.path.exists("/var/run/corosync.pid")
        if not corosync_up:
            r = run(a.binary, env=env)
            check(r.returncode == 69, "without Corosync: exit 69 (got %d)" % r.returncode)
            check("startup-failed" in r.stderr, "without Corosync: the reason is logged")
            check(not os.path.exists(tmp + "/run/stonithd.sock"),
                  "without Corosync: no socket left behind")

    for f in failures:
        print("FAIL:", f)
    print("vigil-stonithd process tests: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
