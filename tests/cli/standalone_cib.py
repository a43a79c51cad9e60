# SPDX-License-Identifier: GPL-2.0-or-later
"""`vigil-cib --standalone` for the command line's live tests: a corosync.conf
naming the cluster and its nodes (as pcs reads them), the daemon started until
its socket is there, and stopped by pid."""
import os
import signal
import subprocess
import time


def write_corosync_conf(path, cluster_name, nodes=("node1", "node2")):
    with open(path, "w") as f:
        f.write("totem {\n    version: 2\n    cluster_name: %s\n}\nnodelist {\n" % cluster_name)
        for i, name in enumerate(nodes, 1):
            f.write("    node {\n        name: %s\n        nodeid: %d\n    }\n" % (name, i))
        f.write("}\n")


def start(cib, run_dir, state_dir, log, limit_s=20):
    """The daemon's Popen once its socket exists; RuntimeError when it exits
    or does not come up within LIMIT_S."""
    daemon = subprocess.Popen([cib, "--standalone", "--run-dir", run_dir, "--state-dir",
                               state_dir], stdout=log, stderr=subprocess.STDOUT)
    sock = os.path.join(run_dir, "cib.sock")
    deadline = time.monotonic() + limit_s
    while not os.path.exists(sock):
        if daemon.poll() is not None or time.monotonic() > deadline:
            stop(daemon)
            raise RuntimeError("vigil-cib did not come up (exit status %s)" % daemon.returncode)
        time.sleep(0.05)
    return daemon


def stop(daemon):
    """SIGTERM, then SIGKILL after 10 s; nothing when it has already exited."""
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=10)
