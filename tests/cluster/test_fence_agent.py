#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness's fence device: agents/fence/fence_vigil_netns and the power
switch of tests/cluster (powerswitch.py).

  test_fence_agent.py --part agent     no root: meta-data, option forms and bad
                                       input against stand-in switches
  test_fence_agent.py --part cluster   root + namespaces, two nodes on real
                                       Corosync: list, status, off, on, reboot
  test_fence_agent.py --part pacemaker two nodes on Pacemaker 2.1.5: a stonith
                                       device of this agent, node2 fenced with
                                       stonith_admin, powered on, back online

The cluster parts exit 77 (skipped) without root or network namespaces
(and the pacemaker part without pacemakerd).
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import CheckFailed as Failure, HarnessError, check, log  # noqa: E402

AGENT = os.path.realpath(harness.FENCE_AGENT)
PARAMETERS = {"action", "plug", "port", "nodename", "switch_socket", "delay", "login_timeout",
              "power_timeout"}
ACTIONS = {"on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata",
           "validate-all"}


def agent(args=(), stdin=None, timeout=30):
    """Runs the agent on the host: (exit code, stdout, stderr, seconds)."""
    t = time.monotonic()
    try:
        p = subprocess.run([AGENT] + list(args), input=stdin, capture_output=True, text=True,
                           timeout=timeout, stdin=None if stdin is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Failure("the agent hung: %s (no exit within %d s)" % (list(args), timeout))
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t


class StandIn:
    """A Unix socket that accepts clients and then answers `reply` (bytes, or
    None: never answers), to see the agent against a broken switch."""

    def __init__(self, path, reply):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.reply = reply
        self.stop = threading.Event()
        self.held = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        for _ in range(600):  # bounded: two minutes of 0.2 s accepts
            if self.stop.is_set():
                return
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            if self.reply is None:
                self.held.append(conn)  # keep it open, say nothing
                continue
            conn.settimeout(5)
            with conn:
                try:
                    conn.recv(4096)  # the request line: answered whatever it says
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.sock.close()


def part_agent():
    # meta-data, both forms of the option, is XML with the expected parameters
    rc, out, err, _ = agent(["-o", "metadata"])
    rc2, out2, _, _ = agent(stdin="action=metadata\n")
    check(rc == 0 and rc2 == 0 and out == out2, "meta-data by -o and on stdin, exit 0, identical")
    try:
        root = ET.fromstring(out)
    except ET.ParseError as e:
        raise Failure("meta-data is not XML: %s" % e)
    check(root.tag == "resource-agent" and root.get("name") == "fence_vigil_netns"
          and root.get("shortdesc"), "meta-data is a resource-agent named fence_vigil_netns")
    params = {p.get("name"): p for p in root.iter("parameter")}
    check(PARAMETERS <= set(params), "meta-data has the parameters %s" % sorted(PARAMETERS))
    check(all(p.find("content") is not None and p.find("shortdesc") is not None
              and p.find("getopt") is not None for p in params.values()),
          "every parameter has content, shortdesc and getopt")
    check(params["plug"].get("obsoletes") == "port" and params["action"].find("content")
          .get("default") == "reboot", "plug replaces port, action defaults to reboot")
    check({a.get("name") for a in root.iter("action")} == ACTIONS,
          "meta-data lists the actions %s" % sorted(ACTIONS))

    with tempfile.TemporaryDirectory(prefix="fence-agent-") as d:
        missing = os.path.join(d, "absent.sock")
        rc, out, err, _ = agent(["-o", "status", "-n", "node1", "--switch-socket", missing])
        check(rc == 1 and "no power switch at %s" % missing in err and out == "",
              "no switch socket: exit 1, says so: %s" % err.strip())

        stale = os.path.join(d, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()  # the file stays, nobody listens
        rc, out, err, _ = agent(stdin="action=off\nport=node1\nswitch_socket=%s\n" % stale)
        check(rc == 1 and "not listening" in err,
              "a switch that is not listening: exit 1, says so: %s" % err.strip())

        mute_path = os.path.join(d, "mute.sock")
        mute = StandIn(mute_path, None)
        try:
            rc, out, err, secs = agent(["-o", "status", "-n", "node1", "-s", mute_path,
                                        "--login-timeout", "1"])
            check(rc == 1 and "did not answer" in err and secs < 10,
                  "a switch that never answers: exit 1 after the login timeout (%.1f s)" % secs)
            rc, out, err, secs = agent(["-o", "off", "-n", "node1", "-s", mute_path,
                                        "--power-timeout", "1"])
            check(rc == 1 and "did not answer" in err and secs < 10,
                  "an off that never completes: exit 1 after power_timeout (%.1f s)" % secs)
        finally:
            mute.close()

        for name, reply, says in (
                ("garbage", b"\x00\xffnot json\n", "no valid answer"),
                ("a refusal", b'{"ok": false, "error": "unknown node \'node7\'"}\n',
                 "Failed: unknown node 'node7'"),
                ("a list", b'["node1"]\n', "no valid answer"),
                ("nothing", b"", "no valid answer")):
            path = os.path.join(d, name.split()[-1] + ".sock")
            standin = StandIn(path, reply)
            try:
                rc, out, err, _ = agent(["-o", "status", "-n", "node7", "-s", path])
            finally:
                standin.close()
            check(rc == 1 and says in err and out == "",
                  "a switch answering %s: exit 1: %s" % (name, err.strip()[:120]))

    rc, out, err, _ = agent(stdin="\x00\x01 garbage\nno equals sign\naction=status\n"
                                  "switch_socket=/nonexistent/s\n")
    check(rc == 1 and "Ignoring unknown option" in err and "plug" in err,
          "garbage on stdin is reported, then no plug: exit 1")
    rc, out, err, _ = agent(["--no-such-option"])
    check(rc == 1 and "no-such-option" in err, "an unknown command-line option: exit 1")
    rc, out, err, _ = agent(["-o", "frobnicate", "-n", "node1"])
    check(rc == 1 and "frobnicate" in err, "an unknown action: exit 1, named")
    rc, out, err, _ = agent(["-o", "status", "-n", "node1", "--login-timeout", "soon"])
    check(rc == 1 and "login-timeout" in err, "a timeout that is not a number: exit 1")
    rc, out, err, _ = agent(stdin="action=validate-all\nplug=node1\n")
    check(rc == 0, "validate-all of good options: exit 0")
    rc, out, err, secs = agent(["-o", "off", "-n", "node1", "-s", "/nonexistent/s",
                                "--delay", "1"])
    check(rc == 1 and 1.0 <= secs < 10 and "Delay" in err,
          "delay=1 waits before the off (%.1f s), which then fails" % secs)

    # a caller that never closes stdin: the agent gives up on its own
    p = subprocess.Popen([AGENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        t = time.monotonic()
        p.stdin.write("action=status\n")
        p.stdin.flush()
        p.wait(timeout=30)  # stdin stays open: communicate() would close it
        secs = time.monotonic() - t
        err = p.stderr.read()
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=10)
        raise Failure("the agent hung on an open stdin")
    finally:
        for f in (p.stdin, p.stdout, p.stderr):
            f.close()
    check(p.returncode == 1 and "stdin" in err and secs < 20,
          "stdin left open: exit 1 after %.1f s: %s" % (secs, err.strip()))
    part_switch()
    return 0


def raw_request(path, data, timeout=10):
    """Sends bytes to the switch, returns its answer (bytes) within timeout."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        for _ in range(64):  # bounded: answers are one short line
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer


def part_switch():
    """The power switch itself, on a cluster that was described but never
    started (no root needed: nothing runs, so nothing is killed or booted)."""
    with tempfile.TemporaryDirectory(prefix="fence-switch-") as work:
        # a tag no run creates (not hex): even as root, "off" touches nothing real
        c = harness.Cluster(work, nodes=2, stack="corosync", subnet="10.98.251", tag="nope")
        c.save()
        c.start_power_switch()
        try:
            sock = ["-s", c.power_socket]
            rc, out, err, _ = agent(["-o", "list-status"] + sock)
            check(rc == 0 and out.split() == ["node1,,OFF", "node2,,OFF"],
                  "the switch of a stopped cluster lists both nodes off: %r" % out)
            rc, out, err, _ = agent(["-o", "off", "-n", "node2"] + sock)
            check(rc == 0 and c.powered_off() == {"node2"},
                  "off of a stopped node succeeds and marks it powered off")
            stuck = ["-s", c.stuck_socket]
            rc, out, err, _ = agent(["-o", "off", "-n", "node1"] + stuck)
            check(rc == 1 and "stuck relay" in err and "node2" not in str(c.powered_off() -
                                                                          {"node2"}),
                  "off through the stuck outlet fails and changes nothing: %s" % err.strip())
            rc, out, err, _ = agent(["-o", "monitor"] + stuck)
            rc2, out2, _, _ = agent(["-o", "status", "-n", "node2"] + stuck)
            check(rc == 0 and rc2 == 2 and out2.strip() == "Status: OFF",
                  "the stuck outlet still answers monitor and status")
            events = c.power_events()
            check([(e["action"], e["node"], e["socket"], e["ok"], e["from"]) for e in events] ==
                  [("off", "node2", "main", True, "host"), ("off", "node1", "stuck", False, "host")]
                  and all(e["t"] <= e["t_done"] for e in events),
                  "the switch's event log has both offs, their outcome and who asked: %s"
                  % events)
            try:
                c.start(2)
                raise Failure("the harness would boot node2 while its power is off")
            except HarnessError as e:
                check("powered off" in str(e), "Cluster.start refuses it: %s" % e)
            for data, says in ((b"\x00\x01garbage\n", "one line of JSON"),
                               (b"[1, 2]\n", "JSON object"),
                               (b'{"action": "explode", "node": "node1"}\n', "unknown action"),
                               (b'{"action": "off", "node": "node3"}\n', "unknown node"),
                               (b'{"action": "off"}\n', "names no node"),
                               (b"x" * 10000 + b"\n", "longer than")):
                answer = raw_request(c.power_socket, data)
                check(b'"ok": false' in answer and says.encode() in answer,
                      "the switch refuses %r: %s" % (data[:40], answer.decode()[:100].strip()))
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
                silent.connect(c.power_socket)  # says nothing, holds a slot 5 s
                rc, out, err, _ = agent(["-o", "status", "-n", "node1"] + sock)
            check(rc == 2 and out.strip() == "Status: OFF",
                  "a silent client does not block the others")
            check(c.powered_off() == {"node2"}, "the refused requests changed nothing")
        finally:
            c.stop_power_switch()
        check(c.power_switch_pid() is None and not os.path.exists(c.power_socket),
              "the switch stops on SIGTERM and removes its socket")
        c.start_power_switch()
        os.unlink(os.path.join(work, "state.json"))  # what down() leaves
        try:
            harness.wait_until("the switch to notice its cluster is gone",
                               lambda: c.power_switch_pid() is None, 15, 0.1)
        except HarnessError as e:
            c.stop_power_switch()
            raise Failure(str(e))
        check(not os.path.exists(c.power_socket), "a switch whose cluster is gone stops")


def node_pids(c, i):
    """{pid: start time} of node i's processes."""
    return {pid: harness.proc_start_time(pid) for pid in c.processes(i)}


def inside(c, i, args=(), stdin=None, timeout=90):
    """Runs the agent by its name inside node i, as a fencer there would."""
    p = c.exec(i, ["fence_vigil_netns"] + list(args), input=stdin, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def corosync_pid(c, i):
    return harness.read_int(os.path.join(c.node_dir(i), "corosync.pid"))


def scenario(c):
    rc, out, err = inside(c, 1, stdin="action=list\n")
    check(rc == 0 and out.split() == ["node1,", "node2,"],
          "list inside node1 (stdin form): one node per line: %r" % out)
    rc, out, err = inside(c, 1, ["--action", "monitor"])
    check(rc == 0, "monitor inside node1: exit 0")
    rc, out, err = inside(c, 1, stdin="action=status\nport=node2\nnodename=node2\n")
    check(rc == 0 and out.strip() == "Status: ON", "status of node2 from node1: ON, exit 0")

    before = node_pids(c, 2)
    old_corosync = corosync_pid(c, 2)
    check(old_corosync in before and len(before) >= 2,
          "node2 runs %d processes, corosync among them" % len(before))
    rc, out, err = inside(c, 1, stdin="action=off\nport=node2\nnodename=node2\n")
    check(rc == 0 and "Powered OFF" in out, "off node2 from node1: exit 0: %s" % out.strip())
    alive = [pid for pid, st in before.items() if harness.proc_start_time(pid) == st]
    check(not alive and not c.processes(2) and not c.running(2),
          "every process of node2 is gone when off returns (%d were running)" % len(before))
    rc, out, err = inside(c, 1, ["-o", "status", "-n", "node2"])
    check(rc == 2 and out.strip() == "Status: OFF", "status of node2: OFF, exit 2")
    c.wait_membership([1], timeout=30)
    log("ok: node1's corosync sees node2 leave")
    try:
        c.start(2)
        raise Failure("the harness booted node2 while its power is off")
    except HarnessError as e:
        check("powered off" in str(e), "node2 is kept down: %s" % e)
    check(c.power_status(2) == "off", "power_status from the host: off")

    rc, out, err = inside(c, 1, ["-o", "on", "-n", "node2"])
    check(rc == 0 and "Powered ON" in out and c.running(2),
          "on node2 from node1 (command-line form): exit 0, node2 boots")
    check(corosync_pid(c, 2) not in (None, old_corosync), "node2 runs a new corosync")
    c.wait_membership([1, 2], timeout=60)
    log("ok: node2 rejoins the membership")

    old_corosync = corosync_pid(c, 2)
    before = node_pids(c, 2)
    rc, out, err = inside(c, 1, stdin="action=reboot\nnodename=node2\n")
    check(rc == 0 and "Rebooted" in out, "reboot node2 by nodename alone: exit 0")
    check(all(harness.proc_start_time(pid) != st for pid, st in before.items()),
          "none of node2's earlier processes survives the reboot")
    check(c.running(2) and corosync_pid(c, 2) not in (None, old_corosync),
          "node2 is back with a new corosync")
    c.wait_membership([1, 2], timeout=60)
    log("ok: node2 rejoins after the reboot")

    for action in ("status", "off", "reboot"):
        rc, out, err = inside(c, 1, ["-o", action, "-n", "node9"])
        check(rc == 1 and "node9" in err and "unknown node" in err,
              "%s of an unknown node: exit 1: %s" % (action, err.strip()))
    check(c.running(1) and c.running(2), "the unknown node's requests changed nothing")

    # Pacemaker's fencing library finds the agent in /usr/sbin and reads its meta-data
    if os.access("/usr/sbin/stonith_admin", os.X_OK):
        p = c.exec(1, ["stonith_admin", "--metadata", "--agent", "fence_vigil_netns"], timeout=30)
        check(p.returncode == 0 and "switch_socket" in p.stdout,
              "stonith_admin inside node1 reads the agent's meta-data")

    c.power_off(1)
    check(not c.running(1) and c.power_status(1) == "off", "power_off(1) from the host")
    c.power_on(1)
    check(c.running(1), "power_on(1) from the host")
    c.wait_membership([1, 2], timeout=60)

    c.stop_power_switch()
    rc, out, err = inside(c, 2, ["-o", "monitor"])
    check(rc == 1 and "no power switch" in err, "monitor with the switch stopped: exit 1: %s"
          % err.strip())
    c.start_power_switch()
    rc, out, err = inside(c, 2, ["-o", "monitor"])
    check(rc == 0, "monitor once the switch is back: exit 0")


STONITH_DEVICE = ('<primitive id="power" class="stonith" type="fence_vigil_netns">'
                  '<instance_attributes id="power-ia"><nvpair id="power-hl" name="pcmk_host_list"'
                  ' value="node1 node2"/></instance_attributes><operations><op id="power-mon"'
                  ' name="monitor" interval="60s"/></operations></primitive>')


def crm_mon(c, i):
    p = c.exec(i, ["crm_mon", "-1"], timeout=30)
    return p.stdout if p.returncode == 0 else ""


def pacemaker_scenario(c):
    try:
        harness.wait_until("both nodes online in crm_mon",
                           lambda: "Online: [ node1 node2 ]" in crm_mon(c, 1), 120, 0.5)
        c.check_exec(1, ["cibadmin", "--create", "-o", "resources", "--xml-text",
                         STONITH_DEVICE])
        harness.wait_until("the fence device started",
                           lambda: "(stonith:fence_vigil_netns):\t Started" in crm_mon(c, 1),
                           90, 0.5)
    except HarnessError as e:
        raise Failure("%s\n%s" % (e, crm_mon(c, 1)))
    log("ok: Pacemaker runs a stonith:fence_vigil_netns device")
    before = node_pids(c, 2)
    p = c.exec(1, ["stonith_admin", "--fence", "node2", "--timeout", "90"], timeout=120)
    check(p.returncode == 0, "stonith_admin --fence node2 (off) on node1: exit %d %s"
          % (p.returncode, (p.stdout + p.stderr).strip()[-300:]))
    alive = [pid for pid, st in before.items() if harness.proc_start_time(pid) == st]
    check(not alive and not c.running(2) and c.power_status(2) == "off",
          "node2's %d processes are gone and its power is off" % len(before))
    hist = c.check_exec(1, ["stonith_admin", "--history", "node2"], timeout=30)
    check(any("off" in line and "of node2 successful" in line for line in hist.splitlines()),
          "Pacemaker's history: %s" % hist.strip()[:200])
    c.power_on(2)
    try:
        harness.wait_until("node2 back online", lambda: "Online: [ node1 node2 ]" in
                           crm_mon(c, 1), 120, 0.5)
    except HarnessError as e:
        raise Failure("%s\n%s" % (e, crm_mon(c, 1)))
    log("ok: node2 powered on rejoins Pacemaker's cluster")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("agent", "cluster", "pacemaker"), required=True)
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.part == "agent":
        try:
            part_agent()
        except Failure as e:
            print("FAIL: %s" % e)
            return 1
        print("PASS")
        return 0
    why = harness.missing_prerequisites()
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    stack = "corosync" if args.part == "cluster" else "pacemaker"
    if stack == "pacemaker" and not os.access("/usr/sbin/pacemakerd", os.X_OK):
        print("SKIP: pacemakerd is not installed")
        return harness.SKIP
    work = harness.work_dir(args.work, "vigil-fence-")
    c = harness.Cluster(os.path.join(work, "fence"), nodes=2, stack=stack, token_ms=1000,
                        apache=False)
    return harness.run_test(c, scenario if stack == "corosync" else pacemaker_scenario, work,
                            keep=args.keep or bool(args.work), failures=(Failure,))


if __name__ == "__main__":
    sys.exit(main())
