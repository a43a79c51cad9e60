# SPDX-License-Identifier: GPL-2.0-or-later
"""The process checks every cluster daemon passes without a cluster: --help,
--version, usage errors (exit 2) and, when Corosync is not running, exit 69
with the reason logged and no socket left behind."""
import os
import subprocess
import tempfile


class Checks:
    """Collects failed checks; report() prints them and gives the exit code."""

    def __init__(self, binary):
        self.binary = binary
        self.failures = []

    def run(self, *args, env=None, timeout=20):
        return subprocess.run([self.binary, *args], capture_output=True, text=True,
                              timeout=timeout, env=env)

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)

    def command_line(self, help_word, version_word, bad_values):
        """--help names help_word, --version version_word; each (arguments,
        word) of bad_values is a usage error whose message holds word."""
        r = self.run("--help")
        self.check(r.returncode == 0 and help_word in r.stdout, "--help: exit 0 and usage")
        r = self.run("--version")
        self.check(r.returncode == 0 and version_word in r.stdout, "--version")
        r = self.run("--no-such-option")
        self.check(r.returncode == 2 and "unknown option" in r.stderr, "unknown option: exit 2")
        for args, word in [(["positional"], "")] + bad_values:
            r = self.run(*args)
            self.check(r.returncode == 2 and word in r.stderr,
                       "%s: exit 2 and '%s' said (got %d)" % (" ".join(args), word, r.returncode))

    def without_corosync(self, *args, socket_name=None):
        """Where Corosync is not running: exit 69, the reason logged, and
        (with socket_name) no socket left in the run directory."""
        if os.path.exists("/run/corosync") or os.path.exists("/var/run/corosync.pid"):
            return
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, VIGIL_RUN_DIR=tmp + "/run", VIGIL_STATE_DIR=tmp + "/state")
            r = self.run(*args, env=env)
            self.check(r.returncode == 69, "without Corosync: exit 69 (got %d)" % r.returncode)
            self.check("startup-failed" in r.stderr, "without Corosync: the reason is logged")
            if socket_name:
                self.check(not os.path.exists(os.path.join(tmp, "run", socket_name)),
                           "without Corosync: no socket left behind")

    def report(self, name):
        for f in self.failures:
            print("FAIL:", f)
        print("%s process tests: %d failure(s)" % (name, len(self.failures)))
        return 1 if self.failures else 0
