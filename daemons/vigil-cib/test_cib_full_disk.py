#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-cib --standalone with its state directory on a tiny tmpfs: fill the
disk and an update is refused with a clear error (and not applied), free the
space and updates work again, kill it (SIGKILL) and the last acknowledged
CIB is there at the next start. Needs root and unshare(1): it runs itself again in a private mount
namespace, so the tmpfs is gone with it. Without them it exits 77
(skipped)."""

import argparse
import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_vigil_cib as T  # noqa: E402  (frame protocol, Daemon, check)

SKIP = 77
INSIDE = "VIGIL_CIB_FULL_DISK_NS"
TMPFS_SIZE = "512k"


def resource(rid):
    return '<primitive id="%s" class="ocf" provider="pacemaker" type="Dummy"/>' % rid


def fill(path):
    """Writes `path` until the file system is full; returns the bytes written."""
    total = 0
    chunk = b"x" * 4096
    with open(path, "wb", buffering=0) as f:
        while total < 64 * 1024 * 1024:  # bounded, far above the tmpfs size
            try:
                total += f.write(chunk)
            except OSError as e:
                if e.errno == errno.ENOSPC:
                    return total
                raise
    raise RuntimeError("%s: the disk did not fill up after %d bytes" % (path, total))


def update(d, rid):
    c = T.Conn(d.sock)
    try:
        return c.call(T.request("create", "resources", resource(rid)))
    finally:
        c.close()


def query(d, scope=""):
    c = T.Conn(d.sock)
    try:
        return c.call(T.request("query", scope))
    finally:
        c.close()


def scenario(binary, work):
    d = T.Daemon(binary, work)
    state = d.state_dir
    os.makedirs(state)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", state],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if mounted.returncode != 0:
        print("skip: cannot mount a tmpfs: %s" % mounted.stdout.decode().strip(), flush=True)
        return SKIP
    try:
        d.start()
        kind, body = update(d, "before")
        T.check(kind == T.RESPONSE, "an update on a disk with room is acknowledged")
        acked = T.version_of(query(d)[1])

        filler = os.path.join(state, "filler")
        written = fill(filler)
        print("filled the %s tmpfs with %d bytes" % (TMPFS_SIZE, written), flush=True)
        kind, body = update(d, "refused")
        T.check(kind == T.ERROR and body.startswith("io\n"),
                "on a full disk the update is refused with an io error (%r)" % body[:200])
        T.check("No space left on device" in body and "not applied" in body,
                "the error says the update is not applied and why")
        kind, body = query(d, "//primitive[@id='refused']")
        T.check(kind == T.ERROR, "the refused update is not in the CIB")
        T.check(T.version_of(query(d)[1]) == acked, "the version did not move (%s)" % acked)
        kind, body = update(d, "refused-too")
        T.check(kind == T.ERROR and "refused until a write succeeds" in body,
                "further updates are refused at once while the disk is full")
        T.check("could NOT be written to disk" in d.log_text(), "the failure is logged loudly")

        os.unlink(filler)
        deadline = time.time() + 15
        kind = None
        while time.time() < deadline:  # the retry runs every second
            kind, body = update(d, "after")
            if kind == T.RESPONSE:
                break
            time.sleep(0.2)
        T.check(kind == T.RESPONSE, "with room again, updates are acknowledged")
        acked = T.version_of(query(d)[1])
        # Killed, not stopped: nothing is flushed at exit, what was
        # acknowledged must already be on disk.
        d.proc.kill()  # our own child, by pid
        d.proc.wait()
        d.log.close()

        d.start()
        T.check(T.version_of(query(d)[1]) == acked,
                "a restart after SIGKILL loads the last acknowledged CIB (%s)" % acked)
        for rid, present in (("before", True), ("after", True), ("refused", False),
                             ("refused-too", False)):
            kind, _ = query(d, "//primitive[@id='%s']" % rid)
            T.check((kind == T.RESPONSE) == present,
                    "after the restart '%s' is %s" % (rid, "there" if present else "absent"))
        T.check(d.stop() == 0, "second stop exits 0")
    finally:
        if d.proc is not None and d.proc.poll() is None:
            d.proc.kill()  # our own child, by pid
            d.proc.wait()
        subprocess.run(["umount", state])
    return 1 if T.failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if os.environ.get(INSIDE) != "1":
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            print("skip: needs root and unshare(1) for a private tmpfs", flush=True)
            return SKIP
        unshare = ["unshare", "--mount", "--propagation", "private"]
        probe = subprocess.run(unshare + ["true"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        if probe.returncode != 0:
            print("skip: no private mount namespace here: %s" % probe.stdout.decode().strip(),
                  flush=True)
            return SKIP
        env = dict(os.environ, **{INSIDE: "1"})
        p = subprocess.run(unshare + [sys.executable, os.path.abspath(__file__), "--binary",
                                      binary], env=env)
        return p.returncode
    work = tempfile.mkdtemp(prefix="vigil-cib-full-disk-")
    rc = scenario(binary, work)
    if rc == 1:
        print("%d check(s) failed; daemon log kept in %s" % (len(T.failures), work))
    else:
        shutil.rmtree(work, ignore_errors=True)
        if rc == 0:
            print("all checks passed")
    return rc


if __name__ == "__main__":
    sys.exit(main())
