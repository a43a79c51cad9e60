#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-stonithd as a process, where no cluster is needed: --help, --version,
usage errors (exit 2) and, without Corosync, exit 69 with a clear reason.
The daemon's logic is tested in lib/fencerd (three services over a simulated
Corosync); the daemon with real Corosync in tests/cluster."""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from daemon_cli import Checks  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    checks = Checks(ap.parse_args().binary)
    checks.command_line("stonithd.sock", "pacemaker-fenced 2.1.5", [(["--agent-dir"], "--agent-dir")])
    checks.without_corosync(socket_name="stonithd.sock")
    return checks.report("vigil-stonithd")


if __name__ == "__main__":
    sys.exit(main())
