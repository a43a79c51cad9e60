#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-cib --standalone as a process: round trips over its socket, bad
clients, access control, persistence across restarts, a corrupt cib.xml,
clean stop on SIGTERM. Speaks the frame protocol of lib/ipc/frame.hpp
itself (16-byte header: "VIGL", version 1, kind, id, length)."""

import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

MAGIC = 0x4C474956
HELLO, REQUEST, RESPONSE, ERROR, EVENT = 1, 2, 3, 4, 5
DUMMY = '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>'

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def frame(kind, fid, payload):
    data = payload.encode()
    return struct.pack("<IHHII", MAGIC, 1, kind, fid, len(data)) + data


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_frame(s):
    magic, version, kind, fid, length = struct.unpack("<IHHII", read_exact(s, 16))
    assert magic == MAGIC and version == 1
    return kind, fid, read_exact(s, length).decode()


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.hello = read_frame(self.s)
        self.next_id = 1

    def call(self, payload):
        fid = self.next_id
        self.next_id += 1
        self.s.sendall(frame(REQUEST, fid, payload))
        while True:
            kind, rid, body = read_frame(self.s)
            if kind == EVENT:
                continue
            assert rid == fid, (rid, fid)
            return kind, body

    def close(self):
        self.s.close()


def request(op, scope="", payload="", **attrs):
    a = ' op="%s"' % op
    if scope:
        a += (' xpath="%s"' if scope.startswith("/") else ' section="%s"') % scope
    for k, v in attrs.items():
        a += ' %s="%s"' % (k.replace("_", "-"), v)
    return "<cib-request%s>%s</cib-request>" % (a, payload) if payload else "<cib-request%s/>" % a


def version_of(body):
    return ET.fromstring(body).get("version")


class Daemon:
    def __init__(self, binary, work):
        self.binary, self.work = binary, work
        self.run_dir = os.path.join(work, "run")
        self.state_dir = os.path.join(work, "state")
        self.sock = os.path.join(self.run_dir, "cib.sock")
        self.log_path = os.path.join(work, "daemon.log")
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.binary, "--standalone", "--run-dir", self.run_dir, "--state-dir",
             self.state_dir, "--log-level", "debug"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vigil-cib exited with %s" % self.proc.returncode)
            try:
                c = Conn(self.sock)
                kind, body = c.call(request("query"))
                c.close()
                if kind == RESPONSE:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("vigil-cib did not answer within 15 s")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by pid
            rc = self.proc.wait()
        self.log.close()
        return rc

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()


def round_trips(d):
    c = Conn(d.sock)
    check(c.hello[0] == HELLO and c.hello[2] == "vigil-cib", "the daemon says hello as vigil-cib")
    kind, body = c.call(request("query"))
    check(kind == RESPONSE and version_of(body) == "0:0:0", "an empty CIB at 0:0:0")
    root = ET.fromstring(body)[0]
    check(root.tag == "cib" and root.get("validate-with") == "pacemaker-3.9",
          "the empty CIB validates with pacemaker-3.9")

    kind, body = c.call(request("create", "resources", DUMMY))
    check(kind == RESPONSE and version_of(body) == "0:1:0", "create bumps epoch: %s" % body)
    kind, body = c.call(request("query", "//primitive[@id='d1']"))
    check(kind == RESPONSE and 'type="Dummy"' in body, "the created primitive is read back")

    kind, body = c.call(request("modify", "status",
                                '<status><node_state id="1" uname="n1" in_ccm="true"/></status>'))
    check(kind == RESPONSE and version_of(body) == "0:1:1", "a status change bumps num_updates")

    kind, body = c.call(request(
        "replace", "resources",
        '<primitive id="d1" class="ocf" provider="heartbeat" type="IPaddr2"/>',
        expect_version="0:0"))
    check(kind == ERROR and "expected 0:0" in body, "a stale expect-version is refused: %s" % body)
    kind, body = c.call(request(
        "replace", "resources",
        '<primitive id="d1" class="ocf" provider="heartbeat" type="IPaddr2"/>',
        expect_version="0:1"))
    check(kind == RESPONSE and version_of(body) == "0:2:0", "replace with the right version")

    kind, body = c.call(request("create", "resources", '<primitive id="bad"/>'))
    check(kind == ERROR and body.startswith("invalid-input") and "validate" in body,
          "an invalid update is refused with the validator's message")
    kind, body = c.call(request("query", "//primitive[@id='bad']"))
    check(kind == ERROR and body.startswith("not-found"), "the invalid update changed nothing")

    kind, body = c.call(request("create", "resources",
                                '<primitive id="d2" class="ocf" provider="pacemaker" type="Dummy"/>'))
    check(kind == RESPONSE, "a second primitive")
    kind, body = c.call(request("delete", "//primitive[@id='d2']"))
    check(kind == RESPONSE and version_of(body) == "0:4:0", "delete removes it: %s" % body)
    kind, body = c.call(request("delete", "resources"))
    check(kind == ERROR and "required" in body, "a required section cannot be deleted")
    kind, body = c.call("garbage")
    check(kind == ERROR and body.startswith("invalid-input"), "a request that is not XML")
    kind, body = c.call('<cib-request op="explode"/>')
    check(kind == ERROR and "unknown CIB operation" in body, "an unknown operation")
    c.close()


def still_answers(d, what):
    c = Conn(d.sock)
    kind, body = c.call(request("query", "resources"))
    c.close()
    check(kind == RESPONSE and d.proc.poll() is None, "the daemon still answers after " + what)


def bad_clients(d):
    # Garbage bytes instead of a frame header.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(d.sock)
    read_frame(s)
    s.sendall(b"\x00garbage garbage garbage garbage\n" * 4)
    try:
        kind, fid, body = read_frame(s)
        check(kind == ERROR and fid == 0, "garbage is answered with a connection error")
    except (ConnectionError, OSError):
        check(True, "garbage closes the connection")
    s.close()
    still_answers(d, "garbage bytes")

    # A truncated frame: header announcing 100 bytes, 10 sent, then gone.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(d.sock)
    read_frame(s)
    s.sendall(struct.pack("<IHHII", MAGIC, 1, REQUEST, 1, 100) + b"<cib-reque")
    s.close()
    still_answers(d, "a truncated frame")

    # An oversized frame is refused from its header.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(d.sock)
    read_frame(s)
    s.sendall(struct.pack("<IHHII", MAGIC, 1, REQUEST, 1, 64 * 1024 * 1024))
    try:
        kind, fid, body = read_frame(s)
        check(kind == ERROR, "an oversized frame is refused: %s" % body)
    except (ConnectionError, OSError):
        check(True, "an oversized frame closes the connection")
    s.close()
    still_answers(d, "an oversized frame")

    # A client that vanishes with an update in flight.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(d.sock)
    read_frame(s)
    s.sendall(frame(REQUEST, 1, request(
        "create", "resources", '<primitive id="d3" class="ocf" provider="pacemaker" type="Dummy"/>')))
    s.close()
    time.sleep(0.2)
    still_answers(d, "a client vanished mid-request")


def foreign_user(d):
    if os.geteuid() != 0:
        print("skip: not root, cannot try a client outside root/haclient", flush=True)
        return
    os.chmod(d.work, 0o755)
    os.chmod(d.run_dir, 0o755)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        result = b"?"
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(d.sock)
            kind, fid, body = read_frame(s)
            result = ("%d|%s" % (kind, body)).encode()
        except Exception as e:  # reported through the pipe
            result = ("exc|%s" % e).encode()
        os.write(w, result)
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    text = data.decode()
    # Refused by the socket's mode (0660 group haclient), or by the
    # credential check when the socket lets it through.
    check(text.startswith("%d|" % ERROR) or text.startswith("exc|[Errno 13]"),
          "uid 65534 is refused: %s" % text)
    still_answers(d, "a refused client")


def subscribe_events(d):
    c = Conn(d.sock)
    kind, body = c.call('<cib-request op="subscribe"/>')
    check(kind == RESPONSE, "subscribe is accepted")
    other = Conn(d.sock)
    other.call(request("modify", "crm_config",
                       '<cluster_property_set id="cib-bootstrap-options">'
                       '<nvpair id="cib-bootstrap-options-x" name="x" value="1"/>'
                       '</cluster_property_set>', allow_create="true"))
    other.close()
    kind, fid, body = read_frame(c.s)
    ev = ET.fromstring(body)
    check(kind == EVENT and ev.tag == "cib-event" and ev.get("config-changed") == "true",
          "a subscriber gets a change event")
    c.close()


def without_corosync(binary, work):
    """Without --standalone and no corosync to reach: exit 69 (EX_UNAVAILABLE)."""
    p = subprocess.Popen([binary, "--run-dir", os.path.join(work, "run-cpg"), "--state-dir",
                          os.path.join(work, "state-cpg")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.terminate()  # a corosync is running here after all: our child, by pid
        p.communicate()
        print("skip: corosync is running on this host; cannot test its absence", flush=True)
        return
    check(p.returncode == 69 and b"corosync" in out,
          "without corosync the daemon exits 69 and says why (rc %s)" % p.returncode)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vigil-cib-test-")
    d = Daemon(os.path.abspath(args.binary), work)
    try:
        d.start()
        round_trips(d)
        bad_clients(d)
        foreign_user(d)
        subscribe_events(d)
        # Every acknowledged update is on disk, status changes too.
        c = Conn(d.sock)
        c.call(request("modify", "status", '<status><node_state id="2" uname="n2"/></status>'))
        kind, body = c.call(request("query"))
        before = version_of(body)
        c.close()
        rc = d.stop()
        check(rc == 0, "SIGTERM: exit 0 (got %s)" % rc)
        check(not os.path.exists(d.sock), "SIGTERM: the socket is removed")
        cib_dir = os.path.join(d.state_dir, "cib")
        check(os.path.exists(os.path.join(cib_dir, "cib.xml.sig")), "cib.xml.sig is written")
        check(any(n.startswith("cib-") and n.endswith(".raw") for n in os.listdir(cib_dir)),
              "configuration changes keep numbered backups")

        d.start()
        c = Conn(d.sock)
        kind, body = c.call(request("query"))
        check(version_of(body) == before, "a restart keeps the version (%s)" % before)
        kind, body = c.call(request("query", "//node_state[@id='2']"))
        check(kind == RESPONSE, "a restart keeps the last status change")
        kind, body = c.call(request("query", "//primitive[@id='d1']"))
        check(kind == RESPONSE and "IPaddr2" in body, "a restart keeps the configuration")
        c.close()
        check(d.stop() == 0, "second stop exits 0")

        with open(os.path.join(cib_dir, "cib.xml"), "a") as f:
            f.write("<!-- tampered -->")
        d.start()
        c = Conn(d.sock)
        kind, body = c.call(request("query"))
        c.close()
        got = version_of(body)
        check(got not in ("0:0:0", before),
              "a corrupt cib.xml is not used; the newest valid backup is (%s)" % got)
        log = d.log_text()
        check("cib.xml" in log and "does not match its .sig" in log,
              "the corrupt file is reported with its reason")
        check("using the newest valid backup" in log and ".raw" in log,
              "the log names the backup taken")
        check(os.path.exists(os.path.join(cib_dir, "cib.xml.corrupt-1")),
              "the corrupt file is moved aside")
        check(d.stop() == 0, "third stop exits 0")
        without_corosync(os.path.abspath(args.binary), work)
    finally:
        if d.proc is not None and d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
        if failures:
            print("daemon log kept in %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
