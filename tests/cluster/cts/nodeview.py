# SPDX-License-Identifier: GPL-2.0-or-later
"""What one node of a harness cluster is doing, read from the host without
starting a process: its daemons' sockets reached through the node shell's
/proc/PID/root (the node's private /run), its local addresses through
/proc/PID/net/fib_trie (the node's network namespace) and its Dummy state
files on its private /dev/shm. A node that is not running, or a daemon
that does not answer within its bound, gives None: "unknown", never a
guess.

- crmd_status: vigil-crmd's <status/> (DC, quorum, transition, members)
- executor_active: the resources vigil-lrmd's history says are running
- cib: vigil-cib's copy (version and document), as a query answers it
- local_addresses, dummy_running: the physical truth of the lab's resources
- file_identity: whether a state file is still the one it was
"""
import contextlib
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
import harness  # noqa: E402

sys.path.insert(0, harness.DAEMONS_TESTING)
import vigil_ipc  # noqa: E402

RUN_DIR = "/run/vigil"
# OCF exit codes of a running resource (success, running promoted)
RUNNING_RC = (0, 8)
STARTING_ACTIONS = ("start", "promote", "demote", "migrate_from")


def _node_path(c, i, path):
    pid = c.shell_pid(i)
    return None if pid is None else "/proc/%d/root%s" % (pid, path)


def call(c, i, sock, payload, timeout=5.0):
    """One request to a daemon's socket in node i; the answer's payload, or
    None when the node is down or the daemon does not answer (refused,
    closed, error frame, timeout)."""
    path = _node_path(c, i, "%s/%s" % (RUN_DIR, sock))
    if path is None:
        return None
    conn = None
    try:
        conn = vigil_ipc.Conn(path, timeout=timeout)
        return conn.call(payload)
    except (OSError, EOFError, ValueError, RuntimeError, vigil_ipc.Refused, socket.timeout):
        return None
    finally:
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()


def call_xml(c, i, sock, payload, timeout):
    """call(), its answer parsed: the root Element, or None."""
    text = call(c, i, sock, payload, timeout)
    if text is None:
        return None
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def crmd_status(c, i, timeout=5.0):
    """vigil-crmd's view: {"dc": name or None, "is_dc", "quorate",
    "shutting_down", "transition", "in_flight", "members": set of names}."""
    root = call_xml(c, i, "crmd.sock", "<status/>", timeout)
    if root is None:
        return None
    return {"dc": root.get("dc-name") or None, "is_dc": root.get("is-dc") == "true",
            "quorate": root.get("quorate") == "true",
            "shutting_down": root.get("shutting-down") == "true",
            "transition": root.get("transition"), "in_flight": int(root.get("in-flight", "0")),
            "members": {m.get("name") for m in root.iter("member")}}


def running_from_history(rsc):
    """Whether an <lrmd-rsc> of the executor's history says its resource
    runs: its latest result (highest call id) is a successful start,
    promote, demote or migrate_from, or a monitor answering running. A
    failed start or stop is not counted: it may or may not run."""
    last = None
    for r in rsc.iter("last-result"):
        with contextlib.suppress(TypeError, ValueError):
            if last is None or int(r.get("call-id")) > int(last.get("call-id")):
                last = r
    if last is None:
        return False
    try:
        rc = int(last.get("rc"))
        status = int(last.get("op-status", "0"))
    except (TypeError, ValueError):
        return False
    if status != 0:
        return False
    action = last.get("action")
    if action in STARTING_ACTIONS:
        return rc == 0
    if action == "monitor":
        return rc in RUNNING_RC
    return False


def executor_active(c, i, timeout=5.0):
    """The ids of the resources node i's executor runs, or None."""
    root = call_xml(c, i, "lrmd.sock", "<lrmd-history/>", timeout)
    if root is None:
        return None
    return {r.get("id") for r in root.iter("lrmd-rsc") if running_from_history(r)}


def cib(c, i, timeout=10.0):
    """(version "admin_epoch:epoch:num_updates", <cib> Element) of node i's
    vigil-cib, or None."""
    result = call_xml(c, i, "cib.sock", '<cib-request op="query"/>', timeout)
    if result is None:
        return None
    doc = result.find("cib")
    return (result.get("version"), doc) if doc is not None else None


def node_attribute(doc, uname, name):
    """A permanent node attribute's value in a <cib> Element, or None."""
    for node in doc.iter("node"):
        if node.get("uname") != uname:
            continue
        for nv in node.iter("nvpair"):
            if nv.get("name") == name:
                return nv.get("value")
    return None


def rsc_default(doc, name):
    """The value of meta attribute `name` in a <cib> Element's rsc_defaults
    (the first meta_attributes set that has it), or None."""
    for section in doc.iter("rsc_defaults"):
        for meta in section.findall("meta_attributes"):
            for nv in meta.findall("nvpair"):
                if nv.get("name") == name:
                    return nv.get("value")
    return None


FIB_LOCAL = re.compile(r"\|-- (\d+\.\d+\.\d+\.\d+)\n\s+/32 host LOCAL")


def local_addresses(c, i):
    """The IPv4 addresses of node i's network namespace, or None when it has
    no running shell to look through and its namespace cannot be read."""
    pid = c.shell_pid(i)
    if pid is not None:
        try:
            with open("/proc/%d/net/fib_trie" % pid) as f:
                return set(FIB_LOCAL.findall(f.read()))
        except OSError:
            pass
    # A stopped node keeps its namespace (and whatever it left in it).
    try:
        p = subprocess.run(["ip", "-n", c.netns(i), "-4", "-o", "addr", "show"],
                           capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if p.returncode != 0:
        return None
    return set(re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", p.stdout))


def link_up(c, i):
    """Whether node i's cable is in (the host side of its veth is up): a
    killed node's is pulled, and what it holds is unreachable."""
    try:
        with open("/sys/class/net/%s/operstate" % c.veth(i)) as f:
            return f.read().strip() != "down"
    except OSError:
        return False


def file_identity(c, i, path):
    """(inode, ctime in ns) of a file on node i's private file systems, or
    None when it is absent or the node is down: a Dummy stopped and started
    again has a new state file, so another identity."""
    node_path = _node_path(c, i, path)
    if node_path is None:
        return None
    try:
        st = os.stat(node_path)
    except OSError:
        return None
    return (st.st_ino, st.st_ctime_ns)


def dummy_running(c, i, state_file):
    """Whether an ocf:heartbeat:Dummy whose state file is `state_file` on the
    node's private file systems runs on node i (False when the node is down)."""
    path = _node_path(c, i, state_file)
    return path is not None and os.path.exists(path)
