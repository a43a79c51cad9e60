#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The CIB's ACLs in vigil-cib, with real Unix users.

  test_vigil_acl.py --vigil build/cli/vigil --cib build/daemons/vigil-cib

Starts `vigil-cib --standalone` in a temporary run and state directory,
creates scratch users (names unique to this run, in group haclient, removed
at the end) and a scratch group, writes ACLs into the CIB as root, enables
them, and runs `vigil` (no -f) as each user through runuser:
  - a user with read on /cib: `vigil status` works, `vigil resource create`
    and `vigil property set` are refused with "Permission denied" and
    change nothing;
  - a user in an <acl_group> with write on //resources: may create a
    resource, may not set a cluster property;
  - a haclient member the ACLs do not name: may not even read;
  - with enable-acl false again, ACLs no longer apply.
Needs root (useradd, runuser): exits 77 (skipped) otherwise. The daemon is
stopped by pid at the end.
"""

import argparse
import grp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "daemons", "vigil-cib"))
from test_vigil_cib import RESPONSE, Conn, Daemon, request  # noqa: E402

TIMEOUT = 60
SKIP = 77
failures = []


def check(cond, what, detail=""):
    print(("ok: " if cond else "FAIL: ") + what + ("" if cond else " -- " + detail), flush=True)
    if not cond:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kw)


def acls(reader, group):
    return (
        '<acls>'
        '<acl_target id="%s"><role id="vacl-readers"/></acl_target>'
        '<acl_group id="%s"><role id="vacl-rsc-writers"/></acl_group>'
        '<acl_role id="vacl-readers">'
        '<acl_permission id="vacl-read" kind="read" xpath="/cib"/></acl_role>'
        '<acl_role id="vacl-rsc-writers">'
        '<acl_permission id="vacl-rsc-read" kind="read" xpath="/cib"/>'
        '<acl_permission id="vacl-rsc-write" kind="write" xpath="//resources"/></acl_role>'
        '</acls>' % (reader, group))


class Scenario:
    def __init__(self, vigil, cib):
        self.work = tempfile.mkdtemp(prefix="test_vigil_acl.")
        os.chmod(self.work, 0o755)  # the scratch users reach the socket and tools through it
        self.vigil_bin = os.path.join(self.work, "vigil")
        shutil.copy2(vigil, self.vigil_bin)
        os.chmod(self.vigil_bin, 0o755)
        conf = os.path.join(self.work, "corosync.conf")
        with open(conf, "w") as f:
            f.write("totem {\n    version: 2\n    cluster_name: aclcluster\n}\n"
                    "nodelist {\n    node {\n        name: node1\n        nodeid: 1\n    }\n}\n")
        os.chmod(conf, 0o644)
        self.daemon = Daemon(cib, self.work)
        self.env = dict(os.environ, COROSYNC_MAIN_CONFIG_FILE=conf)
        suffix = secrets.token_hex(3)
        self.reader = "vacl-r-" + suffix
        self.writer = "vacl-w-" + suffix
        self.stranger = "vacl-n-" + suffix
        self.group = "vacl-g-" + suffix
        self.users = []
        self.groups = []

    def setup(self):
        r = run(["groupadd", self.group])
        if r.returncode != 0:
            raise RuntimeError("groupadd %s: %s" % (self.group, r.stderr))
        self.groups.append(self.group)
        for user, extra in ((self.reader, []), (self.writer, ["-G", self.group]),
                            (self.stranger, [])):
            r = run(["useradd", "--no-create-home", "--no-user-group", "--gid", "haclient",
                     "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin"] + extra +
                    [user])
            if r.returncode != 0:
                raise RuntimeError("useradd %s: %s" % (user, r.stderr))
            self.users.append(user)
        os.makedirs(self.daemon.run_dir, exist_ok=True)
        self.daemon.start()
        os.chmod(self.daemon.run_dir, 0o755)
        self.env["VIGIL_RUN_DIR"] = self.daemon.run_dir

    def cleanup(self):
        if self.daemon.proc is not None and self.daemon.proc.poll() is None:
            self.daemon.stop()
        for user in self.users:
            r = run(["userdel", user])
            if r.returncode != 0:
                print("warning: userdel %s: %s" % (user, r.stderr.strip()), flush=True)
        for group in self.groups:
            run(["groupdel", group])
        if failures and os.path.exists(self.daemon.log_path):
            print(self.daemon.log_text()[-3000:])
        shutil.rmtree(self.work, ignore_errors=True)

    def vigil(self, user, args):
        cmd = [self.vigil_bin] + args
        if user != "root":
            cmd = ["runuser", "-u", user, "--"] + cmd
        return run(cmd, env=self.env, cwd=self.work)

    def cib(self):
        c = Conn(self.daemon.sock)
        kind, body = c.call(request("query"))
        c.close()
        if kind != RESPONSE:
            raise RuntimeError("root cannot query the CIB: " + body)
        return ET.fromstring(body).find("cib")

    def root_update(self, payload):
        c = Conn(self.daemon.sock)
        kind, body = c.call(payload)
        c.close()
        if kind != RESPONSE:
            raise RuntimeError("root's update refused: " + body)

    def resource_ids(self):
        return {p.get("id") for p in self.cib().iter("primitive")}

    def epoch(self):
        return self.cib().get("epoch")


def refused(r):
    return r.returncode != 0 and "Permission denied" in (r.stdout + r.stderr)


def scenario(s):
    r = s.vigil("root", ["resource", "create", "d1", "ocf:pacemaker:Dummy"])
    check(r.returncode == 0, "root creates d1", r.stderr)
    s.root_update(request("create", "configuration", acls(s.reader, s.group)))
    r = s.vigil("root", ["property", "set", "enable-acl=true"])
    check(r.returncode == 0, "root enables the ACLs", r.stderr)

    # read-only user
    r = s.vigil(s.reader, ["status"])
    check(r.returncode == 0 and "d1" in r.stdout, "reader: vigil status works", r.stderr)
    r = s.vigil(s.reader, ["resource", "config", "d1"])
    check(r.returncode == 0, "reader: vigil resource config works", r.stderr)
    before = s.epoch()
    r = s.vigil(s.reader, ["resource", "create", "d2", "ocf:pacemaker:Dummy"])
    check(refused(r), "reader: resource create refused with Permission denied",
          "rc %d: %s%s" % (r.returncode, r.stdout, r.stderr))
    print("  vigil said: " + " / ".join(r.stderr.strip().splitlines()), flush=True)
    r = s.vigil(s.reader, ["property", "set", "stonith-enabled=false"])
    check(refused(r), "reader: property set refused with Permission denied",
          "rc %d: %s%s" % (r.returncode, r.stdout, r.stderr))
    check(s.epoch() == before and "d2" not in s.resource_ids(), "reader: nothing changed")

    # a member of the ACL group: write on //resources only
    r = s.vigil(s.writer, ["resource", "create", "d2", "ocf:pacemaker:Dummy"])
    check(r.returncode == 0 and "d2" in s.resource_ids(), "group member: resource create works",
          r.stderr)
    before = s.epoch()
    r = s.vigil(s.writer, ["property", "set", "stonith-enabled=false"])
    check(refused(r), "group member: property set refused with Permission denied",
          "rc %d: %s%s" % (r.returncode, r.stdout, r.stderr))
    check(s.epoch() == before, "group member: nothing changed")

    # in haclient, named by no ACL: nothing readable
    r = s.vigil(s.stranger, ["status"])
    check(refused(r), "stranger: vigil status refused with Permission denied",
          "rc %d: %s%s" % (r.returncode, r.stdout, r.stderr))
    r = s.vigil(s.stranger, ["resource", "create", "d3", "ocf:pacemaker:Dummy"])
    check(refused(r) and "d3" not in s.resource_ids(), "stranger: resource create refused",
          "rc %d: %s%s" % (r.returncode, r.stdout, r.stderr))

    # ACLs off again: haclient members may do anything, as before
    r = s.vigil("root", ["property", "set", "enable-acl=false"])
    check(r.returncode == 0, "root disables the ACLs", r.stderr)
    r = s.vigil(s.stranger, ["resource", "create", "d3", "ocf:pacemaker:Dummy"])
    check(r.returncode == 0 and "d3" in s.resource_ids(), "stranger: allowed once ACLs are off",
          r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--cib", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("skipped: needs root (scratch users, runuser)")
        return SKIP
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "runuser"):
        if shutil.which(tool) is None:
            print("skipped: %s not found" % tool)
            return SKIP
    try:
        grp.getgrnam("haclient")
    except KeyError:
        print("skipped: no group haclient on this machine (vigil-cib admits root and haclient)")
        return SKIP
    s = Scenario(os.path.abspath(args.vigil), os.path.abspath(args.cib))
    try:
        s.setup()
        scenario(s)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        check(False, "scenario ran to the end", str(e))
    finally:
        s.cleanup()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
