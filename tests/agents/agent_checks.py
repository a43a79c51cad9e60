# SPDX-License-Identifier: GPL-2.0-or-later
"""What the tests of Vigil's OCF agents share: the checks they count and the
command line they take."""
import argparse
import os

HERE = os.path.dirname(os.path.abspath(__file__))


class Checks:
    """Each check prints one line (ok or FAIL) and counts its failures."""

    def __init__(self):
        self.failures = []

    def check(self, what, cond, detail=""):
        print(f"{'ok  ' if cond else 'FAIL'} {what}" + (f": {detail}" if detail else ""))
        if not cond:
            self.failures.append(what)
        return cond

    def expect(self, what, got_rc, rc, stderr="", contains=None):
        """An agent's exit code, and a part of its stderr where CONTAINS."""
        ok = got_rc == rc and (contains is None or contains in stderr)
        return self.check(f"{what}: rc={got_rc} (want {rc})"
                          + (f" reason~'{contains}'" if contains else ""), ok,
                          "" if ok else stderr.strip().replace("\n", "\n     "))

    def report(self):
        """The test's exit code, after its last line."""
        if self.failures:
            print(f"{len(self.failures)} FAILED: " + "; ".join(self.failures))
            return 1
        print("all passed")
        return 0


def arg_parser():
    """--agents (the folder of Vigil's agents) and --dtd (OCF 1.1's)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", default=os.path.join(HERE, "../../agents/ocf/vigil"))
    ap.add_argument("--dtd", default=os.path.join(HERE, "ra-api-1.1.dtd"))
    return ap
