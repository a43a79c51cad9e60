#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The power switch of a harness-made cluster: the service the fence agent
agents/fence/fence_vigil_netns talks to.

  powerswitch.py WORK        serve WORK's cluster until SIGTERM

A separate process (started by Cluster.up(), recorded in WORK/pids.list as
"power-switch", stopped by Cluster.down()) so that it outlives the command
that made the cluster (`vigil-netns up`) and never shares a thread with a
test. It listens on the Unix socket WORK/power/switch.sock: a path in the
host's file system, reachable from every node's mount namespace (each node
also sees it as /run/vigil-netns/power.sock) and independent of the network
namespaces, so no traffic leaves the machine.

One JSON object per line each way (see the agent):
  list            -> {"ok": true, "nodes": {"node1": "on", ...}}
  status  nodeI   -> {"ok": true, "status": "on"|"off"}
  off     nodeI   -> every process of the node SIGKILLed (link down first, as
                     Cluster.kill), the node marked powered off: Cluster.start
                     refuses it until "on"
  on      nodeI   -> a fresh network namespace and the node booted (as after
                     Cluster.reboot_net + Cluster.start); answers once its
                     corosync answers and its stack is started
A node is "on" when its inner shell is alive, whatever stopped it. Power
operations are serialised; list and status are answered meanwhile.

A second socket, WORK/power/stuck.sock (/run/vigil-netns/stuck.sock in a
node), is the same switch with a stuck relay: list and status are answered,
off and on are refused. A device configured with it passes its monitor and
fails every fencing action: the failing first level of a fencing topology.

Every power request (on either socket) is appended to WORK/power/events.jsonl
with the time it arrived and the time it was answered, the node it names,
the node that asked (the network namespace of the client's process, from
SO_PEERCRED: "node2", or "host"), and its outcome. That file is the ground
truth of who fenced whom and when (Cluster.power_events()).
"""
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, log  # noqa: E402

MAX_REQUEST = 4096
REQUEST_TIMEOUT = 5.0  # seconds a client has to send its request line
MAX_CLIENTS = 16


class Switch:
    def __init__(self, work):
        self.work = os.path.abspath(work)
        self.c = harness.Cluster.load(self.work)
        self.lock = threading.Lock()
        self.events_lock = threading.Lock()

    def requester(self, pid):
        """The node whose network namespace the process pid lives in, "host"
        for the switch's own (the harness's), "pid N" when it cannot be told."""
        try:
            ino = os.stat("/proc/%d/ns/net" % pid).st_ino
        except OSError:
            return "pid %d" % pid
        for i in self.c.nodes():
            try:
                if os.stat("/run/netns/" + self.c.netns(i)).st_ino == ino:
                    return "node%d" % i
            except OSError:
                continue
        if os.stat("/proc/self/ns/net").st_ino == ino:
            return "host"  # the switch's own namespace, where the harness runs
        return "pid %d" % pid

    def record(self, event):
        with self.events_lock:
            with open(self.c.power_events_path, "a") as f:
                f.write(json.dumps(event) + "\n")

    def node_index(self, name):
        if not isinstance(name, str):
            raise HarnessError("the request names no node (\"node\": \"nodeI\")")
        for i in self.c.nodes():
            if name == "node%d" % i:
                return i
        raise HarnessError("unknown node '%s' (this cluster has %s)" % (
            str(name)[:64], ", ".join("node%d" % i for i in self.c.nodes())))

    def state(self, i):
        return "on" if self.c.running(i) else "off"

    def off(self, i):
        name = "node%d" % i
        harness.write_powered_off(self.work, harness.read_powered_off(self.work) | {name})
        self.c.kill(i)
        log("power switch: %s off" % name)

    def on(self, i):
        name = "node%d" % i
        harness.write_powered_off(self.work, harness.read_powered_off(self.work) - {name})
        if self.c.running(i):
            return
        self.c.reboot_net(i)  # a booted machine: no address left from before (pitfall 5)
        self.c.start(i)
        log("power switch: %s on" % name)

    def handle(self, request, stuck=False, sender="unknown"):
        """The reply to one request (a dict), never an exception. On the
        stuck socket (`stuck`) power operations are refused."""
        event = None
        try:
            if not isinstance(request, dict):
                raise HarnessError("a request is a JSON object")
            action = request.get("action")
            if action == "list":
                return {"ok": True, "nodes": {"node%d" % i: self.state(i)
                                              for i in self.c.nodes()}}
            if action not in ("status", "off", "on"):
                raise HarnessError("unknown action %r (list, status, off, on)"
                                   % (str(action)[:32],))
            i = self.node_index(request.get("node"))
            if action != "status":
                event = {"t": round(time.time(), 6), "action": action, "node": "node%d" % i,
                         "from": sender, "socket": "stuck" if stuck else "main"}
                if stuck:
                    raise HarnessError("the outlet of node%d does not switch (stuck relay)" % i)
                with self.lock:
                    event["t_begin"] = round(time.time(), 6)
                    getattr(self, action)(i)
                    self.c._reap()
            reply = {"ok": True, "status": self.state(i)}
        except HarnessError as e:
            reply = {"ok": False, "error": str(e)}
        except Exception as e:  # the switch keeps serving and says what went wrong
            reply = {"ok": False, "error": "power switch: %s: %s" % (type(e).__name__, e)}
        if event is not None:
            event.update(t_done=round(time.time(), 6), ok=reply["ok"],
                         error=reply.get("error"))
            try:
                self.record(event)
            except OSError as e:
                log("power switch: cannot record %s: %s" % (event, e))
        return reply


class Handler(socketserver.StreamRequestHandler):
    timeout = REQUEST_TIMEOUT

    def handle(self):
        if not self.server.slots.acquire(blocking=False):
            self._send({"ok": False, "error": "power switch busy: %d clients" % MAX_CLIENTS})
            return
        try:
            try:
                line = self.rfile.readline(MAX_REQUEST + 1)
            except (socket.timeout, OSError):
                return
            if len(line) > MAX_REQUEST:
                reply = {"ok": False, "error": "request longer than %d bytes" % MAX_REQUEST}
                self._drain()
            else:
                try:
                    request = json.loads(line.decode("utf-8"))
                except ValueError:
                    request = None
                    reply = {"ok": False, "error": "a request is one line of JSON"}
                if request is not None:
                    reply = self.server.switch.handle(request, self.server.stuck,
                                                      self._sender())
            self._send(reply)
        finally:
            self.server.slots.release()

    def _sender(self):
        try:
            cred = self.request.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                           struct.calcsize("3i"))
        except OSError:
            return "unknown"
        pid = struct.unpack("3i", cred)[0]
        return self.server.switch.requester(pid) if pid > 0 else "unknown"

    def _drain(self):
        # Read what the client still sends (bounded): closing on unread data
        # would reset the connection before it reads our answer.
        try:
            for _ in range(256):
                if not self.rfile.read1(4096):
                    break
        except OSError:
            pass

    def _send(self, reply):
        try:
            self.wfile.write((json.dumps(reply) + "\n").encode())
        except OSError:
            pass  # the client left; nothing to tell


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def service_actions(self):
        # Nodes this process booted are its children: collect them once killed
        # (by a test, or by "off"), so that they do not linger as zombies.
        self.switch.c._reap()


def listen(switch, path, stuck):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)  # a stale socket of a killed switch of this very cluster
    old = os.umask(0o077)  # root only: powering nodes off is not for everyone
    try:
        server = Server(path, Handler)
    finally:
        os.umask(old)
    server.switch = switch
    server.stuck = stuck
    server.slots = threading.BoundedSemaphore(MAX_CLIENTS)
    return server


def serve(work):
    switch = Switch(work)
    path = switch.c.power_socket
    server = listen(switch, path, False)
    stuck = listen(switch, switch.c.stuck_socket, True)
    stuck_thread = threading.Thread(target=stuck.serve_forever, kwargs={"poll_interval": 0.5},
                                    daemon=True)
    stuck_thread.start()

    stopping = threading.Event()

    def stop(signum=None, frame=None):
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()
        threading.Thread(target=stuck.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch():
        # A cluster torn down without us (its owner SIGKILLed, then
        # `vigil-netns WORK down` or a new up elsewhere) leaves no state.json:
        # the switch has nothing left to power and goes too.
        state = os.path.join(switch.work, "state.json")
        while not stopping.wait(1.0):
            if not os.path.exists(state):
                log("power switch: %s is gone, stopping" % state)
                stop()
    threading.Thread(target=watch, daemon=True).start()
    log("power switch of cluster %s listening on %s" % (switch.c.tag, path))
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        stuck_thread.join(timeout=5)
        for srv, p in ((server, path), (stuck, switch.c.stuck_socket)):
            srv.server_close()
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
    log("power switch stopped")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: powerswitch.py WORK\n")
        sys.exit(2)
    try:
        sys.exit(serve(sys.argv[1]))
    except HarnessError as e:
        sys.stderr.write("powerswitch: %s\n" % e)
        sys.exit(1)
