#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigild over stand-in daemons (fake_daemon.py): start order gated on
sockets, options handed down, the status file, respawn after a crash, a
crash of vigil-cib restarting vigil-crmd, SIGTERM stopping everything in
reverse order (checked by pid), and missing binaries refused.

With --lrmd and --pengine, a second run supervises the real vigil-lrmd and
vigil-pengine (stand-ins for the CIB and the controller) and talks to them.

Usage: test_vigild.py --vigild BUILD/daemons/vigild [--lrmd L --pengine P]"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["vigil-cib", "vigil-stonithd", "vigil-lrmd", "vigil-pengine", "vigil-crmd"]


def wait(pred, what, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise TimeoutError("timed out waiting for " + what)


def status(run_dir):
    """name -> (pid, state, restarts) from vigild.status, or None."""
    try:
        text = open(os.path.join(run_dir, "vigild.status")).read()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        name, pid, state, restarts, _ = line.split()
        out[name] = (int(pid), state, int(restarts))
    return out


def all_running(run_dir):
    st = status(run_dir)
    if st and len(st) == len(NAMES) and all(v[1] == "running" for v in st.values()):
        return st
    return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def order(run_dir):
    try:
        return [l.split() for l in open(os.path.join(run_dir, "order.log")).read().splitlines()]
    except OSError:
        return []


def real_children(args, base):
    """vigild with the real vigil-lrmd and vigil-pengine: they get the run
    and state directories, answer on their sockets, and stop on SIGTERM."""
    sys.path.insert(0, os.path.join(HERE, "..", "testing"))
    import vigil_ipc  # noqa: E402
    daemon_dir = os.path.join(base, "sbin-real")
    run_dir = os.path.join(base, "run-real")
    state_dir = os.path.join(base, "state-real")
    os.makedirs(daemon_dir)
    real_cib = bool(args.cib) and os.access(args.cib, os.X_OK)
    # vigil-stonithd needs Corosync: a stand-in here (tests/cluster runs the real one).
    for name in ["vigil-cib", "vigil-stonithd", "vigil-crmd"]:
        source = os.path.abspath(args.cib) if (name == "vigil-cib" and real_cib) else \
            os.path.join(base, "sbin", name)
        os.symlink(source, os.path.join(daemon_dir, name))
    os.symlink(os.path.abspath(args.lrmd), os.path.join(daemon_dir, "vigil-lrmd"))
    os.symlink(os.path.abspath(args.pengine), os.path.join(daemon_dir, "vigil-pengine"))
    log = open(os.path.join(base, "vigild-real.log"), "wb")
    proc = subprocess.Popen([args.vigild, "--daemon-dir", daemon_dir, "--run-dir", run_dir,
                             "--state-dir", state_dir] + (["--standalone"] if real_cib else []),
                            stdout=log, stderr=subprocess.STDOUT)
    pids = []
    try:
        st = wait(lambda: all_running(run_dir), "the real daemons running")
        pids = [v[0] for v in st.values()]
        c = vigil_ipc.Conn(os.path.join(run_dir, "lrmd.sock"))
        assert c.call("<lrmd-history/>").startswith("<lrmd-history-reply")
        c.close()
        assert os.path.isdir(os.path.join(state_dir, "pengine")), "no $state/pengine"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert not [p for p in pids if alive(p)], "children left behind"
        for sock in ["lrmd.sock", "pengine.sock"]:
            assert not os.path.exists(os.path.join(run_dir, sock)), sock + " left behind"
        print("real vigil-lrmd and vigil-pengine%s supervised and stopped" % (
            " and vigil-cib --standalone" if real_cib else ""))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for p in pids:
            if alive(p):
                os.kill(p, signal.SIGKILL)
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigild", required=True)
    ap.add_argument("--lrmd")
    ap.add_argument("--pengine")
    ap.add_argument("--cib", help="the real vigil-cib, run with --standalone when built")
    args = ap.parse_args()
    base = tempfile.mkdtemp(prefix="vigild-test-")
    daemon_dir = os.path.join(base, "sbin")
    run_dir = os.path.join(base, "run")
    os.makedirs(daemon_dir)
    for name in NAMES:
        path = os.path.join(daemon_dir, name)
        with open(path, "w") as f:
            f.write('#!/bin/sh\nexec "%s" "%s" "%s" "$@"\n' % (
                sys.executable, os.path.join(HERE, "fake_daemon.py"), name))
        os.chmod(path, 0o755)
    log = open(os.path.join(base, "vigild.log"), "wb")
    proc = subprocess.Popen([args.vigild, "--daemon-dir", daemon_dir, "--run-dir", run_dir,
                             "--state-dir", os.path.join(base, "state"), "--standalone",
                             "--log-level", "debug"], stdout=log, stderr=subprocess.STDOUT)
    seen_pids = set()
    try:
        st = wait(lambda: all_running(run_dir), "all five children running")
        starts = [l for l in order(run_dir) if l[0] == "start"]
        assert [l[1] for l in starts] == NAMES, starts
        cib_args = starts[0][3:]
        assert "--standalone" in cib_args and "--run-dir=" + run_dir in cib_args, cib_args
        assert "--standalone" not in starts[1][3:], starts[1]
        seen_pids.update(v[0] for v in st.values())
        print("started in order: " + ", ".join(NAMES))

        # lrmd crashes: it alone comes back.
        os.kill(st["vigil-lrmd"][0], signal.SIGKILL)
        st2 = wait(lambda: (lambda s: s if s and s["vigil-lrmd"][2] == 1
                            and s["vigil-lrmd"][1] == "running" else None)(all_running(run_dir)),
                   "vigil-lrmd respawned")
        assert st2["vigil-lrmd"][0] != st["vigil-lrmd"][0]
        for n in ["vigil-cib", "vigil-stonithd", "vigil-pengine", "vigil-crmd"]:
            assert st2[n][0] == st[n][0], (n, st, st2)
        seen_pids.update(v[0] for v in st2.values())
        print("vigil-lrmd respawned alone")

        # cib crashes: stonithd and crmd are stopped and started again after it.
        os.kill(st2["vigil-cib"][0], signal.SIGKILL)
        st3 = wait(lambda: (lambda s: s if s and s["vigil-cib"][2] == 1 else None)(
            all_running(run_dir)), "vigil-cib and vigil-crmd back")
        assert st3["vigil-crmd"][0] != st2["vigil-crmd"][0], "vigil-crmd was not restarted"
        assert st3["vigil-crmd"][2] == 0, "a dependant's restart is not a crash"
        assert st3["vigil-stonithd"][0] != st2["vigil-stonithd"][0], "vigil-stonithd was not restarted"
        assert st3["vigil-stonithd"][2] == 0, "a dependant's restart is not a crash"
        assert st3["vigil-pengine"][0] == st2["vigil-pengine"][0]
        log_lines = order(run_dir)
        assert ["stop", "vigil-crmd", str(st2["vigil-crmd"][0])] in log_lines, log_lines
        seen_pids.update(v[0] for v in st3.values())
        print("vigil-cib crash restarted vigil-stonithd and vigil-crmd")

        before = len(order(run_dir))
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(30)
        assert rc == 0, "vigild exited with %d" % rc
        stops = [l[1] for l in order(run_dir)[before:] if l[0] == "stop"]
        assert stops == list(reversed(NAMES)), stops
        left = [p for p in seen_pids if alive(p)]
        assert not left, "children left behind: %s" % left
        assert status(run_dir) is None, "status file left behind"
        print("SIGTERM: stopped in reverse order, no child left")

        # Binaries missing: refused at once with EX_CONFIG.
        empty = os.path.join(base, "empty")
        os.makedirs(empty)
        r = subprocess.run([args.vigild, "--daemon-dir", empty, "--run-dir", run_dir],
                           capture_output=True, timeout=30)
        assert r.returncode == 78, (r.returncode, r.stderr)
        assert b"vigil-cib" in r.stderr, r.stderr
        # A daemon left running from before: refused, nothing started.
        fake = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_daemon.py"),
                                 "vigil-pengine", "--run-dir", run_dir])
        try:
            wait(lambda: os.path.exists(os.path.join(run_dir, "pengine.sock")), "stray daemon")
            time.sleep(0.2)
            before = len(order(run_dir))
            r = subprocess.run([args.vigild, "--daemon-dir", daemon_dir, "--run-dir", run_dir],
                               capture_output=True, timeout=30)
            assert r.returncode == 1, (r.returncode, r.stderr)
            assert b"vigil-pengine already answers" in r.stderr, r.stderr
            assert [l for l in order(run_dir)[before:] if l[0] == "start"] == []
        finally:
            fake.terminate()
            fake.wait(10)
        r = subprocess.run([args.vigild, "--bogus"], capture_output=True, timeout=30)
        assert r.returncode == 2, r.returncode
        print("missing binaries and bad options refused")

        # A child that exits 78 (bad configuration): vigild stops everything
        # and exits 78 itself, without respawning it.
        run78 = os.path.join(base, "run78")
        os.makedirs(run78)
        open(os.path.join(run78, "vigil-pengine.exit78"), "w").close()
        r = subprocess.run([args.vigild, "--daemon-dir", daemon_dir, "--run-dir", run78],
                           capture_output=True, timeout=60)
        assert r.returncode == 78, (r.returncode, r.stderr)
        events = order(run78)
        assert [l[1] for l in events if l[0] == "exit78"] == ["vigil-pengine"], events
        started = [int(l[2]) for l in events if l[0] == "start"]
        stopped = [l[1] for l in events if l[0] == "stop"]
        assert stopped == ["vigil-lrmd", "vigil-stonithd", "vigil-cib"], events
        assert not [p for p in started if alive(p)], "children left behind"
        print("a child exiting 78 stops everything; vigild exits 78")
        if args.lrmd and args.pengine:
            real_children(args, base)
    except Exception:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        log.close()
        sys.stderr.write(open(os.path.join(base, "vigild.log"), errors="replace").read())
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for p in seen_pids:
            if alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        shutil.rmtree(base, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
